"""Telling an untagged problem report from chatter: a small rule set that says why it decided.

A message reads like a report when it names a problem (stemmed, so inflections match) and
the score, which the things this team reports and a number strengthen, reaches THRESHOLD.
Messages that say something is fine again, only ask, or only thank are weakened below it.
The stemmers are handed in (Snowball's in practice), so these rules stay plain Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from incidents.domain import report_words as words

Stemmer = Callable[[str], str]

PROBLEM = 2  # a problem named
ANOTHER_PROBLEM = 1  # a second, different problem named
THING = 1  # something this team reports about
NUMBER = 1  # a scooter's, a terminal's, a report's number
SETTLED = -3  # fixed, back online, no problem
ONLY_ASKS = -3  # a question and nothing else
ONLY_THANKS = -3  # thanks, ok, +1
THRESHOLD = 3

# A cue this long matches any stem it begins (заверш: завершить, завершается); shorter
# cues must match whole stems (упа is not упаковка).
_PREFIX_MIN = 5
_TOKEN = re.compile(r"\d+(?::\d+)+|[a-zа-я]+|\d+")
_NOT = re.compile(r"n['’]t\b")  # doesn't, can't, won't: not
_MAX_SKIPPED = 2


@dataclass(frozen=True, slots=True)
class Stemmers:
    """A stemmer for words in Cyrillic letters, and one for words in Latin letters."""

    cyrillic: Stemmer
    latin: Stemmer


@dataclass(frozen=True, slots=True)
class Token:
    """A word as written (lower case, ё as е) and its stem."""

    word: str
    stem: str


@dataclass(frozen=True, slots=True)
class Cue:
    """A word or phrase as people write it, and the stems it is matched by."""

    text: str
    stems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reading:
    """What the rules made of a message: whether to suggest it, its score and why."""

    suggested: bool
    score: int
    reasons: tuple[str, ...]


class ReportRules:
    """The rule set, with its word lists stemmed once (plus a deployment's own words)."""

    def __init__(
        self,
        stemmers: Stemmers,
        *,
        extra_problems: Iterable[str] = (),
        extra_things: Iterable[str] = (),
    ) -> None:
        self.stemmers = stemmers
        self.problems = self._cues((*words.PROBLEMS, *extra_problems))
        self.things = self._cues((*words.THINGS, *extra_things))
        self.settled = self._cues(words.SETTLED)

    def read(self, text: str) -> Reading:
        """Score one message (its text or caption) and say whether it reads like a report."""
        tokens = self.tokens(text)
        reasons: list[str] = []
        score = 0
        problems = _found(self.problems, tokens)
        if problems:
            score += PROBLEM + (ANOTHER_PROBLEM if len(problems) > 1 else 0)
            reasons.extend(f"problem: {cue}" for cue in problems)
            things = _found(self.things, tokens)
            if things:
                score += THING
                reasons.append(f"thing: {things[0]}")
            number = next((t.word for t in tokens if t.word.isdigit()), None)
            if number is not None:
                score += NUMBER
                reasons.append(f"number: {number}")
        for cue in _found(self.settled, tokens):
            score += SETTLED
            reasons.append(f"settled: {cue}")
        if _only_asks(text, tokens):
            score += ONLY_ASKS
            reasons.append("only asks")
        if tokens and all(t.word in words.ACKNOWLEDGEMENTS for t in tokens):
            score += ONLY_THANKS
            reasons.append("only thanks")
        return Reading(bool(problems) and score >= THRESHOLD, score, tuple(reasons))

    def tokens(self, text: str) -> list[Token]:
        """The words and numbers of a text, stemmed by their script."""
        plain = _NOT.sub(" not", text.lower().replace("ё", "е"))
        return [Token(word, self._stem(word)) for word in _TOKEN.findall(plain)]

    def _stem(self, word: str) -> str:
        if word[0].isdigit():
            return word
        stemmer = self.stemmers.latin if "a" <= word[0] <= "z" else self.stemmers.cyrillic
        return stemmer(word)

    def _cues(self, texts: Iterable[str]) -> tuple[Cue, ...]:
        cues = []
        for text in texts:
            stems = tuple(token.stem for token in self.tokens(text))
            if stems:
                cues.append(Cue(text.strip(), stems))
        return tuple(cues)


def _found(cues: tuple[Cue, ...], tokens: list[Token]) -> list[str]:
    """The cues that occur in `tokens`, in the order of the list; forms of one stem once."""
    seen: set[tuple[str, ...]] = set()
    found = []
    for cue in cues:
        if cue.stems not in seen and _occurs(cue.stems, tokens):
            seen.add(cue.stems)
            found.append(cue.text)
    return found


def _occurs(stems: tuple[str, ...], tokens: list[Token]) -> bool:
    return any(_occurs_at(stems, tokens, start) for start in range(len(tokens)))


def _occurs_at(stems: tuple[str, ...], tokens: list[Token], start: int) -> bool:
    """Whether the cue's stems follow one another from `start`, skipping only a few fillers."""
    if not _matches(stems[0], tokens[start].stem):
        return False
    at = start
    for stem in stems[1:]:
        at += 1
        skipped = 0
        while at < len(tokens) and not _matches(stem, tokens[at].stem):
            if tokens[at].word not in words.FILLERS or skipped == _MAX_SKIPPED:
                return False
            skipped += 1
            at += 1
        if at == len(tokens):
            return False
    return True


def _matches(cue: str, stem: str) -> bool:
    return stem == cue or (len(cue) >= _PREFIX_MIN and stem.startswith(cue))


def _only_asks(text: str, tokens: list[Token]) -> bool:
    """A question from its first word to its question mark, with nothing after it."""
    return bool(tokens) and text.rstrip().endswith("?") and tokens[0].word in words.QUESTION_WORDS
