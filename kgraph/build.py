"""The pipeline: Turtle files -> parse -> OWL RL closure -> SHACL validation -> materialised dataset.

A build is cached under ``WORKSPACE/cache/KEY`` where KEY hashes every input file (and the
kgraph version), so a query after the first never reasons or validates again, and an edit to
any input makes a new build. The cache folder holds:

- ``dataset.nq``: every named graph (ontology, shapes, asserted facts by file, source texts,
  inferred triples, and a meta graph describing the others);
- ``store/``: the same dataset in an on-disk Oxigraph store, opened read-only by queries;
- ``report.ttl`` / ``report.json``: the SHACL validation report;
- ``manifest.json``: counts, timings and whether the data conforms.

A build is written to a temporary folder and renamed into place, so a reader sees either the
old build or the whole new one, never half of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kgraph import __version__
from kgraph.errors import NonConformingError, WorkspaceError
from kgraph.lock import workspace_lock
from kgraph.namespaces import (
    DCTERMS,
    GRAPH_INFERRED,
    GRAPH_META,
    GRAPH_ONTOLOGY,
    GRAPH_SHAPES,
    GRAPH_SOURCES,
    RDFS,
    data_graph_iri,
    workspace_graph_iri,
)
from kgraph.resources import Resources
from kgraph.store import write_store

ROLES = ("ontology", "shapes", "data", "workspace", "text")


@dataclass(frozen=True)
class InputFile:
    """One input of the build and the named graph its triples go to."""

    path: Path
    role: str
    graph: str | None

    @property
    def label(self) -> str:
        return f"{self.role}/{self.path.name}"


def collect_inputs(resources: Resources, workspace: Path) -> list[InputFile]:
    """Every file the build reads, in a fixed order."""
    inputs = [InputFile(p, "ontology", GRAPH_ONTOLOGY) for p in sorted(resources.ontology.glob("*.ttl"))
              if p.name != resources.shapes.name]
    inputs.append(InputFile(resources.shapes, "shapes", GRAPH_SHAPES))
    inputs += [InputFile(p, "data", data_graph_iri(p.stem)) for p in sorted(resources.data.glob("*.ttl"))]
    inputs += [InputFile(p, "text", None) for p in sorted(resources.data.glob("*.txt"))]
    inputs += [InputFile(p, "workspace", workspace_graph_iri(p.stem)) for p in sorted((workspace / "facts").glob("*.ttl"))]
    inputs += [InputFile(p, "text", None) for p in sorted((workspace / "sources").glob("*.txt"))]
    return inputs


def input_key(inputs: list[InputFile]) -> str:
    """A digest of the kgraph version and the name, role and bytes of every input."""
    h = hashlib.sha256(f"kgraph {__version__}\n".encode())
    for f in inputs:
        h.update(f"{f.role}\0{f.path.name}\0".encode())
        h.update(hashlib.sha256(f.path.read_bytes()).digest())
    return h.hexdigest()[:24]


@dataclass(frozen=True)
class Build:
    """A finished build in the cache."""

    key: str
    folder: Path
    manifest: dict
    fresh: bool = False  # built by this call rather than found in the cache

    @property
    def dataset_path(self) -> Path:
        return self.folder / "dataset.nq"

    @property
    def store_path(self) -> Path:
        return self.folder / "store"

    @property
    def report_path(self) -> Path:
        return self.folder / "report.ttl"

    @property
    def conforms(self) -> bool:
        return bool(self.manifest["conforms"])

    def report(self):
        """The build's validation report, read back from ``report.json``."""
        from kgraph.validation import Problem, ValidationReport

        data = json.loads((self.folder / "report.json").read_text(encoding="utf-8"))
        return ValidationReport([Problem(**p) for p in data["problems"]], data["checked"],
                                report_turtle=self.report_path.read_text(encoding="utf-8"))

    def quads(self, *, exclude: set[str] | frozenset[str] = frozenset()) -> list[ox.Quad]:
        """The materialised quads, leaving out the named graphs whose IRIs are in ``exclude``."""
        return [q for q in ox.parse(path=str(self.dataset_path), format=ox.RdfFormat.N_QUADS)
                if q.graph_name.value not in exclude]

    def require_conforming(self) -> None:
        """Raise NonConformingError if the shipped and added facts do not conform."""
        if not self.conforms:
            raise NonConformingError(
                f"the knowledge graph does not conform to its shapes ({self.manifest['violations']} violation(s))",
                hint=f"run 'kgraph build' to see them; full report: {self.report_path}")


