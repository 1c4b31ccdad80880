"""SHACL shapes: the shipped data conforms, and each shape rejects a bad example for the right reason.

Each invalid example is otherwise valid, so the test can demand that the only violation is the
one named: (shape, constraint component, path).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from helpers import ROOT
from rdflib import Graph, URIRef

from kgraph.loading import parse_rdf_bytes
from kgraph.namespaces import GRAPH_META, GRAPH_SHAPES, KG, RDF, RDFS, SH, SHAPES
from kgraph.terms import triples_to_rdflib
from kgraph.validation import ENGINES, Shapes, validate

PREFIXES = """
@prefix kg: <https://w3id.org/kgraph/ontology#> .
@prefix id: <https://w3id.org/kgraph/id/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""
EV = "kg:evidence id:span-39-49"  # an existing span ("Kazakhstan"), so examples need no span of their own

# (case id, shape, constraint component(s) separated by '|', path or None, severity, Turtle)
CASES = [
    (
        "label-missing",
        "LabelShape",
        "MinCountConstraintComponent|QualifiedMinCountConstraintComponent",
        "rdfs:label",
        "Violation",
        f"id:T a kg:Region ; {EV} .",
    ),
    (
        "label-two-english",
        "LabelShape",
        "UniqueLangConstraintComponent|QualifiedMaxCountConstraintComponent",
        "rdfs:label",
        "Violation",
        f'id:T a kg:Region ; rdfs:label "A"@en , "B"@en ; {EV} .',
    ),
    (
        "label-no-language",
        "LabelShape",
        "DatatypeConstraintComponent",
        "rdfs:label",
        "Violation",
        f'id:T a kg:Region ; rdfs:label "A"@en , "B" ; {EV} .',
    ),
    (
        "label-no-english",
        "LabelShape",
        "QualifiedMinCountConstraintComponent",
        "rdfs:label",
        "Violation",
        f'id:T a kg:Region ; rdfs:label "А"@ru ; {EV} .',
    ),
    ("evidence-missing", "EvidenceShape", "MinCountConstraintComponent", "kg:evidence", "Violation", 'id:T a kg:Region ; rdfs:label "T"@en .'),
    (
        "evidence-not-a-span",
        "EvidenceShape",
        "ClassConstraintComponent",
        "kg:evidence",
        "Violation",
        'id:T a kg:Region ; rdfs:label "T"@en ; kg:evidence id:Kazakhstan .',
    ),
    (
        "span-offsets-wrong",
        "SpanShape",
        "SPARQLConstraintComponent",
        None,
        "Violation",
        """id:s a oa:SpecificResource ; oa:hasSource id:SourceText ; oa:hasSelector id:s-q , id:s-p .
        id:s-q a oa:TextQuoteSelector ; oa:exact "Kazakhstan" .
        id:s-p a oa:TextPositionSelector ; oa:start 40 ; oa:end 50 .""",
    ),
    (
        "span-no-position",
        "SpanShape",
        "QualifiedMinCountConstraintComponent",
        "oa:hasSelector",
        "Violation",
        """id:s a oa:SpecificResource ; oa:hasSource id:SourceText ; oa:hasSelector id:s-q .
        id:s-q a oa:TextQuoteSelector ; oa:exact "Kazakhstan" .""",
    ),
    (
        "span-source-not-a-document",
        "SpanShape",
        "ClassConstraintComponent",
        "oa:hasSource",
        "Violation",
        """id:s a oa:SpecificResource ; oa:hasSource id:Kazakhstan ; oa:hasSelector id:span-39-49-quote , id:span-39-49-position .""",
    ),
    ("quote-empty", "TextQuoteSelectorShape", "MinLengthConstraintComponent", "oa:exact", "Violation", 'id:q a oa:TextQuoteSelector ; oa:exact "" .'),
    (
        "position-reversed",
        "TextPositionSelectorShape",
        "LessThanConstraintComponent",
        "oa:start",
        "Violation",
        "id:p a oa:TextPositionSelector ; oa:start 50 ; oa:end 40 .",
    ),
    (
        "position-negative",
        "TextPositionSelectorShape",
        "MinInclusiveConstraintComponent",
        "oa:start",
        "Violation",
        "id:p a oa:TextPositionSelector ; oa:start -1 ; oa:end 40 .",
    ),
    (
        "event-no-status",
        "EventShape",
        "MinCountConstraintComponent",
        "kg:status",
        "Violation",
        f'id:T a kg:Meeting ; rdfs:label "T"@en ; kg:meetingOf id:UNSecurityCouncil ; {EV} .',
    ),
    (
        "event-unknown-status",
        "EventShape",
        "InConstraintComponent",
        "kg:status",
        "Violation",
        f'id:T a kg:Meeting ; rdfs:label "T"@en ; kg:meetingOf id:UNSecurityCouncil ; kg:status kg:Rumoured ; {EV} .',
    ),
    (
        "event-date-plain-string",
        "EventShape",
        "OrConstraintComponent",
        "kg:date",
        "Violation",
        f'id:T a kg:Meeting ; rdfs:label "T"@en ; kg:meetingOf id:UNSecurityCouncil ; kg:status kg:Occurred ; kg:date "2018" ; {EV} .',
    ),
    (
        "period-starts-after-end",
        "PeriodShape",
        "SPARQLConstraintComponent",
        None,
        "Violation",
        f"""id:T a kg:Membership ; rdfs:label "T"@en ; kg:member id:Kazakhstan ; kg:membershipIn id:UNSecurityCouncil ;
        kg:status kg:Occurred ; kg:startDate "2018-05"^^xsd:gYearMonth ; kg:endDate "2017"^^xsd:gYear ; {EV} .""",
    ),
    (
        "conflict-party-not-agent",
        "ConflictShape",
        "ClassConstraintComponent",
        "kg:involvesParty",
        "Violation",
        f'id:T a kg:Dispute ; rdfs:label "T"@en ; kg:status kg:Occurred ; kg:involvesParty id:Astana ; {EV} .',
    ),
    (
        "bilateral-one-party",
        "BilateralCrisisShape",
        "MinCountConstraintComponent",
        "kg:involvesParty",
        "Violation",
        f'id:T a kg:BilateralCrisis ; rdfs:label "T"@en ; kg:status kg:Occurred ; kg:involvesParty id:Russia ; {EV} .',
    ),
    (
        "platform-no-conflict",
        "PlatformShape",
        "MinCountConstraintComponent",
        "kg:addresses",
        "Violation",
        f'id:T a kg:NegotiationPlatform ; rdfs:label "T"@en ; kg:status kg:Offered ; kg:offeredBy id:Kazakhstan ; kg:host id:Kazakhstan ; {EV} .',
    ),
    (
        "platform-hosted-but-only-offered",
        "PlatformShape",
        "SPARQLConstraintComponent",
        "kg:hostedBy",
        "Violation",
        f"""id:T a kg:NegotiationPlatform ; rdfs:label "T"@en ; kg:status kg:Offered ; kg:hostedBy id:Kazakhstan ;
        kg:host id:Kazakhstan ; kg:addresses id:NorthKoreanCrisis ; {EV} .""",
    ),
    (
        "mediation-no-mediator",
        "MediationShape",
        "MinCountConstraintComponent",
        "kg:mediator",
        "Violation",
        f'id:T a kg:Mediation ; rdfs:label "T"@en ; kg:status kg:Offered ; kg:addresses id:SyrianCrisis ; {EV} .',
    ),
    (
        "field-activity-no-place",
        "FieldActivityShape",
        "OrConstraintComponent",
        None,
        "Violation",
        f'id:T a kg:MineClearance ; rdfs:label "T"@en ; kg:status kg:Occurred ; kg:performedBy id:Kazakhstan ; {EV} .',
    ),
    (
        "field-activity-no-actor",
        "FieldActivityShape",
        "MinCountConstraintComponent",
        "kg:performedBy",
        "Violation",
        f'id:T a kg:MineClearance ; rdfs:label "T"@en ; kg:status kg:Occurred ; kg:takesPlaceIn id:Iraq ; {EV} .',
    ),
    (
        "outcome-of-nothing",
        "OutcomeShape",
        "MinCountConstraintComponent",
        "kg:outcomeOf",
        "Violation",
        f'id:T a kg:HumanitarianAccess ; rdfs:label "T"@en ; kg:status kg:Occurred ; {EV} .',
    ),
    (
        "disarmament-by-person",
        "DisarmamentShape",
        "ClassConstraintComponent",
        "kg:performedBy",
        "Violation",
        f'id:T a kg:NuclearRenunciation ; rdfs:label "T"@en ; kg:status kg:Occurred ; kg:performedBy id:NursultanNazarbayev ; {EV} .',
    ),
    (
        "closure-no-site",
        "TestSiteClosureShape",
        "MinCountConstraintComponent",
        "kg:site",
        "Violation",
        f'id:T a kg:TestSiteClosure ; rdfs:label "T"@en ; kg:status kg:Occurred ; kg:performedBy id:Kazakhstan ; {EV} .',
    ),
    (
        "disregard-two-treaties",
        "TreatyDisregardShape",
        "MaxCountConstraintComponent",
        "kg:treaty",
        "Violation",
        f"""id:T a kg:TreatyDisregard ; rdfs:label "T"@en ; kg:status kg:Occurred ; kg:performedBy id:NorthKorea ;
        kg:treaty id:NonProliferationTreaty , id:T2 ; {EV} .
        id:T2 a kg:Treaty ; rdfs:label "T2"@en ; {EV} .""",
    ),
    (
        "measure-no-target",
        "MeasureShape",
        "MinCountConstraintComponent",
        "kg:target",
        "Violation",
        f'id:T a kg:SecurityCouncilMeasure ; rdfs:label "T"@en ; kg:status kg:Occurred ; kg:imposedBy id:UNSecurityCouncil ; {EV} .',
    ),
    (
        "membership-no-start",
        "MembershipShape",
        "MinCountConstraintComponent",
        "kg:startDate",
        "Violation",
        f'id:T a kg:Membership ; rdfs:label "T"@en ; kg:status kg:Ongoing ; kg:member id:Kazakhstan ; kg:membershipIn id:UnitedNations ; {EV} .',
    ),
    (
        "initiative-no-proposer",
        "InitiativeShape",
        "MinCountConstraintComponent",
        "kg:proposedBy",
        "Violation",
        f'id:T a kg:Proposal ; rdfs:label "T"@en ; {EV} .',
    ),
    (
        "endorsement-two-endorsers",
        "EndorsementShape",
        "MaxCountConstraintComponent",
        "kg:endorser",
        "Violation",
        f'id:T a kg:Support ; rdfs:label "T"@en ; kg:endorser id:Russia , id:Turkey ; kg:endorsementOf id:NazarbayevInitiatives ;'
        f" kg:status kg:Ongoing ; {EV} .",
    ),
    (
        "statement-no-speaker",
        "StatementShape",
        "MinCountConstraintComponent",
        "kg:speaker",
        "Violation",
        f'id:T a kg:ReportedStatement ; rdfs:label "T"@en ; kg:reportedIn id:SourceText ; {EV} .',
    ),
    (
        "statement-follows-a-later-one",
        "StatementShape",
        "SPARQLConstraintComponent",
        None,
        "Violation",
        'id:T a kg:QuotedStatement ; rdfs:label "T"@en ; kg:speaker id:Quote1Speaker ; kg:reportedIn id:SourceText ;'
        " kg:follows id:Quote3 ; kg:evidence id:span-725-1114 .",
    ),
    (
        "statement-follows-one-of-another-document",
        "StatementShape",
        "SPARQLConstraintComponent",
        None,
        "Violation",
        'id:T a kg:QuotedStatement ; rdfs:label "T"@en ; kg:speaker id:Quote1Speaker ; kg:reportedIn id:OtherDoc ;'
        ' kg:follows id:Quote1 ; kg:evidence id:span-2562-3067 . id:OtherDoc a kg:SourceDocument ; rdfs:label "O"@en ;'
        ' dcterms:title "O" ; dcterms:identifier "o.txt" ; dcterms:date "2018-01-01"^^xsd:date ; kg:sha256 "' + "0" * 64 + '" .',
    ),
    (
        "claimed-in-a-proposition",
        "ClaimShape",
        "ClassConstraintComponent",
        "kg:claimedIn",
        "Violation",
        f'id:T a kg:Proposition ; rdfs:label "T"@en ; kg:text "t" ; kg:about id:Kazakhstan ; kg:claimedIn id:CallsForPeace ; {EV} .',
    ),
    (
        "proposition-no-text",
        "PropositionShape",
        "MinCountConstraintComponent",
        "kg:text",
        "Violation",
        f'id:T a kg:Proposition ; rdfs:label "T"@en ; kg:about id:Kazakhstan ; {EV} .',
    ),
    (
        "characterised-as-nothing",
        "CharacterisationClaimShape",
        "MinCountConstraintComponent",
        "kg:characterisedAs",
        "Violation",
        f'id:T a kg:Proposition ; rdfs:label "T"@en ; kg:text "t" ; kg:about id:Kazakhstan ; kg:characterises id:Kazakhstan ; {EV} .',
    ),
    (
        "characterised-as-a-state",
        "CharacterisationClaimShape",
        "ClassConstraintComponent",
        "kg:characterisedAs",
        "Violation",
        f'id:T a kg:Proposition ; rdfs:label "T"@en ; kg:text "t" ; kg:about id:Kazakhstan ; kg:characterises id:Kazakhstan ;'
        f" kg:characterisedAs id:Russia ; {EV} .",
    ),
    (
        "person-office-is-a-state",
        "PersonShape",
        "ClassConstraintComponent",
        "kg:holdsOffice",
        "Violation",
        f'id:T a kg:Person ; rdfs:label "T"@en ; kg:holdsOffice id:Kazakhstan ; {EV} .',
    ),
    ("office-of-nothing", "OfficeShape", "MinCountConstraintComponent", "kg:officeOf", "Violation", f'id:T a kg:Office ; rdfs:label "T"@en ; {EV} .'),
    (
        "force-of-a-person",
        "PeacekeepingForceShape",
        "ClassConstraintComponent",
        "kg:forceOf",
        "Violation",
        f'id:T a kg:PeacekeepingForce ; rdfs:label "T"@en ; kg:forceOf id:NursultanNazarbayev ; {EV} .',
    ),
    (
        "organ-of-nothing",
        "OrganOfShape",
        "MinCountConstraintComponent",
        "kg:organOf",
        "Violation",
        f'id:T a kg:OrganisationOrgan ; rdfs:label "T"@en ; {EV} .',
    ),
    (
        "city-capital-of-two",
        "CityShape",
        "MaxCountConstraintComponent",
        "kg:capitalOf",
        "Violation",
        f'id:T a kg:City ; rdfs:label "T"@en ; kg:capitalOf id:Russia , id:Turkey ; {EV} .',
    ),
    (
        "headquarters-of-nothing",
        "HeadquartersShape",
        "MinCountConstraintComponent",
        "kg:headquartersOf",
        "Violation",
        f'id:T a kg:Headquarters ; rdfs:label "T"@en ; {EV} .',
    ),
    (
        "meeting-of-nothing",
        "MeetingShape",
        "MinCountConstraintComponent",
        "kg:meetingOf",
        "Violation",
        f'id:T a kg:Meeting ; rdfs:label "T"@en ; kg:status kg:Occurred ; {EV} .',
    ),
    (
        "match-not-wikidata",
        "WikidataMatchShape",
        "PatternConstraintComponent",
        "skos:exactMatch",
        "Violation",
        f'id:T a kg:Region ; rdfs:label "T"@en ; skos:exactMatch <http://example.org/Q1> ; {EV} .',
    ),
    (
        "state-without-translations",
        "TranslationShape",
        "QualifiedMinCountConstraintComponent",
        "rdfs:label",
        "Warning",
        f'id:T a kg:State ; rdfs:label "T"@en , "Т"@ru ; {EV} .',
    ),
    (
        "document-bad-digest",
        "SourceDocumentShape",
        "PatternConstraintComponent",
        "kg:sha256",
        "Violation",
        """id:T a kg:SourceDocument ; rdfs:label "T"@en ; dcterms:title "T" ; dcterms:date "2018"^^xsd:gYear ;
        dcterms:identifier "t.txt" ; kg:sha256 "not-a-digest" .""",
    ),
    (
        "derivation-phrase-not-in-evidence",
        "DerivationShape",
        "SPARQLConstraintComponent",
        None,
        "Violation",
        f"""id:T a kg:Derivation ; rdfs:label "T"@en ; kg:derivedProperty kg:startDate ; kg:derivedValue "2017"^^xsd:gYear ;
        kg:derivedFromPhrase "last year" ; kg:method "m" ; {EV} .""",
    ),
    (
        "derivation-rests-on-itself",
        "DerivationGroundShape",
        "SPARQLConstraintComponent",
        None,
        "Violation",
        f"""id:AstanaProcess kg:derivation id:T .
        id:T a kg:Derivation ; rdfs:label "T"@en ; kg:derivedProperty kg:startDate ; kg:derivedValue "2017"^^xsd:gYear ;
        kg:derivedFromPhrase "Kazakhstan" ; kg:method "m" ; kg:basedOn id:T ; {EV} .""",
    ),
    (
        "assertion-not-asserted",
        "AssertionShape",
        "SPARQLConstraintComponent",
        None,
        "Violation",
        f"""id:T a kg:Assertion ; rdf:subject id:Kazakhstan ; rdf:predicate kg:capitalOf ; rdf:object id:Russia ; {EV} .""",
    ),
    (
        "identification-phrase-not-in-evidence",
        "IdentificationShape",
        "SPARQLConstraintComponent",
        None,
        "Violation",
        f"""id:T a kg:Identification ; kg:identifyingPhrase "the northern capital" ; kg:identifies id:Astana ;
        kg:method "m" ; {EV} .""",
    ),
    (
        "background-not-asserted",
        "BackgroundStatementShape",
        "SPARQLConstraintComponent",
        None,
        "Violation",
        """id:T a kg:BackgroundStatement ; rdfs:label "T"@en ; dcterms:source <https://www.wikidata.org/wiki/Q232> ;
        rdf:subject id:Kazakhstan ; rdf:predicate kg:capitalOf ; rdf:object id:Russia .""",
    ),
    (
        "background-no-reference",
        "BackgroundStatementShape",
        "MinCountConstraintComponent",
        "dcterms:source",
        "Violation",
        """id:T a kg:BackgroundStatement ; rdfs:label "T"@en ;
        rdf:subject id:Astana ; rdf:predicate kg:capitalOf ; rdf:object id:Kazakhstan .""",
    ),
]


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return triples_to_rdflib(ox.parse(path=str(ROOT / "ontology" / "shapes.ttl"), format=ox.RdfFormat.TURTLE))


