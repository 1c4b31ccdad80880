"""Pictures of the model and of the graph, laid out by Graphviz (Debian's ``graphviz``).

- :func:`model_diagram`: the ontology's classes and the object properties between them (from
  their domains and ranges), sub-class links drawn apart (dashed, hollow arrows).
- :func:`neighbourhood`: an entity and what lies within ``depth`` statements of it, with
  readable labels; asserted statements in black, inferred ones grey and dashed; a platform or
  activity that was only offered or is only possible drawn dashed or dotted, with its status;
  optionally each statement's evidence quote.
- :func:`rows_picture`: the rows of a canned SELECT query as a graph (each row links its entities
  in column order).

The graphs are built with the ``graphviz`` package and rendered by the ``dot`` program; without
it, :func:`render` raises a UsageError that says how to install it.
"""

from __future__ import annotations

import itertools
import textwrap
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kgraph.errors import UsageError
from kgraph.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, ID, KG, OWL, RDF, RDFS, SKOS, shorten

if TYPE_CHECKING:
    import graphviz

    from kgraph.graph import KnowledgeGraph
    from kgraph.results import QueryResult

FORMATS = ("svg", "png", "dot")
# how a status is drawn: what happened solid, what was offered dashed, what may happen dotted
STATUS_STYLE = {"held": "solid", "ongoing": "solid", "occurred": "solid", "offered": "dashed", "proposed": "dashed", "possible": "dotted"}


def _id(iri: str) -> str:
    """A Graphviz node name for an IRI: its short name, with no ':' (which Graphviz reads as a port)."""
    return shorten(iri).replace(":", "__")


def _wrap(text: str, width: int = 28) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _digraph(name: str) -> graphviz.Digraph:
    import graphviz

    graph = graphviz.Digraph(name, graph_attr={"rankdir": "LR", "fontname": "Helvetica", "fontsize": "11"})
    graph.attr("node", shape="box", style="rounded", fontname="Helvetica", fontsize="10")
    graph.attr("edge", fontname="Helvetica", fontsize="9")
    return graph


def render(graph: graphviz.Digraph, fmt: str) -> bytes:
    """The picture in ``fmt`` (svg, png, or dot for Graphviz's own text)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown picture format {fmt!r}", hint="use one of " + ", ".join(FORMATS))
    if fmt == "dot":
        source: str = graph.source
        return source.encode("utf-8")
    import graphviz

    try:
        return bytes(graph.pipe(format=fmt))
    except graphviz.ExecutableNotFound:
        raise UsageError(
            "Graphviz is not installed: kgraph draws with its 'dot' program",
            hint="install it: apt-get install graphviz (Debian, Ubuntu), brew install graphviz (macOS); or ask for --output FILE.dot",
        ) from None


def model_diagram(kg: KnowledgeGraph) -> graphviz.Digraph:
    """The classes of the ontology and the object properties between them."""
    triples: list[tuple[str, str, str]] = []  # the ontology's statements between IRIs, as strings
    label: dict[str, str] = {}
    for q in kg.build().quads():
        if q.graph_name != ox.NamedNode(GRAPH_ONTOLOGY) or not isinstance(q.subject, ox.NamedNode):
            continue
        if isinstance(q.object, ox.NamedNode):
            triples.append((q.subject.value, q.predicate.value, q.object.value))
        elif isinstance(q.object, ox.Literal) and q.predicate.value == RDFS.label and q.object.language == "en":
            label[q.subject.value] = q.object.value
    classes = sorted({s for s, p, o in triples if p == RDF.type and o == OWL.Class and s.startswith(KG)})
    graph = _digraph("model")
    for c in classes:
        graph.node(_id(c), _wrap(label.get(c, shorten(c))))
    for s, p, o in triples:
        if p == RDFS.subClassOf and s in classes and o in classes:
            graph.edge(_id(s), _id(o), style="dashed", arrowhead="empty", color="grey40")
    domain = {s: o for s, p, o in triples if p == RDFS.domain and o in classes}
    range_ = {s: o for s, p, o in triples if p == RDFS.range and o in classes}
    for prop in sorted(set(domain) & set(range_)):
        graph.edge(_id(domain[prop]), _id(range_[prop]), label=label.get(prop, shorten(prop)))
    return graph


# not drawn: kinds, names, evidence, and the reified statements that carry an assertion's spans
_SKIPPED = {RDF.type, RDFS.label, KG.evidence, KG.derivation, SKOS.altLabel, SKOS.exactMatch, RDF.subject, RDF.object, RDF.predicate}

_EDGES = """SELECT ?s ?p ?o ?g ?pl WHERE {
  { GRAPH ?g { ?focus ?p ?o } BIND (?focus AS ?s) } UNION { GRAPH ?g { ?s ?p ?focus } BIND (?focus AS ?o) }
  FILTER (isIRI(?s) && isIRI(?o))
  OPTIONAL { ?p rdfs:label ?pl FILTER (LANG(?pl) = "en") }
}"""

_NODE = """SELECT ?label ?status WHERE {
  OPTIONAL { ?n rdfs:label ?label FILTER (LANG(?label) = "en") }
  OPTIONAL { ?n kg:status ?s . ?s rdfs:label ?status FILTER (LANG(?status) = "en") }
}"""


Edges = dict[tuple[str, str, str], tuple[bool, str]]  # (subject, property, object) -> (inferred, property's label)


def _edges_around(kg: KnowledgeGraph, entity: ox.NamedNode, depth: int) -> tuple[Edges, set[str]]:
    """The statements between the graph's entities within ``depth`` of ``entity``, and those entities."""
    engine = kg.engine()
    edges: Edges = {}
    seen, frontier = {entity.value}, [entity]
    for _level in range(depth):
        reached: list[ox.NamedNode] = []
        for focus in frontier:
            for s, p, o, g, pl in engine.run(_EDGES, {"focus": focus}, source="draw").rows:
                if not (isinstance(s, ox.NamedNode) and isinstance(p, ox.NamedNode) and isinstance(o, ox.NamedNode)):
                    continue
                if p.value in _SKIPPED or not s.value.startswith(ID) or not o.value.startswith(ID):
                    continue
                inferred = isinstance(g, ox.NamedNode) and g.value == GRAPH_INFERRED
                key = (s.value, p.value, o.value)
                if key not in edges or not inferred:  # asserted wins where both hold it
                    edges[key] = (inferred, pl.value if isinstance(pl, ox.Literal) else shorten(p.value))
                for n in (s, o):
                    if n.value not in seen:
                        seen.add(n.value)
                        reached.append(n)
        frontier = reached
    return edges, seen


