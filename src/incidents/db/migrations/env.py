"""Alembic environment: runs migrations on the connection `incidents.db.migrate` hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from incidents.db.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `incidents migrate`, which supplies a connection")
_run(connection)
