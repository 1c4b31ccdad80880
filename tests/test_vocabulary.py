"""Every kg: term used anywhere is defined in the ontology, so a misspelling fails here, not silently.

This does for plain IRIs what rdflib's DefinedNamespace(_fail=True) does for Python attributes.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from conftest import ROOT

from kgraph.namespaces import KG

DEFINED = {
    t.subject.value for t in ox.parse(path=str(ROOT / "ontology" / "kgraph.ttl"), format=ox.RdfFormat.TURTLE) if t.subject.value.startswith(KG)
}


def used_in_rdf(path):
    terms = set()
    for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        terms |= {x.value for x in (t.subject, t.predicate, t.object) if isinstance(x, ox.NamedNode) and x.value.startswith(KG)}
    return terms


@pytest.mark.parametrize(
    "path",
    [ROOT / "ontology" / "shapes.ttl", *sorted((ROOT / "data").glob("*.ttl")), *sorted((ROOT / "examples").glob("*.ttl"))],
    ids=lambda p: p.name,
)
def test_rdf_files_use_only_defined_terms(path):
    assert used_in_rdf(path) - DEFINED == set()


@pytest.mark.parametrize("path", sorted((ROOT / "queries").glob("*.rq")) + sorted((ROOT / "kgraph").glob("*.py")), ids=lambda p: p.name)
def test_queries_and_code_use_only_defined_terms(path):
    text = path.read_text(encoding="utf-8")
    used = {KG + local for local in re.findall(r"(?<![\w#])kg:([A-Za-z][A-Za-z0-9]*)", text)}
    used |= {KG + local for local in re.findall(r'KG \+ "([A-Za-z][A-Za-z0-9]*)"', text)}
    assert used - DEFINED == set()


def test_the_check_would_catch_a_misspelling():
    assert KG + "evidnce" not in DEFINED and KG + "evidence" in DEFINED
