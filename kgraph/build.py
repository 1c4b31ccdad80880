"""The pipeline: Turtle files -> parse -> OWL RL closure -> SHACL validation -> materialised dataset.

A build is cached under ``WORKSPACE/cache/KEY`` where KEY hashes every input file (and the
kgraph version), so a query after the first never reasons or validates again, and an edit to
any input makes a new build. The cache folder holds:

- ``store/``: the materialised dataset in an on-disk Oxigraph store, opened read-only by
  queries: every named graph (ontology, shapes, asserted facts by file, source texts, inferred
  triples, the index of each span's words and offsets, and a meta graph describing the others);
- ``snapshot.nq``: for builds of up to 25,000 quads, the same quads, which a query process
  loads into memory faster than it opens the on-disk store;
- ``schema.nt``: owlrl's closure of the schema, from which an add compiles the rules again;
- ``report.ttl`` / ``report.json``: the SHACL validation report;
- ``manifest.json``: counts, timings, whether the data conforms, and the size and SHA-256 of
  each file above but the store (which RocksDB checks itself, block by block).

A build is written to a temporary folder and renamed into place, so a reader sees either the
old build or the whole new one, never half of it; a build is never rewritten in place (a
rebuild of the same key takes the folder ``KEY~2``, and so on) and never removed while a reader
holds it (:func:`kgraph.stores.hold`). An add (:mod:`kgraph.admission`) does not rebuild: it
inserts the new facts and what they imply into a hard-linked copy of the store in one
transaction, and the copy becomes the build of the new key. A query finds its build without
re-reading the inputs: ``cache/current.json`` maps a fingerprint of the inputs' names, sizes
and modification times to the key (and ``cache/digests.json`` keeps each input's SHA-256 by its
stat, so that a new key hashes only the files that changed).

A build whose files do not have the sizes its manifest records is not used (it is built
again); reading the whole graph (export, load) also checks their digests and the number of
quads, so a damaged cache is reported, never exported in part (issue 10).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pyoxigraph as ox

from kgraph._version import __version__
from kgraph.errors import NonConformingError, WorkspaceError
from kgraph.files import replace_folder, write_atomically
from kgraph.inputs import InputFile, collect_inputs, content_key, current_fingerprint, fingerprint
from kgraph.lock import workspace_lock
from kgraph.namespaces import DCTERMS, GRAPH_INFERRED, GRAPH_META, GRAPH_ONTOLOGY, GRAPH_SHAPES, GRAPH_SOURCES, GRAPH_SPANS, NOT_ASSERTED, RDFS
from kgraph.resources import Resources
from kgraph.stores import StoreWriter, read_quads

if TYPE_CHECKING:
    from concurrent.futures import Future

    from kgraph.pipeline import Parsed, Progress
    from kgraph.reasoning import Closure
    from kgraph.validation import ValidationReport


class Build(NamedTuple):
    """A finished build in the cache: its key, its folder (store, report, listings) and its manifest.

    >>> build = Build("0123abcd", Path("cache/0123abcd"), {"conforms": True})
    >>> build.conforms, build.store_path.as_posix()
    (True, 'cache/0123abcd/store')
    """

    key: str
    folder: Path
    manifest: dict[str, Any]
    fresh: bool = False  # built by this call rather than found in the cache

    @property
    def store_path(self) -> Path:
        return self.folder / "store"

    @property
    def report_path(self) -> Path:
        return self.folder / "report.ttl"

    @property
    def conforms(self) -> bool:
        return bool(self.manifest["conforms"])

    def report(self) -> ValidationReport:
        """The build's validation report, read back from ``report.json``."""
        from kgraph.validation import Problem, ValidationReport

        try:
            data = json.loads((self.folder / "report.json").read_text(encoding="utf-8"))
            problems = [Problem(**p) for p in data["problems"]]
            return ValidationReport(problems, data["checked"], report_turtle=self.report_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise WorkspaceError(
                f"{self.folder}: the build's validation report is missing or damaged ({type(e).__name__}: {e})",
                hint="run 'kgraph build --force' to build it again",
            ) from None

    def quads(self, *, exclude: set[str] | frozenset[str] = frozenset()) -> list[ox.Quad]:
        """The materialised quads, leaving out the named graphs whose IRIs are in ``exclude``.

        The whole graph is checked as it is read: the build's files against their digests, and
        the number of quads against the manifest, so that a damaged cache is never exported in part.
        """
        damaged = damaged_files(self, deep=True)
        if damaged:
            raise WorkspaceError(
                f"{self.folder}: the build is damaged ({', '.join(damaged)} differ from its manifest)",
                hint="run 'kgraph build --force' to build it again",
            )
        try:
            every = read_quads(self.folder)
        except FileNotFoundError:
            raise WorkspaceError(
                f"{self.folder}: the build was removed while it was being read", hint="another kgraph replaced it: run the command again"
            ) from None
        expected = self.manifest.get("triples", {}).get("total")
        if expected is not None and len(every) != expected:
            raise WorkspaceError(
                f"{self.folder}: the build is damaged: its store holds {len(every):,} quads, its manifest says {expected:,}",
                hint="run 'kgraph build --force' to build it again",
            )
        return every if not exclude else [q for q in every if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value not in exclude]

    def require_conforming(self) -> None:
        """Raise NonConformingError if the shipped and added facts do not conform."""
        if not self.conforms:
            raise NonConformingError(
                f"the knowledge graph does not conform to its shapes ({self.manifest['violations']} violation(s))",
                hint=f"run 'kgraph build' to see them; full report: {self.report_path}",
            )


CHECKED_FILES = ("snapshot.nq", "schema.nt", "report.ttl", "report.json")


def file_digests(folder: Path) -> dict[str, list[Any]]:
    """The size, SHA-256 and CRC-32 of each of a build's own files (see :data:`CHECKED_FILES`), for
    its manifest: whole-graph reads check the SHA-256, a query process the CRC-32 of the snapshot it
    loads (zlib is there already; hashlib's OpenSSL would cost the process 3 ms to load)."""
    import hashlib
    import zlib

    digests: dict[str, list[Any]] = {}
    for name in CHECKED_FILES:
        path = Path(folder) / name
        if path.is_file():
            data = path.read_bytes()
            digests[name] = [len(data), hashlib.sha256(data).hexdigest(), zlib.crc32(data)]
    return digests


def damaged_files(build: Build, *, deep: bool = False) -> list[str]:
    """The build's files that are missing or differ from its manifest: by size, and with
    ``deep`` by SHA-256 as well (a build made before digests were kept has nothing to compare)."""
    if deep:
        import hashlib
    damaged = []
    for name, (size, digest, *_crc) in build.manifest.get("files", {}).items():
        path = build.folder / name
        try:
            if path.stat().st_size != size or (deep and hashlib.sha256(path.read_bytes()).hexdigest() != digest):
                damaged.append(name)
        except OSError:
            damaged.append(name)
    return damaged


def load_build(folder: Path) -> Build | None:
    """The build in ``folder`` if it is complete and its files have the sizes its manifest records, else None."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        build = Build(manifest["key"], folder, manifest)
    except (OSError, ValueError, KeyError, TypeError):  # none, or cut short: not a build to use
        return None
    if not (folder / "store").is_dir() or damaged_files(build):
        return None  # damaged: built again (the folder is pruned once nobody reads it)
    return build


def _folders_of(cache: Path, key: str) -> list[Path]:
    """The folders holding builds of ``key``, newest first: ``KEY``, then ``KEY~2``, ``KEY~3``...
    (a build is never rewritten in place: a rebuild or an add of the same key takes the next name)."""
    try:
        with os.scandir(cache) as entries:
            names = [e.name for e in entries if e.name == key or (e.name.startswith(key + "~") and e.name[len(key) + 1 :].isdigit())]
    except OSError:
        return []
    return [cache / n for n in sorted(names, key=lambda n: int(n.partition("~")[2] or 1), reverse=True)]


def find_folder(cache: Path, key: str) -> Build | None:
    """The newest complete build of ``key`` in the cache, or None."""
    for folder in _folders_of(cache, key):
        found = load_build(folder)
        if found is not None:
            return found
    return None


def new_folder(cache: Path, key: str) -> Path:
    """A name for a new build of ``key`` that no folder has yet."""
    taken = _folders_of(cache, key)
    if not taken:
        return cache / key
    return cache / f"{key}~{int(taken[0].name.partition('~')[2] or 1) + 1}"


def _current(cache: Path) -> dict[str, Any]:
    return _read_json(cache / "current.json")


def _digests(cache: Path) -> dict[str, list[Any]]:
    return _read_json(cache / "digests.json")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return found
    except (OSError, ValueError):
        return {}


def remember_current(cache: Path, fingerprint_: str, key: str, files: dict[str, list[Any]] | None = None) -> None:
    """Note which build the inputs with this fingerprint have, so the next query need not hash them.

    ``files`` keeps each input's digest by its stat (in ``digests.json``, which a query does not
    read), so that the next key hashes only files that changed (an add hashes its new file, not
    the million triples before it).
    """
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs the next query a re-hash
        if files is not None:
            write_atomically(cache / "digests.json", json.dumps(files).encode())
        write_atomically(cache / "current.json", json.dumps({"fingerprint": fingerprint_, "key": key}).encode())


def current_build(resources: Resources, workspace: Path) -> Build | None:
    """The build that ``cache/current.json`` names for the inputs' fingerprint, if it is still
    there: how a query finds its build, making no path or input per file and hashing nothing
    (1.5 ms at a million triples in 450 files, where :func:`find_build` takes 3.3). None sends
    the caller to :func:`find_build`."""
    cache = workspace / "cache"
    current = _current(cache)
    if not current.get("key") or current.get("fingerprint") != current_fingerprint(resources, workspace, __version__):
        return None
    return find_folder(cache, current["key"])


def find_build(resources: Resources, workspace: Path) -> tuple[list[InputFile], str, Build | None]:
    """The inputs, their content key and the cached build for them, if there is one.

    The fingerprint of the inputs' names, sizes and modification times is checked first; only
    when it changed are the inputs that changed read and hashed.
    """
    inputs = collect_inputs(resources, workspace)
    cache = workspace / "cache"
    fp = fingerprint(inputs, __version__)
    current = _current(cache)
    if current.get("fingerprint") == fp:
        found = find_folder(cache, current["key"])
        if found is not None:
            return inputs, current["key"], found
    files = _digests(cache)
    key = content_key(inputs, __version__, files)
    found = find_folder(cache, key)
    if found is not None:
        remember_current(cache, fp, key, files)
    elif cache.is_dir():  # keep the digests for the build about to be made
        remember_current(cache, current.get("fingerprint", ""), current.get("key", ""), files)
    return inputs, key, found


def ensure_built(
    resources: Resources, workspace: Path, *, force: bool = False, locked: bool = False, reference: bool = False, progress: Progress | None = None
) -> Build:
    """The cached build for the current inputs, building it first if needed.

    ``locked`` says the caller already holds the workspace lock; ``reference`` builds with
    owlrl and pySHACL (always a new build); ``progress`` is told what a build does.
    """
    if not force and not reference:
        found = current_build(resources, workspace)
        if found is not None:
            return found
    inputs, key, found = find_build(resources, workspace)
    if found is not None and not force and not reference:
        return found
    if locked:
        return _build_locked(inputs, key, workspace / "cache", resources, reference=reference, progress=progress)
    with workspace_lock(workspace, timeout=300, purpose="build"):
        inputs, key, found = find_build(resources, workspace)  # another process may have built it meanwhile
        if found is not None and not force and not reference:
            return found
        return _build_locked(inputs, key, workspace / "cache", resources, reference=reference, progress=progress)


def build_inputs(resources: Resources, workspace: Path, inputs: list[InputFile], *, progress: Progress | None = None) -> Build:
    """The build of exactly ``inputs`` (found in the cache, or made); the caller holds the workspace lock.

    This is how a removal builds the graph without an addition before it moves any file: once
    the files are gone, the build for the inputs that remain is already there.
    """
    cache = workspace / "cache"
    files = dict(_digests(cache))
    key = content_key(inputs, __version__, files)
    found = find_folder(cache, key)
    return found if found is not None else _build_locked(inputs, key, cache, resources, progress=progress)


def _meta_triples(graphs: Iterable[str], inputs: list[InputFile]) -> list[ox.Triple]:
    """Labels for the named graphs (IRIs), so that query results can name them."""
    label = ox.NamedNode(RDFS.label)
    source = ox.NamedNode(DCTERMS.source)
    names = {
        GRAPH_ONTOLOGY: "the kgraph ontology",
        GRAPH_SHAPES: "the SHACL shapes",
        GRAPH_SOURCES: "the stored source texts",
        GRAPH_INFERRED: "triples inferred by OWL 2 RL reasoning",
        GRAPH_SPANS: "each span's words and offsets, copied from its selectors",
    }
    out = []
    for f in inputs:
        if f.graph is not None and f.role in ("data", "workspace"):
            kind = "background knowledge" if f.path.stem == "background" else "asserted facts"
            names[f.graph] = f"{kind} from {f.role}/{f.path.name}"
            out.append(ox.Triple(ox.NamedNode(f.graph), source, ox.Literal(f"{f.role}/{f.path.name}")))
    for g in graphs:
        if g in names:
            out.append(ox.Triple(ox.NamedNode(g), label, ox.Literal(names[g], language="en")))
    return out


def _new_tmp(cache: Path, key: str) -> Path:
    """An empty folder to write a build in; before any work, so that a cache that cannot be
    written is found at once, not after the build."""
    import shutil

    tmp = cache / f".tmp-{key}-{os.getpid()}"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        (tmp / ".probe").write_bytes(b"")
    except OSError as e:
        raise WorkspaceError(
            f"{cache}: cannot write the build cache: {e.strerror or e}",
            hint="make the folder writable (or remove what is in its way), or use another workspace with --workspace DIR",
        ) from None
    (tmp / ".probe").unlink()
    return tmp


def _build_locked(
    inputs: list[InputFile], key: str, cache: Path, resources: Resources, *, reference: bool = False, progress: Progress | None = None
) -> Build:
    import shutil

    from kgraph.pipeline import run_pipeline

    started = time.perf_counter()
    workspace = cache.parent
    tmp = _new_tmp(cache, key)
    counts: dict[str, int] = {}

    def materialise(parsed: Parsed, closure_ready: Future[Closure]) -> None:
        """Write the store and the schema closure: the asserted graphs while the pipeline reasons,
        the inferred ones while it validates."""
        graphs = parsed.graphs
        writer = StoreWriter(tmp / "store")
        try:
            writer.write(dict(graphs))
            closure = closure_ready.result()
            graphs[GRAPH_INFERRED] = closure.inferred
            graphs[GRAPH_META] = _meta_triples(graphs, inputs)
            counts.update({g: len(ts) for g, ts in graphs.items()})
            if closure.reasoner is not None:
                ox.serialize(closure.reasoner.schema_inferred, output=str(tmp / "schema.nt"), format=ox.RdfFormat.N_TRIPLES)
            writer.write({GRAPH_INFERRED: graphs[GRAPH_INFERRED], GRAPH_META: graphs[GRAPH_META]})
            counts["total"] = writer.close()
        finally:
            writer.abandon()
        # The listings are computed here too, while validation is still running.
        from kgraph import listings
        from kgraph.catalogue import Catalogue
        from kgraph.stores import load_store

        listings.keep_all(load_store(tmp), Catalogue(resources.queries), tmp)

    try:
        outcome = run_pipeline(
            inputs, [resources.data, workspace / "sources"], reference=reference, cache=cache / "rules", progress=progress, materialise=materialise
        )
        graphs = outcome.parsed.graphs
        report, timings = outcome.report, outcome.timings
        reasoner = outcome.closure.reasoner
        (tmp / "report.ttl").write_text(report.report_turtle, encoding="utf-8")
        (tmp / "report.json").write_text(report.to_json(), encoding="utf-8")
        asserted = sum(len(ts) for g, ts in graphs.items() if g not in NOT_ASSERTED and g != GRAPH_SOURCES)
        manifest = {
            "key": key,
            "kgraph": __version__,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "conforms": report.conforms,
            "violations": len(report.violations),
            "warnings": len(report.warnings),
            "checked": report.checked,
            "triples": {
                "asserted": asserted,
                "inferred": len(graphs[GRAPH_INFERRED]),
                "shapes": len(graphs[GRAPH_SHAPES]),
                "total": counts.pop("total"),
            },
            "graphs": counts,
            "inputs": [f.label for f in inputs],
            "reasoner": outcome.closure.note,
            "validator": "pySHACL (reference)" if reference else "pyshifty",
            "schema": None
            if reasoner is None
            else {"key": reasoner.schema.key, "probes": [[p.value, p.datatype.value] for p in reasoner.schema.probes]},
            "seconds": {k: round(v, 3) for k, v in {**timings, "total": time.perf_counter() - started}.items()},
        }
        manifest["files"] = file_digests(tmp)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        final = new_folder(cache, key)  # beside any build of the same key, which its readers may still use
        replace_folder(tmp, final)
    except OSError as e:
        raise WorkspaceError(f"{cache}: cannot write the build: {e}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    remember_current(cache, fingerprint(inputs, __version__), key)
    _prune(cache, keep=final)
    return Build(key, final, manifest, fresh=True)


def _prune(cache: Path, keep: Path) -> None:
    """Remove older builds (and leftovers of interrupted ones), keeping the newest other one,
    and any that a reader still holds (see :func:`kgraph.stores.hold`)."""
    import shutil

    from kgraph.stores import in_use

    others = sorted((p for p in cache.iterdir() if p.is_dir() and p != keep and p.name != "rules"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[1:] + [p for p in others[:1] if p.name.startswith(".tmp-")]:
        if not in_use(old):
            shutil.rmtree(old, ignore_errors=True)
