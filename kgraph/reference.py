"""The curators' reference, read from the shapes and the ontology so that it cannot drift from them.

For a class: what a node of it must and may state (each property with how many values, of what
kind, and the shape's own message), the rules that span several properties, and the properties
the ontology allows beside; :func:`template` writes a Turtle skeleton for a new node of it.

>>> from kgraph.resources import default_resources
>>> ref = class_reference(default_resources(), "PeaceProcess")
>>> [f.path for f in ref.fields if f.required][:3]
['rdfs:label', 'kg:addresses', 'kg:host']
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

from kgraph.errors import UsageError
from kgraph.evidence import SHIPPED_DOCUMENT, Span, span_iri, span_turtle
from kgraph.namespaces import KG, PREFIXES, expand_shown, shorten
from kgraph.resources import Resources


@dataclass(frozen=True)
class Field:
    """What a class's shapes say about one property of its nodes."""

    path: str
    min: int
    max: int | None
    kinds: tuple[str, ...]  # "kg:Place", "xsd:gYear or xsd:date", "one of kg:Occurred, kg:Ongoing", ...
    messages: tuple[str, ...]
    narrower: tuple[str, ...] = ()  # the property's sub-properties, which a curator usually states instead

    @property
    def required(self) -> bool:
        return self.min > 0

    def count(self) -> str:
        if self.max is None:
            return f"{self.min} or more" if self.min else "any number"
        if self.min == self.max:
            return f"exactly {self.min}"
        return f"{self.min} to {self.max}" if self.min else f"at most {self.max}"


@dataclass(frozen=True)
class ClassReference:
    """Everything a curator needs to write a node of one class."""

    name: str  # prefixed, e.g. kg:PeaceProcess
    label: str
    comment: str
    superclasses: tuple[str, ...]
    fields: tuple[Field, ...]  # required first, then optional, each in the shapes' order
    rules: tuple[str, ...]  # constraints over several properties (their messages)
    allowed: tuple[str, ...]  # further properties the ontology gives the class (domain), unconstrained


@dataclass
class _Acc:
    """What the shapes of a class say about one property, gathered shape by shape."""

    min: int = 0
    max: int | None = None
    kinds: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


@cache
def _graphs(ontology: Path, shapes: Path) -> tuple[rdflib.Graph, rdflib.Graph]:
    onto = rdflib.Graph()
    for path in sorted(ontology.glob("*.ttl")):
        if path.name != shapes.name:
            onto.parse(path, format="turtle")
    return onto, rdflib.Graph().parse(shapes, format="turtle")


def _show(node: rdflib.term.Node) -> str:
    return str(shorten(str(node))) if isinstance(node, rdflib.URIRef) else str(node)


def _english(graph: rdflib.Graph, node: rdflib.term.Node, prop: rdflib.URIRef) -> str:
    values = [str(v) for v in graph.objects(node, prop) if isinstance(v, rdflib.Literal) and v.language in ("en", None)]
    return values[0] if values else ""


def classes(resources: Resources) -> list[str]:
    """The ontology's classes and the other classes the shapes target (such as oa:SpecificResource), prefixed, sorted."""
    onto, shapes = _graphs(resources.ontology, resources.shapes)
    own = {c for c in onto.subjects(RDF.type, OWL.Class) if isinstance(c, rdflib.URIRef) and str(c).startswith(str(KG))}
    targeted = {c for c in shapes.objects(None, SH.targetClass) if isinstance(c, rdflib.URIRef)}
    return sorted(_show(c) for c in own | targeted)


def _resolve(resources: Resources, name: str) -> rdflib.URIRef:
    onto, _shapes = _graphs(resources.ontology, resources.shapes)
    known = {c: rdflib.URIRef(expand_shown(c)) for c in classes(resources)}
    wanted = name.strip()
    by_label = {_english(onto, iri, RDFS.label).lower(): c for c, iri in known.items()}
    by_local = {c.split(":", 1)[1]: c for c in known}
    for candidate in (wanted, by_local.get(wanted, ""), by_label.get(wanted.lower(), ""), _show(rdflib.URIRef(wanted))):
        if candidate in known:
            return known[candidate]
    close = difflib.get_close_matches(wanted if ":" in wanted else f"kg:{wanted}", list(known), n=5, cutoff=0.6)
    raise UsageError(
        f"{name}: not a class of the ontology", hint=("did you mean " + ", ".join(close) + "? " if close else "") + "'kgraph reference' lists them"
    )


