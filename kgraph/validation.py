"""Stage 3 of the pipeline: SHACL validation, and a report people can read.

Two validators give the same results (focus node, path, value, constraint component,
severity), which tests check:

- the **fast** one, pyshifty (a SHACL engine in Rust), the default;
- the **reference**, pySHACL, for anyone who wants the slow, obviously right answer.

The data graph handed to either is always the OWL RL closure, so class targets reach
instances of subclasses and shapes can require inferred inverse properties. Blank property
shapes are given names (``urn:kgraph:shape:…``) before validation, so that every result can
be traced to the node shape it belongs to whichever validator produced it. To validate a few
focus nodes, callers hand over only the part of the graph those nodes' shapes read
(:mod:`kgraph.delta`), and keep the results about those nodes.
"""

from __future__ import annotations

import json
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from typing import Any, cast

import pyoxigraph as ox

from kgraph.namespaces import RDF, RDFS, SH, XSD
from kgraph.terms import Subject, Term, rdf_bytes, show_term

ENGINES = ("fast", "reference")
_SKOLEM = "urn:kgraph:shape:"


@dataclass(frozen=True)
class Problem:
    """One SHACL validation result, with where in the new files its focus node is written.

    >>> p = Problem(focus="id:Talks", focus_label="Talks", path="kg:host", value=None, message="A platform needs a host.",
    ...             severity="Violation", shape="kgsh:PlatformShape", component="sh:MinCountConstraintComponent", file="new.ttl", line=3)
    >>> print(p.to_text())
    new.ttl:3: Violation: Talks (id:Talks), property kg:host
        A platform needs a host.
    """

    focus: str
    focus_label: str | None
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str | None
    component: str
    file: str | None = None
    line: int | None = None

    def to_text(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else (f"{self.file}: " if self.file else "")
        who = f"{self.focus_label} ({self.focus})" if self.focus_label else self.focus
        parts = [f"{where}{self.severity}: {who}"]
        if self.path:
            parts.append(f"property {self.path}")
        if self.value is not None:
            parts.append(f"value {self.value}")
        return ", ".join(parts) + f"\n    {self.message}"


@dataclass
class ValidationReport:
    """What validation found, how many nodes it checked, and the W3C report graph as Turtle.

    >>> ValidationReport([], checked=0).conforms  # nothing checked is not a pass
    False
    >>> ValidationReport([], checked=12).to_text()
    '12 node(s) checked: 0 violation(s), 0 warning(s): conforms.'
    """

    problems: list[Problem]
    checked: int
    report_turtle: str = ""
    files: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "Violation"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        """True when nothing was checked against no shape and there is no violation."""
        return self.checked > 0 and not self.violations

    def to_text(self) -> str:
        lines = [p.to_text() for p in sorted(self.problems, key=lambda p: (p.severity != "Violation", p.file or "", p.line or 0, p.focus))]
        if self.checked == 0:
            lines.append(
                "No node was checked: no shape targets anything in the input. "
                "Give each node an rdf:type from the kgraph ontology (e.g. kg:State, kg:Mediation)."
            )
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(f"{self.checked} node(s) checked: {len(self.violations)} violation(s), {len(self.warnings)} warning(s): {verdict}.")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {
                "conforms": self.conforms,
                "checked": self.checked,
                "files": self.files,
                "violations": len(self.violations),
                "warnings": len(self.warnings),
                "problems": [asdict(p) for p in self.problems],
            },
            indent=2,
            ensure_ascii=False,
        )


def _sh(local: str) -> ox.NamedNode:
    return SH.node(local)


