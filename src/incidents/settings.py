"""Settings: one class, read from the environment (prefix INCIDENTS_) and `.env` once at start."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from incidents.db.engine import EngineOptions
from incidents.db.urls import async_url
from incidents.domain.alerts import REPLAY_RETENTION
from incidents.domain.digest import parse_time_of_day
from incidents.domain.durations import parse_duration
from incidents.domain.heartbeat import TIMEOUT_MAX_SECONDS
from incidents.domain.incident import Source
from incidents.domain.ratelimit import Rate
from incidents.domain.reminders import ReminderPolicy
from incidents.domain.stats import time_zone


@dataclass(frozen=True, slots=True)
class TelegramChat:
    """A group chat the bot serves: the source its reports get (None: operator), whether its
    untagged reports get suggestions, and the source it is bound to (None: it sees all)."""

    source: Source | None = None
    suggest: bool = True
    # The only source the chat reads, lists, changes and hears of; None: every source.
    bound: Source | None = None


class Settings(BaseSettings):
    """Everything the service can be told; `.env.example` documents each one."""

    # An empty value (`INCIDENTS_TELEGRAM_NOTIFY_CHAT=` as `.env.example` has it, or as compose
    # passes an unset variable) means "not set": the default applies.
    model_config = SettingsConfigDict(
        env_prefix="INCIDENTS_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
    )

    database_url: str = "sqlite+aiosqlite:///./data/incidents.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = "text"
    language: Literal["en", "ru"] = "en"
    # The largest valid request fits: 10,000 characters sent as JSON escapes (12 bytes each
    # outside the BMP) plus 32 KiB of details.
    max_body_bytes: int = Field(default=262_144, ge=1_024)
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    # Requests a key may make (`600/minute`, `10/second`, `5000/hour`; a bare number is per
    # minute; 0: no limit), and requests without valid credentials from one address.
    rate_limit_per_key: Annotated[Rate, NoDecode] = Rate(3000)
    rate_limit_per_ip: Annotated[Rate, NoDecode] = Rate(600)
    # Proxies whose X-Forwarded-For names the client (comma-separated addresses, `*` for
    # any). Empty: the connecting address is the client's.
    forwarded_allow_ips: str = ""
    # A connection must finish a request's headers this soon after connecting (or after its
    # previous response), or `incidents serve` closes it: half-sent headers hold no socket.
    http_head_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)

    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=0, ge=0)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    db_statement_timeout_ms: int = Field(default=15_000, ge=0)
    sqlite_busy_timeout_ms: int = Field(default=15_000, ge=0)
    # Costly reads (stats, text search, deep pages): how many one process runs at once (more
    # are refused with 429 and Retry-After), and each statement's deadline (503 past it).
    db_costly_at_once: int = Field(default=4, ge=1)
    db_costly_timeout_ms: int = Field(default=5_000, ge=0)

    # Alertmanager's notifications: the largest body taken (a group of about 15,000 alerts;
    # Alertmanager's `max_alerts` keeps groups below it), and how long a copy sent again is
    # answered as the first was and counts nothing (`5m`; 0: every copy counts).
    alertmanager_max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1_024)
    alertmanager_retry_window: Annotated[timedelta, NoDecode] = timedelta(minutes=5)

    heartbeat_timeout_seconds: int = Field(default=3600, ge=1, le=TIMEOUT_MAX_SECONDS)
    heartbeat_check_seconds: float = Field(default=30.0, gt=0)

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_chats: Annotated[dict[int, TelegramChat], NoDecode] = Field(default_factory=dict)
    telegram_users: Annotated[frozenset[int], NoDecode] = frozenset()
    telegram_notify_chat: int | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    # Untagged messages that read like problem reports get a "Record it?" reply (on | off),
    # taken back when nobody answers within the TTL (`30s`, `10m`, `2h`).
    telegram_suggest: bool = True
    telegram_suggest_ttl: Annotated[timedelta, NoDecode] = timedelta(minutes=10)
    # A deployment's own problem words and things it reports, comma-separated.
    telegram_suggest_words: Annotated[tuple[str, ...], NoDecode] = ()
    telegram_suggest_things: Annotated[tuple[str, ...], NoDecode] = ()
    # Telegram's flood limits the notice sender keeps: messages overall, and to one group.
    telegram_rate: Annotated[Rate, NoDecode] = Rate(30, 1.0)
    telegram_group_rate: Annotated[Rate, NoDecode] = Rate(20, 60.0)

    # Reminders about incidents nobody moves: still new, or in progress with no change, this
    # long (`30s`, `15m`, `1h`; 0: no reminders). The morning digest's local time (HH:MM;
    # empty: none) and the time zone of digests and the overview (an IANA name).
    remind_new_after: Annotated[timedelta, NoDecode] = timedelta(minutes=15)
    remind_in_progress_after: Annotated[timedelta, NoDecode] = timedelta(hours=4)
    digest_at: Annotated[time | None, NoDecode] = time(9, 0)
    timezone: str = "UTC"

    # Outgoing webhooks: how often each process looks for deliveries due, the first retry
    # (doubling up to the longest) and when a delivery is given up (`24h`, `90m`, `30s`).
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_first_retry: Annotated[timedelta, NoDecode] = timedelta(seconds=2)
    webhook_longest_retry: Annotated[timedelta, NoDecode] = timedelta(minutes=5)
    webhook_give_up_after: Annotated[timedelta, NoDecode] = timedelta(hours=24)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """As usual, but an empty INCIDENTS_DIGEST_AT turns the digest off."""
        empty = _EmptyTurnsOff(settings_cls, getattr(dotenv_settings, "env_file", None))
        return init_settings, env_settings, empty, dotenv_settings, file_secret_settings

    @field_validator(
        "remind_new_after", "remind_in_progress_after", "alertmanager_retry_window", mode="before"
    )
    @classmethod
    def _parse_wait(cls, value: object) -> object:
        """`15m`, `30s`, `4h`, bare seconds, or 0 for no reminders."""
        return parse_duration(str(value)) if isinstance(value, str | int) else value

    @field_validator("digest_at", mode="before")
    @classmethod
    def _parse_digest_at(cls, value: object) -> object:
        """`09:00`; empty (or `off`): no digest."""
        if isinstance(value, str):
            text = value.strip()
            return None if text.lower() in ("", "off") else parse_time_of_day(text)
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """An IANA name the system knows (`Europe/Berlin`)."""
        return time_zone(value).key

    @property
    def zone(self) -> ZoneInfo:
        """The registry's time zone."""
        return time_zone(self.timezone)

    def reminder_policy(self) -> ReminderPolicy:
        """How long incidents may wait before reminders."""
        return ReminderPolicy(self.remind_new_after, self.remind_in_progress_after)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """`postgresql://…`, `postgres://…` and `sqlite:///…` as people write them."""
        return async_url(value)

    @field_validator("telegram_chats", mode="before")
    @classmethod
    def _parse_chats(cls, value: object) -> object:
        """`-1001:operator,-1002,-1003:partner:nosuggest:all` -> each chat's source, options."""
        return _parse_chats(value) if isinstance(value, str) else value

    @field_validator(
        "webhook_first_retry", "webhook_longest_retry", "webhook_give_up_after", mode="before"
    )
    @classmethod
    def _parse_webhook_durations(cls, value: object) -> object:
        """`2s`, `5m`, `24h` or bare seconds."""
        return parse_duration(str(value)) if isinstance(value, str | int) else value

    @field_validator("webhook_first_retry", "webhook_longest_retry", "webhook_give_up_after")
    @classmethod
    def _webhook_duration_is_positive(cls, value: timedelta) -> timedelta:
        """A delivery is retried after some time, and given up after some time."""
        if value <= timedelta(0):
            raise ValueError("webhook retry and give-up durations must be longer than 0")
        return value

    @field_validator("telegram_suggest_ttl", mode="before")
    @classmethod
    def _parse_ttl(cls, value: object) -> object:
        """`10m`, `30s`, `2h` or bare seconds."""
        return parse_duration(str(value)) if isinstance(value, str | int) else value

    @field_validator("alertmanager_retry_window")
    @classmethod
    def _window_within_a_day(cls, value: timedelta) -> timedelta:
        """Notifications are remembered for a day at most (REPLAY_RETENTION)."""
        if not timedelta(0) <= value <= REPLAY_RETENTION:
            raise ValueError("INCIDENTS_ALERTMANAGER_RETRY_WINDOW must be between 0 and 24h")
        return value

    @field_validator("telegram_suggest_ttl")
    @classmethod
    def _ttl_is_positive(cls, value: timedelta) -> timedelta:
        """A suggestion taken back at once could never be answered."""
        if value <= timedelta(0):
            raise ValueError("INCIDENTS_TELEGRAM_SUGGEST_TTL must be longer than 0")
        return value

    @field_validator("telegram_suggest_words", "telegram_suggest_things", mode="before")
    @classmethod
    def _parse_words(cls, value: object) -> object:
        """`глючит,не пробивает` -> both."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    def suggests_in(self, chat_id: int) -> bool:
        """Whether untagged reports in this chat get a suggestion."""
        chat = self.telegram_chats.get(chat_id)
        return self.telegram_suggest and (chat is None or chat.suggest)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _parse_origins(cls, value: object) -> object:
        """`https://a.example,https://b.example` -> both; empty: CORS stays closed."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator(
        "rate_limit_per_key",
        "rate_limit_per_ip",
        "telegram_rate",
        "telegram_group_rate",
        mode="before",
    )
    @classmethod
    def _parse_rate(cls, value: object) -> object:
        """`600/minute`, `10/second`, `600` (per minute) or 0 (no limit)."""
        if isinstance(value, int | str):
            return Rate.parse(str(value))
        return value

    @field_validator("telegram_users", mode="before")
    @classmethod
    def _parse_users(cls, value: object) -> object:
        """`111,222` -> {111, 222}."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator(
        "telegram_token", "telegram_webhook_secret", "telegram_webhook_url", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    secret_key: SecretStr | None = None
    cookie_secure: bool = False

    @field_validator("secret_key", mode="before")
    @classmethod
    def _blank_secret_is_none(cls, value: object) -> object:
        """An empty INCIDENTS_SECRET_KEY (as in .env.example) means none is set."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("secret_key")
    @classmethod
    def _secret_is_long(cls, value: SecretStr | None) -> SecretStr | None:
        """A short secret can be guessed, and with it any session forged."""
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("INCIDENTS_SECRET_KEY must be at least 32 characters long")
        return value

    def engine_options(self) -> EngineOptions:
        """The database tuning these settings ask for."""
        return EngineOptions(
            pool_size=self.db_pool_size,
            max_overflow=self.db_max_overflow,
            pool_timeout_seconds=self.db_pool_timeout_seconds,
            connect_timeout_seconds=self.db_connect_timeout_seconds,
            statement_timeout_ms=self.db_statement_timeout_ms,
            sqlite_busy_timeout_ms=self.sqlite_busy_timeout_ms,
            costly_timeout_ms=self.db_costly_timeout_ms,
        )


