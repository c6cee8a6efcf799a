"""The overview's rules: the period asked about, its days and weeks in the registry's time zone,
and percentiles from the order statistics the database picks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from incidents.domain.errors import InvalidInput
from incidents.domain.incident import Resolution, Source

DEFAULT_DAYS = 30
# Longest period one request covers: a year, leap or not.
MAX_DAYS = 366
# Days a period may name: any the registry could hold, and a time zone can shift by a day.
FIRST_DAY, LAST_DAY = date(1970, 1, 2), date(9999, 12, 30)
# The percentiles the overview reports, as exact fractions: the median and the 90th.
MEDIAN = (1, 2)
P90 = (9, 10)
PERCENTILES = (MEDIAN, P90)


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (`Europe/Berlin`); raises InvalidInput for an unknown one."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(
            "timezone",
            f"{name!r} is not a time zone: write an IANA name such as UTC or Europe/Berlin.",
        ) from None


@dataclass(frozen=True, slots=True)
class Bucket:
    """A span of local days as UTC instants: [start, end)."""

    first_day: date
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Period:
    """The days asked about (both included) in a time zone, and the sources (empty: all)."""

    since: date
    until: date
    zone: ZoneInfo
    sources: tuple[Source, ...] = ()

    @property
    def start(self) -> datetime:
        """The first instant of `since`, in UTC."""
        return local_midnight(self.since, self.zone)

    @property
    def end(self) -> datetime:
        """The first instant after `until`, in UTC."""
        return local_midnight(self.until + timedelta(days=1), self.zone)

    def days(self) -> list[Bucket]:
        """Each day of the period, its boundaries in UTC (a DST day is 23 or 25 hours)."""
        count = (self.until - self.since).days + 1
        return [self._bucket(self.since + timedelta(days=n), 1) for n in range(count)]

    def weeks(self) -> list[Bucket]:
        """The ISO weeks (Monday first) the period touches, clipped to the period."""
        buckets = []
        day = self.since
        while day <= self.until:
            monday = day - timedelta(days=day.weekday())
            # Never past `until`, even in arithmetic: a Sunday after 9999-12-31 is no date.
            last = monday + timedelta(days=min(6, (self.until - monday).days))
            buckets.append(self._bucket(day, (last - day).days + 1))
            day = last + timedelta(days=1)
        return buckets

    def _bucket(self, first: date, days: int) -> Bucket:
        end = local_midnight(first + timedelta(days=days), self.zone)
        return Bucket(first, local_midnight(first, self.zone), end)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant `day` begins in `zone`, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def parse_day(text: str | None, *, field: str) -> date | None:
    """`2026-11-30` -> that date; None for no value; InvalidInput for anything else."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            field, f"{field} must be a date written as YYYY-MM-DD (e.g. 2026-11-30); got {text!r}."
        ) from None
    return check_day(day, field=field)


def check_day(day: date | None, *, field: str) -> date | None:
    """`day`, unless it lies outside FIRST_DAY..LAST_DAY (InvalidInput)."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(field, f"{field} must be between {FIRST_DAY} and {LAST_DAY}.")
    return day


def period_of(
    *,
    since: date | None,
    until: date | None,
    zone: ZoneInfo,
    today: date,
    sources: tuple[Source, ...] = (),
) -> Period:
    """The period a request asks for: by default the DEFAULT_DAYS days up to `today`."""
    last = until or today
    first = since or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput("since", f"since ({first}) is after until ({last}).")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(
            "until", f"A period covers at most {MAX_DAYS} days; {first}..{last} is longer."
        )
    return Period(first, last, zone, sources)


def percentile(fraction: tuple[int, int], count: int, ranked: dict[int, float]) -> float | None:
    """The `fraction` percentile of `count` sorted values, interpolated between the two nearest
    ranks (PostgreSQL's percentile_cont); `ranked` holds at least those (1-based) ranks."""
    if count == 0:
        return None
    low, high, weight = _nearest(fraction, count)
    below = ranked[low]
    return below + (ranked.get(high, below) - below) * weight


def _nearest(fraction: tuple[int, int], count: int) -> tuple[int, int, float]:
    """The 1-based ranks around the percentile's position, and the weight of the upper one."""
    numerator, denominator = fraction
    scaled = numerator * (count - 1)  # the position times `denominator`, kept exact
    low = scaled // denominator
    high = min(low + 1, count - 1)
    return low + 1, high + 1, (scaled - low * denominator) / denominator


@dataclass(frozen=True, slots=True)
class Spread:
    """How long something took: over how many incidents, the median and the 90th percentile."""

    count: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True, slots=True)
class Timing:
    """A span (report to take, report to resolve), overall and per source."""

    overall: Spread
    by_source: dict[Source, Spread]


@dataclass(frozen=True, slots=True)
class DayStats:
    """One local day: incidents reported (in all and per source) and moved to resolved."""

    day: date
    reported: int
    resolved: int
    reported_by_source: dict[Source, int]


@dataclass(frozen=True, slots=True)
class WeekTiming:
    """The medians of one week's reports (its first day in the period)."""

    first_day: date
    take: Spread
    resolve: Spread


@dataclass(frozen=True, slots=True)
class Stats:
    """The overview of a period (see the API's description of each field)."""

    period: Period
    reported: int
    resolved: int
    closed: int
    by_source: dict[Source, int]
    by_resolution: dict[Resolution, int]
    time_to_take: Timing
    time_to_resolve: Timing
    per_day: list[DayStats]


def spread(count: int, ranked: dict[int, float]) -> Spread:
    """The median and 90th percentile of `count` values, from their values at the ranks read."""
    if count == 0:
        return Spread(0, None, None)
    median = percentile(MEDIAN, count, ranked)
    p90 = percentile(P90, count, ranked)
    return Spread(count, _ms(median), _ms(p90))


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)
