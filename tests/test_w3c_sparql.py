"""Issue 10: the query check follows the SPARQL grammar. The W3C SPARQL 1.0 and 1.1 syntax suites
(tests/w3c/sparql, copied with their licence): every valid query is read and runs, or is refused
for SERVICE only; no invalid query and no update runs."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgraph.engines import OxigraphEngine
from kgraph.errors import ParseError, QueryRefusedError
from kgraph.sparql import check_query, decode, tokens

SUITES = Path(__file__).parent / "w3c" / "sparql"
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
_BASE = "https://w3c.github.io/rdf-tests/sparql/"


def _cases() -> list[tuple[str, str, Path]]:
    cases = []
    for manifest in sorted(SUITES.glob("*/manifest.ttl")):
        by_subject: dict = {}
        for t in ox.parse(path=str(manifest), format=ox.RdfFormat.TURTLE, base_iri=_BASE + manifest.parent.name + "/manifest.ttl"):
            by_subject.setdefault(t.subject, {})[t.predicate.value] = t.object
        for test, props in by_subject.items():
            kind = props.get("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
            if kind is None or "SyntaxTest" not in kind.value:
                continue
            action = props[MF + "action"]
            path = manifest.parent / action.value.rsplit("/", 1)[-1]
            cases.append((f"{manifest.parent.name}/{test.value.rsplit('#', 1)[-1]}", kind.value.rsplit("#", 1)[-1], path))
    return sorted(cases)


CASES = _cases()


def test_the_suites_are_all_there():
    assert len({path.parent.name for _name, _kind, path in CASES}) == 9
    kinds = [kind for _name, kind, _path in CASES]
    positive = sum(kind.startswith("Positive") for kind in kinds)
    negative = sum(kind.startswith("Negative") for kind in kinds)
    assert (positive, negative) == (POSITIVE, NEGATIVE)
    assert all(path.is_file() for _name, _kind, path in CASES)


# 351 syntax tests in the nine manifests: 257 valid queries and updates, 94 invalid ones
POSITIVE, NEGATIVE = 257, 94


@pytest.mark.parametrize(("name", "kind", "path"), CASES, ids=[c[0] for c in CASES])
def test_the_w3c_sparql_syntax_suites(name, kind, path):
    # the suites' harness reads each query with its own address as the base IRI
    text = f"BASE <{_BASE}{path.parent.name}/{path.name}>\n" + path.read_text(encoding="utf-8")
    engine = OxigraphEngine(ox.Store())
    update = kind.endswith("UpdateSyntaxTest11")
    if kind.startswith("Negative") or update:
        with pytest.raises((ParseError, QueryRefusedError)):
            engine.run(text, source=str(path))
        return
    tokens(decode(text))  # every term of a valid query is one of the grammar's
    if "service" in path.name:
        with pytest.raises(QueryRefusedError, match="SERVICE"):
            check_query(text)
        return
    try:
        engine.run(text, source=str(path))  # read, checked and run
        error = ""
    except ParseError as e:
        error = str(e)
    # the only refusal of a valid query: a call of a function no engine has (ex:myFunc(?x)), when it runs
    assert not error or re.search(r"The custom function <[^>]+> is not supported$", error), error
