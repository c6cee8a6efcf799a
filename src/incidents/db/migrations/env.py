"""Alembic environment: runs migrations on the connection `incidents.db.migrate` hands in."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from incidents.db.tables import exists_on, metadata


def _run(connection: Connection) -> None:
    dialect = connection.dialect.name
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=dialect == "sqlite",
        compare_type=True,
        include_object=lambda item, *_: exists_on(item, dialect),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `incidents migrate`, which supplies a connection")
_run(connection)
