"""A page of incidents and its total in one statement (PostgreSQL, on the driver).

The same filter as `incidents.list_incidents` and `counters.total_of`, written as SQL text with
positional parameters: one text per filter shape, which asyncpg prepares once per connection.
"""

from __future__ import annotations

from typing import Any

from incidents.db.counters import has_counter, total_bound
from incidents.db.incidents import IncidentFilter, incident_of_record
from incidents.db.tables import INCIDENT_COLUMNS_SQL, SEARCH_CONFIGS, SEARCH_VECTOR_COLUMN
from incidents.domain.access import stable_part
from incidents.domain.cursor import Position
from incidents.domain.incident import Incident, stems_words

_ESCAPE = "/"


class _Statement:
    """SQL text and its parameters, built up together."""

    def __init__(self) -> None:
        self.params: list[Any] = []

    def arg(self, value: Any, cast: str = "") -> str:
        self.params.append(value)
        return f"${len(self.params)}{cast}"

    def member(self, column: str, values: tuple[Any, ...]) -> str:
        plain = [getattr(value, "value", value) for value in values]
        if len(plain) == 1:
            return f"{column} = {self.arg(plain[0])}"
        return f"{column} = ANY({self.arg(plain, '::text[]')})"


def _escaped(text: str) -> str:
    """`text` for LIKE with `/` as the escape character (as SQLAlchemy's autoescape)."""
    return text.replace(_ESCAPE, _ESCAPE * 2).replace("%", "/%").replace("_", "/_")


def _assigned_to(sql: _Statement, name: str | None) -> str:
    if name is None:
        return "i.assignee IS NULL"
    stable = stable_part(name)
    if stable == name:
        return f"i.assignee = {sql.arg(name)}"
    prefix = sql.arg(f"{_escaped(stable)} (@%")
    return f"(i.assignee = {sql.arg(stable)} OR i.assignee LIKE {prefix} ESCAPE '/')"


_VECTOR = f"i.{SEARCH_VECTOR_COLUMN}"
_COLUMNS = ", ".join(f"i.{name}" for name in INCIDENT_COLUMNS_SQL.split(", "))


def _with_duplicates(page: str) -> str:
    """`page` (rows of incidents) with the ids folded into each: computed for the rows the
    page keeps, after LIMIT and OFFSET (in the page's own select list, a deep OFFSET would
    compute it for every row skipped)."""
    folded = "SELECT d.id FROM incidents d WHERE d.duplicate_of = k.id ORDER BY d.id"
    return f"SELECT k.*, ARRAY({folded}) AS duplicates FROM ({page}) k"


def _word(sql: _Statement, word: str) -> str:
    """As `incidents._word` on PostgreSQL: a substring, or the word stemmed."""
    like = f"i.search_text LIKE {sql.arg(f'%{_escaped(word)}%')} ESCAPE '/'"
    if not stems_words(word):
        return like
    said = sql.arg(word)
    query = " || ".join(f"plainto_tsquery('{c}'::regconfig, {said})" for c in SEARCH_CONFIGS)
    return f"({like} OR {_VECTOR} @@ ({query}))"


def _where(sql: _Statement, flt: IncidentFilter, after: Position | None) -> str:
    clauses = ["true"]
    if flt.statuses:
        clauses.append(sql.member("i.status", flt.statuses))
    if flt.sources:
        clauses.append(sql.member("i.source", flt.sources))
    if flt.dedup_key is not None:
        clauses.append(f"i.dedup_key = {sql.arg(flt.dedup_key)}")
    if flt.resolutions:
        clauses.append(sql.member("i.resolution", flt.resolutions))
    if flt.assignees:
        clauses.append("(" + " OR ".join(_assigned_to(sql, n) for n in flt.assignees) + ")")
    clauses.extend(_word(sql, word) for word in flt.words)
    if after is not None:
        clauses.append(
            f"(i.created_at, i.id) < ({sql.arg(after.created_at)}, {sql.arg(after.id, '::bigint')})"
        )
    return " AND ".join(clauses)


