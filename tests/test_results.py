"""Result and RDF serialisations: W3C formats that a second implementation reads back unchanged."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
from helpers import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgraph.loading import parse_rdf_bytes
from kgraph.results import GRAPH_FORMATS, QueryResult, serialize_triples

XSD = "http://www.w3.org/2001/XMLSchema#"
iri_local = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=8)
iris = iri_local.map(lambda s: ox.NamedNode("http://example.org/" + s))
bnodes = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True).map(ox.BlankNode)
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
languages = st.from_regex(r"[a-z]{2}(-[a-z]{2})?", fullmatch=True)
literals = st.one_of(
    texts.map(ox.Literal),
    st.tuples(texts, languages).map(lambda t: ox.Literal(t[0], language=t[1])),
    st.integers(-(10**12), 10**12).map(lambda i: ox.Literal(str(i), datatype=ox.NamedNode(XSD + "integer"))),
    st.tuples(texts, iri_local).map(lambda t: ox.Literal(t[0], datatype=ox.NamedNode("http://example.org/dt/" + t[1]))),
)
terms = st.one_of(iris, bnodes, literals)
variables = st.lists(st.from_regex(r"[a-z][a-zA-Z0-9]{0,5}", fullmatch=True), min_size=1, max_size=4, unique=True)


@st.composite
def select_results(draw):
    names = draw(variables)
    rows = draw(st.lists(st.tuples(*[st.one_of(st.none(), terms) for _ in names]), max_size=6))
    return QueryResult("select", names, rows)


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(select_results(), st.sampled_from(["JSON", "XML", "TSV"]))
def test_select_results_round_trip_through_another_parser(result, fmt):
    text = result.serialize(fmt.lower())
    parsed = ox.parse_query_results(text.encode("utf-8"), format=getattr(ox.QueryResultsFormat, fmt))
    assert [v.value for v in parsed.variables] == result.variables
    assert [tuple(s[v] for v in parsed.variables) for s in parsed] == result.rows


@SETTINGS
@given(select_results())
def test_csv_keeps_the_values(result):
    rows = list(csv.reader(io.StringIO(result.serialize("csv"), newline="")))
    assert rows[0] == result.variables
    expected = [["" if t is None else (f"_:{t.value}" if isinstance(t, ox.BlankNode) else t.value) for t in row] for row in result.rows]
    assert rows[1:] == expected


@given(st.booleans(), st.sampled_from(["json", "xml", "tsv", "csv", "table"]))
def test_ask_results(answer, fmt):
    text = QueryResult("ask", boolean=answer).serialize(fmt)
    if fmt in ("json", "xml", "tsv"):
        assert bool(ox.parse_query_results(text.encode(), format=getattr(ox.QueryResultsFormat, fmt.upper()))) is answer
    else:
        assert ("true" if answer else "false") in text.lower() or ("yes" if answer else "no") in text


@SETTINGS
@given(st.lists(st.tuples(st.one_of(iris, bnodes), iris, terms), max_size=12), st.sampled_from(sorted(set(GRAPH_FORMATS) - {"table", "turtle"})))
def test_graphs_round_trip_through_every_export_syntax(triples, fmt):
    graph = [ox.Triple(*t) for t in triples]
    text = serialize_triples(graph, GRAPH_FORMATS[fmt])
    back = parse_rdf_bytes(text.encode("utf-8"), GRAPH_FORMATS[fmt]).triples
    from rdflib.compare import isomorphic

    from kgraph.terms import triples_to_rdflib

    assert isomorphic(triples_to_rdflib(back), triples_to_rdflib(graph))


def test_table_is_readable():
    result = QueryResult(
        "select",
        ["x", "label"],
        [(ox.NamedNode("https://w3id.org/kgraph/id/Iraq"), ox.Literal("Ирак", language="ru")), (None, ox.Literal("a  very\nlong " + "x" * 80))],
    )
    lines = result.serialize("table").splitlines()
    assert lines[2].split() == ["id:Iraq", "Ирак@ru"]
    assert lines[3].strip().startswith("a very long") and lines[3].endswith("…")
    assert lines[-1] == "(2 rows)"


def test_values_are_python_values_where_the_datatype_says_so(kg):
    import datetime

    from kgraph.terms import GYear, GYearMonth

    membership = kg.query("memberships").values()[0]
    assert membership["start"] == GYear(2017) and isinstance(membership["start"], int) and str(membership["start"]) == "2017"
    assert membership["memberLabel"] == "Kazakhstan"
    dates = {r["actLabel"]: r["date"] for r in kg.query("disarmament").values()}
    # "in August 1991" (a month) and the closure's day, 29 August 1991 (background)
    assert dates["Kazakhstan's renunciation of nuclear weapons"] == GYearMonth(1991, 8)
    assert dates["closure of the Semipalatinsk test site"] == datetime.date(1991, 8, 29)
    assert {r["voluntary"] for r in kg.query("disarmament").values()} >= {True}
    count = kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:PeaceProcess }").values()
    assert count == [{"n": 1}]


def test_a_dataframe_has_sensible_dtypes_for_every_canned_query(kg):
    import pandas as pd

    from kgraph.catalogue import Catalogue

    for canned in Catalogue(ROOT / "queries"):
        params = {"entity": "id:AstanaProcess"} if canned.name in ("evidence", "describe") else {"text": "crisis"} if canned.name == "search" else {}
        result = kg.query(canned.name, params)
        df = result.to_dataframe()
        assert list(df.columns) == result.variables and len(df) == len(result.rows), canned.name
    memberships = kg.query("memberships").to_dataframe()
    assert isinstance(memberships["start"].dtype, pd.PeriodDtype) and memberships["start"][0] == pd.Period("2017", "Y")
    evidence = kg.query("evidence", {"entity": "id:AstanaProcess"}).to_dataframe()
    assert str(evidence["start"].dtype) == "Int64" and str(evidence["quote"].dtype) == "string"
    assert str(kg.query("disarmament").to_dataframe()["voluntary"].dtype) == "boolean"
