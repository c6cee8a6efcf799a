"""The report rules one by one: stems, things, numbers, and what weakens a message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incidents.domain.durations import parse_duration
from incidents.domain.errors import InvalidInput
from incidents.domain.reports import THRESHOLD, ReportRules, Stemmers
from incidents.service.suggestions import report_rules


@pytest.fixture(scope="module")
def rules() -> ReportRules:
    return report_rules()


@pytest.mark.parametrize(
    "text",
    [
        "терминал 7 не работает",
        "терминалы не работают",
        "терминал на Лесной не работал всю ночь",
        "точка не отвечает",
        "точки не отвечают",
        "отчёт не выгрузился",
        "отчет не выгружен",
        "самокат сломан",
        "самокат сломался",
        "сервер упал",
        "ошибки при выгрузке",
        "касса зависла",
        "нет связи с терминалом",
        "scooter 12 offline",
        "terminal 7 is down",
        "terminal broken",
        "the terminal is not working",
        "the terminal doesn't work",
        "upload failed",
        "report error",
        "the lock is stuck",
        "no response from point 4",
    ],
)
def test_problem_words_match_their_inflections(rules: ReportRules, text: str) -> None:
    assert rules.read(text).suggested, rules.read(text)


def test_a_reading_says_why(rules: ReportRules) -> None:
    reading = rules.read("самокат 4512 не в сети у Курской")
    assert reading.suggested
    assert reading.reasons == ("problem: не в сети", "thing: самокат", "number: 4512")
    assert reading.score == 4


def test_a_problem_word_alone_is_not_enough(rules: ReportRules) -> None:
    """A day off (не работаю) is no outage: a thing or a number must join the problem word."""
    alone = rules.read("я завтра не работаю")
    assert not alone.suggested
    assert alone.score == THRESHOLD - 1
    assert rules.read("ноутбук опять завис").score < THRESHOLD
    assert rules.read("всё не работает и всё сломалось").suggested  # two problems


def test_only_some_stems_match_by_their_beginning(rules: ReportRules) -> None:
    """Long stems match longer ones (зависла), short ones only whole (упал, not упаковка)."""
    assert rules.read("касса зависла").suggested
    assert not rules.read("самокат 12: упаковка на складе").suggested


def test_phrases_skip_only_filler_words(rules: ReportRules) -> None:
    assert rules.read("клиент не может завершить поездку 12").suggested
    assert not rules.read("не знаю, работает ли терминал").suggested


@pytest.mark.parametrize(
    "text",
    [
        "спасибо, заработало",
        "терминал 7 снова работает",
        "самокат 4512 снова в сети",
        "починили терминал, ошибки больше нет",
        "terminal 7 is back online",
        "fixed, the upload error is gone",
        "без проблем, самокат 12 заберу",
    ],
)
def test_settled_messages_are_news_not_reports(rules: ReportRules, text: str) -> None:
    reading = rules.read(text)
    assert not reading.suggested
    assert any(reason.startswith("settled: ") for reason in reading.reasons) or (
        reading.score < THRESHOLD
    )


@pytest.mark.parametrize(
    "text",
    [
        "Кто-нибудь знает, почему терминал 7 не работает?",
        "когда починят самокат 12?",
        "does anyone know why terminal 7 is down?",
    ],
)
def test_questions_only_ask(rules: ReportRules, text: str) -> None:
    reading = rules.read(text)
    assert "only asks" in reading.reasons
    assert not reading.suggested


@pytest.mark.parametrize("text", ["+1", "ок", "спасибо большое", "thanks", "ok, got it", "да"])
def test_thanks_and_acknowledgements_are_not_reports(rules: ReportRules, text: str) -> None:
    reading = rules.read(text)
    assert "only thanks" in reading.reasons
    assert not reading.suggested


def test_a_deployment_adds_its_own_words() -> None:
    plain = report_rules()
    own = report_rules(extra_problems=["не пробивает штрихкод"], extra_things=["велосипед"])
    assert not plain.read("велосипед 12 скрипит").suggested
    assert not plain.read("сканер не пробивает штрихкоды").suggested
    assert own.read("сканер 3 не пробивает штрихкоды").suggested
    assert own.read("велосипед на Лесной сломался").suggested
    assert not plain.read("велосипед на Лесной сломался").suggested


def test_the_rules_take_any_stemmer() -> None:
    """Plain Python: the stemmers are handed in (here: none at all)."""
    rules = ReportRules(Stemmers(cyrillic=str, latin=str))
    assert rules.read("сервер 1 упал").suggested
    assert not rules.read("база 1 упала").suggested  # no stemmer: no inflections


def test_no_text_is_no_report(rules: ReportRules) -> None:
    for text in ("", "   ", "🙂", "12:30"):
        assert not rules.read(text).suggested


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10m", 600), ("30s", 30), ("2h", 7200), ("45", 45), (" 5 M ", 300)],
)
def test_durations_parse(text: str, expected: int) -> None:
    assert parse_duration(text) == timedelta(seconds=expected)


@pytest.mark.parametrize("text", ["", "ten", "10d", "1.5m", "-5m", "m"])
def test_other_durations_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a duration"):
        parse_duration(text)