class Shapes:
    """A SHACL shapes graph, with its blank property shapes named, and what each shape targets.

    >>> ex, sh = "http://example.org/", "http://www.w3.org/ns/shacl#"
    >>> shapes = Shapes([ox.Triple(ox.NamedNode(ex + "S"), ox.NamedNode(sh + "targetClass"), ox.NamedNode(ex + "C"))])
    >>> data = [ox.Triple(ox.NamedNode(ex + "x"), ox.NamedNode(RDF.type), ox.NamedNode(ex + "C"))]
    >>> shapes.targeted(data)
    {<NamedNode value=http://example.org/x>}
    """

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        triples = list(triples)
        named: dict[ox.BlankNode, ox.NamedNode] = {}
        for t in triples:
            if t.predicate == _sh("property") and isinstance(t.object, ox.BlankNode):
                named.setdefault(t.object, ox.NamedNode(_SKOLEM + t.object.value))

        def rename(term: Term) -> Term:
            return named.get(term, term) if isinstance(term, ox.BlankNode) else term

        self.original = triples  # pySHACL's use_shapes drops property shapes named by IRI: it gets these
        self.triples = [ox.Triple(cast(Subject, rename(t.subject)), t.predicate, rename(t.object)) for t in triples]
        self.parent: dict[Term, Term] = {t.object: t.subject for ts in (self.triples, triples) for t in ts if t.predicate == _sh("property")}
        by_pred: dict[ox.NamedNode, list[ox.Triple]] = defaultdict(list)
        for t in self.triples:
            by_pred[t.predicate].append(t)
        self._target_nodes = [(t.subject, t.object) for t in by_pred[_sh("targetNode")]]
        self._subjects_of: dict[Term, set[Term]] = defaultdict(set)
        self._objects_of: dict[Term, set[Term]] = defaultdict(set)
        for t in by_pred[_sh("targetSubjectsOf")]:
            self._subjects_of[t.object].add(t.subject)
        for t in by_pred[_sh("targetObjectsOf")]:
            self._objects_of[t.object].add(t.subject)
        self.target_objects_of = set(self._objects_of)  # properties whose objects some shape targets
        self._turtle: bytes | None = None
        self._prepared = threading.local()

    def node_shape(self, source: Term | None) -> Term | None:
        """The node shape a result's source shape belongs to (itself, for a node shape)."""
        return self.parent.get(source, source) if source is not None else None

    def shapes_by_class(self, data: Iterable[ox.Triple]) -> dict[Term, set[Term]]:
        """For each class, the node shapes that target its instances: sh:targetClass reaches subclasses
        through ``rdfs:subClassOf*`` in the data graph, as SHACL defines it."""
        sub_class_of = RDFS.node("subClassOf")
        subclasses: dict[Term, set[Term]] = defaultdict(set)
        for t in data:
            if t.predicate == sub_class_of:
                subclasses[t.object].add(t.subject)
        out: dict[Term, set[Term]] = defaultdict(set)
        for t in self.triples:
            if t.predicate == _sh("targetClass"):
                todo, seen = [t.object], set()
                while todo:
                    c = todo.pop()
                    if c not in seen:
                        seen.add(c)
                        out[c].add(t.subject)
                        todo.extend(subclasses.get(c, ()))
        return out

    def _targets(self, triples: Iterable[ox.Triple]) -> Iterator[tuple[Iterable[Term], Term]]:
        """``(node shapes, node)`` for each way the graph makes a node a target: the one definition of targets."""
        triples = list(triples)
        rdf_type = ox.NamedNode(RDF.type)
        by_class = self.shapes_by_class(triples)
        for shape, node in self._target_nodes:
            yield (shape,), node
        for t in triples:
            p = t.predicate
            if p == rdf_type and t.object in by_class:
                yield by_class[t.object], t.subject
            if p in self._subjects_of:
                yield self._subjects_of[p], t.subject
            if p in self._objects_of and not isinstance(t.object, ox.Literal):
                yield self._objects_of[p], t.object

    def targeted(self, triples: Iterable[ox.Triple]) -> set[Term]:
        """The nodes of a graph that some shape targets."""
        return {node for _shapes, node in self._targets(triples)}

    def targets(self, triples: Iterable[ox.Triple], nodes: set[Term]) -> dict[Term, set[Term]]:
        """For each node shape, which of ``nodes`` it targets in the graph."""
        out: dict[Term, set[Term]] = defaultdict(set)
        for shapes, node in self._targets(triples):
            if node in nodes:
                for shape in shapes:
                    out[shape].add(node)
        return out

    def as_ntriples(self) -> bytes:
        if self._turtle is None:
            self._turtle = rdf_bytes(self.triples, ox.RdfFormat.N_TRIPLES)
        return self._turtle

    def prepared(self) -> Any:
        """pyshifty's validator of these shapes, prepared once per thread (a whole graph is
        validated in parts, by several threads at once)."""
        validator = getattr(self._prepared, "validator", None)
        if validator is None:
            import warnings

            from shifty import _shifty

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                validator = self._prepared.validator = _shifty.PreparedValidator(self.as_ntriples(), None, "nt", None)
        return validator


