"""Checking new facts against the knowledge graph, and adding them all or nothing.

New facts are validated inside the whole graph (ontology, shipped and added facts, and the
OWL RL closure of all of it together), with SHACL focused on the nodes the new facts are about
or point at. Besides
the shapes, every node that receives new triples must cite evidence in the same file: a new
fact needs its own provenance, even about an entity that already has some.

``add`` writes each accepted file to ``WORKSPACE/facts/`` with only the triples not already
present, then rebuilds; any failure or interruption before the end removes what it wrote.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kgraph.build import Build, ensure_built
from kgraph.errors import InputError, NonConformingError
from kgraph.loading import ParsedFile, parse_rdf_file, source_text_triples, subject_lines
from kgraph.lock import workspace_lock
from kgraph.namespaces import GRAPH_INFERRED, GRAPH_META, GRAPH_SHAPES, GRAPH_SOURCES, KG, OA, PREFIXES, RDF, shorten
from kgraph.resources import Resources
from kgraph.validation import Problem, ValidationReport

PROVENANCE_CLASSES = {KG + "SourceDocument", KG + "BackgroundStatement", OA + "SpecificResource",
                      OA + "TextQuoteSelector", OA + "TextPositionSelector"}


@dataclass
class Checked:
    """The outcome of validating new files in context."""

    report: ValidationReport
    files: list[ParsedFile]
    texts: list[Path]
    new: list[list[ox.Triple]] = field(default_factory=list)  # per file, triples not yet in the graph
    duplicates: list[ox.Triple] = field(default_factory=list)


@dataclass
class AddResult:
    """What ``add`` did."""

    written: list[Path]
    added: int
    duplicates: list[ox.Triple]
    build: Build | None
    report: ValidationReport


def _split_inputs(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    rdf, texts = [], []
    for p in map(Path, paths):
        if not p.exists():
            raise InputError(f"{p}: no such file")
        (texts if p.suffix.lower() == ".txt" else rdf).append(p)
    if not rdf:
        raise InputError("no RDF file given", hint="pass the facts as .ttl (or .nt, .jsonld, .rdf) files")
    return rdf, texts


def _context_triples(build: Build) -> list[ox.Triple]:
    """The asserted triples of a build (ontology, facts, background), without shapes and texts."""
    return [ox.Triple(q.subject, q.predicate, q.object)
            for q in build.quads(exclude={GRAPH_INFERRED, GRAPH_META, GRAPH_SHAPES, GRAPH_SOURCES})]


def _provenance_problems(parsed: ParsedFile, closure, locations) -> list[Problem]:
    """Nodes that receive new triples in a file without citing kg:evidence in that file.

    Exempt are provenance nodes themselves (documents, spans, selectors, background statements)
    and triples that a kg:BackgroundStatement in the same file reifies.
    """
    from collections import defaultdict

    from rdflib import URIRef

    from kgraph.terms import to_rdflib

    rdf_type, evidence = ox.NamedNode(RDF + "type"), ox.NamedNode(KG + "evidence")
    background_class = ox.NamedNode(KG + "BackgroundStatement")
    by_subject: dict = defaultdict(list)
    for t in parsed.triples:
        by_subject[t.subject].append(t)
    reified = set()
    for triples in by_subject.values():
        if any(t.predicate == rdf_type and t.object == background_class for t in triples):
            spo = {t.predicate.value: t.object for t in triples}
            if all(k in spo for k in (RDF + "subject", RDF + "predicate", RDF + "object")):
                reified.add(ox.Triple(spo[RDF + "subject"], spo[RDF + "predicate"], spo[RDF + "object"]))
    problems = []
    for subject, triples in sorted(by_subject.items(), key=lambda kv: str(kv[0])):
        if any(t.predicate == evidence for t in triples):
            continue
        if {str(o) for o in closure.objects(to_rdflib(subject), URIRef(RDF + "type"))} & PROVENANCE_CLASSES:
            continue
        if all(t in reified for t in triples):
            continue
        where = locations.get(subject.value, (str(parsed.path), None))
        problems.append(Problem(
            focus=shorten(subject.value) if isinstance(subject, ox.NamedNode) else f"_:{subject.value}",
            focus_label=None, path=shorten(KG + "evidence"), value=None,
            message="New facts need their own provenance: cite the span that states them with kg:evidence in the same file, "
                    "or reify them as a kg:BackgroundStatement with a dcterms:source.",
            severity="Violation", shape=None, component="kgraph:ProvenanceRequired", file=where[0], line=where[1]))
    return problems


def check_files(resources: Resources, workspace: Path, paths: list[Path], *, locked: bool = False) -> Checked:
    """Validate new fact files in the context of the whole knowledge graph.

    Raises:
        InputError / ParseError: a file is missing or malformed.
        InconsistencyError: the new facts contradict the ontology or the graph.
    """

    from kgraph.loading import rdf_format_for
    from kgraph.reasoning import materialise
    from kgraph.terms import to_rdflib, triples_to_rdflib
    from kgraph.validation import validate_graph

    rdf_paths, texts = _split_inputs(paths)
    for p in rdf_paths:
        rdf_format_for(p)
    build = ensure_built(resources, workspace, locked=locked)
    context = _context_triples(build)
    files = [parse_rdf_file(p) for p in rdf_paths]

    present = set(context)
    new_per_file, duplicates, seen = [], [], set()
    for f in files:
        fresh = []
        for t in f.triples:
            if t in present:
                duplicates.append(t)
            elif t not in seen:
                seen.add(t)
                fresh.append(t)
        new_per_file.append(fresh)
    new_triples = [t for fresh in new_per_file for t in fresh]
    text_dirs = [*sorted({p.parent for p in texts}), resources.data, workspace / "sources"]
    texts_triples = source_text_triples(context + new_triples, text_dirs)

    closure, _inferred = materialise(context + new_triples + texts_triples)
    shapes = triples_to_rdflib(ox.parse(path=str(resources.shapes), format=ox.RdfFormat.TURTLE))

    locations = {}
    for f in files:
        for iri, line in subject_lines(f.path, f.prefixes).items():
            locations.setdefault(iri, (str(f.path), line))
    # New facts can break the entities they point at (a second capital for Astana), so those are
    # validated too; literals are never focus nodes.
    focus = {to_rdflib(term) for f in files for t in f.triples for term in (t.subject, t.object) if not isinstance(term, ox.Literal)}
    report = validate_graph(closure, shapes, focus_nodes=focus, locations=locations)
    for f in files:
        report.problems.extend(_provenance_problems(f, closure, locations))
    report.files = [str(f.path) for f in files]
    return Checked(report, files, texts, new_per_file, duplicates)


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def add_files(resources: Resources, workspace: Path, paths: list[Path]) -> AddResult:
    """Validate new facts and, only if they all conform, add them to the workspace and rebuild.

    Raises:
        NonConformingError: some new fact breaks a shape or lacks provenance; nothing changed.
    """
    with workspace_lock(workspace, purpose="add facts"):
        checked = check_files(resources, workspace, paths, locked=True)
        if not checked.report.conforms:
            raise NonConformingError("the new facts do not conform; nothing was added", checked.report)
        written: list[Path] = []
        try:
            for text in checked.texts:
                target = workspace / "sources" / text.name
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    if target.read_bytes() != text.read_bytes():
                        raise InputError(f"{target}: a different source text with this name is already in the workspace",
                                         hint="rename the new text and its dcterms:identifier")
                    continue
                _write_atomically(target, text.read_bytes())
                written.append(target)
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
            for f, fresh in zip(checked.files, checked.new, strict=True):
                if not fresh:
                    continue
                target = workspace / "facts" / f"{stamp}-{f.path.stem}.ttl"
                target.parent.mkdir(parents=True, exist_ok=True)
                n = 1
                while target.exists():
                    n += 1
                    target = workspace / "facts" / f"{stamp}-{f.path.stem}-{n}.ttl"
                header = f"# Added by kgraph add from {f.path.name} on {stamp} UTC.\n".encode()
                prefixes = {**PREFIXES, **f.prefixes}
                _write_atomically(target, header + ox.serialize(fresh, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
                written.append(target)
            build = ensure_built(resources, workspace, locked=True) if written else None
            if build is not None and not build.conforms:
                raise NonConformingError("with the new facts the knowledge graph no longer conforms; nothing was added",
                                         checked.report, hint=f"report: {build.report_path}")
        except BaseException:
            for p in written:
                p.unlink(missing_ok=True)
            raise
    return AddResult(written, sum(len(x) for x in checked.new), checked.duplicates, build, checked.report)

