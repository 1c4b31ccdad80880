"""Writing files and folders so that a reader sees the old version or the whole new one, never half.

Both helpers write beside the target, flush to disk, then rename: a rename within one folder
is atomic on POSIX file systems, and the fsync of the data (and of the folder) makes the
result survive a power cut, not only a killed process.
"""

from __future__ import annotations

import os
from pathlib import Path


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (a temporary file beside it, fsync, rename).

    >>> import tempfile; p = Path(tempfile.mkdtemp()) / "x.txt"
    >>> write_atomically(p, b"hello"); p.read_bytes()
    b'hello'
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def replace_folder(staged: Path, target: Path) -> None:
    """Move the finished folder ``staged`` to ``target``, replacing any folder there.

    ``staged`` must be beside ``target``. Where ``target`` exists it is first renamed aside,
    so that at every moment either the old or the new folder is complete on disk.
    """
    import shutil

    staged, target = Path(staged), Path(target)
    for root, _dirs, files in os.walk(staged):
        for name in files:
            try:
                fd = os.open(Path(root) / name, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    aside = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        os.rename(target, aside)
    os.rename(staged, target)
    _fsync_dir(target.parent)
    shutil.rmtree(aside, ignore_errors=True)
