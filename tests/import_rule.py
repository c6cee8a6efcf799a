"""The import rule of DESIGN.md, as a function over a source tree, so a test can plant breaches.

Every import (absolute, relative, `from package import module`, inside functions and under
TYPE_CHECKING) is resolved to the module it names, and checked against the table.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "incidents"
EVERYTHING = "*"

# Part of the package -> the parts it may import (besides itself and the package's
# `__init__`, which holds only the version). The table of DESIGN.md, plus the modules
# beside the packages.
MAY_IMPORT: dict[str, frozenset[str] | str] = {
    "domain": frozenset(),
    "db": frozenset({"domain"}),
    "service": frozenset({"domain", "db", "settings"}),
    "api": frozenset({"service", "domain", "settings"}),
    "web": frozenset({"service", "domain", "settings"}),
    "telegram": frozenset({"service", "domain", "settings"}),
    # Settings say how to reach the database (its URL forms and engine options).
    "settings": frozenset({"domain", "db"}),
    "logs": frozenset(),
    "private_note": frozenset(),
    # The composition root and the command line (with its launcher) know every part.
    "app": EVERYTHING,
    "cli": EVERYTHING,
    "launch": EVERYTHING,
    "__main__": EVERYTHING,
    # What `incidents serve` runs: uvicorn's protocol with a header deadline.
    "serving": frozenset({"settings"}),
}

# Part -> the third-party distributions it may import; the standard library is open to all.
THIRD_PARTY: dict[str, frozenset[str]] = {
    "domain": frozenset(),
    "db": frozenset({"sqlalchemy", "alembic", "asyncpg", "aiosqlite"}),
    "service": frozenset({"argon2", "snowballstemmer", "aiohttp"}),
    "api": frozenset({"fastapi", "starlette", "pydantic", "fastapi_offline", "prometheus_client"}),
    # markupsafe is Jinja2's own escaping; babel gives each language its plural rules.
    "web": frozenset({"fastapi", "starlette", "jinja2", "markupsafe", "itsdangerous", "babel"}),
    "telegram": frozenset({"aiogram"}),
    "settings": frozenset({"pydantic", "pydantic_settings"}),
    "logs": frozenset(),
    "private_note": frozenset(),
    "serving": frozenset({"uvicorn", "h11", "httptools"}),
}


@dataclass(frozen=True, slots=True)
class Breach:
    """One import the table does not allow."""

    where: str
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.where} imports {self.imported}: {self.why}"


def module_names(root: Path) -> dict[str, Path]:
    """Every module under `root` (the package's folder), by dotted name."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = (PACKAGE, *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The modules `name` (at `path`) imports, each resolved to a full dotted name."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _base_of(node, name, is_package)
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                # `from package import module` imports the module; otherwise a name in base.
                yield candidate if candidate in known else base


def _base_of(node: ast.ImportFrom, name: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    here = name.split(".") if is_package else name.split(".")[:-1]
    anchor = here[: len(here) - (node.level - 1)]
    return ".".join([*anchor, node.module] if node.module else anchor)


def part_of(name: str) -> str:
    """The part of the package a module belongs to: `incidents.db.tables` -> `db`."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def breaches(root: Path) -> list[Breach]:
    """Every import under `root` that the table does not allow."""
    known = module_names(root)
    found = []
    for name, path in known.items():
        part = part_of(name)
        for imported in imports_of(name, path, known):
            why = _refusal(part, imported)
            if why is not None:
                found.append(Breach(name, imported, why))
    return found


def _refusal(part: str, imported: str) -> str | None:
    """Why `part` may not import `imported`, or None when it may."""
    if part == "__init__":
        return None if imported.split(".")[0] in sys.stdlib_module_names else "the root is bare"
    if part not in MAY_IMPORT:
        return f"`{part}` has no row in the import table"
    allowed = MAY_IMPORT[part]
    top = imported.split(".")[0]
    if top == PACKAGE:
        target = part_of(imported)
        if allowed == EVERYTHING or target in (part, "__init__") or target in allowed:
            return None
        return f"`{part}` may import only {sorted(allowed)} of the package"
    if top in sys.stdlib_module_names or top == "__future__":
        return None
    if allowed == EVERYTHING or top in THIRD_PARTY.get(part, frozenset()):
        return None
    return f"`{top}` is not among the libraries `{part}` may use"
