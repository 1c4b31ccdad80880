"""What the graph claims, read against the source text: each fix of issue 8 with the words behind it."""

from __future__ import annotations

import pyoxigraph as ox
from helpers import ROOT, SOURCE

from kgraph.namespaces import XSD

HEADER = """@prefix kg: <https://w3id.org/kgraph/ontology#> .
@prefix id: <https://w3id.org/kgraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def test_the_membership_start_is_background_not_derived(kg):
    """The text dates the membership only as "for the second year", and the document's own date
    (2018) is worked out from the seat's start in 2017; deriving the start back from the date
    would be circular, so the start is background knowledge with its reference."""
    text = SOURCE.read_text(encoding="utf-8")
    assert "for the second year" in text and "2017" not in text
    (row,) = kg.query("memberships").as_dicts()
    assert row["start"] == ox.Literal("2017", datatype=ox.NamedNode(XSD.gYear))
    assert row["startBasis"].value == "background"
    timeline = {(r["event"].value.rsplit("/", 1)[-1], r["point"].value): r["basis"].value for r in kg.query("timeline").as_dicts()}
    assert timeline[("KazakhstanUNSCMembership", "start")] == "background"


def test_a_circular_derivation_is_refused(kg, tmp_path):
    """The old form of the fact above: a start year derived from the document's date, which itself
    rests on background knowledge of that same start year."""
    path = tmp_path / "circular.ttl"
    path.write_text(
        HEADER
        + """
id:KazakhstanUNSCMembership kg:derivation id:CircularStart ; kg:evidence id:span-3151-3170 .
id:CircularStart a kg:Derivation ;
    rdfs:label "a start year worked out from the document's date"@en ;
    kg:derivedProperty kg:startDate ;
    kg:derivedValue "2017"^^xsd:gYear ;
    kg:derivedFromPhrase "for the second year" ;
    kg:method "The document was written in 2018, in the second year of the seat." ;
    kg:basedOn id:SourceTextDateDerivation ;
    kg:evidence id:span-3151-3170 .
""",
        encoding="utf-8",
    )
    report = kg.validate([path])
    assert not report.conforms
    assert {p.shape for p in report.violations} == {"kgsh:DerivationGroundShape"}
    assert "circular" in report.violations[0].message


def test_a_derivation_that_rests_on_itself_is_refused(kg, tmp_path):
    path = tmp_path / "self.ttl"
    path.write_text(HEADER + "id:SourceTextDateDerivation kg:basedOn id:SourceTextDateDerivation .\n", encoding="utf-8")
    report = kg.validate([path])
    assert "kgsh:DerivationGroundShape" in {p.shape for p in report.violations}


def _spans(asserted) -> dict:
    """Each node's evidence as (start, end) offsets into the source text."""
    from rdflib import URIRef

    from kgraph.namespaces import KG, OA

    offsets = {}
    for span in set(asserted.objects(None, URIRef(KG.evidence))):
        for selector in asserted.objects(span, URIRef(OA.hasSelector)):
            start, end = asserted.value(selector, URIRef(OA.start)), asserted.value(selector, URIRef(OA.end))
            if start is not None:
                offsets[span] = (int(start), int(end))
    by_node: dict = {}
    for node, span in asserted.subject_objects(URIRef(KG.evidence)):
        by_node.setdefault(node, set()).add(offsets[span])
    return by_node


def test_what_only_a_speaker_says_is_claimed_in_that_statement_and_only_that(asserted, closure):
    """A claim (an event other than a conflict, an initiative, an endorsement, a proposition) whose
    every span lies inside a quotation or reported speech is the speaker's: kg:claimedIn that
    statement; and a node claimed in a statement cites words of that statement. (Things the
    speakers only name, such as the NPT or Turkey, are referents, not claims.)"""
    from rdflib import URIRef

    from kgraph.namespaces import KG, RDF

    spans = _spans(asserted)
    statements = {s for c in (KG.QuotedStatement, KG.ReportedStatement) for s in asserted.subjects(URIRef(RDF.type), URIRef(c))}
    assert len(statements) == 5  # three quotations, the Secretariat's and the experts' reported words
    inside = {s: spans[s] for s in statements}

    def within(span, statement):
        return any(a <= span[0] and span[1] <= b for a, b in inside[statement])

    claim_classes = {URIRef(c) for c in (KG.Event, KG.Initiative, KG.Endorsement, KG.Proposition)}
    claims = {n for c in claim_classes for n in closure.subjects(URIRef(RDF.type), c)} - set(closure.subjects(URIRef(RDF.type), URIRef(KG.Conflict)))
    assert len(claims) > 30
    unclaimed, misplaced = [], []
    for node, node_spans in spans.items():
        if node in statements or node not in claims:
            continue
        claimed = asserted.value(node, URIRef(KG.claimedIn))
        spoken = all(any(within(sp, s) for s in statements) for sp in node_spans)
        if spoken and claimed is None:
            unclaimed.append(str(node).rsplit("/", 1)[-1])
        if claimed is not None and not any(within(sp, claimed) for sp in node_spans):
            misplaced.append(str(node).rsplit("/", 1)[-1])
    assert unclaimed == [], unclaimed
    assert misplaced == [], misplaced