def _superclasses(onto: rdflib.Graph, cls: rdflib.URIRef) -> list[rdflib.URIRef]:
    """The class and every class above it, nearest first."""
    seen: list[rdflib.URIRef] = [cls]
    for c in seen:
        for parent in onto.objects(c, RDFS.subClassOf):
            if isinstance(parent, rdflib.URIRef) and parent not in seen:
                seen.append(parent)
    return seen


def _kinds(shapes: rdflib.Graph, prop_shape: rdflib.term.Node) -> list[str]:
    kinds = []
    for c in shapes.objects(prop_shape, SH["class"]):
        kinds.append(_show(c))
    for d in shapes.objects(prop_shape, SH.datatype):
        kinds.append(_show(d))
    for values in shapes.objects(prop_shape, SH["in"]):
        kinds.append("one of " + ", ".join(_show(v) for v in Collection(shapes, values)))
    for alternatives in shapes.objects(prop_shape, SH["or"]):
        options = [k for alt in Collection(shapes, alternatives) for k in _kinds(shapes, alt)]
        if options:
            kinds.append(" or ".join(options))
    for kind in shapes.objects(prop_shape, SH.nodeKind):
        kinds.append({SH.IRI: "IRI", SH.Literal: "literal"}.get(kind, _show(kind)))  # type: ignore[call-overload]
    for q in shapes.objects(prop_shape, SH.qualifiedValueShape):
        kinds += [f"{k} (counted)" for k in _kinds(shapes, q)]
    return kinds


def _int(graph: rdflib.Graph, node: rdflib.term.Node, prop: rdflib.URIRef) -> int | None:
    values = [int(v) for v in graph.objects(node, prop)]  # type: ignore[call-overload]
    return values[0] if values else None


def class_reference(resources: Resources, name: str) -> ClassReference:
    """What the shapes require of a node of the class ``name`` (prefixed, local or English label).

    Raises:
        UsageError: no such class (the error suggests close names).
    """
    onto, shapes = _graphs(resources.ontology, resources.shapes)
    cls = _resolve(resources, name)
    lineage = _superclasses(onto, cls)
    node_shapes = [s for c in lineage for s in shapes.subjects(SH.targetClass, c)]
    domain_props = {p for c in lineage for p in onto.subjects(RDFS.domain, c)}
    node_shapes += [s for p in domain_props for s in shapes.subjects(SH.targetSubjectsOf, p)]
    merged: dict[str, _Acc] = {}
    rules: list[str] = []
    for shape in dict.fromkeys(node_shapes):
        shape_message = _english(shapes, shape, SH.message)
        for prop_shape in shapes.objects(shape, SH.property):
            path = shapes.value(prop_shape, SH.path)
            if not isinstance(path, rdflib.URIRef):
                continue
            acc = merged.setdefault(_show(path), _Acc())
            if (shape, SH.targetSubjectsOf, path) not in shapes:  # a shape for users of the property does not require it
                acc.min = max(acc.min, _int(shapes, prop_shape, SH.minCount) or 0, _int(shapes, prop_shape, SH.qualifiedMinCount) or 0)
            high = _int(shapes, prop_shape, SH.maxCount)
            if high is not None:
                acc.max = high if acc.max is None else min(acc.max, high)
            acc.kinds += [k for k in _kinds(shapes, prop_shape) if k not in acc.kinds]
            message = _english(shapes, prop_shape, SH.message) or shape_message
            if message and message not in acc.messages:
                acc.messages.append(message)
        for constraint in shapes.objects(shape, SH.sparql):
            rules.append(re.sub(r"\{\?(\w+)\}", r"<\1>", _english(shapes, constraint, SH.message)))
        if list(shapes.objects(shape, SH["or"])) and shape_message:
            rules.append(shape_message)
    fields = [
        Field(
            path,
            acc.min,
            acc.max,
            tuple(acc.kinds),
            tuple(acc.messages),
            tuple(sorted(_show(s) for s in onto.subjects(RDFS.subPropertyOf, rdflib.URIRef(expand_shown(path))))),
        )
        for path, acc in merged.items()
    ]
    fields.sort(key=lambda f: not f.required)
    constrained = {f.path for f in fields}
    allowed = sorted(_show(p) for p in domain_props if _show(p) not in constrained)
    return ClassReference(
        _show(cls),
        _english(onto, cls, RDFS.label),
        _english(onto, cls, RDFS.comment),
        tuple(_show(c) for c in lineage[1:]),
        tuple(fields),
        tuple(dict.fromkeys(r for r in rules if r)),
        tuple(allowed),
    )


