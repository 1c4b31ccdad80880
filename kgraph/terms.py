"""Conversion between pyoxigraph terms (kgraph's common currency) and rdflib terms.

rdflib is imported lazily: the query path on the embedded store never needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeAlias, TypeVar, cast

import pyoxigraph as ox

from kgraph.namespaces import RDF, XSD, shorten

if TYPE_CHECKING:
    import rdflib
    from rdflib.term import Node

Term: TypeAlias = "ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple"
"""An RDF term as pyoxigraph gives them: an IRI, a blank node, a literal, or (RDF 1.2, which
kgraph never makes) a triple term."""
AnyTerm = TypeVar("AnyTerm", ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple)
"""One kind of term, kept by a function that maps terms (a blank node renamer, say)."""
Subject: TypeAlias = "ox.NamedNode | ox.BlankNode | ox.Triple"
"""What pyoxigraph allows as a subject (kgraph itself never makes RDF 1.2 triple terms)."""
Row: TypeAlias = "tuple[Term | None, ...]"
"""One row of a SELECT result: a term per variable, None where it is unbound."""

XSD_STRING = XSD.string
RDF_LANGSTRING = RDF.langString


def show_term(term: Term | None) -> str | None:
    """A term as reports and messages show it: a prefixed name where one fits, ``_:b``, or a
    literal as rdflib's ``n3()`` writes it (so reports read the same from either validator).

    >>> show_term(ox.NamedNode("https://w3id.org/kgraph/id/Kazakhstan"))
    'id:Kazakhstan'
    >>> show_term(ox.Literal("2017", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")))
    '"2017"^^xsd:gYear'
    """
    if term is None:
        return None
    if isinstance(term, ox.Triple):
        return f"<<( {show_term(term.subject)} {show_term(term.predicate)} {show_term(term.object)} )>>"
    if not isinstance(term, ox.Literal):
        return shorten(term.value) if isinstance(term, ox.NamedNode) else f"_:{term.value}"
    value = term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if term.language:
        return f'"{value}"@{term.language}'
    return f'"{value}"' if term.datatype.value == XSD_STRING else f'"{value}"^^{shorten(term.datatype.value)}'


def lexical(term: Term) -> str:
    """An IRI's text, a blank node's label or a literal's lexical form (a triple term as shown).

    >>> lexical(ox.Literal("2017", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")))
    '2017'
    """
    return str(show_term(term)) if isinstance(term, ox.Triple) else term.value


def plain_term(term: Term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The term, refused if it is an RDF 1.2 triple term (which the result formats kgraph writes lack)."""
    if isinstance(term, ox.Triple):
        raise TypeError(f"RDF 1.2 triple terms are not supported here: {show_term(term)}")
    return term


def graph_iri(quad: ox.Quad) -> str:
    """The name of a quad's graph ('' for the default graph).

    >>> graph_iri(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"), ox.NamedNode("http://e/g")))
    'http://e/g'
    """
    return "" if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value


def rdf_bytes(items: Iterable[ox.Triple] | Iterable[ox.Quad], fmt: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples or quads written in an RDF syntax (pyoxigraph's ``serialize``, to bytes).

    >>> rdf_bytes([ox.Triple(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"))], ox.RdfFormat.N_TRIPLES)
    b'<http://e/s> <http://e/p> "o" .\\n'
    """
    data = ox.serialize(items, format=fmt, prefixes=prefixes)
    assert data is not None  # without an output, serialize returns the bytes
    return data


def to_rdflib(term: Term | ox.Triple | ox.DefaultGraph) -> rdflib.term.Identifier | None:
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


def from_rdflib(term: Node | None) -> Term | None:
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


def triples_to_rdflib(triples: Iterable[ox.Triple] | Iterable[ox.Quad], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Add pyoxigraph triples or quads (graph names ignored) to an rdflib Graph and return it."""
    from rdflib import Graph

    graph = Graph() if graph is None else graph
    add = graph.add
    for t in triples:
        add(cast("tuple[Node, Node, Node]", (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object))))
    return graph


def graph_to_triples(graph: rdflib.Graph) -> list[ox.Triple]:
    """The triples of an rdflib Graph as pyoxigraph Triples, skipping any with a literal subject."""
    from rdflib import Literal

    return [
        ox.Triple(cast(Subject, from_rdflib(s)), cast(ox.NamedNode, from_rdflib(p)), cast(Term, from_rdflib(o)))
        for s, p, o in graph
        if not isinstance(s, Literal) and not isinstance(p, Literal)
    ]


class GYear(int):
    """An ``xsd:gYear`` as a Python value: an ``int`` that remembers it is a year, not a count.

    >>> to_python(ox.Literal("2017", datatype=ox.NamedNode(XSD.gYear)))
    GYear(2017)
    """

    def __repr__(self) -> str:
        return f"GYear({int(self)})"

    def __str__(self) -> str:
        return f"{int(self):04d}"


class GYearMonth(tuple[int, int]):
    """An ``xsd:gYearMonth`` as a Python value: (year, month), printed as ``1991-08``.

    >>> v = to_python(ox.Literal("1991-08", datatype=ox.NamedNode(XSD.gYearMonth))); (v.year, v.month, str(v))
    (1991, 8, '1991-08')
    """

    def __new__(cls, year: int, month: int) -> GYearMonth:
        return super().__new__(cls, (year, month))

    @property
    def year(self) -> int:
        return self[0]

    @property
    def month(self) -> int:
        return self[1]

    def __str__(self) -> str:
        return f"{self[0]:04d}-{self[1]:02d}"

    def __repr__(self) -> str:
        return f"GYearMonth({self[0]}, {self[1]})"


def to_python(term: Term | None) -> object:
    """A term as the Python value its datatype says: int, Decimal, float, bool, ``date``,
    ``datetime``, :class:`GYear`, :class:`GYearMonth`, else its text (IRIs as strings).
    A lexical form the datatype does not accept stays a string.

    >>> to_python(ox.Literal("3", datatype=ox.NamedNode(XSD.integer))) + 1, to_python(ox.NamedNode("http://e/x"))
    (4, 'http://e/x')
    >>> to_python(ox.Literal("1991-08-29", datatype=ox.NamedNode(XSD.date)))
    datetime.date(1991, 8, 29)
    """
    if term is None:
        return None
    if not isinstance(term, ox.Literal):
        return lexical(term)
    convert = _converters().get(term.datatype.value)
    if convert is None:
        return term.value
    try:
        return convert(term.value)
    except (ValueError, ArithmeticError):
        return term.value


def _gyearmonth(value: str) -> GYearMonth:
    year, month = value.rsplit("-", 1)
    return GYearMonth(int(year), int(month))


def _converters() -> dict[str, Callable[[str], object]]:
    """Lexical form to Python value, by datatype (built on first use: not every run needs them)."""
    global _CONVERTERS  # noqa: PLW0603 - a cache filled once
    if _CONVERTERS is None:
        import datetime
        import decimal

        integers = ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger")
        _CONVERTERS = {
            **dict.fromkeys((XSD.term(n) for n in integers), int),
            XSD.term("decimal"): decimal.Decimal,
            XSD.term("double"): float,
            XSD.term("float"): float,
            XSD.term("boolean"): lambda v: v in ("true", "1"),
            XSD.date: datetime.date.fromisoformat,
            XSD.term("dateTime"): lambda v: datetime.datetime.fromisoformat(v.replace("Z", "+00:00")),
            XSD.gYear: lambda v: GYear(int(v)),
            XSD.gYearMonth: _gyearmonth,
        }
    return _CONVERTERS


_CONVERTERS: dict[str, Callable[[str], object]] | None = None
