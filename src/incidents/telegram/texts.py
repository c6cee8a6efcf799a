"""Everything the bot says, in English and Russian, escaped for Telegram's HTML parse mode."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape as escape_html

from incidents.domain.audit import Event, EventKind
from incidents.domain.bidi import isolate_bidi
from incidents.domain.errors import (
    DomainError,
    DuplicateConflict,
    IllegalTransition,
    IncidentNotFound,
    InvalidInput,
    SourceNotAllowed,
    StorageUnavailable,
    VersionMismatch,
)
from incidents.domain.incident import Incident, Resolution, Source, Status, Verb
from incidents.domain.notifications import Attachment


@dataclass(frozen=True, slots=True)
class Change:
    """One change as its notice tells it."""

    incident_id: int
    moved_from: Status | None
    status: Status
    actor: str
    at: datetime
    note: str | None


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
    sources: dict[Source, str]
    reported_by: str
    photo_attached: str
    file_attached: str
    note_told: str
    answer_here: str
    usage_new: str
    usage_id: str
    usage_note: str
    refused_chat: str
    nothing_open: str
    note_added: str
    changed_meanwhile: str
    done: str
    announced: str
    forwarded_from: str
    bad_status: str
    suggest: str
    record: str
    decline: str
    declined: str
    offer_closed: str
    help: str
    errors: dict[str, str]
    owner: str
    resolutions: dict[Resolution, str]
    duplicate_of: str
    merged: str
    usage_dup: str
    nothing_mine: str


EN = Catalogue(
    incident="Incident",
    statuses={
        Status.NEW: "new",
        Status.IN_PROGRESS: "in progress",
        Status.RESOLVED: "resolved",
        Status.CLOSED: "closed",
    },
    verbs={
        Verb.TAKE: "Take",
        Verb.RESOLVE: "Resolve",
        Verb.REOPEN: "Reopen",
        Verb.CLOSE: "Close",
        Verb.DISMISS: "False alarm",
    },
    source="Source",
    sources={
        Source.OPERATOR: "operator",
        Source.MONITORING: "monitoring",
        Source.PARTNER: "partner",
    },
    reported_by="reported by",
    photo_attached="📎 A photo is attached",
    file_attached="📎 A file is attached",
    note_told="note added",
    answer_here="What happened?",
    usage_new="What happened? Reply to this message, or write it after the command: "
    "/new Scooter #42 is offline",
    usage_id="Give the incident number: /{command} 42",
    usage_note="Give the number and the text: /note 42 Courier is on the way",
    refused_chat="Sorry, this chat is not connected to the incident runtime. "
    "Ask an administrator to add it.",
    nothing_open="No open incidents.",
    note_added="Note added to incident #{id}.",
    changed_meanwhile="It changed meanwhile; this is the current state.",
    done="Done.",
    announced="New incident",
    forwarded_from="Forwarded from {name}",
    bad_status="Unknown status. Use one of: new, in_progress, resolved, closed.",
    suggest="Looks like a problem report. Record it?",
    record="Record",
    decline="No",
    declined="Not recorded.",
    offer_closed="This offer is closed.",
    help="Report a problem: /new <text> (or /new alone, then answer the question), or start "
    "a message or a photo's caption with [operator], [monitoring] or [partner] "
    "([оператор], [мониторинг], [партнёр] work too); a message that reads like a problem "
    "report gets a Record button.\n"
    "Then: /list [status], /mine, /show <id>, /take, /resolve, /reopen, /close <id>, "
    "/note <id> <text>, /dismiss <id> <why> (a false alarm), /dup <id> <original id>; or "
    "reply to the bot's message about an incident to add a note. "
    "Editing a report adds the correction as a note. /digest: the registry at a glance.",
    errors={
        IncidentNotFound.code: "There is no incident #{id}. See /list.",
        SourceNotAllowed.code: "This chat works with {source} incidents only. See /list.",
        IllegalTransition.code: "The incident is {current}; it can go to: {allowed}.",
        VersionMismatch.code: "Incident #{id} changed meanwhile. See /show {id}.",
        InvalidInput.code: "That text can not be used: {detail}",
        StorageUnavailable.code: "The registry is not answering right now. Try again in a minute.",
        DuplicateConflict.code: "#{target} is already a duplicate of #{id}; nothing was changed.",
        "": "Something went wrong; nothing was changed. Try again.",
    },
    owner="owner",
    resolutions={
        Resolution.FIXED: "fixed",
        Resolution.FALSE_ALARM: "false alarm",
        Resolution.DUPLICATE: "duplicate",
    },
    duplicate_of="duplicate of #{id}",
    merged="Incident #{id} was merged into #{into}: its news follows there.",
    usage_dup="Give the duplicate's number, then the original's: /dup 12 7",
    nothing_mine="Nothing open is assigned to you.",
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
        Verb.DISMISS: "Ложная тревога",
    },
    source="Источник",
    sources={
        Source.OPERATOR: "оператор",
        Source.MONITORING: "мониторинг",
        Source.PARTNER: "партнёр",
    },
    reported_by="сообщил",
    photo_attached="📎 Приложено фото",
    file_attached="📎 Приложен файл",
    note_told="добавлена заметка",
    answer_here="Что случилось?",
    usage_new="Что случилось? Ответьте на это сообщение или напишите после команды: "
    "/new Самокат #42 не на связи",
    usage_id="Укажите номер инцидента: /{command} 42",
    usage_note="Укажите номер и текст: /note 42 Курьер выехал",
    refused_chat="Извините, этот чат не подключён к реестру инцидентов. "
    "Попросите администратора добавить его.",
    nothing_open="Открытых инцидентов нет.",
    note_added="Заметка добавлена к инциденту #{id}.",
    changed_meanwhile="Инцидент уже изменился; вот его текущее состояние.",
    done="Готово.",
    announced="Новый инцидент",
    forwarded_from="Переслано от {name}",
    bad_status="Неизвестный статус. Возможны: new, in_progress, resolved, closed.",
    suggest="Похоже на сообщение о проблеме. Записать?",
    record="Записать",
    decline="Нет",
    declined="Не записано.",
    offer_closed="Это предложение уже закрыто.",
    help="Сообщить о проблеме: /new <текст> (или просто /new и ответ на вопрос бота), "
    "или сообщение либо подпись к фото, начинающиеся с [оператор], [мониторинг] или "
    "[партнёр] (или [operator], [monitoring], [partner]); к сообщению, похожему на "
    "сообщение о проблеме, бот предложит кнопку «Записать».\n"
    "Далее: /list [статус], /mine, /show <номер>, /take, /resolve, /reopen, /close <номер>, "
    "/note <номер> <текст>, /dismiss <номер> <почему> (ложная тревога), "
    "/dup <номер> <номер оригинала>; или ответьте на сообщение бота об инциденте, чтобы добавить "
    "заметку. Исправление сообщения о проблеме добавляется заметкой. /digest: сводка.",
    errors={
        IncidentNotFound.code: "Инцидента #{id} нет. Смотрите /list.",
        SourceNotAllowed.code: "Этот чат работает только с инцидентами источника «{source}». "
        "Смотрите /list.",
        IllegalTransition.code: "Статус инцидента: {current}; возможно: {allowed}.",
        VersionMismatch.code: "Инцидент #{id} уже изменился. Смотрите /show {id}.",
        InvalidInput.code: "Этот текст не подходит: {detail}",
        StorageUnavailable.code: "Реестр сейчас не отвечает. Попробуйте через минуту.",
        DuplicateConflict.code: "#{target} уже дубликат #{id}; ничего не изменено.",
        "": "Что-то пошло не так; ничего не изменено. Попробуйте ещё раз.",
    },
    owner="ответственный",
    resolutions={
        Resolution.FIXED: "исправлен",
        Resolution.FALSE_ALARM: "ложная тревога",
        Resolution.DUPLICATE: "дубликат",
    },
    duplicate_of="дубликат #{id}",
    merged="Инцидент #{id} объединён с #{into}: новости о нём будут там.",
    usage_dup="Укажите номер дубликата, затем оригинала: /dup 12 7",
    nothing_mine="На вас не назначено открытых инцидентов.",
)

CATALOGUES = {"en": EN, "ru": RU}


def escape(text: str) -> str:
    """`text` for Telegram's HTML: markup escaped, bidirectional controls isolated."""
    return escape_html(isolate_bidi(text))


