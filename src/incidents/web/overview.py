"""The Overview page: counts as tiles, reports per day by source, the weekly medians of time
to take and to resolve, and the oldest open incidents; charts drawn here as SVG."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fastapi import APIRouter
from starlette.responses import Response

from incidents.domain.digest import Waiting
from incidents.domain.errors import InvalidInput
from incidents.domain.incident import OPEN_STATUSES, Source
from incidents.domain.stats import Period, Stats, WeekTiming, parse_day, period_of
from incidents.service import incidents
from incidents.service import stats as service
from incidents.settings import Settings
from incidents.web.charts import NARROW, WIDE, Chart, Series, Size, bars
from incidents.web.errors import ConsoleRoute, InvalidChoice
from incidents.web.listing import age
from incidents.web.texts import Texts
from incidents.web.texts.overview import OverviewTexts, overview_texts_for
from incidents.web.views import choice, ended_text
from incidents.web.visit import VisitDep

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

OLDEST_SHOWN = 10
# From these on, the weekly chart counts in minutes, then hours, then days.
MINUTES_FROM, HOURS_FROM, DAYS_FROM = 120, 2 * 3600, 3 * 86400


@dataclass(frozen=True, slots=True)
class Figure:
    """A chart with its title, its description (the text alternative) and its table."""

    key: str
    title: str
    description: str
    wide: Chart
    narrow: Chart
    series: list[Series]
    columns: list[str]
    rows: list[list[str]]


@router.get("/overview")
async def overview_page(visit: VisitDep) -> Response:
    """The overview of a period (by default the last 30 days), for anyone signed in."""
    actor = visit.require_sign_in()
    settings: Settings = visit.console.settings
    ot = overview_texts_for(visit.t.lang)
    params = visit.request.query_params
    today = visit.runtime.clock.now().astimezone(settings.zone).date()
    message = None
    try:
        raw_source = params.get("source") or ""
        source = choice(Source, raw_source) if raw_source else None
        period = period_of(
            since=parse_day(params.get("since") or None, field="since"),
            until=parse_day(params.get("until") or None, field="until"),
            zone=settings.zone,
            today=today,
            sources=() if source is None else (source,),
        )
    except (InvalidInput, InvalidChoice) as error:
        message = ot.bad_period.format(detail=str(error) or visit.t.error_invalid_choice)
        source, period = None, period_of(since=None, until=None, zone=settings.zone, today=today)
    stats = await service.overview(visit.runtime, actor=actor, period=period)
    weekly = await service.weekly(visit.runtime, actor=actor, period=period)
    oldest = await service.oldest_open(
        visit.runtime, actor=actor, sources=period.sources, limit=OLDEST_SHOWN
    )
    counts = await incidents.count_by_status(visit.runtime, actor=actor, sources=period.sources)
    now = visit.runtime.clock.now()
    return visit.render(
        "overview.html",
        {
            "ot": ot,
            "stats": stats,
            "period": period,
            "period_text": ot.period.format(
                since=ot.day(period.since), until=ot.day(period.until), zone=period.zone.key
            ),
            "source": source,
            "sources": list(Source),
            "open_now": sum(counts[status] for status in OPEN_STATUSES),
            "figures": [
                per_day_figure(stats, visit.t, ot, today=today),
                weekly_figure(weekly, period, ot, today=today),
            ],
            "oldest": [_oldest_row(item, now, visit.t) for item in oldest],
            "message": message,
        },
        status_code=422 if message else 200,
    )


def _oldest_row(item: Waiting, now: datetime, t: Texts) -> dict[str, object]:
    return {
        "id": item.id,
        "status": item.status,
        "status_text": ended_text(item.status, item.resolution, None, t),
        "summary": item.summary,
        "age": age(item.created_at, now, t),
        "owner": item.owner,
    }


def per_day_figure(stats: Stats, t: Texts, ot: OverviewTexts, *, today: date) -> Figure:
    """Reports per day, stacked by source; today's bar says so."""
    days = stats.per_day
    series = [Series(f"source-{s.value}", t.sources[s]) for s in Source]
    names = [ot.today if day.day == today else ot.day(day.day) for day in days]
    values = [[float(day.reported_by_source[s]) for s in Source] for day in days]

    def draw(size: Size) -> Chart:
        return bars(
            size,
            names,
            values,
            series,
            stacked=True,
            whole=True,
            tick_text=lambda v: f"{v:g}",
            title_of=lambda n, k, v: f"{names[n]} · {series[k].name}: {v:g}",
        )

    period = stats.period
    since, until = ot.day(period.since), ot.day(period.until)
    if stats.reported:
        busiest = max(days, key=lambda day: day.reported)
        parts = ", ".join(f"{t.sources[s]} {n}" for s, n in stats.by_source.items() if n)
        description = ot.per_day_desc.format(
            days=len(days),
            since=since,
            until=until,
            total=stats.reported,
            sources=parts,
            busiest=ot.day(busiest.day),
            most=busiest.reported,
        )
    else:
        description = ot.per_day_none.format(since=since, until=until)
    return Figure(
        key="per-day",
        title=ot.per_day_title,
        description=description,
        wide=draw(WIDE),
        narrow=draw(NARROW),
        series=series,
        columns=[ot.column_day, *(t.sources[s] for s in Source), ot.column_total],
        rows=[
            [ot.day(day.day), *(str(day.reported_by_source[s]) for s in Source), str(day.reported)]
            for day in days
        ],
    )


