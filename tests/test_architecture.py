"""Import direction, as DESIGN.md's table draws it: rules in domain/, SQL in db/, doors call
service/, and only the composition root and the command line know several doors.

The rule itself is tested: each kind of breach, planted in a copy of the tree, must be caught.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from tests.import_rule import MAY_IMPORT, breaches, imports_of, module_names, part_of

PACKAGE = Path(__file__).parents[1] / "src" / "incidents"


def test_every_import_follows_the_table() -> None:
    found = breaches(PACKAGE)
    assert not found, "\n".join(map(str, found))


def test_every_part_has_a_row_in_the_table() -> None:
    parts = {part_of(name) for name in module_names(PACKAGE)} - {"__init__"}
    assert parts <= set(MAY_IMPORT), parts - set(MAY_IMPORT)
    # And the table names no part that is not there.
    assert set(MAY_IMPORT) <= parts, set(MAY_IMPORT) - parts


def test_console_modules_import_no_circle() -> None:
    assert _console_circle(PACKAGE) is None, _console_circle(PACKAGE)


def test_a_planted_console_circle_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "incidents"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    console = copy / "web" / "console.py"
    # What the console once did: reach its routes from inside a function.
    planted = "\n\ndef planted() -> None:\n    from . import routes\n"
    console.write_text(console.read_text() + planted)
    assert _console_circle(copy) is not None


def _console_circle(root: Path) -> list[str] | None:
    """A circle of imports among the console's modules under `root`, or None."""
    known = module_names(root)
    edges = {
        name: {m for m in imports_of(name, path, known) if m in known and m != name}
        for name, path in known.items()
        if part_of(name) == "web"
    }
    return _cycle(edges)


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A circle of imports among `edges`' modules, or None."""
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> list[str] | None:
        state[name] = 1
        for nxt in sorted(edges.get(name, ())):
            if state.get(nxt) == 1:
                return [*trail[trail.index(nxt) :], nxt] if nxt in trail else [name, nxt]
            if nxt not in state and (found := visit(nxt, [*trail, nxt])):
                return found
        state[name] = 2
        return None

    for start in sorted(edges):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


# (file, line planted at its end, the module the rule must name)
PLANTED = {
    "relative import of db in a door": (
        "api/incidents.py",
        "from ..db import incidents as planted",
        "incidents.db.incidents",
    ),
    "package-form import of db in a door": (
        "web/routes.py",
        "from incidents import db",
        "incidents.db",
    ),
    "dotted import of db in a door": (
        "telegram/handlers.py",
        "import incidents.db.tables",
        "incidents.db.tables",
    ),
    "db importing service": (
        "db/incidents.py",
        "from incidents.service import runtime",
        "incidents.service.runtime",
    ),
    "framework in service": ("service/changes.py", "import fastapi", "fastapi"),
    "framework in domain": ("domain/incident.py", "from sqlalchemy import Table", "sqlalchemy"),
    "domain importing db": ("domain/access.py", "from ..db import tables", "incidents.db.tables"),
    "door importing a door": (
        "api/keys.py",
        "from incidents.web.console import Console",
        "incidents.web.console",
    ),
    "bot importing the API": (
        "telegram/bot.py",
        "from ..api import errors",
        "incidents.api.errors",
    ),
    "import inside a function": (
        "web/views.py",
        "def planted() -> None:\n    from incidents.db import audit",
        "incidents.db.audit",
    ),
    "import under TYPE_CHECKING": (
        "service/incidents.py",
        "import typing\nif typing.TYPE_CHECKING:\n    from incidents.api import schemas",
        "incidents.api.schemas",
    ),
    "settings importing service": (
        "settings.py",
        "from incidents.service import runtime as planted",
        "incidents.service.runtime",
    ),
    "logs importing a framework": ("logs.py", "import starlette", "starlette"),
    "package's own name in a relative form": (
        "service/alerts.py",
        "from .. import web",
        "incidents.web",
    ),
    "a part with no row in the table": (
        "integrations/__init__.py",
        "from incidents.domain import incident",
        "incidents.domain.incident",
    ),
}


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_a_planted_breach_is_caught(kind: str, tmp_path: Path) -> None:
    where, line, named = PLANTED[kind]
    copy = tmp_path / "incidents"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    assert not breaches(copy)
    target = copy / where
    target.parent.mkdir(exist_ok=True)
    planted = target.read_text() if target.exists() else '"""Planted."""\n'
    target.write_text(f"{planted}\n{line}\n")
    ast.parse(target.read_text())  # the plant is valid Python
    found = breaches(copy)
    assert [b.imported for b in found] == [named], found


def test_every_module_has_a_docstring() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "versions":
            continue
        assert ast.get_docstring(ast.parse(path.read_text())), path
