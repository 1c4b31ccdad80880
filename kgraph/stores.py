"""On-disk Oxigraph stores: opening one for queries, and writing one from a dataset.

The build writes a store; queries open it read-only. The query engines live in
:mod:`kgraph.engines`, so that the build never imports the query layer.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kgraph.errors import WorkspaceError

def open_store(path: Path, *, read_only: bool = True) -> ox.Store:
    """Open an on-disk Oxigraph store; a damaged or busy one is a WorkspaceError."""
    try:
        return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except OSError as e:
        raise WorkspaceError(f"{path}: cannot open the embedded store: {e}",
                             hint="run 'kgraph build --force' to rebuild it") from None


def write_store(path: Path, quads: Iterable[ox.Quad]) -> int:
    """Bulk-load quads into a new on-disk Oxigraph store at ``path``; return its quad count.

    Loading from Python terms (not from a file) keeps blank node labels as they are, so the
    store and ``dataset.nq`` name blank nodes alike. The store is flushed and released before
    returning, so the folder can be renamed at once.
    """
    store = ox.Store(str(path))
    store.bulk_extend(quads)
    store.flush()
    count = len(store)
    del store
    return count
