"""The database's own limit: pgbench running the statements the API issues, on the same data."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

# The API's statements, as SQLAlchemy sends them (the list asks for one row more than a page).
STATEMENTS = {
    "insert": """
        INSERT INTO incidents (description, search_text, status, source, version, created_by,
            created_at, updated_at, occurrences, last_seen_at) VALUES (
            'Scooter #42 is offline (pgbench)', 'scooter #42 is offline (pgbench)', 'new',
            'monitoring', 1, 'pgbench', now(), now(), 1, now()) RETURNING *;
    """,
    "create": """
        BEGIN;
        INSERT INTO incidents (description, search_text, status, source, version, created_by,
            created_at, updated_at, occurrences, last_seen_at) VALUES (
            'Scooter #42 is offline (pgbench)', 'scooter #42 is offline (pgbench)', 'new',
            'monitoring', 1, 'pgbench', now(), now(), 1, now()) RETURNING *;
        INSERT INTO incident_events (incident_id, kind, actor, request_id, created_at, data)
            VALUES (currval('incidents_id_seq'), 'created', 'pgbench', NULL, now(), '{}');
        COMMIT;
    """,
    "get": """
        \\set n random(1, :maxid)
        SELECT * FROM incidents WHERE id = :n;
    """,
    "update": """
        \\set n random(1, :maxid)
        UPDATE incidents SET version = version + 1, updated_at = now() WHERE id = :n;
    """,
    "first page": """
        SELECT * FROM incidents ORDER BY created_at DESC, id DESC LIMIT 51 OFFSET 0;
        SELECT coalesce(sum(count), 0) FROM incident_counters;
    """,
    "list": """
        SELECT * FROM incidents WHERE status IN ('new') ORDER BY created_at DESC, id DESC
            LIMIT 51 OFFSET 0;
        SELECT coalesce(sum(count), 0) FROM incident_counters WHERE status IN ('new');
    """,
    "offset": """
        SELECT * FROM incidents ORDER BY created_at DESC, id DESC LIMIT 51 OFFSET :depth;
        SELECT coalesce(sum(count), 0) FROM incident_counters;
    """,
    "cursor": """
        SELECT * FROM incidents WHERE (created_at, id) < (CAST(:at AS timestamptz), :id)
            ORDER BY created_at DESC, id DESC LIMIT 51;
        SELECT coalesce(sum(count), 0) FROM incident_counters;
    """,
    "count(*)": """
        SELECT count(*) FROM incidents WHERE status IN ('new');
    """,
}


def have_pgbench() -> bool:
    """Whether pgbench is on this machine."""
    return shutil.which("pgbench") is not None


def run_pgbench(
    dsn: str,
    statement: str,
    *,
    seconds: int,
    clients: int,
    variables: dict[str, str],
) -> float:
    """Transactions per second of one statement group of STATEMENTS, at `clients` clients."""
    parts = urlsplit(dsn)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(_script(STATEMENTS[statement]))
    command = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2"]
    command += ["-T", str(seconds), "-f", script.name]
    command += ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    command += ["-U", parts.username or "postgres", parts.path.lstrip("/")]
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, check=False, timeout=seconds + 60
        )
    finally:
        Path(script.name).unlink()
    found = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    if result.returncode != 0 or found is None:
        raise RuntimeError(f"pgbench failed: {result.stdout}\n{result.stderr}")
    return float(found.group(1))


def _script(text: str) -> str:
    """pgbench wants each SQL statement on one line."""
    lines, statement = [], ""
    for raw in text.strip().splitlines():
        line = raw.strip()
        if line.startswith("\\"):
            lines.append(line)
            continue
        statement = f"{statement} {line}".strip()
        if statement.endswith(";"):
            lines.append(statement)
            statement = ""
    return "\n".join(lines) + "\n"
