"""The backup format: gzip'd JSON lines, the same from SQLite and PostgreSQL.

Line 1 is the header, an object: `{"format": "incidents-backup", "format_version": 1,
"schema_revision": "0020", "database": "sqlite", "created_at": "...", "tables": [...]}`.
Then, for each table in foreign-key order, an object `{"table": NAME, "columns": [...]}`
followed by one JSON array per row, its values in that column order (timestamps and dates
as ISO 8601 text, JSON columns as JSON). The last line is `{"end": {TABLE: ROWS, ...}}`:
a file without it was cut short. docs/OPERATIONS.md describes it for people.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, Table

from incidents.db.tables import metadata
from incidents.db.types import UTCDateTime

FORMAT = "incidents-backup"
FORMAT_VERSION = 1
# Kept by triggers on `incidents`: rebuilt as the incidents are loaded, so not archived.
DERIVED_TABLES = frozenset({"incident_counters"})


class ArchiveError(Exception):
    """The file is not a backup this version can restore; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Header:
    """What the first line of a backup says about it."""

    schema_revision: str
    database: str
    created_at: str
    tables: list[str]


def archived_tables() -> list[Table]:
    """Every table a backup holds, parents before the tables that refer to them."""
    return [table for table in metadata.sorted_tables if table.name not in DERIVED_TABLES]


def header_line(header: Header) -> str:
    """The first line of a backup."""
    return _line(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_revision": header.schema_revision,
            "database": header.database,
            "created_at": header.created_at,
            "tables": header.tables,
        }
    )


def table_line(table: Table) -> str:
    """The line that begins a table's rows."""
    return _line({"table": table.name, "columns": [column.name for column in table.columns]})


def row_line(values: tuple[Any, ...] | list[Any]) -> str:
    """One row, its values in the column order of its table's line."""
    return _line([_encoded(value) for value in values])


def end_line(counts: dict[str, int]) -> str:
    """The last line: how many rows of each table came before it."""
    return _line({"end": counts})


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def _encoded(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def read_header(lines: Iterator[str]) -> Header:
    """The header of a backup; ArchiveError when the first line is not one."""
    first = next(lines, "")
    try:
        found = json.loads(first)
    except ValueError:
        found = None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        raise ArchiveError("not a backup made by `incidents backup` (no header on its first line)")
    version = found.get("format_version")
    if version != FORMAT_VERSION:
        raise ArchiveError(
            f"backup format version {version} is not one this version reads "
            f"({FORMAT_VERSION}): restore it with the version of incidents that made it"
        )
    return Header(
        schema_revision=str(found["schema_revision"]),
        database=str(found.get("database", "")),
        created_at=str(found.get("created_at", "")),
        tables=[str(name) for name in found.get("tables", [])],
    )


@dataclass(slots=True)
class Section:
    """A table's rows as they are read from a backup."""

    table: Table
    columns: list[str]


def read_body(lines: Iterator[str]) -> Iterator[Section | dict[str, Any] | dict[str, int]]:
    """After the header: a Section where a table begins, each of its rows as a dict of column
    values ready to insert, and at the end the row counts the file claims."""
    section: Section | None = None
    decoders: list[Any] = []
    for number, line in enumerate(lines, start=2):
        try:
            value = json.loads(line)
        except ValueError:
            raise ArchiveError(f"line {number} is not JSON: the file is damaged") from None
        if isinstance(value, list):
            if section is None or len(value) != len(section.columns):
                raise ArchiveError(f"line {number} is a row outside a table: the file is damaged")
            yield {
                name: decode(item) if decode and item is not None else item
                for name, decode, item in zip(section.columns, decoders, value, strict=True)
            }
        elif isinstance(value, dict) and "table" in value:
            section = _section(value, number)
            decoders = [_decoder(section.table.c[name]) for name in section.columns]
            yield section
        elif isinstance(value, dict) and "end" in value:
            yield {"end": value["end"]}
            return
        else:
            raise ArchiveError(f"line {number} is not part of a backup: the file is damaged")
    raise ArchiveError("the backup ends before its last line: the file was cut short")


def _section(value: dict[str, Any], number: int) -> Section:
    table = metadata.tables.get(str(value["table"]))
    if table is None:
        raise ArchiveError(
            f"line {number} names a table this version does not know ({value['table']!r})"
        )
    columns = [str(name) for name in value.get("columns", [])]
    unknown = [name for name in columns if name not in table.c]
    if unknown:
        raise ArchiveError(f"line {number}: {table.name} has no columns {unknown}")
    return Section(table=table, columns=columns)


def _decoder(column: Column[Any]) -> Any:
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat
    if isinstance(column.type, Date):
        return date.fromisoformat
    return None