def _run_shifty(data: list[ox.Triple], shapes: Shapes) -> str:
    """pyshifty's W3C validation report, as Turtle. Only bytes are passed: it never reads a path or URL."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = shapes.prepared().validate_w3c(
            ox.serialize(data, format=ox.RdfFormat.N_TRIPLES), None, "nt", "data", None, False, "info", True, "error", False
        )
    return str(result.report_turtle)


_PREPARING = threading.Lock()


@contextmanager
def _each_query_prepared_once() -> Iterator[None]:
    """Within this block, rdflib parses and translates each distinct SPARQL string once.

    pySHACL hands rdflib the same few SHACL-SPARQL strings once per focus node, with the focus
    node as an initial binding, and rdflib parses a string on every call: 78 % of pySHACL's
    time on a 6,000-triple graph went to pyparsing. Here a string is prepared once per (string,
    namespaces, base), exactly as rdflib's own ``prepareQuery`` does for a caller that runs one
    query with many bindings, and the prepared query (which evaluation does not change) is
    evaluated with each call's bindings. Nothing else of pySHACL or rdflib changes; a test
    checks that the results are those of unprepared calls.
    """
    from rdflib.plugins.sparql import processor
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    with _PREPARING:  # one block at a time: the processor's method is swapped for its length
        original = processor.SPARQLProcessor.query
        prepared: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Any] = {}

        def query(self: Any, query: Any, initBindings: Any = None, initNs: Any = None, base: Any = None, DEBUG: bool = False) -> Any:  # noqa: N803 - rdflib's names
            if isinstance(query, str):
                key = (query, base, tuple(sorted((str(k), str(v)) for k, v in (initNs or {}).items())))
                if key not in prepared:
                    prepared[key] = translateQuery(parseQuery(query), base, initNs)
                query = prepared[key]
            return original(self, query, initBindings, initNs, base, DEBUG)

        processor.SPARQLProcessor.query = query  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


def _run_pyshacl(data: list[ox.Triple], shapes: Shapes, focus_by_shape: dict[Term, set[Term]] | None = None, *, prepared: bool = True) -> str:
    """pySHACL's report, as Turtle, for all targets (``focus_by_shape`` None) or per shape and focus nodes.

    pySHACL 0.40 given ``focus_nodes`` alone misses some results (a failing sh:qualifiedMinCount),
    and given ``use_shapes`` as well it applies every listed shape to every focus node whether or
    not the shape targets it; one call per shape with only the nodes it targets is exact.
    ``prepared``: rdflib prepares each SPARQL string once (:func:`_each_query_prepared_once`).
    """
    from kgraph.terms import triples_to_rdflib

    data_graph, shapes_graph = triples_to_rdflib(data), triples_to_rdflib(shapes.original)
    options: dict[str, Any] = {"shacl_graph": shapes_graph, "inference": "none", "allow_warnings": True, "allow_infos": True}
    with _each_query_prepared_once() if prepared else nullcontext():
        return _pyshacl_report(data_graph, options, focus_by_shape)


def _pyshacl_report(data_graph: Any, options: dict[str, Any], focus_by_shape: dict[Term, set[Term]] | None) -> str:
    import pyshacl
    from rdflib import BNode, Graph, Literal, URIRef

    from kgraph.terms import to_rdflib

    if focus_by_shape is None:
        return _as_turtle(pyshacl.validate(data_graph, **options)[1].serialize(format="nt"))
    merged, report, conforms = Graph(), BNode(), True
    for shape, nodes in sorted(focus_by_shape.items(), key=lambda kv: str(kv[0])):
        use_shapes: list[Any] = [to_rdflib(shape)]
        focus_nodes: list[Any] = sorted((to_rdflib(n) for n in nodes), key=str)
        part = pyshacl.validate(data_graph, use_shapes=use_shapes, focus_nodes=focus_nodes, **options)[1]
        old = set(part.subjects(URIRef(RDF.type), URIRef(SH.ValidationReport)))
        for s, p, o in part:
            if s in old:
                if p == URIRef(SH.result):
                    merged.add((report, p, o))
                elif p == URIRef(SH.conforms):
                    conforms = conforms and bool(o.toPython())
            else:
                merged.add((s, p, o))
    merged.add((report, URIRef(RDF.type), URIRef(SH.ValidationReport)))
    merged.add((report, URIRef(SH.conforms), Literal(conforms)))
    return _as_turtle(merged.serialize(format="nt"))


def _as_turtle(ntriples: str) -> str:
    """Turtle that keeps blank node labels (rdflib nests them as ``[ ]``, and a re-parse renames them)."""
    triples = ox.parse(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return rdf_bytes(triples, ox.RdfFormat.TURTLE, {"sh": SH, "rdf": RDF}).decode("utf-8")


def problems_from_report(
    report_turtle: str,
    shapes: Shapes,
    *,
    label_of: Callable[[Term | None], str | None],
    locations: Mapping[str, tuple[str, int]] | None = None,
    focus: set[Term] | None = None,
) -> list[Problem]:
    """The results of a W3C SHACL report as Problems (only those about ``focus`` nodes, if given)."""
    by_subject: dict[Term, dict[Term, Term]] = defaultdict(dict)
    for t in ox.parse(report_turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE):
        by_subject[t.subject].setdefault(t.predicate, t.object)
    locations = {} if locations is None else locations
    problems = []
    for props in by_subject.values():
        if props.get(ox.NamedNode(RDF.type)) != _sh("ValidationResult"):
            continue
        node = props.get(_sh("focusNode"))
        if focus is not None and node not in focus:
            continue
        shape = shapes.node_shape(props.get(_sh("sourceShape")))
        message = props.get(_sh("resultMessage"))
        where = locations.get(node.value if isinstance(node, ox.NamedNode) else "", (None, None))
        severity = props.get(_sh("resultSeverity"))
        problems.append(
            Problem(
                focus=show_term(node) or "",
                focus_label=label_of(node),
                path=show_term(props.get(_sh("resultPath"))),
                value=show_term(props.get(_sh("value"))),
                message=message.value if isinstance(message, ox.Literal) else "constraint not met",
                severity=severity.value.rsplit("#", 1)[-1] if isinstance(severity, ox.NamedNode) else "Violation",
                shape=show_term(shape) if isinstance(shape, ox.NamedNode) else None,
                component=show_term(props.get(_sh("sourceConstraintComponent"))) or "",
                file=where[0],
                line=where[1],
            )
        )
    return sorted(problems, key=lambda p: (p.focus, p.shape or "", p.component, p.path or "", p.value or ""))


def english_labels(triples: Iterable[ox.Triple], nodes: set[Term] | None = None) -> dict[Term, str]:
    """The English (else any) rdfs:label of each node, for reports."""
    label = RDFS.node("label")
    best: dict[Term, tuple[tuple[bool, str], str]] = {}
    for t in triples:
        if t.predicate == label and isinstance(t.object, ox.Literal) and (nodes is None or t.subject in nodes):
            key = (t.object.language != "en", t.object.value)
            if t.subject not in best or key < best[t.subject][0]:
                best[t.subject] = (key, t.object.value)
    return {node: value for node, (_, value) in best.items()}


def validate(
    data: list[ox.Triple],
    shapes: Shapes,
    *,
    engine: str = "fast",
    focus: set[Term] | None = None,
    locations: Mapping[str, tuple[str, int]] | None = None,
) -> ValidationReport:
    """Validate an (already reasoned) graph against the shapes.

    Args:
        data: the OWL RL closure to validate, or the part of it that the focus nodes' shapes read.
        shapes: the SHACL shapes.
        engine: "fast" (pyshifty) or "reference" (pySHACL).
        focus: report only on these nodes (and count only those a shape targets); None for all.
        locations: optional ``{node IRI: (file, line)}`` to point problems at their source.
    """
    targeted = shapes.targeted(data)
    checked_nodes = targeted if focus is None else targeted & focus
    if not checked_nodes:
        return ValidationReport(problems=[], checked=0)
    if engine == "fast":
        report_turtle = _run_shifty(data, shapes)
    elif focus is None:
        report_turtle = _run_pyshacl(data, shapes)
    else:
        by_shape = shapes.targets(data, checked_nodes)
        report_turtle = _run_pyshacl(data, shapes, by_shape)
    problem_nodes = None if focus is None else checked_nodes
    labels: dict[Term, str] | None = None

    def label_of(node: Term | None) -> str | None:  # read only when there is a problem to name
        nonlocal labels
        if labels is None:
            labels = english_labels(data)
        return labels.get(node) if node is not None else None

    problems = problems_from_report(report_turtle, shapes, label_of=label_of, locations=locations, focus=problem_nodes)
    if problem_nodes is not None:  # results about other nodes of a partial graph are not results
        conforms = not any(p.severity == "Violation" for p in problems)
        report_turtle = _report_turtle(_results(report_turtle, lambda n: n in problem_nodes), conforms)
    return ValidationReport(problems=problems, checked=len(checked_nodes), report_turtle=report_turtle)


def _results(report_turtle: str, keep: Callable[[Term | None], bool]) -> list[ox.Triple]:
    """The triples of the results in a W3C report whose focus node passes ``keep``."""
    rdf_type = ox.NamedNode(RDF.type)
    by_subject: dict[Term, list[ox.Triple]] = defaultdict(list)
    for q in ox.parse(report_turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE) if report_turtle else []:
        by_subject[q.subject].append(ox.Triple(q.subject, q.predicate, q.object))
    out = []
    for subject, ts in by_subject.items():
        if ox.Triple(cast(Subject, subject), rdf_type, _sh("ValidationResult")) in ts:
            node = next((t.object for t in ts if t.predicate == _sh("focusNode")), None)
            if keep(node):
                out += ts
    return out


def _report_turtle(results: list[ox.Triple], conforms: bool) -> str:
    """A W3C validation report holding these result triples."""
    report = ox.BlankNode()
    rdf_type = ox.NamedNode(RDF.type)
    boolean = XSD.node("boolean")
    triples = [
        *results,
        ox.Triple(report, rdf_type, _sh("ValidationReport")),
        ox.Triple(report, _sh("conforms"), ox.Literal("true" if conforms else "false", datatype=boolean)),
    ]
    triples += [ox.Triple(report, _sh("result"), s) for s in sorted({t.subject for t in results if t.object == _sh("ValidationResult")}, key=str)]
    return rdf_bytes(triples, ox.RdfFormat.TURTLE, {"sh": SH, "rdf": RDF}).decode("utf-8")


PART_SIZE = 4000  # focus nodes per part when validating a large graph in parts
WHOLE_MAX = 20_000  # triples: up to this size one pyshifty call is as fast as parts (measured at 136k: parts in two threads 3.2 s, one call 3.8 s)
WORKERS = min(2, os.cpu_count() or 1)  # parts validated at once (pyshifty releases the interpreter)


def validate_in_parts(
    data: list[ox.Triple],
    shapes: Shapes,
    *,
    ontology: list[ox.Triple],
    locations: Mapping[str, tuple[str, int]] | None = None,
    part_size: int = PART_SIZE,
    whole_max: int = WHOLE_MAX,
    workers: int = WORKERS,
) -> ValidationReport:
    """Validate a whole graph with pyshifty, a few thousand focus nodes at a time.

    Each part holds exactly what its focus nodes' shapes read (:mod:`kgraph.delta`), so its
    results about those nodes are those of the whole graph, as for an add. pyshifty's SPARQL
    constraints cost time in proportion to the graph they run on for every focus node; in
    parts the whole costs time in proportion to the graph. Falls back to one call where the
    shapes read in ways whose extent cannot be derived, and for graphs of up to ``whole_max``
    triples, where one call is as fast. Parts are validated by ``workers`` threads at once.
    """
    from kgraph.delta import MemoryIndex, UnknownReads, context_triples, read_paths

    if len(data) <= whole_max:
        return validate(data, shapes, engine="fast", locations=locations)
    try:
        reads = read_paths(shapes)
    except UnknownReads:
        return validate(data, shapes, engine="fast", locations=locations)
    targeted = sorted(shapes.targeted(data), key=str)  # neighbours in IRI order share context
    if len(targeted) <= part_size:
        return validate(data, shapes, engine="fast", locations=locations)
    index = MemoryIndex(data)
    problems: list[Problem] = []
    results: list[ox.Triple] = []

    def collect(part: ValidationReport) -> None:
        problems.extend(part.problems)
        if part.problems:
            results.extend(_results(part.report_turtle, lambda _n: True))

    # pyshifty releases the interpreter while it validates: parts are validated by ``workers``
    # threads while the next part's context is gathered here (one part more than workers in
    # flight at most, so that memory stays bounded).
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kgraph-shacl") as pool:
        pending: list[Future[ValidationReport]] = []
        for start in range(0, len(targeted), part_size):
            focus = set(targeted[start : start + part_size])
            context = list(context_triples(index, focus, reads, ontology))
            pending.append(pool.submit(validate, context, shapes, engine="fast", focus=focus, locations=locations))
            while len(pending) > workers:
                collect(pending.pop(0).result())
        for future in pending:
            collect(future.result())
    problems.sort(key=lambda p: (p.focus, p.shape or "", p.component, p.path or "", p.value or ""))
    conforms = not any(p.severity == "Violation" for p in problems)
    return ValidationReport(problems, len(targeted), _report_turtle(results, conforms))


def merge_reports(old: ValidationReport, new: ValidationReport, focus: set[Term], old_turtle: str) -> ValidationReport:
    """The whole graph's report after an add: the old results, less those about re-validated nodes, plus the new ones."""
    kept = _results(old_turtle, lambda n: n not in focus) + _results(new.report_turtle, lambda n: n in focus)
    shown = {show_term(n) for n in focus}
    problems = [p for p in old.problems if p.focus not in shown] + list(new.problems)
    conforms = not any(p.severity == "Violation" for p in problems)
    return ValidationReport(problems, old.checked, _report_turtle(kept, conforms))
