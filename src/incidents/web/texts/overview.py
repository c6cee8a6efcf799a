"""The Overview page's texts, in each language the console speaks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from incidents.domain.durations import say_duration


@dataclass(frozen=True, slots=True)
class OverviewTexts:
    """Words of the Overview page; `{name}` parts are filled in with str.format."""

    title: str
    period: str
    since: str
    until: str
    show: str
    reported: str
    resolved: str
    closed: str
    open_now: str
    median_take: str
    median_resolve: str
    per_day_title: str
    per_day_desc: str
    per_day_none: str
    weekly_title: str
    weekly_desc: str
    weekly_none: str
    week_line: str
    take: str
    resolve: str
    no_value: str
    as_table: str
    column_day: str
    column_week: str
    column_total: str
    oldest_title: str
    none_open: str
    bad_period: str
    months: tuple[str, ...]
    seconds: str
    minutes: str
    hours: str
    hours_minutes: str
    days: str
    days_hours: str
    today: str
    this_week: str

    def day(self, day: date) -> str:
        """`23 Nov`."""
        return f"{day.day} {self.months[day.month - 1]}"

    def duration(self, seconds: float | None) -> str:
        """`45 s`, `12 min`, `3 h 20 min`, `2 d 4 h`; a dash for no value."""
        if seconds is None:
            return self.no_value
        return say_duration(round(seconds), self)


EN = OverviewTexts(
    title="Overview",
    period="{since} – {until}, days in {zone}",
    since="From",
    until="To",
    show="Show",
    reported="Reported",
    resolved="Resolved",
    closed="Closed",
    open_now="Open now",
    median_take="Median time to take",
    median_resolve="Median time to resolve",
    per_day_title="Incidents reported per day, by source",
    per_day_desc="{days} days from {since} to {until}: {total} incidents reported ({sources}); "
    "the most on {busiest} ({most}).",
    per_day_none="No incidents were reported from {since} to {until}.",
    weekly_title="Median time to take and to resolve, per week",
    weekly_desc="By the week incidents were reported in: {weeks}.",
    weekly_none="No incident reported from {since} to {until} was taken or resolved yet.",
    week_line="week of {week}: take {take}, resolve {resolve}",
    take="Time to take",
    resolve="Time to resolve",
    no_value="—",
    as_table="The figures as a table",
    column_day="Day",
    column_week="Week of",
    column_total="All",
    oldest_title="Oldest open incidents",
    none_open="Nothing is open.",
    bad_period="That period can not be shown: {detail} The last 30 days are shown instead.",
    months=("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    seconds="{n} s",
    minutes="{n} min",
    hours="{n} h",
    hours_minutes="{h} h {m} min",
    days="{n} d",
    days_hours="{d} d {h} h",
    today="today",
    this_week="this week",
)

RU = OverviewTexts(
    title="Обзор",
    period="{since} – {until}, дни по поясу {zone}",
    since="С",
    until="По",
    show="Показать",
    reported="Сообщено",
    resolved="Решено",
    closed="Закрыто",
    open_now="Открыто сейчас",
    median_take="Медиана времени до взятия",
    median_resolve="Медиана времени до решения",
    per_day_title="Инциденты по дням и источникам",
    per_day_desc="{days} дн. с {since} по {until}: сообщено {total} ({sources}); "
    "больше всего {busiest} ({most}).",
    per_day_none="С {since} по {until} инцидентов не было.",
    weekly_title="Медиана времени до взятия и до решения, по неделям",
    weekly_desc="По неделе, в которую сообщили об инциденте: {weeks}.",
    weekly_none="Инциденты с {since} по {until} ещё не брали в работу и не решали.",
    week_line="неделя с {week}: взятие {take}, решение {resolve}",
    take="До взятия",
    resolve="До решения",
    no_value="—",
    as_table="Данные таблицей",
    column_day="День",
    column_week="Неделя с",
    column_total="Всего",
    oldest_title="Самые давние открытые инциденты",
    none_open="Открытых инцидентов нет.",
    bad_period="Такой период показать нельзя: {detail} Показаны последние 30 дней.",
    months=("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"),
    seconds="{n} с",
    minutes="{n} мин",
    hours="{n} ч",
    hours_minutes="{h} ч {m} мин",
    days="{n} дн",
    days_hours="{d} дн {h} ч",
    today="сегодня",
    this_week="эта неделя",
)


def overview_texts_for(language: str) -> OverviewTexts:
    """The Overview page's texts in `language` (`en` or `ru`)."""
    return {"en": EN, "ru": RU}[language]