_NOSUGGEST = "nosuggest"
# Which incidents a chat sees: only its own source's, or every source's. Without either, a
# partner or monitoring chat sees its own source's, an operator chat (or one without a
# source) every source's: operators are the registry's own staff.
_OWN, _ALL = "own", "all"
_OPTIONS = (_NOSUGGEST, _OWN, _ALL)
_BOUND_BY_DEFAULT = frozenset({Source.PARTNER, Source.MONITORING})


def _parse_chats(text: str) -> dict[str, TelegramChat]:
    """`-1001:operator,-1002,-1003:partner:nosuggest,-1004:partner:all`:
    chat_id[:source[:nosuggest][:own|all]] each."""
    chats = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        chat, *fields = (field.strip() for field in item.split(":"))
        options = set()
        while fields and fields[-1].lower() in _OPTIONS:
            options.add(fields.pop().lower())
        if len(fields) > 1 or {_OWN, _ALL} <= options:
            raise ValueError(
                f"INCIDENTS_TELEGRAM_CHATS: {item!r}: write "
                f"chat_id[:source[:{_NOSUGGEST}][:{_OWN}|{_ALL}]]"
            )
        source = Source(fields[0]) if fields and fields[0] else None
        own = _OWN in options or (source in _BOUND_BY_DEFAULT and _ALL not in options)
        bound = (source or Source.OPERATOR) if own else None
        chats[chat] = TelegramChat(source, _NOSUGGEST not in options, bound)
    return chats


# Settings whose empty value turns a feature off, where other settings read it as unset.
_EMPTY_MEANS_OFF = ("digest_at",)


class _EmptyTurnsOff(PydanticBaseSettingsSource):
    """`INCIDENTS_DIGEST_AT=` in the environment or `.env`: "off", not "the default"."""

    def __init__(self, settings_cls: type[BaseSettings], env_file: object) -> None:
        super().__init__(settings_cls)
        self.env_file = env_file

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        environ = {name.upper(): value for name, value in os.environ.items()}
        from_file = self._dotenv()
        found: dict[str, Any] = {}
        for field_name in _EMPTY_MEANS_OFF:
            key = f"INCIDENTS_{field_name.upper()}"
            raw = environ.get(key, from_file.get(key))
            if raw is not None and not raw.strip():
                found[field_name] = "off"
        return found

    def _dotenv(self) -> dict[str, str]:
        files = self.env_file if isinstance(self.env_file, list | tuple) else [self.env_file]
        values: dict[str, str] = {}
        for file in files:
            if isinstance(file, str | Path) and Path(file).is_file():
                read = DotEnvSettingsSource._static_read_env_file(Path(file), encoding="utf-8")
                values.update({k.upper(): v or "" for k, v in read.items()})
        return values