def test_the_security_council_proposals_are_not_made_part_of_the_initiatives(asserted):
    """The text names "the initiatives of President Nursultan Nazarbayev" (third quotation) and "the
    proposals of Nursultan Nazarbayev announced at the meeting of the UN Security Council"
    (the Secretariat), but no sentence relates the two."""
    import re

    from rdflib import URIRef

    from kgraph.namespaces import ID, KG

    text = SOURCE.read_text(encoding="utf-8")
    assert "initiatives of President Nursultan Nazarbayev" in text and "proposals of Nursultan Nazarbayev announced" in text
    assert not [s for s in re.split(r"(?<=[.!?])\s+", text) if "initiative" in s and "proposals of Nursultan" in s]
    assert asserted.value(URIRef(ID + "NazarbayevSecurityCouncilProposals"), URIRef(KG.partOf)) is None


def test_an_assessment_is_in_the_voice_of_its_node(asserted):
    """kg:assessment holds the words of whoever states the node: the document's own "Perhaps the most
    important step" on its acts, the second speaker's "which was very important" on a claimed offer."""
    from rdflib import URIRef

    from kgraph.namespaces import KG

    text = SOURCE.read_text(encoding="utf-8")
    for node, words in asserted.subject_objects(URIRef(KG.assessment)):
        assert str(words) in text
        quoted = asserted.value(node, URIRef(KG.claimedIn)) is not None
        assert quoted == (str(words) == "which was very important"), node


def test_every_fact_is_traced_to_its_words_a_reference_or_a_derivation():
    """Every information-carrying triple of the shipped facts (labels, types, mappings and the
    provenance records themselves aside) is stated by a span (the one span its node cites, or
    the spans a kg:Assertion names for it), rests on a background reference, or is derived."""
    import pyoxigraph as ox

    from kgraph.namespaces import DCTERMS, KG, OA, RDF, RDFS, SKOS

    triples = [t for name in ("facts.ttl", "background.ttl") for t in ox.parse(path=str(SOURCE.parent / name), format=ox.RdfFormat.TURTLE)]
    rdf_type = ox.NamedNode(RDF.type)
    types: dict = {}
    for t in triples:
        if t.predicate == rdf_type:
            types.setdefault(t.subject, set()).add(t.object.value)
    records = {
        KG.Assertion,
        KG.BackgroundStatement,
        KG.Derivation,
        KG.Identification,
        KG.SourceDocument,
        OA.SpecificResource,
        OA.TextQuoteSelector,
        OA.TextPositionSelector,
    }
    not_facts = {RDF.type, RDFS.label, SKOS.altLabel, SKOS.exactMatch, KG.evidence, KG.derivation, KG.claimedIn, DCTERMS.source}
    spans: dict = {}
    reified: dict = {}
    derived = set()
    for t in triples:
        if t.predicate.value == KG.evidence:
            spans.setdefault(t.subject, set()).add(t.object)
    by_subject: dict = {}
    for t in triples:
        by_subject.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object)
    for node, props in by_subject.items():
        kinds = types.get(node, set())
        if kinds & {KG.Assertion, KG.BackgroundStatement}:
            key = (props[RDF.subject][0], props[RDF.predicate][0].value, props[RDF.object][0])
            reified.setdefault(key, set()).update(kinds)
        for d in props.get(KG.derivation, []):
            for p in by_subject.get(d, {}).get(KG.derivedProperty, []):
                derived.add((node, p.value))
    untraced = []
    for t in triples:
        if t.predicate.value in not_facts or types.get(t.subject, set()) & records:
            continue
        key = (t.subject, t.predicate.value, t.object)
        if key in reified or (t.subject, t.predicate.value) in derived or len(spans.get(t.subject, ())) == 1:
            continue
        untraced.append(f"{t.subject.value.rsplit('/', 1)[-1]} {t.predicate.value.rsplit('#', 1)[-1]} {t.object}")
    assert len(triples) > 1300
    assert untraced == []


