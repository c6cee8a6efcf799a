"""Table definitions: the schema the Alembic migrations create."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, Integer, MetaData, String, Table, Text

from incidents.db.types import BigId, UTCDateTime
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


def _one_of(column: str, values: type[Status] | type[Source]) -> str:
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
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint(_one_of("status", Status), name="status"),
    CheckConstraint(_one_of("source", Source), name="source"),
    CheckConstraint("version >= 1", name="version"),
    Index(None, "status", "created_at"),
    Index(None, "created_at", "id"),
)
