"""An exclusive lock on the workspace, so that builds and additions never interleave."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kgraph.errors import WorkspaceError


@contextmanager
def workspace_lock(workspace: Path, *, timeout: float = 60.0, purpose: str = "change the workspace") -> Iterator[None]:
    """Hold ``WORKSPACE/.lock`` exclusively; wait up to ``timeout`` seconds, then refuse.

    The lock is an advisory ``flock``: the kernel releases it when a holder dies, so a killed
    run never leaves the workspace locked.
    """
    path = workspace / ".lock"
    try:
        workspace.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise WorkspaceError(
            f"{workspace}: cannot use this folder as the workspace: {e.strerror}",
            hint="set KGRAPH_HOME or pass --workspace DIR with a folder you can write to",
        ) from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WorkspaceError(
                        f"{workspace}: another kgraph process is using the workspace; waited {timeout:g} s to {purpose}",
                        hint="try again when it has finished",
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def held(path: Path) -> bool:
    """Whether some process holds a lock on the file ``path`` (shared or exclusive), found by
    trying an exclusive one without waiting; a file that is not there is held by nobody."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # (closing drops the lock just taken)
    return False