def test_words_that_describe_an_entity_without_naming_it_are_identified_with_a_basis(kg):
    """'the capital of Kazakhstan', 'The Kazakh capital', 'Korea', 'the treaty on the
    non-proliferation of weapons of mass destruction', 'the civil war', 'Experts' and 'the
    negotiation platform' (that the republic's concrete assistance includes) name no entity;
    each is recorded with the entity it is taken to mean, why, and (for the capital) the
    background knowledge it rests on."""
    text = SOURCE.read_text(encoding="utf-8")
    rows = kg.sparql("""
        PREFIX kg: <https://w3id.org/kgraph/ontology#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?phrase ?entity ?label ?exact ?ground WHERE {
          ?i a kg:Identification ; kg:identifyingPhrase ?phrase ; kg:identifies ?entity ; kg:method ?method ;
             kg:evidence/oa:hasSelector/oa:exact ?exact .
          ?entity rdfs:label ?label . FILTER (LANG(?label) = "en")
          OPTIONAL { ?i kg:basedOn ?ground }
        }""").as_dicts()
    found = {r["phrase"].value: r for r in rows}
    assert {p: r["entity"].value.rsplit("/", 1)[-1] for p, r in found.items()} == {
        "the capital of Kazakhstan": "Astana",
        "The Kazakh capital": "Astana",
        "Korea": "SouthKorea",
        "the treaty on the non-proliferation of weapons of mass destruction": "NonProliferationTreaty",
        "the civil war": "TajikistaniCivilWar",
        "Experts": "ForumExperts",
        "the negotiation platform": "AstanaProcess",
    }
    for phrase, row in found.items():
        assert phrase in row["exact"].value and phrase in text
        assert row["label"].value not in phrase  # the words describe the entity; they do not name it
    assert {p for p, r in found.items() if "ground" in r} == {"the capital of Kazakhstan", "The Kazakh capital"}


def test_the_capital_may_act_as_a_platform_again_like_the_astana_talks(kg):
    """'The Kazakh capital may again act as an interactive platform for resolving international
    conflicts soon': the only platform the text says Astana has been is the Astana process."""
    text = SOURCE.read_text(encoding="utf-8")
    assert "may again act as an interactive platform" in text
    assert "held in the capital of Kazakhstan" in text
    rows = kg.query("describe", {"entity": "id:FutureAstanaPlatform"}).as_dicts()
    repeats = [r["value"].value for r in rows if r["property"].value.endswith("#repeats")]
    assert repeats == ["https://w3id.org/kgraph/id/AstanaProcess"]


def test_raising_security_issues_at_the_un_is_an_activity_a_query_can_use(kg):
    """'... for the second year, raising the most pressing security issues at the Organization's
    headquarters in New York': work Kazakhstan does, at a venue, as part of its membership."""
    text = SOURCE.read_text(encoding="utf-8")
    assert "raising the most pressing security issues at the Organization's headquarters in New York" in text
    rows = kg.sparql("""
        PREFIX kg: <https://w3id.org/kgraph/ontology#>
        SELECT ?who ?venue ?within ?status WHERE {
          ?work a kg:DiplomaticWork ; kg:performedBy ?who ; kg:venue ?venue ; kg:partOf ?within ; kg:status ?status .
        }""").as_dicts()
    assert [{k: v.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for k, v in r.items()} for r in rows] == [
        {"who": "Kazakhstan", "venue": "UNHeadquarters", "within": "KazakhstanUNSCMembership", "status": "Ongoing"}
    ]