def _quotes(kg: KnowledgeGraph, entity: ox.NamedNode) -> dict[tuple[str, str, str], str]:
    """The evidence quote of each statement about the entity (see the canned query ``evidence``)."""
    quotes: dict[tuple[str, str, str], str] = {}
    result = kg.query("evidence", {"entity": entity.value})
    for row in result.rows:
        v = dict(zip(result.variables, row, strict=True))
        parts = [v.get(k) for k in ("subject", "property", "value", "quote")]
        if all(isinstance(x, (ox.NamedNode, ox.Literal)) for x in parts):
            subject, prop, value, quote = (x.value for x in parts if isinstance(x, (ox.NamedNode, ox.Literal)))
            quotes.setdefault((subject, prop, value), quote)
    return quotes


def neighbourhood(kg: KnowledgeGraph, entity: ox.NamedNode, *, depth: int = 1, evidence: bool = False) -> graphviz.Digraph:
    """The entity and what lies within ``depth`` statements of it, among the graph's own entities."""
    if not 1 <= depth <= 3:
        raise UsageError("--depth takes 1, 2 or 3", hint="a larger neighbourhood is too big to read")
    edges, seen = _edges_around(kg, entity, depth)
    quotes = _quotes(kg, entity) if evidence else {}
    engine = kg.engine()
    graph = _digraph(shorten(entity.value))
    for iri in sorted(seen):
        rows = engine.run(_NODE, {"n": ox.NamedNode(iri)}, source="draw").rows
        label = next((r[0].value for r in rows if isinstance(r[0], ox.Literal)), shorten(iri))
        status = next((r[1].value for r in rows if isinstance(r[1], ox.Literal)), None)
        text = _wrap(label) + (f"\n[{status}]" if status else "")
        style = "rounded," + STATUS_STYLE.get(status or "", "solid")
        extra = {"penwidth": "2"} if iri == entity.value else {}
        graph.node(_id(iri), text, style=style, **extra)
    for (s, p, o), (inferred, name) in sorted(edges.items()):
        attrs = {"style": "dashed", "color": "grey50", "fontcolor": "grey40"} if inferred else {}
        text = name + (" (inferred)" if inferred else "")
        if (s, p, o) in quotes:
            text += "\n\u201c" + _wrap(quotes[(s, p, o)], 40) + "\u201d"
        graph.edge(_id(s), _id(o), label=text, **attrs)
    return graph


def rows_picture(result: QueryResult, name: str) -> graphviz.Digraph:
    """A canned query's answer as a graph. A CONSTRUCT's triples are drawn as they are; a SELECT's
    rows link, in each row, each entity to the next, the link named by the column it comes from;
    nodes are named by their ``…Label`` columns."""
    graph = _digraph(name)
    if result.kind == "graph":
        for triple in result.triples:
            if isinstance(triple.subject, (ox.NamedNode, ox.BlankNode)) and isinstance(triple.object, (ox.NamedNode, ox.BlankNode)):
                graph.edge(_id(triple.subject.value), _id(triple.object.value), label=shorten(triple.predicate.value))
        return graph
    labels: dict[str, str] = {}
    links: set[tuple[str, str, str]] = set()
    for row in result.rows:
        values = dict(zip(result.variables, row, strict=True))
        entities = [(v, t) for v, t in values.items() if isinstance(t, ox.NamedNode) and not v.endswith("Label")]
        for v, t in entities:
            named = values.get(v + "Label")
            labels.setdefault(t.value, named.value if isinstance(named, ox.Literal) else shorten(t.value))
        for (_v1, first), (v2, second) in itertools.pairwise(entities):
            links.add((first.value, v2, second.value))
    for iri, text in sorted(labels.items()):
        graph.node(_id(iri), _wrap(text))
    for source, column, target in sorted(links):
        graph.edge(_id(source), _id(target), label=column)
    return graph
