"""Secrets shown once (the first-start banner), written where log collectors do not read."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# The process's controlling terminal: a person reads it, a log shipper does not.
TERMINAL = "/dev/tty"


def write_privately(text: str) -> Path | None:
    """Write `text` to the controlling terminal; None when it went there.

    Without one (a service manager, a container without a terminal), `text` goes to a new
    file only this user may read, in the temporary directory, and its path is returned.
    """
    try:
        with open(TERMINAL, "w", encoding="utf-8") as terminal:
            terminal.write(f"{text}\n")
        return None
    except OSError:
        pass
    # mkstemp makes the file with mode 0600 and refuses to follow a planted link.
    handle, name = tempfile.mkstemp(prefix="incidents-first-start-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as note:
        note.write(f"{text}\n")
    return Path(name)