@pytest.fixture(scope="session")
def closure_triples(kg) -> list[ox.Triple]:
    return [ox.Triple(q.subject, q.predicate, q.object) for q in kg.build().quads(exclude={GRAPH_SHAPES, GRAPH_META})]


def validate_snippet(closure_triples, turtle: str, engine: str):
    """The snippet validated in the whole graph (no reasoning over it: the examples need none), about its subjects."""
    snippet = parse_rdf_bytes((PREFIXES + turtle).encode(), ox.RdfFormat.TURTLE).triples
    shapes = Shapes(ox.parse(path=str(ROOT / "ontology" / "shapes.ttl"), format=ox.RdfFormat.TURTLE))
    return validate(closure_triples + snippet, shapes, engine=engine, focus={t.subject for t in snippet})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("case", "shape", "component", "path", "severity", "turtle"), CASES, ids=[c[0] for c in CASES])
def test_shape_rejects_bad_example_for_the_right_reason(closure_triples, engine, case, shape, component, path, severity, turtle):
    report = validate_snippet(closure_triples, turtle, engine)
    found = {(p.shape, p.component, p.path) for p in report.problems if p.severity == severity}
    assert found == {(f"kgsh:{shape}", f"sh:{c}", path) for c in component.split("|")}, report.to_text()
    if severity == "Violation":
        assert not report.conforms
        assert all(p.message and not p.message.startswith("constraint not met") for p in report.problems)
    else:
        assert report.conforms and not report.violations


