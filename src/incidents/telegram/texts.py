"""Everything the bot says, in English and Russian, escaped for Telegram's HTML parse mode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from incidents.domain.errors import (
    DomainError,
    IllegalTransition,
    IncidentNotFound,
    InvalidInput,
    StorageUnavailable,
    VersionMismatch,
)
from incidents.domain.events import Event, EventKind
from incidents.domain.incident import Incident, Status, Verb

# Telegram refuses messages over 4096 characters (counted after entities are parsed, so
# escaping does not count); every piece of user text is clipped so a message stays below.
MESSAGE_LIMIT = 4096
TEXT_BUDGET = 3000
DETAILS_TEXT_BUDGET = 2000
ACTOR_BUDGET = 60


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One language's words."""

    incident: str
    statuses: dict[Status, str]
    verbs: dict[Verb, str]
    source: str
    reported_by: str
    usage_new: str
    usage_id: str
    usage_note: str
    refused_chat: str
    nothing_open: str
    now_status: str
    note_added: str
    changed_meanwhile: str
    done: str
    announced: str
    forwarded_from: str
    bad_status: str
    help: str
    errors: dict[str, str]


EN = Catalogue(
    incident="Incident",
    statuses={
        Status.NEW: "new",
        Status.IN_PROGRESS: "in progress",
        Status.RESOLVED: "resolved",
        Status.CLOSED: "closed",
    },
    verbs={Verb.TAKE: "Take", Verb.RESOLVE: "Resolve", Verb.REOPEN: "Reopen", Verb.CLOSE: "Close"},
    source="Source",
    reported_by="reported by",
    usage_new="Write what happened after the command: /new Scooter #42 is offline",
    usage_id="Give the incident number: /{command} 42",
    usage_note="Give the number and the text: /note 42 Courier is on the way",
    refused_chat="Sorry, this chat is not connected to the incident registry. "
    "Ask an administrator to add it.",
    nothing_open="No open incidents.",
    now_status="is now {status}",
    note_added="Note added to incident #{id}.",
    changed_meanwhile="It changed meanwhile; this is the current state.",
    done="Done.",
    announced="New incident",
    forwarded_from="Forwarded from {name}",
    bad_status="Unknown status. Use one of: new, in_progress, resolved, closed.",
    help="Report a problem: /new <text>, or start a message with [operator], [monitoring] "
    "or [partner].\nThen: /list [status], /show <id>, /take, /resolve, /reopen, /close <id>, "
    "/note <id> <text>; or reply to an incident message to add a note.",
    errors={
        IncidentNotFound.code: "There is no incident #{id}. See /list.",
        IllegalTransition.code: "The incident is {current}; it can go to: {allowed}.",
        VersionMismatch.code: "Incident #{id} changed meanwhile. See /show {id}.",
        InvalidInput.code: "That text can not be used: {detail}",
        StorageUnavailable.code: "The registry is not answering right now. Try again in a minute.",
        "": "Something went wrong; nothing was changed. Try again.",
    },
)

RU = Catalogue(
    incident="Инцидент",
    statuses={
        Status.NEW: "новый",
        Status.IN_PROGRESS: "в работе",
        Status.RESOLVED: "решён",
        Status.CLOSED: "закрыт",
    },
    verbs={
        Verb.TAKE: "Взять",
        Verb.RESOLVE: "Решить",
        Verb.REOPEN: "Вернуть в работу",
        Verb.CLOSE: "Закрыть",
    },
    source="Источник",
    reported_by="сообщил",
    usage_new="Напишите после команды, что случилось: /new Самокат #42 не на связи",
    usage_id="Укажите номер инцидента: /{command} 42",
    usage_note="Укажите номер и текст: /note 42 Курьер выехал",
    refused_chat="Извините, этот чат не подключён к реестру инцидентов. "
    "Попросите администратора добавить его.",
    nothing_open="Открытых инцидентов нет.",
    now_status="теперь {status}",
    note_added="Заметка добавлена к инциденту #{id}.",
    changed_meanwhile="Инцидент уже изменился; вот его текущее состояние.",
    done="Готово.",
    announced="Новый инцидент",
    forwarded_from="Переслано от {name}",
    bad_status="Неизвестный статус. Возможны: new, in_progress, resolved, closed.",
    help="Сообщить о проблеме: /new <текст> или сообщение, начинающееся с [operator], "
    "[monitoring] или [partner].\nДалее: /list [статус], /show <номер>, /take, /resolve, "
    "/reopen, /close <номер>, /note <номер> <текст>; или ответьте на сообщение об инциденте, "
    "чтобы добавить заметку.",
    errors={
        IncidentNotFound.code: "Инцидента #{id} нет. Смотрите /list.",
        IllegalTransition.code: "Статус инцидента: {current}; возможно: {allowed}.",
        VersionMismatch.code: "Инцидент #{id} уже изменился. Смотрите /show {id}.",
        InvalidInput.code: "Этот текст не подходит: {detail}",
        StorageUnavailable.code: "Реестр сейчас не отвечает. Попробуйте через минуту.",
        "": "Что-то пошло не так; ничего не изменено. Попробуйте ещё раз.",
    },
)

