"""Suggestions: untagged messages that read like problem reports, offered to be recorded."""

from __future__ import annotations

from collections.abc import Iterable

import snowballstemmer

from incidents.domain.reports import ReportRules, Stemmers


def report_rules(
    *, extra_problems: Iterable[str] = (), extra_things: Iterable[str] = ()
) -> ReportRules:
    """The rule set with Snowball's Russian and English stemmers and a deployment's own words."""
    stemmers = Stemmers(
        cyrillic=snowballstemmer.stemmer("russian").stemWord,
        latin=snowballstemmer.stemmer("english").stemWord,
    )
    return ReportRules(stemmers, extra_problems=extra_problems, extra_things=extra_things)
