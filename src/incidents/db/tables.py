"""Table definitions: the schema the Alembic migrations create."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

from incidents.db.types import BigId, UTCDateTime
from incidents.domain.access import Role
from incidents.domain.incident import Source, Status

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


def one_of(column: str, values: type[Status] | type[Source] | type[Role]) -> str:
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
    CheckConstraint(one_of("status", Status), name="status"),
    CheckConstraint(one_of("source", Source), name="source"),
    CheckConstraint("version >= 1", name="version"),
    Index(None, "status", "created_at"),
    Index(None, "created_at", "id"),
)

# Append-only: triggers made by the migration refuse UPDATE and DELETE.
incident_events = Table(
    "incident_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("incident_id", BigId, ForeignKey("incidents.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("data", Json, nullable=False),
    Index(None, "incident_id", "id"),
)

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