def load_build(folder: Path) -> Build | None:
    """The build in ``folder`` if it is complete, else None."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Build(manifest["key"], folder, manifest)


def ensure_built(resources: Resources, workspace: Path, *, force: bool = False, locked: bool = False) -> Build:
    """The cached build for the current inputs, building it first if needed.

    ``locked`` says the caller already holds the workspace lock.
    """
    inputs = collect_inputs(resources, workspace)
    key = input_key(inputs)
    cache = workspace / "cache"
    if not force:
        found = load_build(cache / key)
        if found is not None:
            return found
    if locked:
        return _build_locked(inputs, key, cache, resources)
    with workspace_lock(workspace, timeout=300, purpose="build"):
        if not force:  # another process may have built it while we waited
            found = load_build(cache / key)
            if found is not None:
                return found
        return _build_locked(inputs, key, cache, resources)


def run_pipeline(inputs: list[InputFile], text_dirs: list[Path]):
    """Parse, reason and validate; return (graphs, inferred rdflib graph, report, timings).

    ``graphs`` maps named-graph IRIs to lists of pyoxigraph triples.
    """
    from kgraph.loading import parse_rdf_file, source_text_triples, subject_lines
    from kgraph.reasoning import materialise
    from kgraph.terms import graph_to_triples, triples_to_rdflib
    from kgraph.validation import validate_graph

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    graphs: dict[str, list] = defaultdict(list)
    locations: dict[str, tuple[str, int]] = {}
    shapes_triples: list = []
    for f in inputs:
        if f.role == "text":
            continue
        parsed = parse_rdf_file(f.path)
        if f.role == "shapes":
            shapes_triples = parsed.triples
        for iri, line in subject_lines(f.path, parsed.prefixes).items():
            locations.setdefault(iri, (str(f.path), line))
        graphs[f.graph].extend(parsed.triples)
    asserted = [t for g, ts in graphs.items() if g != GRAPH_SHAPES for t in ts]
    graphs[GRAPH_SOURCES] = source_text_triples(asserted, text_dirs)
    timings["parse"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    closure, inferred = materialise(asserted + graphs[GRAPH_SOURCES])
    graphs[GRAPH_INFERRED] = graph_to_triples(inferred)
    timings["reason"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    shapes = triples_to_rdflib(shapes_triples)
    report = validate_graph(closure, shapes, locations=locations)
    timings["validate"] = time.perf_counter() - t0
    return graphs, closure, report, timings


def _meta_triples(graphs: dict[str, list], inputs: list[InputFile]) -> list:
    """Labels for the named graphs, so that query results can name them."""
    label = ox.NamedNode(RDFS + "label")
    source = ox.NamedNode(DCTERMS + "source")
    names = {GRAPH_ONTOLOGY: "the kgraph ontology", GRAPH_SHAPES: "the SHACL shapes",
             GRAPH_SOURCES: "the stored source texts", GRAPH_INFERRED: "triples inferred by OWL 2 RL reasoning"}
    out = []
    for f in inputs:
        if f.role in ("data", "workspace"):
            kind = "background knowledge" if f.path.stem == "background" else "asserted facts"
            names[f.graph] = f"{kind} from {f.role}/{f.path.name}"
            out.append(ox.Triple(ox.NamedNode(f.graph), source, ox.Literal(f"{f.role}/{f.path.name}")))
    for g in graphs:
        if g in names:
            out.append(ox.Triple(ox.NamedNode(g), label, ox.Literal(names[g], language="en")))
    return out


def _build_locked(inputs: list[InputFile], key: str, cache: Path, resources: Resources) -> Build:
    started = time.perf_counter()
    workspace = cache.parent
    graphs, _closure, report, timings = run_pipeline(inputs, [resources.data, workspace / "sources"])
    graphs[GRAPH_META] = _meta_triples(graphs, inputs)

    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".tmp-{key}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        t0 = time.perf_counter()
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in graphs.items() for t in ts]
        (tmp / "dataset.nq").write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
        (tmp / "report.ttl").write_text(report.report_turtle, encoding="utf-8")
        (tmp / "report.json").write_text(report.to_json(), encoding="utf-8")
        write_store(tmp / "store", tmp / "dataset.nq")
        timings["store"] = time.perf_counter() - t0
        asserted = sum(len(ts) for g, ts in graphs.items() if g not in (GRAPH_INFERRED, GRAPH_META, GRAPH_SHAPES, GRAPH_SOURCES))
        manifest = {
            "key": key,
            "kgraph": __version__,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "conforms": report.conforms,
            "violations": len(report.violations),
            "warnings": len(report.warnings),
            "checked": report.checked,
            "triples": {"asserted": asserted, "inferred": len(graphs[GRAPH_INFERRED]),
                        "shapes": len(graphs[GRAPH_SHAPES]), "total": len(quads)},
            "graphs": {g: len(ts) for g, ts in graphs.items()},
            "inputs": [f.label for f in inputs],
            "seconds": {k: round(v, 3) for k, v in {**timings, "total": time.perf_counter() - started}.items()},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        final = cache / key
        if final.exists():
            shutil.rmtree(final)
        os.rename(tmp, final)
    except OSError as e:
        raise WorkspaceError(f"{cache}: cannot write the build: {e}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _prune(cache, keep=final)
    return Build(key, final, manifest, fresh=True)


def _prune(cache: Path, keep: Path) -> None:
    """Remove older builds (and leftovers of interrupted ones), keeping the newest other one."""
    others = sorted((p for p in cache.iterdir() if p.is_dir() and p != keep),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[1:] + [p for p in others[:1] if p.name.startswith(".tmp-")]:
        shutil.rmtree(old, ignore_errors=True)