def _total(sql: _Statement, flt: IncidentFilter) -> str:
    """The exact total: a sum of counter rows where they can say, else a count."""
    if not has_counter(flt):
        matching = f"SELECT 1 FROM incidents i WHERE {_where(sql, flt, None)}"
        bound = total_bound(flt)
        if bound is not None:
            matching += f" LIMIT {sql.arg(bound + 1)}"
        return f"SELECT count(*) AS total FROM ({matching}) m"
    clauses = ["true"]
    if flt.statuses:
        clauses.append(sql.member("c.status", flt.statuses))
    if flt.sources:
        clauses.append(sql.member("c.source", flt.sources))
    if flt.resolutions:
        clauses.append(sql.member("c.resolution", flt.resolutions))
    where = " AND ".join(clauses)
    return f"SELECT coalesce(sum(c.count), 0) AS total FROM incident_counters c WHERE {where}"


def _search_statement(
    sql: _Statement,
    flt: IncidentFilter,
    bound: int,
    *,
    limit: int,
    offset: int,
    after: Position | None,
) -> str:
    """A text search: up to `bound` + 1 matches are gathered once (the total counts them);
    when that is all of them, the page is sorted from those, else it walks the newest-first
    index, as matches are then plentiful. (Walking the index for a rare word would read the
    whole table; sorting every match of a common one would too.)"""
    gathered = (
        f"SELECT i.id FROM incidents i WHERE {_where(sql, flt, None)} LIMIT {sql.arg(bound + 1)}"
    )
    bound_arg = sql.arg(bound, "::bigint")
    limit_arg, offset_arg = sql.arg(limit), sql.arg(offset)
    select = f"SELECT {_COLUMNS} FROM incidents i"
    order = f"ORDER BY i.created_at DESC, i.id DESC LIMIT {limit_arg} OFFSET {offset_arg}"
    few = _with_duplicates(
        f"{select} WHERE i.id IN (SELECT id FROM matched) AND {_where(sql, flt, after)} {order}"
    )
    many = _with_duplicates(f"{select} WHERE {_where(sql, flt, after)} {order}")
    return (
        f"WITH matched AS MATERIALIZED ({gathered}), "
        "total AS (SELECT count(*) AS total FROM matched) "
        "SELECT t.total, p.* FROM total t LEFT JOIN LATERAL ("
        f"(SELECT * FROM ({few}) f WHERE t.total <= {bound_arg}) UNION ALL "
        f"(SELECT * FROM ({many}) m WHERE t.total > {bound_arg})"
        ") p ON true ORDER BY p.created_at DESC, p.id DESC"
    )


async def fetch_page(
    driver: Any, flt: IncidentFilter, *, limit: int, offset: int, after: Position | None
) -> tuple[list[Incident], int, bool]:
    """A page of incidents matching `flt`, newest first (past `after`), how many match and
    whether that is exact (see `counters.total_of`)."""
    sql = _Statement()
    bound = total_bound(flt)
    if bound is not None and flt.words:
        statement = _search_statement(sql, flt, bound, limit=limit, offset=offset, after=after)
    else:
        total = _total(sql, flt)
        where = _where(sql, flt, after)
        page = _with_duplicates(
            f"SELECT {_COLUMNS} FROM incidents i WHERE {where} "
            f"ORDER BY i.created_at DESC, i.id DESC "
            f"LIMIT {sql.arg(limit)} OFFSET {sql.arg(offset)}"
        )
        # One round trip: the total's one row, joined to the page (no rows: one of nulls).
        statement = (
            f"SELECT t.total, p.* FROM ({total}) t LEFT JOIN LATERAL ({page}) p ON true "
            "ORDER BY p.created_at DESC, p.id DESC"
        )
    records = await driver.fetch(statement, *sql.params)
    found = int(records[0]["total"]) if records else 0
    items = [incident_of_record(r) for r in records if r["id"] is not None]
    if bound is not None and found > bound:
        return items, bound, False
    return items, found, True
