"""The report rules measured on a labelled corpus of chat messages (report_corpus.txt)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from incidents.domain.reports import ReportRules
from incidents.service.suggestions import report_rules

CORPUS = Path(__file__).with_name("report_corpus.txt")
LABELS = {"R": True, "C": False}
REPORTS_SUGGESTED_AT_LEAST = 0.90
CHATTER_SUGGESTED_AT_MOST = 0.03


@dataclass(frozen=True)
class Sample:
    """One labelled message."""

    line: int
    is_report: bool
    text: str


def samples() -> list[Sample]:
    """Every labelled message of the corpus, "\\n" read as a line break."""
    found = []
    for number, line in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition(" ")
        found.append(Sample(number, LABELS[label], text.replace("\\n", "\n")))
    return found


def listed_misses() -> set[str]:
    """The misses the comment at the top of the corpus lists, as `R text` / `C text`."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    start, end = lines.index("# MISSES-BEGIN"), lines.index("# MISSES-END")
    listed = (line.removeprefix("# ") for line in lines[start + 1 : end])
    return {line for line in listed if line[:2] in ("R ", "C ")}


@pytest.fixture(scope="module")
def rules() -> ReportRules:
    return report_rules()


def test_the_corpus_is_large_and_mixed() -> None:
    found = samples()
    assert len(found) >= 300
    assert sum(s.is_report for s in found) >= 100
    assert sum(not s.is_report for s in found) >= 100
    texts = [s.text for s in found]
    assert len(set(texts)) == len(texts), "a message is labelled twice"
    assert any("a" <= c <= "z" for t in texts for c in t.lower())
    assert any("а" <= c <= "я" for t in texts for c in t.lower())


def test_reports_are_suggested_and_chatter_is_not(
    rules: ReportRules, capsys: pytest.CaptureFixture[str]
) -> None:
    table = {(truth, said): 0 for truth in (True, False) for said in (True, False)}
    misses = []
    for sample in samples():
        reading = rules.read(sample.text)
        table[(sample.is_report, reading.suggested)] += 1
        if reading.suggested != sample.is_report:
            misses.append((sample, reading))
    reports = table[(True, True)] + table[(True, False)]
    chatter = table[(False, True)] + table[(False, False)]
    with capsys.disabled():  # the table belongs in every run's output, passing or not
        print(confusion_table(table, reports, chatter))
        for sample, reading in misses:
            print(f"  miss, line {sample.line}: {sample.text!r} {reading.score} {reading.reasons}")
    assert table[(True, True)] / reports >= REPORTS_SUGGESTED_AT_LEAST
    assert table[(False, True)] / chatter <= CHATTER_SUGGESTED_AT_MOST
    actual = {f"{'R' if s.is_report else 'C'} {s.text}" for s, _ in misses}
    assert actual == listed_misses(), "the corpus' list of misses is out of date"


def confusion_table(table: dict[tuple[bool, bool], int], reports: int, chatter: int) -> str:
    """Reports and chatter against suggested and not, with the two rates the issue sets."""
    return (
        "\nreport rules on the corpus    suggested  not suggested\n"
        f"  reports ({reports:3})           {table[(True, True)]:9}  {table[(True, False)]:13}\n"
        f"  chatter ({chatter:3})           {table[(False, True)]:9}  {table[(False, False)]:13}\n"
        f"  reports suggested {table[(True, True)] / reports:.1%} (at least 90 %), "
        f"chatter suggested {table[(False, True)] / chatter:.1%} (at most 3 %)"
    )
