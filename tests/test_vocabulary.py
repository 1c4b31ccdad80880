"""Every term used anywhere is defined, so a misspelling fails here or at once, not silently.

kg: terms must be declared by the ontology; the standard vocabularies' terms must exist in
rdflib's definitions of them (DefinedNamespace); the code makes IRIs only through
:class:`kgraph.namespaces.Vocabulary`, whose attributes are checked.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from helpers import ROOT

from kgraph.namespaces import DCTERMS, KG, OA, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

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
    used |= {
        KG + local for local in re.findall(r"\bKG\.([A-Za-z][A-Za-z0-9]*)\b(?!\()", text) if local not in ("prefix", "terms")
    }  # the vocabulary's own
    used |= {KG + local for local in re.findall(r'\bKG\.(?:term|node)\("([A-Za-z][A-Za-z0-9]*)"\)', text)}
    assert used - DEFINED == set()


NAMESPACES = {ns.prefix: ns for ns in (KG, RDF, RDFS, OWL, XSD, SKOS, SH, OA, PROV, DCTERMS)}


@pytest.mark.parametrize("path", sorted(set((ROOT / "kgraph").glob("*.py")) - {ROOT / "kgraph" / "namespaces.py"}), ids=lambda p: p.name)
def test_code_makes_iris_only_through_checked_vocabularies(path):
    text = path.read_text(encoding="utf-8")
    names = "|".join(ns.upper() for ns in NAMESPACES)
    assert not re.findall(rf"\b({names}) \+ ", text), "write NS.term, not NS + '...' (a typo would pass unseen)"
    for ns, local in re.findall(rf"\b({names})\.([A-Za-z_]\w*)\b(?!\()", text):
        if local not in ("prefix", "terms"):
            assert not hasattr(str, local), f"{ns}.{local} is str's method, not a term: write {ns}.term({local!r})"
            assert local in NAMESPACES[ns.lower()].terms, f"{ns}.{local}"


@pytest.mark.parametrize("prefix", ["rdf", "rdfs", "owl", "xsd", "skos", "sh", "prov", "dcterms"])
def test_the_standard_vocabularies_list_only_terms_rdflib_defines(prefix):
    import rdflib.namespace

    ours = NAMESPACES[prefix]
    theirs = getattr(rdflib.namespace, prefix.upper())
    assert str(theirs) == str(ours)
    assert ours.terms <= set(theirs.__annotations__) | set(getattr(theirs, "_extras", []))  # (keywords: sh:class, sh:not)


def test_a_misspelt_term_fails_on_both_sides():
    import rdflib

    with pytest.raises(AttributeError, match="sh:resultMesage"):
        ox.NamedNode(SH.resultMesage)
    with pytest.raises(AttributeError, match="kg:evidnce"):
        rdflib.URIRef(KG.evidnce)
    with pytest.raises(AttributeError, match="owl:Thng"):
        OWL.node("Thng")
    assert KG.evidence == "https://w3id.org/kgraph/ontology#evidence" and SH.node("path") == ox.NamedNode(SH + "path")


def test_the_check_would_catch_a_misspelling():
    assert KG + "evidnce" not in DEFINED and KG + "evidence" in DEFINED
