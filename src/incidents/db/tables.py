"""Table definitions: the schema the Alembic migrations create."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from incidents.db.types import BigId, UTCDateTime
from incidents.domain.access import Role
from incidents.domain.incident import Resolution, Source, Status
from incidents.domain.notifications import LinkRole
from incidents.domain.suggestions import SuggestionState

# SQLite: covers the overview's reads of a period's incidents (reports per day and source,
# the first take and resolve, how they ended): made by migration 0017. PostgreSQL reads
# `ix_incidents_spans` instead (migration 0020, with the spans: see SPAN_COLUMNS).
STATS_INDEX = (
    "ix_incidents_stats",
    "created_at",
    "source",
    "first_taken_at",
    "first_resolved_at",
    "resolution",
)

# One naming convention, so migrations name constraints the same on every database.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Json = JSON().with_variant(JSONB(), "postgresql")
# A JSON value that may be absent: None is SQL NULL, not the JSON `null`.
OptionalJson = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

# Open is anything not closed: at most one open incident per source and dedup key.
OPEN = text("status <> 'closed'")


def one_of(
    column: str,
    values: type[Status]
    | type[Source]
    | type[Role]
    | type[LinkRole]
    | type[Resolution]
    | type[SuggestionState],
) -> str:
    """A CHECK expression limiting `column` to the values of an enum."""
    listed = ", ".join(f"'{member.value}'" for member in values)
    return f"{column} IN ({listed})"


incidents = Table(
    "incidents",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("description", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("dedup_key", String(255), nullable=True),
    Column("occurrences", Integer, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("details", OptionalJson, nullable=True),
    # The details (or the description) monitoring sent were cut to fit.
    Column("details_truncated", Boolean, nullable=False, server_default=false()),
    # When it was first taken (new -> in_progress) and first resolved, written with the move
    # (db/incidents.update_incident, db/changes, db/monitoring): stats read them, not trails.
    Column("first_taken_at", UTCDateTime, nullable=True),
    Column("first_resolved_at", UTCDateTime, nullable=True),
    # The description case-folded in Python, so search is the same on both databases and in
    # every script (SQLite's lower() and LIKE fold ASCII only). Written with the description.
    Column("search_text", Text, nullable=False),
    # Who is on it, as the audit trail names actors; how it ended; what it was folded into.
    Column("assignee", String(200), nullable=True),
    Column("resolution", String(16), nullable=True),
    Column("duplicate_of", BigId, ForeignKey("incidents.id"), nullable=True),
    CheckConstraint(one_of("status", Status), name="status"),
    CheckConstraint(f"resolution IS NULL OR {one_of('resolution', Resolution)}", name="resolution"),
    # A duplicate is closed as one and points elsewhere; the service keeps it one hop deep.
    CheckConstraint(
        "duplicate_of IS NULL OR (resolution = 'duplicate' AND status = 'closed' "
        "AND duplicate_of <> id)",
        name="duplicate_of",
    ),
    CheckConstraint(one_of("source", Source), name="source"),
    CheckConstraint("version >= 1", name="version"),
    CheckConstraint("occurrences >= 1", name="occurrences"),
    Index(None, "status", "created_at"),
    Index(None, "created_at", "id"),
    Index(None, "dedup_key"),
    Index(None, "assignee"),
    Index(None, "duplicate_of"),
    # What the overview reads of each incident reported in a period, without its row.
    Index(*STATS_INDEX).ddl_if(dialect="sqlite"),
    Index(
        "uq_incidents_source_dedup_key_open",
        "source",
        "dedup_key",
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    ),
)

# Trigram index for `search_text LIKE '%word%'`; SQLite has no such index and scans instead.
SEARCH_INDEX = Index(
    "ix_incidents_search_text_trgm",
    incidents.c.search_text,
    postgresql_using="gin",
    postgresql_ops={"search_text": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")

# Full-text search with Russian and English stemming side by side (`самокаты` finds
# `самокат`), beside the trigram index that serves substrings: on PostgreSQL a stored
# generated column (so that no filter computes to_tsvector row by row) with a GIN index, both
# made by migration 0013 and left out of the metadata (the app never reads the column).
SEARCH_CONFIGS = ("russian", "english")
SEARCH_VECTOR_COLUMN = "search_vector"
# The spans the overview ranks, in seconds from the report to the first take and to the first
# resolve: on PostgreSQL stored generated columns (migration 0020), so that no statement
# computes them row by row, left out of the metadata like the search vector (SQLite computes
# them in the statement, see db/stats), with the index the overview reads them from
# (`ix_incidents_spans`: a period's reports, their source, spans and resolution).
SPAN_COLUMNS = ("take_seconds", "resolve_seconds")
_POSTGRESQL_OWN = frozenset(
    {SEARCH_VECTOR_COLUMN, "ix_incidents_search_vector", *SPAN_COLUMNS, "ix_incidents_spans"}
)
# The incident's columns as SQL, for statements written by hand (never the search vector).
INCIDENT_COLUMNS_SQL = ", ".join(column.name for column in incidents.c)


# How many incidents have each (status, source, resolution), spread over shards
# (id % COUNTER_SHARDS) so that concurrent writers rarely wait for the same row. Triggers on
# `incidents` keep it exact. No resolution is counted as '' (a key column can not be NULL).
COUNTER_SHARDS = 16
NO_RESOLUTION = ""
incident_counters = Table(
    "incident_counters",
    metadata,
    Column("status", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("resolution", String(16), nullable=False),
    Column("shard", Integer, nullable=False),
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint("status", "source", "resolution", "shard"),
)

# Append-only: triggers made by the migration refuse UPDATE and DELETE.
incident_events = Table(
    "incident_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("incident_id", BigId, ForeignKey("incidents.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    # Made by the server; what the client sent as X-Request-ID is kept beside it, never instead.
    Column("request_id", String(128), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("data", Json, nullable=False),
    Column("client_request_id", String(128), nullable=True),
    Index(None, "incident_id", "id"),
    # The overview and the digest count moves by when they happened.
    Index(None, "created_at"),
)

# A move to `resolved` or to `closed` as the trail writes it (`status_changed` by a person,
# `resolved` by monitoring). On PostgreSQL an index of each holds what the overview counts of
# them (when, which incident), so the count reads neither the trail's rows nor their JSON;
# the statements repeat the predicate word for word, as the planner needs to use the index.
MOVED_TO = {
    status: text(f"kind IN ('status_changed', 'resolved') AND (data ->> 'to') = '{status.value}'")
    for status in (Status.RESOLVED, Status.CLOSED)
}
MOVE_INDEXES = [
    Index(
        f"ix_incident_events_moved_to_{status.value}",
        incident_events.c.created_at,
        incident_events.c.incident_id,
        postgresql_where=predicate,
    ).ddl_if(dialect="postgresql")
    for status, predicate in MOVED_TO.items()
]

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("source", String(16), nullable=True),
    # The public part of the key, to find its row; the secret is only kept as a hash.
    Column("lookup", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    CheckConstraint(one_of("role", Role), name="role"),
    CheckConstraint(f"source IS NULL OR {one_of('source', Source)}", name="source"),
    # Names are unique in any letter case, so the audit trail shows no look-alike actors.
    Index("uq_api_keys_name_lower", func.lower(text("name")), unique=True),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("client", String(200), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("incident_id", BigId, ForeignKey("incidents.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("client", "key"),
    Index(None, "created_at"),
)

# Chat messages tied to incidents: people's reports, notes and commands (so a redelivered
# update changes nothing twice) and the bot's cards, announcements, notices and prompts (so a
# reply to one is understood). An incident's thread in a chat starts at its report or
# announcement there.
chat_messages = Table(
    "chat_messages",
    metadata,
    Column("chat_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("incident_id", BigId, ForeignKey("incidents.id"), nullable=True),
    Column("role", String(16), nullable=False),
    # The Telegram file id of the photo (the largest size) or document the message carried.
    Column("file_id", String(255), nullable=True),
    Column("file_kind", String(16), nullable=True),  # photo or document
    # Telegram's Unix time of the latest edit applied: an older or equal one is a redelivery.
    Column("edit_date", BigInteger, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # The forum topic the message is in (Telegram's message_thread_id); NULL: none, or General.
    Column("message_thread_id", BigInteger, nullable=True),
    PrimaryKeyConstraint("chat_id", "message_id"),
    CheckConstraint(one_of("role", LinkRole), name="role"),
    Index(None, "incident_id"),
)

# Notifications to deliver, written in the same transaction as the change they announce.
# A change notice carries the change itself (from, to, who, when, note), not a later state.
_OFFERED = "state = 'pending'"
# The bot's offers to record untagged messages that read like reports: one per message, ever.
suggestions = Table(
    "suggestions",
    metadata,
    Column("chat_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=False),  # the person's message
    Column("reply_id", BigInteger, nullable=True),  # the bot's offer, once it is posted
    Column("author", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("file_id", String(255), nullable=True),
    Column("file_kind", String(16), nullable=True),
    Column("state", String(16), nullable=False),
    Column("incident_id", BigId, ForeignKey("incidents.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("settled_by", String(200), nullable=True),
    Column("settled_at", UTCDateTime, nullable=True),
    PrimaryKeyConstraint("chat_id", "message_id"),
    CheckConstraint(one_of("state", SuggestionState), name="state"),
    # The expiry round looks for pending offers past their time.
    Index(
        "ix_suggestions_pending",
        "expires_at",
        postgresql_where=text(_OFFERED),
        sqlite_where=text(_OFFERED),
    ),
)

_PENDING = "sent_at IS NULL AND failed_at IS NULL"
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("incident_id", BigId, ForeignKey("incidents.id"), nullable=True),
    # The audit event it tells of (the last of its change).
    Column("event_id", BigId, ForeignKey("incident_events.id"), nullable=True),
    # Where it goes; NULL: the chat announcements go to (INCIDENTS_TELEGRAM_NOTIFY_CHAT).
    Column("chat_id", BigInteger, nullable=True),
    Column("actor", String(200), nullable=False),
    Column("from_status", String(16), nullable=True),
    Column("to_status", String(16), nullable=True),
    Column("note", Text, nullable=True),
    # A queued reply: what to send.
    Column("payload", OptionalJson, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("failed_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    # Why it was given up (domain FailureReason), with failed_at.
    Column("failure", String(32), nullable=True),
    Index(
        "ix_outbox_pending",
        "next_attempt_at",
        postgresql_where=text(_PENDING),
        sqlite_where=text(_PENDING),
    ),
    # Notices age out by it (service/housekeeping.py).
    Index(None, "created_at"),
)

# Groups upgraded to supergroups: Telegram gave each a new id, which takes the old one's
# place for good (admission, source, threads, queued notices, offers).
chat_moves = Table(
    "chat_moves",
    metadata,
    Column("old_chat_id", BigInteger, primary_key=True),
    Column("new_chat_id", BigInteger, nullable=False),
    Column("moved_at", UTCDateTime, nullable=False),
)

# Chats the bot is not in, as Telegram last told (kicked or left): notices to them are
# parked, not sent. Added again, the chat's row goes.
chat_absences = Table(
    "chat_absences",
    metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("presence", String(16), nullable=False),
    Column("since", UTCDateTime, nullable=False),
    CheckConstraint("presence IN ('left', 'kicked')", name="presence"),
)

# Notices given up, counted by reason for good (the outbox forgets rows after a week):
# `incidents_notifications_failed_total{reason}`.
notification_failures = Table(
    "notification_failures",
    metadata,
    Column("reason", String(32), primary_key=True),
    Column("total", BigInteger, nullable=False),
)

heartbeats = Table(
    "heartbeats",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("timeout_seconds", Integer, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    # Set by the one checker that opened the silence's incident; a check-in clears it.
    Column("alerted_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("timeout_seconds >= 1", name="timeout_seconds"),
    Index(None, "due_at"),
)


# Each incident's current series of reminders: the status and the moment its wait began, how
# many were queued and when the next is due. A reminder is claimed by one conditional update
# of this row, so of several processes exactly one queues it.
reminders = Table(
    "reminders",
    metadata,
    Column("incident_id", BigId, ForeignKey("incidents.id"), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("waiting_since", UTCDateTime, nullable=False),
    Column("sent", Integer, nullable=False),
    Column("next_at", UTCDateTime, nullable=False),
    CheckConstraint("sent >= 1", name="sent"),
)

# The days whose digest was queued: inserting a day's row is the claim to send it.
digests = Table(
    "digests",
    metadata,
    Column("day", Date, primary_key=True),
    Column("queued_at", UTCDateTime, nullable=False),
)

# Alertmanager notifications applied lately, by a digest of who sent which body, with the
# answer given: a copy sent again within the retry window is answered alike and counts nothing.
alertmanager_notifications = Table(
    "alertmanager_notifications",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("answer", Json, nullable=False),
    Index(None, "received_at"),
)


def exists_on(item: object, dialect_name: str) -> bool:
    """Whether a schema item declared with `ddl_if(dialect=...)` exists on `dialect_name`.

    Alembic's autogenerate does not read `ddl_if`; comparisons filter with this.
    """
    if getattr(item, "name", None) in _POSTGRESQL_OWN:
        return False  # PostgreSQL's own (see SEARCH_VECTOR_COLUMN and SPAN_COLUMNS)
    condition = getattr(item, "_ddl_if", None)
    dialect = getattr(condition, "dialect", None)
    return dialect is None or dialect == dialect_name


# People who sign in to the console; only an argon2 hash of each password is kept.
accounts = Table(
    "accounts",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # Sessions begun before this are void: a new password signs everyone out.
    Column("password_changed_at", UTCDateTime, nullable=False),
    Column("last_sign_in_at", UTCDateTime, nullable=True),
    Column("disabled_at", UTCDateTime, nullable=True),
    # Sessions carry the generation they began in; signing out moves it on, ending them all.
    Column("session_generation", Integer, nullable=False, server_default="0"),
    CheckConstraint(one_of("role", Role), name="role"),
)

# Recent failed sign-ins by the username tried (existing or not), to slow guessing down in
# every server process alike.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("failed_at", UTCDateTime, nullable=False),
    Index(None, "username", "failed_at"),
    Index(None, "failed_at"),
)

# Rate-limit buckets (`key:<name>`, `ip:<address>`), shared by every server process: the
# moment each would be empty again (seconds since the epoch; see domain/ratelimit.py).
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("bucket", String(200), primary_key=True),
    Column("tat", Double, nullable=False),
)

# Receivers of outgoing webhooks; `source` NULL: every source's changes. The signing secret
# is kept as given (signing needs it); ended subscriptions stay for their deliveries' sake.
webhooks = Table(
    "webhooks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("source", String(16), nullable=True),
    Column("description", Text, nullable=False),
    Column("secret", String(200), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    CheckConstraint(f"source IS NULL OR {one_of('source', Source)}", name="source"),
)

# One POST per change and subscription, queued in the change's transaction; the body is
# kept as sent so every retry signs the same bytes.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("webhook_id", BigId, ForeignKey("webhooks.id"), nullable=False),
    Column("incident_id", BigId, ForeignKey("incidents.id"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("failed_at", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    # The heads of each (subscription, incident) queue are found among the pending rows.
    Index(
        "ix_webhook_deliveries_pending",
        "webhook_id",
        "incident_id",
        "id",
        postgresql_where=text(_PENDING),
        sqlite_where=text(_PENDING),
    ),
    Index(None, "created_at"),
)

# Each `incidents backup` that finished (its file written in full): the newest is what the
# metric `incidents_backup_last_success_timestamp_seconds` shows.
backups = Table(
    "backups",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("schema_revision", String(32), nullable=False),
    Column("rows", BigInteger, nullable=False),
    Index(None, "finished_at"),
)