def _render(ref: ClassReference, *, markdown: bool) -> list[str]:
    title = f"{ref.name} ({ref.label})" if ref.label else ref.name
    lines = [f"## {title}" if markdown else title, ""]
    if ref.comment:
        lines += [ref.comment, ""]
    if ref.superclasses:
        lines += [f"Is also: {', '.join(ref.superclasses)}.", ""]
    bullet = "- " if markdown else "  "

    def code(name: str) -> str:
        return f"`{name}`" if markdown else name

    for title, wanted in (("Required", True), ("Optional", False)):
        chosen = [f for f in ref.fields if f.required is wanted]
        if chosen:
            lines.append(f"{title}:")
            for f in chosen:
                kinds = f", {'; '.join(f.kinds)}" if f.kinds else ""
                narrower = f" (state one of its sub-properties: {', '.join(f.narrower)})" if f.narrower else ""
                lines.append(f"{bullet}{code(f.path)}: {f.count()}{kinds}{narrower}")
                lines += [f"  - {m}" if markdown else f"      {m}" for m in f.messages]
            lines.append("")
    if ref.allowed:
        lines += [f"Also allowed (the ontology's properties of the class): {', '.join(ref.allowed)}.", ""]
    if ref.rules:
        lines.append("Rules:")
        lines += [f"{bullet}{r}" for r in ref.rules]
        lines.append("")
    return lines


def reference_text(resources: Resources, names: list[str] | None = None, *, markdown: bool = False) -> str:
    """The reference for the given classes (every class of the ontology by default), as text or Markdown."""
    chosen = names or classes(resources)
    lines = (
        ["# Curators' reference", "", "Generated from ontology/shapes.ttl and the ontology by `kgraph reference --format markdown`.", ""]
        if markdown
        else []
    )
    for name in chosen:
        lines += _render(class_reference(resources, name), markdown=markdown)
    return "\n".join(lines).rstrip("\n") + "\n"


_PLACEHOLDER = {
    "xsd:string": '"..."',
    "rdf:langString": '"..."@en',
    "xsd:gYear": '"YYYY"^^xsd:gYear',
    "xsd:gYearMonth": '"YYYY-MM"^^xsd:gYearMonth',
    "xsd:date": '"YYYY-MM-DD"^^xsd:date',
    "xsd:integer": "0",
    "xsd:boolean": "true",
}


def _placeholder(f: Field) -> str:
    for kind in f.kinds:
        if kind.startswith("one of "):
            return kind[len("one of ") :].split(", ")[0]
        word = kind.split(" ")[0]
        if word in _PLACEHOLDER:
            return _PLACEHOLDER[word]
        if word.startswith("kg:") or word.startswith("oa:"):
            return f"id:TODO-{word.split(':', 1)[1]}"
    return "id:TODO"


def template(
    resources: Resources, name: str, *, node: str = "id:New", span: Span | None = None, document_iri: str = SHIPPED_DOCUMENT, optional: bool = True
) -> str:
    """A Turtle skeleton for a new node of the class ``name``: every required property with a
    placeholder (``id:TODO-...``, ``"..."``) to replace, the optional ones commented out, and
    with ``span`` the evidence filled in from a quote.

    >>> from kgraph.resources import default_resources
    >>> [line.split("  #")[0] for line in template(default_resources(), "State").splitlines() if line.startswith("    kg:")]
    ['    kg:evidence id:TODO-span ;']
    """
    ref = class_reference(resources, name)
    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
    evidence = span_iri(document_iri, span.start, span.end) if span is not None else "id:TODO-span"
    lines = [f"{node} a {ref.name} ;"]
    if any(f.path == "rdfs:label" and f.required for f in ref.fields):
        lines.append('    rdfs:label "..."@en ;')
    for f in ref.fields:
        if not f.required or f.path == "rdfs:label":
            continue
        value = evidence if f.path == "kg:evidence" else _placeholder(f)
        path, note = (f.narrower[0], f"; or {', '.join(f.narrower[1:])}" if f.narrower[1:] else "") if f.narrower else (f.path, "")
        lines.append(f"    {path} {value} ;  # {f.count()}{', ' + '; '.join(f.kinds) if f.kinds else ''}{note}")
    if optional:
        for f in ref.fields:
            if not f.required:
                lines.append(f"    # {f.path} {_placeholder(f)} ;  # optional: {f.count()}{', ' + '; '.join(f.kinds) if f.kinds else ''}")
    lines.append("    .")  # Turtle allows a ';' before the '.', so an optional line can be uncommented as it is
    out = (
        prefixes
        + f"\n# A new {ref.name}{f' ({ref.label})' if ref.label else ''}; replace every TODO and '...', then: kgraph validate FILE\n"
        + "\n".join(lines)
        + "\n"
    )
    if span is not None:
        out += "\n" + span_turtle(span, document_iri=document_iri).split("\n\n", 1)[1]
    return out
