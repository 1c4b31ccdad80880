"""Every shipped Turtle file parses with two parsers; malformed input gets file, line and column."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from helpers import ROOT
from rdflib.compare import isomorphic

from kgraph.errors import InputError, ParseError
from kgraph.loading import parse_rdf_bytes, parse_rdf_file
from kgraph.terms import triples_to_rdflib

TURTLE = sorted(ROOT.glob("ontology/*.ttl")) + sorted(ROOT.glob("data/*.ttl"))


@pytest.mark.parametrize("path", TURTLE, ids=lambda p: p.name)
def test_both_parsers_read_the_same_graph(path):
    strict = triples_to_rdflib(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    lenient = rdflib.Graph().parse(path, format="turtle")
    assert len(strict) == len(lenient) > 0
    assert isomorphic(strict, lenient)


def test_malformed_turtle_names_file_line_and_column(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a ex:b "unterminated .\n', encoding="utf-8")
    with pytest.raises(ParseError) as err:
        parse_rdf_file(bad)
    assert err.value.path == str(bad) and err.value.line == 3 and err.value.column == 11
    assert str(err.value).startswith(f"{bad}:3:11: ")
    assert err.value.exit_code == 2


def test_unknown_prefix_is_reported_where_it_is(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://e/> .\n\nex:a nope:b ex:c .\n", encoding="utf-8")
    with pytest.raises(ParseError) as err:
        parse_rdf_file(bad)
    assert err.value.line == 3 and "nope" in str(err.value)


def test_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        parse_rdf_file(tmp_path / "none.ttl")
    (tmp_path / "facts.docx").write_bytes(b"x")
    with pytest.raises(InputError, match="unknown RDF file type"):
        parse_rdf_file(tmp_path / "facts.docx")


def test_relative_iris_without_base_are_refused():
    with pytest.raises(ParseError):
        parse_rdf_bytes(b"<a> <b> <c> .", ox.RdfFormat.TURTLE)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_xml_entity_declarations_are_refused_before_they_can_expand(tmp_path, encoding):
    """Issue 10: a 605-byte RDF/XML file of nested entities took 3.9 GB; pyoxigraph expands them."""
    from kgraph.errors import ParseError
    from kgraph.loading import parse_rdf_file

    levels = "".join(f'  <!ENTITY e{i} "{f"&e{i - 1};" * 10}">\n' for i in range(1, 4))
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE rdf:RDF [\n  <!ENTITY e0 "lol">\n{levels}]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://e/">'
        '<rdf:Description rdf:about="http://e/s"><ex:p>&e3;</ex:p></rdf:Description></rdf:RDF>\n'
    )
    path = tmp_path / "laughs.rdf"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(ParseError, match="entity declarations"):
        parse_rdf_file(path)


# -- the W3C Turtle test suite (tests/w3c/rdf-turtle, copied with its licence) -------------------
W3C_TURTLE = Path(__file__).parent / "w3c" / "rdf-turtle"
_TEST_BASE = "https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-turtle/"


def _turtle_cases() -> list[tuple[str, str, str, str | None]]:
    mf, rdft = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#", "http://www.w3.org/ns/rdftest#"
    triples = list(ox.parse(path=str(W3C_TURTLE / "manifest.ttl"), format=ox.RdfFormat.TURTLE, base_iri=_TEST_BASE + "manifest.ttl"))
    by_subject: dict = {}
    for t in triples:
        by_subject.setdefault(t.subject, {})[t.predicate.value] = t.object
    cases = []
    for test, props in by_subject.items():
        kind = props.get("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        if kind is None or not kind.value.startswith(rdft + "TestTurtle"):
            continue
        action = props[mf + "action"].value.rsplit("/", 1)[-1]
        result = props.get(mf + "result")
        cases.append((test.value.rsplit("#", 1)[-1], kind.value[len(rdft) :], action, result.value.rsplit("/", 1)[-1] if result else None))
    return sorted(cases)


TURTLE_CASES = _turtle_cases()


def test_the_w3c_turtle_suite_is_all_there():
    kinds = [kind for _name, kind, _action, _result in TURTLE_CASES]
    assert (kinds.count("TestTurtlePositiveSyntax") + kinds.count("TestTurtleEval"), kinds.count("TestTurtleNegativeSyntax")) == (219, 94)


@pytest.mark.parametrize(("name", "kind", "action", "result"), TURTLE_CASES, ids=[c[0] for c in TURTLE_CASES])
def test_the_w3c_turtle_suite(name, kind, action, result):
    """Issue 10: relative IRIs are resolved against the file's own address, so every valid file
    of the suite is read (17 were refused); every invalid one is refused with a ParseError."""
    from kgraph.errors import ParseError
    from kgraph.loading import parse_rdf_bytes, parse_rdf_file

    path = W3C_TURTLE / action
    if kind == "TestTurtleNegativeSyntax":
        with pytest.raises(ParseError):
            parse_rdf_file(path)
        return
    assert parse_rdf_file(path).triples is not None  # read with its file: URI as the base
    if kind == "TestTurtleEval":
        ours = parse_rdf_bytes(path.read_bytes(), ox.RdfFormat.TURTLE, name=str(path), base_iri=_TEST_BASE + action)
        expected = ox.parse(path=str(W3C_TURTLE / str(result)), format=ox.RdfFormat.N_TRIPLES)
        assert _canonical(ox.Quad(t.subject, t.predicate, t.object) for t in ours.triples) == _canonical(expected)


def _canonical(quads) -> set:
    """A graph with its blank nodes named canonically, to compare two parses of it."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)
