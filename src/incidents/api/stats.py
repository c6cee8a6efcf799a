"""The overview in numbers: counts, time to take and to resolve, and a per-day series."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from incidents.api.deps import ActorDep, RuntimeDep, SettingsDep
from incidents.api.errors import problem_responses
from incidents.domain.incident import Resolution, Source
from incidents.domain.stats import (
    DEFAULT_DAYS,
    Spread,
    Stats,
    Timing,
    check_day,
    period_of,
)
from incidents.service import stats as service

router = APIRouter(prefix="/api/v1/stats", tags=["overview"])


class SpreadOut(BaseModel):
    """How long a span took over the incidents that have it."""

    count: int = Field(description="How many incidents the figures are over.")
    median_seconds: float | None = Field(description="The median, in seconds; null for none.")
    p90_seconds: float | None = Field(
        description="The 90th percentile (interpolated, as PostgreSQL's percentile_cont), in "
        "seconds; null for none."
    )

    @classmethod
    def of(cls, spread: Spread) -> SpreadOut:
        """The API view of a spread."""
        return cls(
            count=spread.count,
            median_seconds=spread.median_seconds,
            p90_seconds=spread.p90_seconds,
        )


class TimingOut(BaseModel):
    """A span overall, and per source (every source present, count 0 where none)."""

    overall: SpreadOut
    by_source: dict[Source, SpreadOut]

    @classmethod
    def of(cls, timing: Timing) -> TimingOut:
        """The API view of a timing."""
        return cls(
            overall=SpreadOut.of(timing.overall),
            by_source={s: SpreadOut.of(spread) for s, spread in timing.by_source.items()},
        )


class DayOut(BaseModel):
    """One day of the period, in INCIDENTS_TIMEZONE."""

    date: date
    reported: int = Field(description="Incidents reported that day.")
    resolved: int = Field(description="Incidents moved to resolved that day.")
    reported_by_source: dict[Source, int] = Field(description="`reported`, per source.")


class StatsOut(BaseModel):
    """The overview of a period: what was reported, how fast it was taken and resolved."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "since": "2026-11-01",
                    "until": "2026-11-30",
                    "timezone": "Europe/Berlin",
                    "source": None,
                    "reported": 3,
                    "resolved": 2,
                    "closed": 1,
                    "by_source": {"operator": 1, "monitoring": 2, "partner": 0},
                    "by_resolution": {"fixed": 1, "false_alarm": 1, "duplicate": 0},
                    "time_to_take": {
                        "overall": {"count": 2, "median_seconds": 450.0, "p90_seconds": 810.0},
                        "by_source": {
                            "operator": {"count": 1, "median_seconds": 900.0, "p90_seconds": 900.0},
                            "monitoring": {"count": 1, "median_seconds": 0.0, "p90_seconds": 0.0},
                            "partner": {"count": 0, "median_seconds": None, "p90_seconds": None},
                        },
                    },
                    "time_to_resolve": {
                        "overall": {"count": 2, "median_seconds": 3600.0, "p90_seconds": 6480.0},
                        "by_source": {},
                    },
                    "per_day": [
                        {
                            "date": "2026-11-30",
                            "reported": 3,
                            "resolved": 2,
                            "reported_by_source": {"operator": 1, "monitoring": 2, "partner": 0},
                        }
                    ],
                }
            ]
        }
    }

    since: date = Field(description="The period's first day (included).")
    until: date = Field(description="The period's last day (included).")
    timezone: str = Field(description="The IANA time zone days are counted in.")
    source: Source | None = Field(description="The one source counted; null: all.")
    reported: int = Field(description="Incidents reported in the period.")
    resolved: int = Field(
        description="Incidents moved to resolved in the period (on each day they were)."
    )
    closed: int = Field(
        description="Incidents closed in the period, dismissals (false alarm, duplicate) included."
    )
    by_source: dict[Source, int] = Field(description="`reported`, per source.")
    by_resolution: dict[Resolution, int] = Field(
        description="How the incidents reported in the period ended so far, by resolution "
        "(open ones have none)."
    )
    time_to_take: TimingOut = Field(
        description="From report to the first move new -> in_progress, over the incidents "
        "reported in the period and taken since."
    )
    time_to_resolve: TimingOut = Field(
        description="From report to the first move to resolved, over the incidents reported "
        "in the period and resolved since."
    )
    per_day: list[DayOut] = Field(description="Every day of the period, oldest first.")

    @classmethod
    def of(cls, stats: Stats, *, source: Source | None) -> StatsOut:
        """The API view of an overview."""
        period = stats.period
        return cls(
            since=period.since,
            until=period.until,
            timezone=period.zone.key,
            source=source,
            reported=stats.reported,
            resolved=stats.resolved,
            closed=stats.closed,
            by_source=stats.by_source,
            by_resolution=stats.by_resolution,
            time_to_take=TimingOut.of(stats.time_to_take),
            time_to_resolve=TimingOut.of(stats.time_to_resolve),
            per_day=[
                DayOut(
                    date=day.day,
                    reported=day.reported,
                    resolved=day.resolved,
                    reported_by_source=day.reported_by_source,
                )
                for day in stats.per_day
            ],
        )


@router.get(
    "",
    response_model=StatsOut,
    responses=problem_responses(401, 403, 422, 503),
    summary="Overview of a period",
)
async def get_stats(
    runtime: RuntimeDep,
    actor: ActorDep,
    settings: SettingsDep,
    since: Annotated[
        date | None,
        Query(
            description="First day (YYYY-MM-DD, in INCIDENTS_TIMEZONE); default: "
            f"{DEFAULT_DAYS - 1} days before `until`.",
        ),
    ] = None,
    until: Annotated[
        date | None, Query(description="Last day (YYYY-MM-DD), included; default: today.")
    ] = None,
    source: Annotated[Source | None, Query(description="Only this source.")] = None,
) -> StatsOut:
    """Counts, time to take and to resolve (median and 90th percentile, overall and per
    source) and a per-day series, computed by the database. At most 366 days."""
    period = period_of(
        since=check_day(since, field="since"),
        until=check_day(until, field="until"),
        zone=settings.zone,
        today=runtime.clock.now().astimezone(settings.zone).date(),
        sources=() if source is None else (source,),
    )
    stats = await service.overview(runtime, actor=actor, period=period)
    return StatsOut.of(stats, source=source)
