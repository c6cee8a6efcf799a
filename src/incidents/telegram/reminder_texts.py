"""What the bot says in reminders and digests, in English and Russian (Telegram's HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from incidents.domain.digest import Digest, Waiting
from incidents.domain.durations import say_duration
from incidents.domain.incident import OPEN_STATUSES, Incident, Source, Status
from incidents.domain.reminders import telegram_handle
from incidents.telegram.texts import ACTOR_BUDGET, Texts, clip, escape


@dataclass(frozen=True, slots=True)
class Words:
    """One language's words for reminders and digests."""

    remind_new: str
    remind_in_progress: str
    owner_asked: str
    seconds: str
    minutes: str
    hours: str
    hours_minutes: str
    days: str
    days_hours: str
    digest_title: str
    digest_open: str
    digest_nothing_open: str
    digest_status_line: str
    digest_oldest: str
    digest_oldest_line: str
    nobody: str
    digest_yesterday: str


EN = Words(
    remind_new="#{id} has waited {waited}. Take it?",
    remind_in_progress="#{id} has been in progress for {waited} with no change. "
    "Resolve it, or add a note?",
    owner_asked="{owner}, ",
    seconds="{n} s",
    minutes="{n} min",
    hours="{n} h",
    hours_minutes="{h} h {m} min",
    days="{n} d",
    days_hours="{d} d {h} h",
    digest_title="Digest · {day}",
    digest_open="Open: {total}",
    digest_nothing_open="Nothing is open.",
    digest_status_line="{status}: {count} ({sources})",
    digest_oldest="Oldest open:",
    digest_oldest_line="#{id} · {status} · {age} · {owner} — {summary}",
    nobody="nobody",
    digest_yesterday="Yesterday ({day}): reported {reported}, resolved {resolved}, "
    "dismissed {dismissed} (false alarm {false_alarm}, duplicate {duplicate}).",
)

RU = Words(
    remind_new="#{id} ждёт уже {waited}. Возьмёте?",
    remind_in_progress="#{id} в работе {waited} без изменений. Решён? Или добавьте заметку.",
    owner_asked="{owner}, ",
    seconds="{n} с",  # noqa: RUF001 (Cyrillic: seconds in Russian)
    minutes="{n} мин",
    hours="{n} ч",
    hours_minutes="{h} ч {m} мин",
    days="{n} д",
    days_hours="{d} д {h} ч",
    digest_title="Сводка · {day}",
    digest_open="Открыто: {total}",
    digest_nothing_open="Открытых инцидентов нет.",
    digest_status_line="{status}: {count} ({sources})",
    digest_oldest="Самые давние открытые:",
    digest_oldest_line="#{id} · {status} · {age} · {owner} — {summary}",
    nobody="никто",
    digest_yesterday="Вчера ({day}): сообщено {reported}, решено {resolved}, "
    "отклонено {dismissed} (ложная тревога {false_alarm}, дубликат {duplicate}).",
)

WORDS = {"en": EN, "ru": RU}


class ReminderTexts:
    """Renders reminders and digests in one language, beside the bot's other texts."""

    def __init__(self, texts: Texts, language: str) -> None:
        self.texts = texts
        self.words = WORDS[language]

    def duration(self, seconds: float) -> str:
        """`15 min`, `4 h`, `1 h 30 min`, `2 d 3 h`: how long, to the unit that matters."""
        return say_duration(int(seconds), self.words)

    def reminder(self, incident: Incident, *, status: Status, waited_seconds: int) -> str:
        """`#12 has waited 15 min. Take it?`, to the owner when one is on it; then its summary."""
        waited = self.duration(waited_seconds)
        if status == Status.NEW:
            text = escape(self.words.remind_new.format(id=incident.id, waited=waited))
        else:
            text = escape(self.words.remind_in_progress.format(id=incident.id, waited=waited))
            if incident.assignee is not None:
                text = self._mention(incident.assignee) + text
        summary = (
            incident.description.strip().splitlines()[0] if incident.description.strip() else ""
        )
        return f"<b>{text}</b>\n{escape(clip(summary, 200))}"

    def _mention(self, owner: str) -> str:
        """The owner addressed: `@anna`, a link to a Telegram user without a username, or the
        name the trail gives anyone else."""
        handle = telegram_handle(owner)
        if handle is None:
            name = escape(clip(owner, ACTOR_BUDGET))
        elif handle[1] is not None:
            name = f"@{escape(handle[1])}"
        else:
            label = escape(self.texts.words.owner)
            name = f'<a href="tg://user?id={handle[0]}">{label}</a>'
        return self.words.owner_asked.format(owner=name)

    def digest(self, digest: Digest) -> str:
        """The digest: open incidents by status and source, the oldest ones, yesterday."""
        w, t = self.words, self.texts
        lines = [f"<b>{escape(w.digest_title.format(day=_day(digest.day)))}</b>", ""]
        if digest.open_total:
            lines.append(escape(w.digest_open.format(total=digest.open_total)))
            for status in OPEN_STATUSES:
                by_source = digest.open.get(status, {})
                count = sum(by_source.values())
                if count:
                    sources = ", ".join(
                        f"{t.words.sources[s]} {n}" for s in Source if (n := by_source.get(s, 0))
                    )
                    line = w.digest_status_line.format(
                        status=t.status(status), count=count, sources=sources
                    )
                    lines.append(escape(line))
            lines += ["", escape(w.digest_oldest)]
            lines += [self._oldest(item, digest.at) for item in digest.oldest]
        else:
            lines.append(escape(w.digest_nothing_open))
        if digest.yesterday is not None:
            y = digest.yesterday
            lines += [
                "",
                escape(
                    w.digest_yesterday.format(
                        day=_day(y.day),
                        reported=y.reported,
                        resolved=y.resolved,
                        dismissed=y.false_alarm + y.duplicate,
                        false_alarm=y.false_alarm,
                        duplicate=y.duplicate,
                    )
                ),
            ]
        return "\n".join(lines)

    def _oldest(self, item: Waiting, at: datetime) -> str:
        owner = self.words.nobody if item.owner is None else _owner_name(item.owner)
        # Each field escaped (and its bidirectional controls isolated) alone: a summary's
        # reversal must not reach the number, the status or the owner beside it.
        return escape(self.words.digest_oldest_line).format(
            id=item.id,
            status=escape(self.texts.status(item.status)),
            age=escape(self.duration((at - item.created_at).total_seconds())),
            owner=escape(clip(owner, ACTOR_BUDGET)),
            summary=escape(clip(item.summary, 80)),
        )


def _owner_name(owner: str) -> str:
    """A Telegram owner by username (no @: a digest mentions nobody), a console user by name,
    anyone else as the trail names them."""
    handle = telegram_handle(owner)
    if handle is not None and handle[1] is not None:
        return handle[1]
    return owner.removeprefix("user:")


def _day(day: date) -> str:
    return day.strftime("%d.%m.%Y")
