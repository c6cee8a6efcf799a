"""What machines send is cut to fit, never refused for its size: the rules of cutting."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.domain.alerts import (
    CUT_MARK,
    DETAILS_MAX_BYTES,
    fit_details,
    fit_text,
    json_size,
    storable,
)

LABELS = {"alertname": "ScooterOffline", "instance": "scooter-42"}


def test_sizes_are_utf8_bytes_of_compact_json() -> None:
    assert json_size({"a": "я"}) == len('{"a":"я"}'.encode())
    assert json_size({"a": "я"}) == 10  # not the 14 of "\\u044f"


def test_a_long_annotation_is_cut_and_the_labels_stay_whole() -> None:
    for long in ("x" * 40_000, "я" * 17_000, "\U0001f600" * 9_000):
        details = {"labels": LABELS, "annotations": {"description": long, "summary": "short"}}
        cut, truncated = fit_details(details)
        assert truncated
        assert cut is not None
        assert json_size(cut) <= DETAILS_MAX_BYTES
        assert cut["labels"] == LABELS
        assert cut["annotations"]["summary"] == "short"
        assert cut["annotations"]["description"].endswith(CUT_MARK)
        assert long.startswith(cut["annotations"]["description"].removesuffix(CUT_MARK))
        assert details["annotations"]["description"] == long  # the original is left alone


def test_details_that_fit_are_kept_as_they_are() -> None:
    details = {"labels": LABELS, "battery": "4%"}
    assert fit_details(details) == (details, False)
    # 6,000 Cyrillic letters are 12,000 bytes: they fit (escaped as \uXXXX they would not).
    cyrillic = {"labels": LABELS, "annotations": {"description": "я" * 6_000}}
    assert fit_details(cyrillic) == (cyrillic, False)
    assert fit_details(None) == (None, False)


def test_the_longest_values_give_way_first() -> None:
    details = {"a": "x" * 30_000, "b": "y" * 20_000, "c": "z" * 100}
    cut, _ = fit_details(details)
    assert cut is not None
    assert cut["c"] == "z" * 100
    assert len(cut["a"]) >= len(cut["b"]) - 1 > 0


def test_labels_too_big_to_keep_whole_are_cut_last() -> None:
    cut, truncated = fit_details({"labels": {"huge": "x" * 50_000}, "other": "y" * 100})
    assert truncated
    assert cut is not None
    assert json_size(cut) <= DETAILS_MAX_BYTES
    assert cut["labels"]["huge"].endswith(CUT_MARK)


def test_a_description_is_cut_at_its_limit_with_a_mark() -> None:
    text, cut = fit_text("a" * 20_000, 10_000)
    assert cut
    assert len(text) == 10_000
    assert text.endswith(CUT_MARK)
    assert fit_text("short", 10_000) == ("short", False)


def test_what_no_database_holds_is_replaced() -> None:
    assert storable("a\x00b\ud800c\U0001f600") == "a\ufffdb\ufffdc\U0001f600"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3000),
    lambda children: (
        st.lists(children, max_size=8) | st.dictionaries(st.text(max_size=20), children, max_size=8)
    ),
    max_leaves=40,
)


@settings(max_examples=60, deadline=None)
@given(
    labels=st.dictionaries(st.text(max_size=30), st.text(max_size=200), max_size=10),
    rest=st.dictionaries(st.text(max_size=20), json_values, max_size=10),
    filler=st.integers(min_value=0, max_value=60_000),
)
def test_any_details_fit_and_keep_their_labels_when_they_can(
    labels: dict[str, str], rest: dict[str, Any], filler: int
) -> None:
    details = {**rest, "labels": labels, "filler": "é" * filler}
    cut, truncated = fit_details(details)
    assert cut is not None
    assert json_size(cut) <= DETAILS_MAX_BYTES
    assert truncated == (json_size(details) > DETAILS_MAX_BYTES)
    if json_size({"labels": labels}) < DETAILS_MAX_BYTES // 2:
        assert cut["labels"] == labels
    json.dumps(cut, ensure_ascii=False).encode()  # still text
