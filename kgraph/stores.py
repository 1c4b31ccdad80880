"""On-disk Oxigraph stores: opening one for queries, writing one from named graphs, reading one back.

The build writes a store; queries open it read-only. The query engines live in
:mod:`kgraph.engines`, so that the build never imports the query layer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from kgraph.errors import WorkspaceError
from kgraph.lock import held
from kgraph.terms import rdf_bytes

# -- readers and writers -------------------------------------------------------------------------
# A process reading a build (its store, its snapshot, its listings) holds a shared lock on
# BUILD/.readers; a build folder is removed only when nobody holds it, and never rewritten in
# place: a rebuild or an add writes a new folder beside it (issue 10: a query beside
# 'kgraph build --force' had failed with "Corruption" when its folder was replaced).
READERS = ".readers"


def hold(folder: Path) -> int:
    """Take a shared lock on a build folder for reading; the descriptor to close when done.

    Raises FileNotFoundError when the folder is gone (a writer removed it meanwhile: look the
    build up again). Where the lock file cannot be created (a read-only cache), returns -1:
    nothing can remove the folder from under a reader then, since nobody can write there either.
    """
    import fcntl

    try:
        fd = os.open(Path(folder) / READERS, os.O_RDONLY | os.O_CREAT, 0o644)
    except FileNotFoundError:
        raise
    except OSError:
        if not Path(folder).is_dir():
            raise FileNotFoundError(str(folder)) from None
        return -1
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def release(fd: int) -> None:
    """Let go of a lock taken with :func:`hold`."""
    if fd >= 0:
        os.close(fd)


def in_use(folder: Path) -> bool:
    """Whether some process reads this build folder now (holds its shared lock)."""
    return held(Path(folder) / READERS)


def clone_build(source: Path, target: Path) -> None:
    """Copy a build folder for an update, leaving the original as it was for its readers.

    The store's table and blob files, which RocksDB never changes once written, are hard links
    (free); its log, manifest and options files, which it appends to, are copied. Kept listings
    and the readers' lock are left behind: the update changes the one and has none of the other.
    """
    import shutil

    source, target = Path(source), Path(target)
    for root, dirs, files in os.walk(source):
        here = Path(root)
        rel = here.relative_to(source)
        if rel.parts[:1] == ("listings",):
            dirs[:] = []
            continue
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            if name == READERS:
                continue
            if rel.parts[:1] == ("store",) and name.endswith((".sst", ".blob")):
                os.link(here / name, target / rel / name)
            else:
                shutil.copy2(here / name, target / rel / name)


def open_store(path: Path, *, read_only: bool = True) -> ox.Store:
    """Open an on-disk Oxigraph store; a damaged or busy one is a WorkspaceError."""
    try:
        return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except (OSError, RuntimeError) as e:  # RocksDB reports a damaged file as a RuntimeError ("Corruption: ...")
        raise WorkspaceError(
            f"{path}: cannot open the embedded store, it is damaged or busy: {e}", hint="run 'kgraph build --force' to rebuild it"
        ) from None


SNAPSHOT = "snapshot.nq"
SNAPSHOT_MAX = 25_000  # quads; a smaller build also keeps a snapshot, which loads faster than RocksDB opens


def load_store(folder: Path, *, crc32: int | None = None) -> ox.Store:
    """The store of a build folder, to read: in memory from ``snapshot.nq`` where the build is small
    (about 10 ms instead of 50 ms to open RocksDB, most of a query process), else the on-disk store.

    ``crc32``: the snapshot's CRC-32 as the build's manifest records it; a snapshot that differs
    is damaged (WorkspaceError), never read.
    """
    snapshot, on_disk = Path(folder) / SNAPSHOT, Path(folder) / "store"
    if not on_disk.is_dir():  # a build without its store is damaged, whatever else is there
        raise WorkspaceError(f"{on_disk}: cannot open the embedded store: it is missing", hint="run 'kgraph build --force' to rebuild it")
    if snapshot.is_file():
        import zlib

        store = ox.Store()
        try:
            data = snapshot.read_bytes()
            if crc32 is not None and zlib.crc32(data) != crc32:
                raise SyntaxError("its digest differs from the one the build recorded: the file was changed or damaged")
            # lenient: kgraph wrote this file from a store, so its IRIs need no second check
            store.extend(ox.parse(data, format=ox.RdfFormat.N_QUADS, lenient=True))
        except (OSError, SyntaxError) as e:
            raise WorkspaceError(f"{snapshot}: cannot read the build's snapshot: {e}", hint="run 'kgraph build --force' to rebuild it") from None
        return store
    return open_store(on_disk)


def write_snapshot(store: ox.Store, folder: Path, count: int) -> None:
    """Keep a snapshot of a small store beside it (its labels: parsing keeps explicit blank node labels)."""
    snapshot = Path(folder) / SNAPSHOT
    if count <= SNAPSHOT_MAX:
        ox.serialize(store.quads_for_pattern(None, None, None, None), output=str(snapshot), format=ox.RdfFormat.N_QUADS)
    else:
        snapshot.unlink(missing_ok=True)


class StoreWriter:
    """A new on-disk Oxigraph store at ``path``, written in batches of named graphs.

    A build writes the asserted graphs while the closure is still being computed, then the
    inferred ones. Triples without blank nodes go through an N-Quads file and ``bulk_load``,
    which works without holding Python's interpreter (on the core the reasoner leaves idle); the
    few with blank nodes go through ``bulk_extend``, which keeps their labels (a file load would
    rename them, and the compiled rules and the inferred graph name them). :meth:`close`
    compacts, flushes and releases the store, so that its folder can be renamed at once;
    :meth:`abandon` releases it unfinished.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.count = 0
        self._store: ox.Store | None = ox.Store(str(self.path))

    def write(self, graphs: Mapping[str, Iterable[ox.Triple]]) -> int:
        """Add named graphs (IRI -> triples); return the number of quads this batch wrote."""
        if self._store is None:
            raise ValueError(f"{self.path}: the store is closed")
        load = self.path.with_name(f".{self.path.name}.load.nq")
        with_blank: list[ox.Quad] = []
        count = 0
        try:
            with open(load, "wb") as fh:
                for graph, triples in graphs.items():
                    name = ox.NamedNode(graph)
                    plain = []
                    for t in triples:
                        if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
                            with_blank.append(ox.Quad(t.subject, t.predicate, t.object, name))
                        else:
                            plain.append(t)
                    count += len(plain)
                    # An N-Triples line ends with " .\n", which no escaped term contains: add the graph there.
                    fh.write(rdf_bytes(plain, ox.RdfFormat.N_TRIPLES).replace(b" .\n", f" <{graph}> .\n".encode()))
            self._store.bulk_load(path=str(load), format=ox.RdfFormat.N_QUADS)
            self._store.bulk_extend(with_blank)
        finally:
            load.unlink(missing_ok=True)
        self.count += count + len(with_blank)
        return count + len(with_blank)

    def close(self) -> int:
        """Compact, flush and release the store, with its snapshot where small; the number of quads."""
        if self._store is None:
            raise ValueError(f"{self.path}: the store is closed")
        # A bulk load leaves many small files; compacting them once (about 2 s at a million
        # triples) makes every later look-up about twice as fast.
        self._store.optimize()
        self._store.flush()
        write_snapshot(self._store, self.path.parent, self.count)
        self._store = None
        return self.count

    def abandon(self) -> None:
        """Release the store unfinished (its folder is the caller's to remove)."""
        self._store = None


def write_store(path: Path, graphs: Mapping[str, Iterable[ox.Triple]]) -> int:
    """Write named graphs into a new on-disk Oxigraph store at ``path`` in one batch; return the number of quads."""
    writer = StoreWriter(path)
    try:
        writer.write(graphs)
        return writer.close()
    finally:
        writer.abandon()


def read_quads(folder: Path, *, exclude: frozenset[str] | set[str] = frozenset()) -> list[ox.Quad]:
    """Every quad of a build's store, leaving out the named graphs whose IRIs are in ``exclude``."""
    held = hold(folder)
    try:
        store = load_store(folder)
        return [
            q
            for q in store.quads_for_pattern(None, None, None, None)
            if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name.value not in exclude
        ]
    finally:
        release(held)
