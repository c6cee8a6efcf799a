"""The incident list's query (filters, search, page) read leniently from the URL, and how rows
show age and description."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from incidents.domain.incident import Source, Status
from incidents.service.incidents import MAX_OFFSET
from incidents.web.texts import Texts

PAGE_SIZE = 25
SEARCH_MAX_LENGTH = 200
FIRST_LINE_MAX_LENGTH = 140
# Pages past this are not offered (the deepest offset the registry reads; a later page asked
# for shows this one): a narrower filter finds old incidents faster.
MAX_PAGE = MAX_OFFSET // PAGE_SIZE + 1

E = TypeVar("E", Status, Source)


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What the list shows: one status or all (or the caller's own), one source or any, a
    search, a page."""

    status: Status | None = None
    source: Source | None = None
    q: str = ""
    page: int = 1
    mine: bool = False

    @classmethod
    def from_params(cls, params: QueryParams) -> ListQuery:
        """The query a URL asks for; values nobody offers are ignored rather than refused."""
        return cls(
            status=_member(Status, params.get("status")),
            source=_member(Source, params.get("source")),
            q=" ".join((params.get("q") or "").split())[:SEARCH_MAX_LENGTH],
            page=_page_number(params.get("page")),
            mine=params.get("assignee") == "me",
        )

    @property
    def offset(self) -> int:
        """How many incidents come before this page."""
        return (self.page - 1) * PAGE_SIZE

    def url(self, **changes: Any) -> str:
        """The list URL of this query with `changes` (a new filter starts at page 1)."""
        changed = replace(self, **changes)
        if "page" not in changes:
            changed = replace(changed, page=1)
        params = {
            "status": changed.status.value if changed.status else None,
            "source": changed.source.value if changed.source else None,
            "q": changed.q or None,
            "page": changed.page if changed.page > 1 else None,
            "assignee": "me" if changed.mine else None,
        }
        kept = {name: value for name, value in params.items() if value is not None}
        return f"/?{urlencode(kept)}" if kept else "/"


def _member(kind: type[E], raw: str | None) -> E | None:
    try:
        return None if not raw else kind(raw)
    except ValueError:
        return None


def _page_number(raw: str | None) -> int:
    try:
        return min(max(1, int(raw or "1")), MAX_PAGE)
    except ValueError:
        return 1


def first_line(description: str) -> str:
    """The description's first line, shortened for a list row."""
    line = description.split("\n", 1)[0].strip()
    if len(line) > FIRST_LINE_MAX_LENGTH:
        return line[: FIRST_LINE_MAX_LENGTH - 1].rstrip() + "…"
    return line


def age(since: datetime, now: datetime, t: Texts) -> str:
    """How long ago `since` was, short: `just now`, `5 min`, `3 h`, `2 d`."""
    elapsed = max(now - since, timedelta(0))
    if elapsed < timedelta(minutes=1):
        return t.age_now
    if elapsed < timedelta(hours=1):
        return t.age_minutes.format(n=int(elapsed.total_seconds() // 60))
    if elapsed < timedelta(days=1):
        return t.age_hours.format(n=int(elapsed.total_seconds() // 3600))
    return t.age_days.format(n=elapsed.days)


def timestamp(moment: datetime) -> str:
    """A moment as people read it in the console: `2026-11-23 09:15 UTC`."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")
