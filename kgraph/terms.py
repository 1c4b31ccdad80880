"""Conversion between pyoxigraph terms (kgraph's common currency) and rdflib terms.

rdflib is imported lazily: the query path on the embedded store never needs it.
"""

from __future__ import annotations

import pyoxigraph as ox

from kgraph.namespaces import shorten

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def show_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str | None:
    """A term as reports and messages show it: a prefixed name where one fits, ``_:b``, or a
    literal as rdflib's ``n3()`` writes it (so reports read the same from either validator).

    >>> show_term(ox.NamedNode("https://w3id.org/kgraph/id/Kazakhstan"))
    'id:Kazakhstan'
    >>> show_term(ox.Literal("2017", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")))
    '"2017"^^xsd:gYear'
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    value = term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if term.language:
        return f'"{value}"@{term.language}'
    if term.datatype.value == XSD_STRING:
        return f'"{value}"'
    return f'"{value}"^^{shorten(term.datatype.value)}'


def to_rdflib(term):
    """A pyoxigraph term as the equal rdflib term (plain strings stay plain)."""
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            # rdflib treats "x" and "x"^^xsd:string as different terms; keep the plain form.
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.DefaultGraph):
        return None
    raise TypeError(f"unsupported term {term!r}")


def from_rdflib(term):
    """An rdflib term as the equal pyoxigraph term; None stays None."""
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported term {term!r}")


def triples_to_rdflib(triples, graph=None):
    """Add pyoxigraph triples or quads (graph names ignored) to an rdflib Graph and return it."""
    from rdflib import Graph

    graph = Graph() if graph is None else graph
    add = graph.add
    for t in triples:
        add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph


def graph_to_triples(graph) -> list[ox.Triple]:
    """The triples of an rdflib Graph as pyoxigraph Triples, skipping any with a literal subject."""
    from rdflib import Literal

    return [
        ox.Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o)) for s, p, o in graph if not isinstance(s, Literal) and not isinstance(p, Literal)
    ]
