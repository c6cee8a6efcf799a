"""Entity tags: the incident's version counter as a strong validator."""

from __future__ import annotations

import re

# RFC 9110 If-Match: `*`, or a comma-separated list of (possibly weak) entity tags.
# (Written without escapes or `\s`, which some schema tools can not generate strings for.)
_TAG = r'(W/)?"[!#-~]*"'
IF_MATCH_PATTERN = rf"^[ \t]*(\*|{_TAG}([ \t]*,[ \t]*{_TAG})*)[ \t]*$"

_STRONG_TAG = re.compile(r'^"(\d{1,18})"$')


def etag_of(version: int) -> str:
    """The strong ETag of an incident at `version`."""
    return f'"{version}"'


def versions_in(if_match: str) -> frozenset[int] | None:
    """The versions an `If-Match` value accepts; None for `*` (any).

    Strong comparison (RFC 9110 13.1.1): weak or malformed tags match nothing.
    """
    if if_match.strip() == "*":
        return None
    versions = set()
    for tag in if_match.split(","):
        match = _STRONG_TAG.match(tag.strip())
        if match:
            versions.add(int(match.group(1)))
    return frozenset(versions)


def matches_none(if_none_match: str, version: int) -> bool:
    """Whether an `If-None-Match` value names the current representation (weak comparison)."""
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag_of(version) in tags