def test_every_shape_has_a_negative_example(shapes):
    node_shapes = {str(s).removeprefix(SHAPES) for s in shapes.subjects(URIRef(RDF + "type"), URIRef(SH + "NodeShape"))}
    assert node_shapes == {c[1] for c in CASES}


def test_shipped_data_conforms(kg):
    build = kg.build()
    assert build.conforms, (build.folder / "report.json").read_text()
    assert build.manifest["violations"] == 0
    assert build.manifest["checked"] > 100


def test_shipped_data_has_no_warnings_either(kg):
    assert kg.build().manifest["warnings"] == 0


def test_every_constraint_has_a_plain_english_message(shapes):
    sh = lambda x: URIRef(SH + x)
    constraints = list(shapes.objects(None, sh("property"))) + list(shapes.objects(None, sh("sparql")))
    assert constraints
    for c in constraints:
        messages = [m for m in shapes.objects(c, sh("message")) if getattr(m, "language", None) == "en"]
        assert messages, f"constraint {c} of {next(shapes.subjects(None, c))} has no English sh:message"
    for node_shape in shapes.subjects(sh("or"), None):
        assert list(shapes.objects(node_shape, sh("message")))


def test_every_class_used_in_the_data_is_targeted_by_a_shape(asserted, shapes):
    targeted = set(shapes.objects(None, URIRef(SH + "targetClass")))
    used = {o for o in asserted.objects(None, URIRef(RDF + "type")) if str(o).startswith(KG)}
    assert used - targeted == set()


def test_every_shape_is_labelled_and_commented(shapes):
    for s in shapes.subjects(URIRef(RDF + "type"), URIRef(SH + "NodeShape")):
        assert shapes.value(s, URIRef(RDFS + "label")) and shapes.value(s, URIRef(RDFS + "comment")), s
