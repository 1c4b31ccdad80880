"""The add journal: after a kill at any moment, an addition is there whole or not at all.

Before ``kgraph add`` writes any file into the workspace it notes every file it is about to
write in ``WORKSPACE/add-journal.json``; it removes the note only once the addition is complete
and the build updated. A note found while nobody holds the workspace lock belongs to an add
that died (kill -9, a power cut): :func:`recover` deletes the files it names, so no command
ever reads facts whose add was not reported as done. Signals that can be caught (Ctrl-C,
SIGTERM, SIGHUP) roll the add back in the process itself.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from kgraph.files import write_atomically
from kgraph.lock import held

JOURNAL = "add-journal.json"


def begin(workspace: Path, files: list[Path]) -> None:
    """Note the files an add is about to write (before it writes any)."""
    names = [os.path.relpath(f, workspace) for f in files]
    write_atomically(Path(workspace) / JOURNAL, json.dumps({"pid": os.getpid(), "files": names}, indent=1).encode())


def end(workspace: Path) -> None:
    """The add is complete, or rolled back: forget the note."""
    (Path(workspace) / JOURNAL).unlink(missing_ok=True)


def _writer_alive(workspace: Path) -> bool:
    """Whether some process holds the workspace lock (an add holds it from start to end)."""
    return held(Path(workspace) / ".lock")


def recover(workspace: Path) -> list[Path]:
    """Undo an add that died before it finished; the files removed (none where there was nothing
    to undo, or the add is still running)."""
    path = Path(workspace) / JOURNAL
    if not path.exists() or _writer_alive(workspace):
        return []
    try:
        names = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        names = []  # a note cut short: written atomically, so only an empty or foreign file can be here
    removed = []
    root = Path(workspace).resolve()
    for name in names:
        target = (root / str(name)).resolve()
        if target.parent.parent != root or target.parent.name not in ("facts", "sources"):
            continue  # only what an add writes: WORKSPACE/facts/* and WORKSPACE/sources/*
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
            removed.append(target)
    end(workspace)
    return removed