def clip(text: str, limit: int = TEXT_BUDGET) -> str:
    """`text` cut to `limit` characters, marked with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Texts:
    """Renders the bot's messages in one language; user text is always escaped."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.words = CATALOGUES[language]

    def status(self, status: Status) -> str:
        """A status in words."""
        return self.words.statuses[status]

    def card(
        self,
        incident: Incident,
        *,
        heading: str | None = None,
        budget: int = TEXT_BUDGET,
        files: Sequence[Attachment] = (),
    ) -> str:
        """An incident as a message: number, status, source, reporter, description, files."""
        w = self.words
        title = f"{heading or w.incident} #{incident.id}"
        text = (
            f"<b>{escape(title)}</b> · {escape(self.state(incident))}\n"
            f"{w.source}: {escape(w.sources[incident.source])} · {w.reported_by} "
            f"{escape(clip(incident.created_by, ACTOR_BUDGET))}"
        )
        if incident.assignee is not None:
            text += f" · {w.owner}: {escape(clip(incident.assignee, ACTOR_BUDGET))}"
        text += f"\n\n{escape(clip(incident.description, budget))}"
        if files:
            photo = any(file.kind == "photo" for file in files)
            text += f"\n\n{w.photo_attached if photo else w.file_attached}"
        return text

    def state(self, incident: Incident) -> str:
        """Its status, with how it ended once it has: `closed (duplicate of #7)`."""
        status = self.status(incident.status)
        if incident.duplicate_of is not None:
            return f"{status} ({self.words.duplicate_of.format(id=incident.duplicate_of)})"
        if incident.resolution is not None:
            return f"{status} ({self.words.resolutions[incident.resolution]})"
        return status

    def merged(self, incident_id: int, into: int) -> str:
        """The notice that a duplicate was folded into another incident."""
        return f"<b>{escape(self.words.merged.format(id=incident_id, into=into))}</b>"

    def change(self, change: Change) -> str:
        """One change, told in a following chat: from -> to (or a note), who, when, the note."""
        w = self.words
        if change.moved_from is None and change.note is None:  # queued by an older version
            what = self.status(change.status)
        elif change.moved_from is None:
            what = w.note_told
        else:
            what = f"{self.status(change.moved_from)} → {self.status(change.status)}"
        who = escape(clip(change.actor, ACTOR_BUDGET))
        text = (
            f"<b>{w.incident} #{change.incident_id}</b>: {escape(what)} · {who} · "
            f"{_when(change.at)}"
        )
        if change.note:
            text += f"\n{escape(clip(change.note, 1000))}"
        return text

    def listing(self, incidents: list[Incident], *, empty: str | None = None) -> str:
        """A compact list, one line an incident (`empty` when there is none)."""
        if not incidents:
            return empty or self.words.nothing_open
        lines = [
            f"#{i.id} · {escape(self.status(i.status))} · {escape(self.words.sources[i.source])} — "
            f"{escape(clip(i.description.splitlines()[0], 80))}"
            for i in incidents
        ]
        return "\n".join(lines)

    def details(
        self, incident: Incident, events: list[Event], *, files: Sequence[Attachment] = ()
    ) -> str:
        """A card followed by the latest events."""
        lines = [self.card(incident, budget=DETAILS_TEXT_BUDGET, files=files), ""]
        lines.extend(self._event_line(event) for event in events[-5:])
        return "\n".join(lines)

    def _event_line(self, event: Event) -> str:
        when = _hhmm(event.created_at)
        who = escape(clip(event.actor, ACTOR_BUDGET))
        if event.kind is EventKind.ASSIGNED:
            owner = clip(str(event.data.get("to") or "—"), ACTOR_BUDGET)
            return f"{when} {self.words.owner} → {escape(owner)} · {who}"
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
        if isinstance(error, SourceNotAllowed):
            source = self.words.sources[Source(error.bound)]
            return errors[error.code].format(source=escape(source))
        if isinstance(error, DuplicateConflict):
            return errors[error.code].format(id=error.incident_id, target=error.target_id)
        return errors[""]


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%d.%m %H:%M")


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%d.%m %H:%M UTC")