def weekly_figure(
    weekly: list[WeekTiming], period: Period, ot: OverviewTexts, *, today: date
) -> Figure:
    """The median time to take and to resolve of each week's reports, side by side; this
    week's bars say so."""
    series = [Series("span-take", ot.take), Series("span-resolve", ot.resolve)]
    names = [
        ot.this_week if _same_week(week.first_day, today) else ot.day(week.first_day)
        for week in weekly
    ]
    seconds = [[w.take.median_seconds or 0.0, w.resolve.median_seconds or 0.0] for w in weekly]
    longest = max((max(pair) for pair in seconds), default=0.0)
    unit, text = _unit(longest, ot)
    values = [[s / unit for s in pair] for pair in seconds]

    def draw(size: Size) -> Chart:
        return bars(
            size,
            names,
            values,
            series,
            stacked=False,
            whole=unit == 1.0,  # no fractions of a second
            tick_text=lambda v: text.format(n=f"{v:g}"),
            title_of=lambda n, k, v: f"{names[n]} · {series[k].name}: {ot.duration(seconds[n][k])}",
        )

    measured = [w for w in weekly if w.take.count or w.resolve.count]
    if measured:
        lines = "; ".join(
            ot.week_line.format(
                week=ot.day(w.first_day),
                take=ot.duration(w.take.median_seconds),
                resolve=ot.duration(w.resolve.median_seconds),
            )
            for w in measured
        )
        description = ot.weekly_desc.format(weeks=lines)
    else:
        description = ot.weekly_none.format(since=ot.day(period.since), until=ot.day(period.until))
    return Figure(
        key="weekly",
        title=ot.weekly_title,
        description=description,
        wide=draw(WIDE),
        narrow=draw(NARROW),
        series=series,
        columns=[ot.column_week, ot.take, ot.resolve],
        rows=[
            [
                ot.day(w.first_day),
                ot.duration(w.take.median_seconds),
                ot.duration(w.resolve.median_seconds),
            ]
            for w in weekly
        ],
    )


def _same_week(day: date, today: date) -> bool:
    """Whether `day` falls in the week (Monday to Sunday) of `today`."""
    return day.isocalendar()[:2] == today.isocalendar()[:2]


def _unit(longest: float, ot: OverviewTexts) -> tuple[float, str]:
    """The unit the weekly chart's axis counts in, and how a tick in it reads."""
    if longest >= DAYS_FROM:
        return 86400.0, ot.days
    if longest >= HOURS_FROM:
        return 3600.0, ot.hours
    if longest >= MINUTES_FROM:
        return 60.0, ot.minutes
    return 1.0, ot.seconds
