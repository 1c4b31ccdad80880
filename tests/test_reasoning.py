"""OWL RL reasoning: the closure is consistent and adds the answers that depend on inference."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, URIRef

from kgraph.engines import OxigraphEngine
from kgraph.errors import InconsistencyError
from kgraph.namespaces import GRAPH_INFERRED, ID, KG
from kgraph.reasoning import infer_owlrl_closure
from kgraph.terms import show_term


def test_closure_is_consistent(closure):
    assert not list(closure.subjects(RDF.type, OWL.Nothing))
    assert not list(closure.subjects(RDF.type, URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")))


def test_inferred_triples_are_kept_apart_and_never_have_literal_subjects(kg):
    quads = list(kg.build().quads())
    inferred = {(q.subject, q.predicate, q.object) for q in quads if q.graph_name.value == GRAPH_INFERRED}
    asserted = {(q.subject, q.predicate, q.object) for q in quads if q.graph_name.value != GRAPH_INFERRED}
    assert inferred and not inferred & asserted


@pytest.mark.parametrize(
    ("subject", "prop", "obj"),
    [
        ("Kazakhstan", "hostsTalksFor", "SyrianCrisis"),  # chain hosts o addresses
        ("Kazakhstan", "memberOf", "UNSecurityCouncil"),  # chain hasMembership o membershipIn
        ("NursultanNazarbayev", "leads", "Kazakhstan"),  # chain holdsOffice o officeOf
        ("IraqMineClearance", "performedBy", "Kazakhstan"),  # chain performedBy o forceOf
        ("Kazakhstan", "hasCapital", "Astana"),  # inverse of (background) capitalOf
        ("Astana", "locatedIn", "Kazakhstan"),  # capitalOf is a sub-property of locatedIn
        ("KoreaCentralAsiaForumSecretariat", "partOf", "KoreaCentralAsiaForum"),  # secretariatOf < organOf < partOf
        ("NazarbayevInitiatives", "endorsedBy", "Quote3Speaker"),  # chain hasEndorsement o endorser
        ("AstanaProcess", "host", "Kazakhstan"),  # hostedBy < host
    ],
)
def test_inference_adds_facts(closure, asserted, subject, prop, obj):
    triple = (URIRef(ID + subject), URIRef(KG + prop), URIRef(ID + obj))
    assert triple in closure
    assert triple not in asserted


def test_the_offered_platform_does_not_count_as_hosted(closure):
    assert (URIRef(ID + "Kazakhstan"), URIRef(KG + "hostsTalksFor"), URIRef(ID + "NorthKoreanCrisis")) not in closure


def test_speaker_claims_are_inferred(closure):
    assert (URIRef(ID + "RussiaTurkeyCrisisRoleOffer"), RDF.type, URIRef(KG + "SpeakerClaim")) in closure


def test_canned_queries_need_the_inferred_triples(kg):
    """Without the inferred graph the inference-dependent queries lose their answers."""
    quads = kg.build().quads()
    store = ox.Store()
    store.extend(q for q in quads if q.graph_name.value != GRAPH_INFERRED)
    engine = OxigraphEngine(store)
    for name in ("hosted-talks", "supporters"):
        assert engine.run(kg.catalogue.get(name).text).rows == [], name
    host = {"state": ox.NamedNode(ID + "Kazakhstan")}
    assert engine.run(kg.catalogue.get("peacekeeping").text, host).rows == []
    with_inference = kg.query("peacekeeping").as_dicts()
    assert {show_term(r["activity"]) for r in with_inference} == {
        "id:TajikistanBorderProtection",
        "id:IraqMineClearance",
        "id:HumanitarianAidDelivery",
    }


def test_contradictions_are_reported(asserted):
    from rdflib import Graph

    g = Graph()
    for t in asserted:
        g.add(t)
    g.add((URIRef(ID + "Kazakhstan"), RDF.type, URIRef(KG + "Person")))  # Person and State are disjoint
    with pytest.raises(InconsistencyError) as err:
        infer_owlrl_closure(g)
    assert err.value.exit_code == 1
    assert "Kazakhstan" in str(err.value)


def test_two_statuses_for_one_event_are_a_contradiction(asserted):
    from rdflib import Graph

    g = Graph()
    for t in asserted:
        g.add(t)
    g.add((URIRef(ID + "AstanaProcess"), URIRef(KG + "status"), URIRef(KG + "Offered")))  # functional + AllDifferent
    with pytest.raises(InconsistencyError):
        infer_owlrl_closure(g)
