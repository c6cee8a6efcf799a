"""Logging setup: human-readable lines for development, one JSON object a line in production."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

# Attributes every LogRecord has; anything else was passed with `extra=` and is a field.
# (`color_message` is uvicorn's copy of the message with terminal colours.)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
}


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields a log call passed with `extra=`."""
    return {key: value for key, value in vars(record).items() if key not in _STANDARD}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **fields_of(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators, as escapes:
# a decoded `%0a` in a path must not start a forged line, nor `%00` write a NUL.
_ESCAPES = {
    code: ascii(chr(code))[1:-1] for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)
}


def escape_controls(text: str) -> str:
    """`text` with every control character written as an escape (`\\n`, `\\x00`, `\\u2028`)."""
    return text.translate(_ESCAPES)


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value ...`, one line per record whatever it holds.

    Every field is escaped; a traceback follows on lines of its own, each indented, so none
    can pass for a record.
    """

    def format(self, record: logging.LogRecord) -> str:
        head = (self.formatTime(record), record.levelname, record.name, record.getMessage())
        line = "{} {} {}: {}".format(*map(escape_controls, head))
        extra = " ".join(
            f"{escape_controls(key)}={escape_controls(str(value))}"
            for key, value in fields_of(record).items()
        )
        if extra:
            line = f"{line} {extra}"
        if record.exc_info:
            trace = self.formatException(record.exc_info)
            line += "".join(f"\n    {escape_controls(part)}" for part in trace.splitlines())
        return line


def configure_logging(level: str, log_format: Literal["text", "json"]) -> None:
    """Send every logger (uvicorn's and aiogram's too) through one handler on stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "aiogram"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The app logs one structured line per request itself (api/metrics.py); uvicorn's own
    # access lines would repeat each (its `access_log=False` reaches the first process only).
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # At debug, aiosqlite logs every statement with its parameters: password and key hashes.
    logging.getLogger("aiosqlite").setLevel(max(root.level, logging.INFO))
