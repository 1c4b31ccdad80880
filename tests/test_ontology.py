"""The ontology: documented terms, explicit domains and ranges, OWL 2 RL, reused vocabularies."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from helpers import ROOT
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from kgraph.namespaces import KG
from kgraph.terms import triples_to_rdflib

ONTOLOGY = URIRef("https://w3id.org/kgraph/ontology")


@pytest.fixture(scope="module")
def onto() -> Graph:
    return triples_to_rdflib(ox.parse(path=str(ROOT / "ontology" / "kgraph.ttl"), format=ox.RdfFormat.TURTLE))


def terms(onto, kind):
    return sorted(s for s in onto.subjects(RDF.type, kind) if str(s).startswith(KG))


def test_ontology_header(onto):
    dc = "http://purl.org/dc/terms/"
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in onto
    for p in (OWL.versionIRI, OWL.versionInfo, URIRef(dc + "title"), URIRef(dc + "description"), URIRef(dc + "license"), URIRef(dc + "created")):
        assert onto.value(ONTOLOGY, p) is not None, p


@pytest.mark.parametrize("kind", [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty])
def test_every_term_has_one_english_label_one_comment_and_is_defined_by(onto, kind):
    found = terms(onto, kind)
    assert found
    offending = []
    for term in found:
        labels = [o for o in onto.objects(term, RDFS.label) if o.language == "en"]
        comments = list(onto.objects(term, RDFS.comment))
        if len(labels) != 1 or len(comments) != 1 or onto.value(term, RDFS.isDefinedBy) != ONTOLOGY:
            offending.append(term)
        elif not str(comments[0]).rstrip().endswith(".") or str(comments[0]).count(". ") > 0:
            offending.append(term)  # one sentence
    assert offending == []


def test_class_and_property_naming(onto):
    for c in terms(onto, OWL.Class):
        assert str(c).removeprefix(KG)[0].isupper(), c
    for p in terms(onto, OWL.ObjectProperty) + terms(onto, OWL.DatatypeProperty):
        assert str(p).removeprefix(KG)[0].islower(), p


def one_edit_apart(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one letter changed, added or dropped. A class and a property
    named alike but for the case of the first letter (kg:Treaty, kg:treaty) follow the naming
    convention and do not count.

    >>> one_edit_apart("proposed", "proposes"), one_edit_apart("host", "hosts"), one_edit_apart("Treaty", "treaty")
    (True, True, False)
    """
    if a.lower() == b.lower() or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def test_no_two_terms_are_one_letter_apart(onto):
    """kg:proposed and kg:proposes meant unrelated things; names that close are misread and mistyped."""
    names = sorted({str(s).removeprefix(KG) for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty) for s in terms(onto, kind)})
    assert len(names) > 100
    close = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :] if one_edit_apart(a, b)]
    assert close == []


@pytest.mark.parametrize("kind", [OWL.ObjectProperty, OWL.DatatypeProperty])
def test_every_property_has_domain_and_range(onto, kind):
    missing = [p for p in terms(onto, kind) if onto.value(p, RDFS.domain) is None or onto.value(p, RDFS.range) is None]
    assert missing == []


def test_no_owl_same_as_and_no_subclassing_of_mapping_targets(onto):
    assert not list(onto.triples((None, OWL.sameAs, None)))
    allowed = (
        "https://w3id.org/kgraph/",
        "http://www.w3.org/ns/prov#",
        "http://www.w3.org/2004/02/skos/core#",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    )
    for _, sup in onto.subject_objects(RDFS.subClassOf):
        if isinstance(sup, URIRef):
            assert str(sup).startswith(allowed), f"subclass of {sup} would copy data into a mapped vocabulary"


def test_main_classes_map_to_well_known_vocabularies(onto):
    close = URIRef("http://www.w3.org/2004/02/skos/core#closeMatch")
    mapped = {
        str(s).removeprefix(KG)
        for s, o in onto.subject_objects(close)
        if str(o).startswith(("https://schema.org/", "http://semanticweb.cs.vu.nl/2009/11/sem/", "http://www.wikidata.org/entity/"))
    }
    assert {"State", "Person", "Organisation", "Place", "City", "Event", "Conflict"} <= mapped


def test_ontology_uses_inverses_subproperties_chains_and_transitivity(onto):
    assert len(list(onto.subject_objects(OWL.inverseOf))) >= 5
    assert len(list(onto.subject_objects(RDFS.subPropertyOf))) >= 5
    chains = {str(s).removeprefix(KG) for s in onto.subjects(OWL.propertyChainAxiom, None)}
    assert {"hostsTalksFor", "memberOf", "endorsedBy", "leads", "performedBy"} <= chains
    assert {str(s).removeprefix(KG) for s in onto.subjects(RDF.type, OWL.TransitiveProperty)} >= {"locatedIn", "partOf"}


def test_stays_in_owl2_rl_constructs(onto):
    """No construct outside OWL 2 RL: no unions or existentials as superclasses, no cardinality > 1, no datatype unions."""
    for restriction in onto.subjects(RDF.type, OWL.Restriction):
        for p in (OWL.minCardinality, OWL.cardinality, OWL.minQualifiedCardinality):
            assert onto.value(restriction, p) is None
        if onto.value(restriction, OWL.someValuesFrom) is not None:
            # an existential may only stand on the left of subClassOf
            assert not list(onto.subjects(RDFS.subClassOf, restriction)) and not list(onto.subjects(OWL.equivalentClass, restriction))
    for _, o in onto.subject_objects(RDFS.subClassOf):
        assert onto.value(o, OWL.unionOf) is None
    assert not list(onto.triples((None, OWL.unionOf, None)))
