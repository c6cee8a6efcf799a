"""Import direction, as DESIGN.md draws it: rules in domain/, SQL in db/, doors call service/."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "incidents"
DOORS = ("api", "web", "telegram", "integrations", "cli")

# Third-party packages and the only parts of the package allowed to import them.
# `app` is the composition root: it puts the doors (API, console, bot webhook) on one app.
OWNERS = {
    "sqlalchemy": ("db",),
    "alembic": ("db",),
    # The request path runs on the driver, and only db/ speaks to it.
    "asyncpg": ("db",),
    "fastapi": ("api", "web", "app"),
    "starlette": ("api", "web"),
    "aiogram": ("telegram",),
}


def _modules() -> list[tuple[str, set[str]]]:
    """(part of the package, top-level names it imports) for every module."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        part = relative.parts[0].removesuffix(".py")
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
        found.append((f"{part}:{relative}", imported))
    return found


MODULES = _modules()


@pytest.mark.parametrize(("where", "imported"), MODULES, ids=[m for m, _ in MODULES])
def test_import_direction(where: str, imported: set[str]) -> None:
    part = where.split(":")[0]
    for name in imported:
        top = name.split(".")[0]
        if part == "domain":
            assert top in sys.stdlib_module_names or name.startswith("incidents.domain"), name
        if top in OWNERS:
            assert part in OWNERS[top], f"{where} imports {name}"
        if part in DOORS and name.startswith("incidents."):
            inner = name.split(".")[1]
            assert inner != "db" or name == "incidents.db.migrate", f"{where} imports {name}"
            # The command line is the launcher: it may start the other doors.
            may_launch = part == "cli"
            assert inner not in DOORS or inner == part or may_launch, f"{where} imports {name}"
        if part == "service":
            assert not name.startswith(tuple(f"incidents.{d}" for d in DOORS)), name


def test_every_module_has_a_docstring() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "versions":
            continue
        assert ast.get_docstring(ast.parse(path.read_text())), path
