"""Stage 3 of the pipeline: SHACL validation with pySHACL, and a report people can read.

The data graph handed to pySHACL is always the OWL RL closure, so class targets reach
instances of subclasses and shapes can require inferred inverse properties. New facts are
validated inside the whole knowledge graph with ``focus_nodes`` set to their subjects, so a
reference to an existing entity is understood without re-checking everything else.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from kgraph.namespaces import RDF, RDFS, SH, shorten


@dataclass(frozen=True)
class Problem:
    """One SHACL validation result."""

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
    """What pySHACL found, how many nodes it checked, and the W3C report graph as Turtle."""

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
            lines.append("No node was checked: no shape targets anything in the input. "
                         "Give each node an rdf:type from the kgraph ontology (e.g. kg:State, kg:Mediation).")
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(f"{self.checked} node(s) checked: {len(self.violations)} violation(s), "
                     f"{len(self.warnings)} warning(s): {verdict}.")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps({"conforms": self.conforms, "checked": self.checked, "files": self.files,
                           "violations": len(self.violations), "warnings": len(self.warnings),
                           "problems": [asdict(p) for p in self.problems]}, indent=2, ensure_ascii=False)


def shape_targets(data_graph, shapes_graph) -> dict:
    """The nodes each shape targets (sh:targetClass, sh:targetNode, sh:targetSubjectsOf, sh:targetObjectsOf).

    Class targets reach instances of subclasses through ``rdfs:subClassOf*`` in the data graph,
    as SHACL defines them, so the count is right even for facts not yet reasoned over.
    """
    from rdflib import URIRef

    sh = lambda local: URIRef(SH + local)  # noqa: E731
    rdf_type, sub_class_of = URIRef(RDF + "type"), URIRef(RDFS + "subClassOf")
    instances: dict = {}

    def instances_of(cls) -> set:
        if cls not in instances:
            classes, todo = set(), [cls]
            while todo:
                c = todo.pop()
                if c not in classes:
                    classes.add(c)
                    todo.extend(data_graph.subjects(sub_class_of, c))
            instances[cls] = {n for c in classes for n in data_graph.subjects(rdf_type, c)}
        return instances[cls]

    targets: dict = {}
    for shape in set(shapes_graph.subjects(sh("targetClass"), None)) | set(shapes_graph.subjects(sh("targetNode"), None)) \
            | set(shapes_graph.subjects(sh("targetSubjectsOf"), None)) | set(shapes_graph.subjects(sh("targetObjectsOf"), None)):
        nodes: set = set()
        for cls in shapes_graph.objects(shape, sh("targetClass")):
            nodes |= instances_of(cls)
        nodes.update(shapes_graph.objects(shape, sh("targetNode")))
        for prop in shapes_graph.objects(shape, sh("targetSubjectsOf")):
            nodes.update(data_graph.subjects(prop, None))
        for prop in shapes_graph.objects(shape, sh("targetObjectsOf")):
            nodes.update(data_graph.objects(None, prop))
        targets[shape] = nodes
    return targets


def _run_pyshacl(data_graph, shapes_graph, focus_by_shape):
    """pySHACL's report graph, for all targets (``focus_by_shape`` None) or per shape and focus nodes.

    pySHACL 0.40 given ``focus_nodes`` alone misses some results (a failing sh:qualifiedMinCount),
    and given ``use_shapes`` as well it applies every listed shape to every focus node whether or
    not the shape targets it; one call per shape with only the nodes it targets is exact.
    """
    import pyshacl
    from rdflib import BNode, Graph, Literal, URIRef

    options = {"shacl_graph": shapes_graph, "inference": "none", "allow_warnings": True, "allow_infos": True}
    if focus_by_shape is None:
        return pyshacl.validate(data_graph, **options)[1]
    sh = lambda local: URIRef(SH + local)  # noqa: E731
    merged, report, conforms = Graph(), BNode(), True
    for shape, nodes in sorted(focus_by_shape.items(), key=lambda kv: str(kv[0])):
        part = pyshacl.validate(data_graph, use_shapes=[shape], focus_nodes=sorted(nodes, key=str), **options)[1]
        old = set(part.subjects(URIRef(RDF + "type"), sh("ValidationReport")))
        for s, p, o in part:
            if s in old:
                if p == sh("result"):
                    merged.add((report, p, o))
                elif p == sh("conforms"):
                    conforms = conforms and bool(o.toPython())
            else:
                merged.add((s, p, o))
    merged.add((report, URIRef(RDF + "type"), sh("ValidationReport")))
    merged.add((report, sh("conforms"), Literal(conforms)))
    return merged


def validate_graph(data_graph, shapes_graph, *, focus_nodes=None, locations=None) -> ValidationReport:
    """Validate an (already reasoned) rdflib graph against the shapes.

    Args:
        data_graph: the OWL RL closure to validate.
        shapes_graph: the SHACL shapes.
        focus_nodes: validate only these nodes (the subjects of new facts), in the context of
            the whole graph; None validates every targeted node.
        locations: optional ``{node IRI: (file, line)}`` to point problems at their source.
    """
    from rdflib import Literal, URIRef

    targets = shape_targets(data_graph, shapes_graph)
    if focus_nodes is None:
        focus = set().union(*targets.values())
        by_shape = None
    else:
        wanted = set(focus_nodes)
        by_shape = {shape: nodes & wanted for shape, nodes in targets.items() if nodes & wanted}
        focus = set().union(*by_shape.values()) if by_shape else set()
    if not focus:
        return ValidationReport(problems=[], checked=0)
    report_graph = _run_pyshacl(data_graph, shapes_graph, by_shape)

    sh = lambda local: URIRef(SH + local)  # noqa: E731
    label = URIRef(RDFS + "label")
    locations = locations or {}

    def english_label(node):
        labels = [o for o in data_graph.objects(node, label) if isinstance(o, Literal)]
        labels.sort(key=lambda lit: (lit.language != "en", str(lit)))
        return str(labels[0]) if labels else None

    def show(term):
        if term is None:
            return None
        if isinstance(term, URIRef):
            return shorten(str(term))
        if isinstance(term, Literal):
            return term.n3()
        return f"_:{term}"

    problems = []
    for result in report_graph.subjects(URIRef(RDF + "type"), sh("ValidationResult")):
        node = report_graph.value(result, sh("focusNode"))
        source_shape = report_graph.value(result, sh("sourceShape"))
        parent = shapes_graph.value(None, sh("property"), source_shape)
        shape = parent if parent is not None else source_shape
        where = locations.get(str(node), (None, None))
        problems.append(Problem(
            focus=show(node),
            focus_label=english_label(node),
            path=show(report_graph.value(result, sh("resultPath"))),
            value=show(report_graph.value(result, sh("value"))),
            message=str(report_graph.value(result, sh("resultMessage")) or "constraint not met"),
            severity=str(report_graph.value(result, sh("resultSeverity"))).rsplit("#", 1)[-1],
            shape=show(shape) if isinstance(shape, URIRef) else None,
            component=show(report_graph.value(result, sh("sourceConstraintComponent"))),
            file=where[0], line=where[1],
        ))
    return ValidationReport(problems=problems, checked=len(focus),
                            report_turtle=report_graph.serialize(format="turtle"))