def test_the_strengths_the_first_speaker_names_are_values_a_query_can_use(kg):
    """'main strengths of Kazakhstan are not impressive weapons of mass destruction, but openness,
    peacefulness, sanity and moral authority' (the first quotation)."""
    text = SOURCE.read_text(encoding="utf-8")
    assert "but openness, peacefulness, sanity and moral authority" in text
    rows = kg.sparql("""
        PREFIX kg: <https://w3id.org/kgraph/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?quality ?speech WHERE {
          ?claim kg:about <https://w3id.org/kgraph/id/Kazakhstan> ; kg:namesStrength ?strength ; kg:claimedIn ?speech .
          ?strength rdfs:label ?quality .
        }""").as_dicts()
    assert {r["quality"].value for r in rows} == {"openness", "peacefulness", "sanity", "moral authority"}
    assert {r["speech"].value for r in rows} == {"https://w3id.org/kgraph/id/Quote1"}


def test_an_endorsement_says_whether_it_still_holds(kg):
    """'At present, global anti-nuclear initiatives ... are recognized' and 'I fully support' hold
    still; the Secretariat 'talked about' and the experts 'said': that happened."""
    text = SOURCE.read_text(encoding="utf-8")
    for words in ("At present, global anti-nuclear initiatives", "I fully support", "They talked about the importance", "Experts said that"):
        assert words in text
    rows = kg.query("supporters").as_dicts()
    status = {r["endorsement"].value.rsplit("/", 1)[-1]: r["status"].value.rsplit("#", 1)[-1] for r in rows}
    assert status == {
        "UNRecognitionOfAntiNuclearInitiatives": "Ongoing",
        "WorldRecognitionOfAntiNuclearInitiatives": "Ongoing",
        "Quote3SupportOfNazarbayevInitiatives": "Ongoing",
        "Quote3ApprovalOfNorthKoreaPlatform": "Ongoing",
        "SecretariatApprovalOfProposals": "Occurred",
        "ExpertsApprovalOfNorthKoreaPlatform": "Occurred",
    }


def test_what_the_speakers_say_things_are_is_a_value_a_query_can_use(kg):
    """'a reputation of an authoritative peacemaker' (the document), 'set a bad example for other
    countries' and 'has experience in renouncing nuclear weapons' (the third quotation)."""
    text = SOURCE.read_text(encoding="utf-8")
    for words in (
        "a reputation of an authoritative peacemaker",
        "set a bad example for other countries",
        "has experience in renouncing nuclear weapons",
    ):
        assert words in text
    rows = kg.query("characterisations").as_dicts()
    said = {(r["entity"].value.rsplit("/", 1)[-1], r["characterisation"].value.rsplit("#", 1)[-1]): r.get("claimedIn") for r in rows}
    assert said[("Kazakhstan", "AuthoritativePeacemaker")] is None  # the document's own voice
    assert said[("NorthKoreaTreatyDisregard", "BadExample")].value.endswith("/Quote3")
    assert said[("Kazakhstan", "ExperiencedInNuclearRenunciation")].value.endswith("/Quote3")


def test_only_the_claims_the_readme_names_stay_prose(kg):
    """A proposition with no structured value is one the README lists with its reason."""
    rows = kg.sparql("""
        PREFIX kg: <https://w3id.org/kgraph/ontology#>
        SELECT ?claim WHERE {
          ?claim a kg:Proposition .
          FILTER NOT EXISTS { ?claim kg:characterisedAs ?c }
          FILTER NOT EXISTS { ?claim kg:namesStrength ?s }
        }""").as_dicts()
    prose = {r["claim"].value.rsplit("/", 1)[-1] for r in rows}
    assert prose == {"AntiNuclearInitiativesRecognised", "Quote2ForeignPolicy", "Quote2ProfileBuilding"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in prose:
        assert f"id:{name}" in readme, f"the README does not say why id:{name} stays prose"


def test_the_quotations_keep_the_order_the_text_gives_them(kg):
    """The three quotations and the two reported statements, in the order their first words
    stand in the text."""
    text = SOURCE.read_text(encoding="utf-8")
    openings = {
        "Quote1": "From the very beginning we realized",
        "Quote2": "Kazakhstan is playing a very important role",
        "SecretariatStatement": "Kazakhstan's successful experience in organizing",
        "ExpertsStatement": "Experts said that the possibility",
        "Quote3": "I fully support the initiatives",
    }
    in_text = sorted(openings, key=lambda name: text.index(openings[name]))
    rows = kg.query("statements").as_dicts()
    assert [r["statement"].value.rsplit("/", 1)[-1] for r in rows] == in_text
    assert [int(r["position"].value) for r in rows] == [1, 2, 3, 4, 5]