CATALOGUES = {"en": EN, "ru": RU}


def clip(text: str, limit: int = TEXT_BUDGET) -> str:
    """`text` cut to `limit` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Texts:
    """Renders the bot's messages in one language; user text is always escaped."""

    def __init__(self, language: str) -> None:
        self.words = CATALOGUES[language]

    def status(self, status: Status) -> str:
        """A status in words."""
        return self.words.statuses[status]

    def card(
        self, incident: Incident, *, heading: str | None = None, budget: int = TEXT_BUDGET
    ) -> str:
        """An incident as a message: number, status, source, reporter, description."""
        w = self.words
        title = f"{heading or w.incident} #{incident.id}"
        return (
            f"<b>{escape(title)}</b> · {escape(self.status(incident.status))}\n"
            f"{w.source}: {incident.source.value} · {w.reported_by} "
            f"{escape(clip(incident.created_by, ACTOR_BUDGET))}\n\n"
            f"{escape(clip(incident.description, budget))}"
        )

    def changed(self, incident: Incident, actor: str, note: str | None) -> str:
        """A change made elsewhere, told in the incident's thread."""
        status = self.words.now_status.format(status=self.status(incident.status))
        who = escape(clip(actor, ACTOR_BUDGET))
        text = f"<b>{self.words.incident} #{incident.id}</b> {escape(status)} · {who}"
        if note:
            text += f"\n{escape(clip(note, 1000))}"
        return text

    def listing(self, incidents: list[Incident]) -> str:
        """A compact list, one line an incident."""
        if not incidents:
            return self.words.nothing_open
        lines = [
            f"#{i.id} · {escape(self.status(i.status))} · {i.source.value} — "
            f"{escape(clip(i.description.splitlines()[0], 80))}"
            for i in incidents
        ]
        return "\n".join(lines)

    def details(self, incident: Incident, events: list[Event]) -> str:
        """A card followed by the latest events."""
        lines = [self.card(incident, budget=DETAILS_TEXT_BUDGET), ""]
        lines.extend(self._event_line(event) for event in events[-5:])
        return "\n".join(lines)

    def _event_line(self, event: Event) -> str:
        when = _hhmm(event.created_at)
        who = escape(clip(event.actor, ACTOR_BUDGET))
        if "from" in event.data and "to" in event.data:  # a move, by a person or automatic
            before = self.status(Status(event.data["from"]))
            after = self.status(Status(event.data["to"]))
            kind = "" if event.kind is EventKind.STATUS_CHANGED else f" ({event.kind.value})"
            return f"{when} {escape(before)} → {escape(after)}{kind} · {who}"
        if event.kind is EventKind.NOTE_ADDED:
            return f"{when} ✎ {escape(clip(str(event.data.get('text', '')), 200))} · {who}"
        return f"{when} {event.kind.value} · {who}"

    def error(self, error: DomainError | None) -> str:
        """What went wrong, and what would work, in a short reply."""
        errors = self.words.errors
        if isinstance(error, IncidentNotFound):
            return errors[error.code].format(id=error.incident_id)
        if isinstance(error, IllegalTransition):
            allowed = ", ".join(self.status(s) for s in error.allowed) or "—"
            return errors[error.code].format(current=self.status(error.current), allowed=allowed)
        if isinstance(error, VersionMismatch):
            return errors[error.code].format(id=error.incident_id)
        if isinstance(error, InvalidInput):
            return errors[error.code].format(detail=escape(error.detail))
        if isinstance(error, StorageUnavailable):
            return errors[error.code]
        return errors[""]


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%d.%m %H:%M")
