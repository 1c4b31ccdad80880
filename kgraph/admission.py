"""Admission of new facts: validating them against the knowledge graph, and adding them all or nothing.

New facts are checked inside the whole graph (ontology, shipped and added facts, and the OWL
RL closure of all of it together), but only what they can affect is reasoned about and
validated (:mod:`kgraph.delta`): the compiled rules close the delta by look-ups in the
build's store, and SHACL runs on the part of the graph that the affected nodes' shapes read.
``reference=True`` instead runs owlrl and pySHACL over the whole graph with the new facts.
Besides the shapes, every node that receives new triples must cite evidence in the same file:
a new fact needs its own provenance, even about an entity that already has some.

``add`` writes each accepted file to ``WORKSPACE/facts/`` with only the triples not already
present, then inserts them and what they imply into the build's store in one transaction
(no rebuild); any failure or interruption before the end removes what it wrote. Where the
new facts change the schema, the build is redone from scratch instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kgraph import journal
from kgraph._version import __version__
from kgraph.build import Build, _meta_triples, _prune, ensure_built, file_digests, find_build, load_build, new_folder, remember_current
from kgraph.errors import InputError, NonConformingError, WorkspaceError
from kgraph.evidence import span_index
from kgraph.files import write_atomically
from kgraph.inputs import InputFile, collect_inputs, fingerprint
from kgraph.loading import ParsedFile, check_limits, parse_rdf_file, rdf_format_for, read_triples, source_text_triples
from kgraph.lock import workspace_lock
from kgraph.namespaces import (
    GRAPH_INFERRED,
    GRAPH_META,
    GRAPH_SHAPES,
    GRAPH_SOURCES,
    GRAPH_SPANS,
    HIDDEN_GRAPHS,
    KG,
    NOT_ASSERTED,
    OA,
    PREFIXES,
    RDF,
    expand_shown,
    shorten,
    workspace_graph_iri,
)
from kgraph.resources import Resources
from kgraph.stores import clone_build, write_snapshot
from kgraph.terms import Subject, Term, graph_iri, lexical, rdf_bytes, show_term
from kgraph.validation import Problem, Shapes, ValidationReport

if TYPE_CHECKING:
    from kgraph.pipeline import Progress
    from kgraph.reasoning import Reasoner

PROVENANCE_CLASSES = {
    KG.SourceDocument,
    KG.BackgroundStatement,
    OA.SpecificResource,
    OA.TextQuoteSelector,
    OA.TextPositionSelector,
}


@dataclass
class Checked:
    """The outcome of validating new files in context."""

    report: ValidationReport
    files: list[ParsedFile]
    texts: list[Path]
    new: list[list[ox.Triple]] = field(default_factory=list)  # per file, triples not yet in the graph
    duplicates: list[ox.Triple] = field(default_factory=list)
    build: Build | None = None
    delta: Delta | None = None  # None when the check went the whole-graph way
    how: str = ""


@dataclass
class Delta:
    """What an add inserts into the build's store, besides the new files' own triples."""

    texts: list[ox.Triple]
    inferred: list[ox.Triple]
    focus: set[Term]
    newly_targeted: int


@dataclass
class AddResult:
    """What ``add`` did: the files it wrote, how many triples were new, which were there already.

    >>> from kgraph.validation import ValidationReport
    >>> result = AddResult(written=[], added=0, duplicates=[], build=None, report=ValidationReport([], checked=3))
    >>> result.added, result.report.conforms
    (0, True)
    """

    written: list[Path]
    added: int
    duplicates: list[ox.Triple]
    build: Build | None
    report: ValidationReport


def _split_inputs(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    rdf: list[Path] = []
    texts: list[Path] = []
    for p in map(Path, paths):
        if not p.exists():
            raise InputError(f"{p}: no such file")
        if not p.is_file():  # (follows links) a folder, a named pipe, a device: opening a pipe would wait for ever
            raise InputError(f"{p}: not a regular file; kgraph reads only files", hint="save the data to a file first")
        (texts if p.suffix.lower() == ".txt" else rdf).append(p)
    if not rdf:
        raise InputError("no RDF file given", hint="pass the facts as .ttl (or .nt, .jsonld, .rdf) files")
    return rdf, texts


def _provenance_problems(parsed: ParsedFile, types_of: Callable[[Term], Iterable[Term]], locations: Mapping[str, tuple[str, int]]) -> list[Problem]:
    """Nodes that receive new triples in a file without citing kg:evidence in that file.

    Exempt are provenance nodes themselves (documents, spans, selectors, background statements)
    and triples that a kg:BackgroundStatement in the same file reifies.
    """
    rdf_type, evidence = ox.NamedNode(RDF.type), ox.NamedNode(KG.evidence)
    background_class = ox.NamedNode(KG.BackgroundStatement)
    by_subject: dict[Term, list[ox.Triple]] = defaultdict(list)
    for t in parsed.triples:
        by_subject[t.subject].append(t)
    reified = set()
    for triples in by_subject.values():
        if any(t.predicate == rdf_type and t.object == background_class for t in triples):
            spo = {t.predicate.value: t.object for t in triples}
            s, p, o = spo.get(RDF.subject), spo.get(RDF.predicate), spo.get(RDF.object)
            if s is not None and not isinstance(s, ox.Literal) and isinstance(p, ox.NamedNode) and o is not None:
                reified.add(ox.Triple(s, p, o))
    problems = []
    for subject, triples in sorted(by_subject.items(), key=lambda kv: str(kv[0])):
        if any(t.predicate == evidence for t in triples):
            continue
        if {o.value for o in types_of(subject) if isinstance(o, ox.NamedNode)} & PROVENANCE_CLASSES:
            continue
        if all(t in reified for t in triples):
            continue
        where = locations.get(lexical(subject), (str(parsed.path), None))
        problems.append(
            Problem(
                focus=show_term(subject) or "",
                focus_label=None,
                path=shorten(KG.evidence),
                value=None,
                message="New facts need their own provenance: cite the span that states them with kg:evidence in the same file, "
                "or reify them as a kg:BackgroundStatement with a dcterms:source.",
                severity="Violation",
                shape=None,
                component="kgraph:ProvenanceRequired",
                file=where[0],
                line=where[1],
            )
        )
    return problems


def _parse_new(paths: list[Path], base: str | None = None) -> tuple[list[ParsedFile], list[Path]]:
    rdf_paths, texts = _split_inputs(paths)
    for p in rdf_paths:
        rdf_format_for(p)
    parsed = [parse_rdf_file(p, base_iri=base) for p in rdf_paths]
    for f in parsed:
        check_limits(f)
    return parsed, texts


def _split_new(files: list[ParsedFile], present: Callable[[ox.Triple], bool]) -> tuple[list[list[ox.Triple]], list[ox.Triple]]:
    """Per file, the triples not yet in the graph; and those that are."""
    new_per_file, duplicates, seen = [], [], set()
    for f in files:
        fresh = []
        for t in f.triples:
            if present(t):
                duplicates.append(t)
            elif t not in seen:
                seen.add(t)
                fresh.append(t)
        new_per_file.append(fresh)
    return new_per_file, duplicates


def _locations(files: list[ParsedFile]) -> Mapping[str, tuple[str, int]]:
    """Where each subject of the new files is written, read from them only when a problem asks."""
    from kgraph.pipeline import Locations

    return Locations((f.path, f.prefixes) for f in files)


def _file_nodes(files: list[ParsedFile]) -> set[Term]:
    """The nodes the new facts are about or point at (literals are never focus nodes)."""
    return {term for f in files for t in f.triples for term in (t.subject, t.object) if not isinstance(term, ox.Literal)}


def reasoner_of(build: Build, ontology: list[ox.Triple]) -> Reasoner | None:
    """The compiled rules of a build, from its schema closure (None if owlrl reasoned over everything)."""
    from kgraph.reasoning import Reasoner, Schema
    from kgraph.rules import compile_rules

    schema = build.manifest.get("schema")
    path = build.folder / "schema.nt"
    if not schema or not path.is_file():
        return None
    inferred = read_triples(path)
    probes = tuple(ox.Literal(v, datatype=ox.NamedNode(dt)) for v, dt in schema["probes"])
    return Reasoner(Schema(frozenset(ontology), probes), compile_rules([*ontology, *inferred]), inferred)


def check_files(
    resources: Resources,
    workspace: Path,
    paths: list[Path],
    *,
    locked: bool = False,
    reference: bool = False,
    progress: Progress | None = None,
    base: str | None = None,
) -> Checked:
    """Validate new fact files in the context of the whole knowledge graph.

    ``base``: the IRI relative IRIs in the files resolve against (by default each file's own ``file:`` URI).

    Raises:
        InputError / ParseError: a file is missing or malformed.
        InconsistencyError: the new facts contradict the ontology or the graph.
    """
    files, texts = _parse_new(paths, base)
    build = ensure_built(resources, workspace, locked=locked, progress=progress)
    text_dirs = [*sorted({p.parent for p in texts}), resources.data, workspace / "sources"]
    from kgraph.explain import explain, unknown_names
    from kgraph.stores import load_store

    store = load_store(build.folder)
    checked = None if reference else _check_delta(build, store, files, texts, text_dirs)
    if checked is None:
        checked = _check_whole(resources, workspace, build, files, texts, text_dirs, reference=reference, progress=progress)
    checked.report.problems.extend(unknown_names(files, store, _locations(files)))
    if checked.report.problems:
        explain(checked.report, files, store, text_dirs)
    return checked


def _check_delta(build: Build, store: ox.Store, files: list[ParsedFile], texts: list[Path], text_dirs: list[Path]) -> Checked | None:
    """The fast check: close and validate only what the new facts affect. None where it does not apply."""
    from kgraph.delta import StoreFacts, UnknownReads, affected_nodes, cached_read_paths, context_triples
    from kgraph.namespaces import GRAPH_ONTOLOGY
    from kgraph.reasoning import NeedsFullBuild, check_types, close_delta
    from kgraph.rules import TYPE, NeedsReference
    from kgraph.validation import validate

    facts = StoreFacts(store)
    ontology = facts.graph(GRAPH_ONTOLOGY)
    reasoner = reasoner_of(build, ontology)
    if reasoner is None:
        return None
    shapes = Shapes(facts.graph(GRAPH_SHAPES))
    new_per_file, duplicates = _split_new(files, facts.asserted)
    new_triples = [t for fresh in new_per_file for t in fresh]
    if any(facts.in_store(t) for t in new_triples):
        return None  # a new assertion of an inferred triple: it must leave the inferred graph, so rebuild
    text_triples = [t for t in source_text_triples(new_triples, text_dirs) if not facts.in_store(t)]
    try:
        reads = cached_read_paths(shapes, build.folder.parent / "rules")
        derived = close_delta(reasoner, facts, new_triples + text_triples)
    except (NeedsFullBuild, NeedsReference, UnknownReads):
        return None
    changed = [*new_triples, *text_triples, *derived]
    check_types(reasoner, {t.subject for t in changed if t.predicate == TYPE}, lambda n: facts.objects(n, TYPE))
    focus = affected_nodes(facts, changed, reads, shapes) | _file_nodes(files)
    context = context_triples(facts, focus, reads)
    locations = _locations(files)
    report = validate(list(context), shapes, engine="fast", focus=focus, locations=locations)
    before = shapes.targeted(
        ox.Triple(q.subject, q.predicate, q.object)
        for n in focus
        if not isinstance(n, ox.Literal)
        for q in store.quads_for_pattern(n, None, None, None)
        if graph_iri(q) not in HIDDEN_GRAPHS
    )
    newly_targeted = len(shapes.targeted(context) & focus) - len(before & focus)

    def types_of(n: Term) -> set[Term]:
        return facts.objects(n, TYPE)

    for f in files:
        report.problems.extend(_provenance_problems(f, types_of, locations))
    report.files = [str(f.path) for f in files]
    return Checked(report, files, texts, new_per_file, duplicates, build, Delta(text_triples, derived, focus, newly_targeted), "delta")


def _check_whole(
    resources: Resources,
    workspace: Path,
    build: Build,
    files: list[ParsedFile],
    texts: list[Path],
    text_dirs: list[Path],
    *,
    reference: bool,
    progress: Progress | None = None,
) -> Checked:
    """Reason and validate the whole graph with the new facts; report what differs from the build.

    The problems reported are those about the nodes the new files mention, and any the graph
    did not have before.
    """
    from kgraph.pipeline import run_pipeline
    from kgraph.rules import TYPE

    present = {ox.Triple(q.subject, q.predicate, q.object) for q in build.quads(exclude={GRAPH_SOURCES, *NOT_ASSERTED})}
    new_per_file, duplicates = _split_new(files, present.__contains__)
    staging = workspace / "cache" / f".check-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        inputs = collect_inputs(resources, workspace)
        for i, (f, fresh) in enumerate(zip(files, new_per_file, strict=True)):
            path = staging / f"{i}-{f.path.stem}.nt"
            path.write_bytes(rdf_bytes(fresh, ox.RdfFormat.N_TRIPLES))
            inputs.append(InputFile(path, "workspace", workspace_graph_iri(f.path.stem)))
        outcome = run_pipeline(inputs, text_dirs, reference=reference, cache=workspace / "cache" / "rules", progress=progress)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    nodes = _file_nodes(files)
    shown = {show_term(n) for n in nodes}
    known = {(p.focus, p.shape, p.component, p.path, p.value) for p in build.report().problems}
    locations = _locations(files)
    problems = []
    for p in outcome.report.problems:
        if p.focus in shown or (p.focus, p.shape, p.component, p.path, p.value) not in known:
            where = locations.get(expand_shown(p.focus), (None, None))
            problems.append(Problem(**{**p.__dict__, "file": where[0], "line": where[1]}))
    everything = outcome.parsed.asserted + outcome.closure.inferred
    types: dict[Term, set[Term]] = {}
    for t in everything:
        if t.predicate == TYPE:
            types.setdefault(t.subject, set()).add(t.object)
    report = ValidationReport(problems, len(outcome.shapes.targeted(everything) & nodes), outcome.report.report_turtle)
    for f in files:
        report.problems.extend(_provenance_problems(f, lambda n: types.get(n, set()), locations))
    report.files = [str(f.path) for f in files]
    return Checked(report, files, texts, new_per_file, duplicates, build, None, "reference" if reference else "whole graph")


def _safe_name(name: str) -> str:
    """A file name as the workspace keeps it: letters, digits, '.', '_' and '-' (others become '-').

    >>> _safe_name("my facts%20\\nnew.ttl")
    'my-facts-20-new.ttl'
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "facts"


def add_files(  # noqa: PLR0912 - each way an add can end is spelt out in order
    resources: Resources,
    workspace: Path,
    paths: list[Path],
    *,
    reference: bool = False,
    progress: Progress | None = None,
    base: str | None = None,
) -> AddResult:
    """Validate new facts and, only if they all conform, add them to the workspace and the build.

    Raises:
        NonConformingError: some new fact breaks a shape or lacks provenance; nothing changed.
    """
    with workspace_lock(workspace, purpose="add facts"):
        checked = check_files(resources, workspace, paths, locked=True, reference=reference, progress=progress, base=base)
        if not checked.report.conforms:
            raise NonConformingError("the new facts do not conform; nothing was added", checked.report)
        graphs: dict[str, list[ox.Triple]] = {}
        planned: list[tuple[Path, bytes]] = []  # every file this add writes, decided before it writes any
        for text in checked.texts:
            target = workspace / "sources" / text.name
            if target.exists():
                if target.read_bytes() != text.read_bytes():
                    raise InputError(
                        f"{target}: a different source text with this name is already in the workspace",
                        hint="rename the new text and its dcterms:identifier",
                    )
                continue
            planned.append((target, text.read_bytes()))
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        taken = {t for t, _ in planned}
        for f, fresh in zip(checked.files, checked.new, strict=True):
            if not fresh:
                continue
            stem = _safe_name(f.path.stem)
            target, n = workspace / "facts" / f"{stamp}-{stem}.ttl", 1
            while target.exists() or target in taken:
                n += 1
                target = workspace / "facts" / f"{stamp}-{stem}-{n}.ttl"
            taken.add(target)
            header = f"# Added by kgraph add from {_safe_name(f.path.name)} on {stamp} UTC.\n".encode()
            planned.append((target, header + rdf_bytes(fresh, ox.RdfFormat.TURTLE, {**PREFIXES, **f.prefixes})))
            graphs[workspace_graph_iri(target.stem)] = fresh
        written: list[Path] = []
        if planned:
            journal.begin(workspace, [t for t, _ in planned])  # a kill from here on is undone by the next command
        try:
            for target, data in planned:
                target.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(target, data)
                written.append(target)
            build = None
            if written:
                if checked.delta is not None and checked.build is not None:
                    build = _apply_delta(resources, workspace, checked.build, graphs, checked)
                else:
                    build = ensure_built(resources, workspace, locked=True, reference=reference, progress=progress)
            if build is not None and not build.conforms:
                raise NonConformingError(
                    "with the new facts the knowledge graph no longer conforms; nothing was added",
                    checked.report,
                    hint=f"report: {build.report_path}",
                )
        except BaseException:
            for p in written:
                p.unlink(missing_ok=True)
            journal.end(workspace)
            raise
        journal.end(workspace)
    return AddResult(written, sum(len(x) for x in checked.new), checked.duplicates, build, checked.report)


def _new_span_index(store: ox.Store, new: list[ox.Triple]) -> list[ox.Triple]:
    """The triples of the span index (:func:`kgraph.evidence.span_index`) that the new facts add:
    those of each span they touch (a span with a new selector, or one whose selector has new
    words or offsets), from that span's asserted triples in the store and the new ones, less
    those the store has. A build from scratch gives the same index."""
    has_selector = ox.NamedNode(OA.hasSelector)
    parts = {ox.NamedNode(OA.exact), ox.NamedNode(OA.start), ox.NamedNode(OA.end)}
    fresh = {x for t in new for x in (t.subject, t.object) if isinstance(x, ox.BlankNode)}  # in no stored triple

    def stored(s: Term | None, p: ox.NamedNode | None = None, o: Term | None = None) -> list[ox.Triple]:
        if s in fresh or o in fresh or isinstance(s, ox.Literal):
            return []
        found = store.quads_for_pattern(s, p, o, None)
        return [ox.Triple(q.subject, q.predicate, q.object) for q in found if graph_iri(q) not in NOT_ASSERTED]

    links: dict[Subject, set[Term]] = defaultdict(set)
    for t in new:
        if t.predicate == has_selector:
            links[t.subject].add(t.object)
    spans = set(links)
    for t in new:
        if t.predicate in parts:
            spans |= {q.subject for q in stored(None, has_selector, t.subject)}
    known = list(new)
    for span in spans:
        old = stored(span, has_selector)
        known += old
        for selector in links[span] | {t.object for t in old}:
            known += [t for t in stored(selector) if t.predicate in parts]
    graph = ox.NamedNode(GRAPH_SPANS)
    return [t for t in span_index(known, spans) if ox.Quad(t.subject, t.predicate, t.object, graph) not in store]


def _apply_delta(resources: Resources, workspace: Path, build: Build, graphs: dict[str, list[ox.Triple]], checked: Checked) -> Build:
    """Insert the new facts and what they imply into a copy of the build's store, in one
    transaction; the copy becomes the build of the new inputs.

    The copy is made under a name no reader looks for (the store's immutable files are hard
    links, so it costs little at any size), and the build it came from is never changed: a query
    reading it meanwhile goes on undisturbed, and if anything fails the copy is simply discarded.
    """
    from kgraph.validation import merge_reports

    assert checked.delta is not None
    cache = workspace / "cache"
    inputs, key, _found = find_build(resources, workspace)
    staging = cache / f".updating-{key}-{os.getpid()}"
    old = build.report()
    shutil.rmtree(staging, ignore_errors=True)
    try:
        clone_build(build.folder, staging)
        inputs_by_graph = {f.graph: f for f in inputs if f.graph in graphs}
        if not (staging / "store").is_dir():
            raise WorkspaceError(f"{build.store_path}: the build has no store", hint="run 'kgraph build --force'")
        store = ox.Store(str(staging / "store"))
        added = {
            **graphs,
            GRAPH_SOURCES: checked.delta.texts,
            GRAPH_INFERRED: checked.delta.inferred,
            GRAPH_SPANS: _new_span_index(store, [t for ts in graphs.values() for t in ts]),
            GRAPH_META: _meta_triples(graphs, list(inputs_by_graph.values())),
        }
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, ts in added.items() for t in ts]
        store.extend(quads)  # one transaction
        store.flush()
        write_snapshot(store, staging, build.manifest["triples"]["total"] + len(quads))
        del store
        report = merge_reports(old, checked.report, checked.delta.focus, (staging / "report.ttl").read_text(encoding="utf-8"))
        (staging / "report.ttl").write_text(report.report_turtle, encoding="utf-8")
        (staging / "report.json").write_text(report.to_json(), encoding="utf-8")
        m = dict(build.manifest)
        counts = dict(m["triples"])
        counts["asserted"] += sum(len(ts) for ts in graphs.values())
        counts["inferred"] += len(checked.delta.inferred)
        counts["total"] += len(quads)
        graph_counts = dict(m["graphs"])
        for g, ts in added.items():
            graph_counts[g] = graph_counts.get(g, 0) + len(ts)
        m.update(
            key=key,
            kgraph=__version__,
            built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            conforms=report.conforms,
            violations=len(report.violations),
            warnings=len(report.warnings),
            checked=m["checked"] + checked.delta.newly_targeted,
            triples=counts,
            graphs=graph_counts,
            inputs=[f.label for f in inputs],
            updated_by_add=True,
            files=file_digests(staging),
        )
        write_atomically(staging / "manifest.json", json.dumps(m, indent=2).encode())
        final = new_folder(cache, key)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    remember_current(cache, fingerprint(inputs, __version__), key)
    _prune(cache, keep=final)
    found = load_build(final)
    if found is None:
        raise WorkspaceError(f"{final}: the updated build cannot be read", hint="run 'kgraph build --force'")
    return found
