"""Evidence: the stored source text, and every span's quote against its offsets."""

from __future__ import annotations

import hashlib
import shutil

import pyoxigraph as ox
from helpers import ROOT, SOURCE
from rdflib import Literal, URIRef

from kgraph.graph import KnowledgeGraph
from kgraph.namespaces import DCTERMS, GRAPH, ID, KG, OA, RDF

# The SHA-256 of ../shared/sources/peacekeeping-activities-of-kazakhstan.txt, the document as it
# was given to the project, taken by hand with sha256sum (the tests read nothing outside the repo).
GIVEN_SHA256 = "f233d490b862b00f602920776b7b8c3d846dd0a488eb050b489d7bd73f19c2ec"
FACT_CLASSES = ["Agent", "Office", "Place", "Event", "Initiative", "Treaty", "Endorsement", "Statement", "Proposition", "Derivation"]


def test_source_text_is_stored_byte_for_byte():
    assert hashlib.sha256(SOURCE.read_bytes()).hexdigest() == GIVEN_SHA256


def test_document_records_the_digest_of_its_text(asserted):
    digest = asserted.value(URIRef(ID + "SourceText"), URIRef(KG + "sha256"))
    assert str(digest) == hashlib.sha256(SOURCE.read_bytes()).hexdigest()


def test_document_is_dated_early_2018_with_how_it_was_inferred(asserted):
    doc = URIRef(ID + "SourceText")
    assert asserted.value(doc, URIRef(DCTERMS + "date")) == Literal("2018", datatype=URIRef("http://www.w3.org/2001/XMLSchema#gYear"))
    assert str(asserted.value(doc, URIRef(KG + "dateDescription"))) == "early 2018"
    derivation = asserted.value(doc, URIRef(KG + "derivation"))
    assert "second year" in str(asserted.value(derivation, URIRef(KG + "derivedFromPhrase")))
    assert asserted.value(doc, URIRef(DCTERMS + "title")) == Literal("Peacekeeping activities of Kazakhstan", lang="en")


def spans(graph):
    for span in graph.subjects(URIRef(RDF + "type"), URIRef(OA + "SpecificResource")):
        found = {}
        for selector in graph.objects(span, URIRef(OA + "hasSelector")):
            for key in ("exact", "start", "end"):
                value = graph.value(selector, URIRef(OA + key))
                if value is not None:  # not `or`: Literal(0) is falsy
                    found[key] = value
        yield span, found.get("exact"), found.get("start"), found.get("end")


def test_every_exact_equals_the_text_between_its_offsets(asserted, source_text):
    checked = 0
    for span, exact, start, end in spans(asserted):
        assert exact is not None and start is not None and end is not None, span
        assert source_text[int(start) : int(end)] == str(exact), span
        checked += 1
    assert checked >= 60


def test_span_iris_name_their_offsets(asserted):
    for span, _exact, start, end in spans(asserted):
        assert str(span) == f"{ID}span-{int(start)}-{int(end)}"


def test_every_fact_bearing_node_cites_evidence(closure):
    evidence = URIRef(KG + "evidence")
    for cls in FACT_CLASSES:
        for node in set(closure.subjects(URIRef(RDF + "type"), URIRef(KG + cls))):
            assert closure.value(node, evidence) is not None, f"{node} ({cls}) has no kg:evidence"


def test_every_paragraph_of_the_source_is_cited(asserted, source_text):
    covered = [(int(s), int(e)) for _span, _x, s, e in spans(asserted)]
    paragraphs = [p for p in source_text.split("\n") if p.strip()]
    offset = 0
    for paragraph in paragraphs:
        start = source_text.index(paragraph, offset)
        end = start + len(paragraph)
        offset = end
        assert any(start <= s < end for s, _ in covered), f"no fact cites the paragraph at {start}: {paragraph[:50]!r}"


def test_quotes_are_modelled_as_speakers_claims_not_the_documents(closure):
    claimed = set(closure.subjects(URIRef(KG + "claimedIn"), None))
    speaker_claims = set(closure.subjects(URIRef(RDF + "type"), URIRef(KG + "SpeakerClaim")))
    assert claimed and claimed == speaker_claims
    # What only the third quotation says stays the speaker's claim
    assert URIRef(ID + "NorthKoreaTreatyDisregard") in claimed
    assert URIRef(ID + "SecurityCouncilMeasuresAgainstNorthKorea") in claimed
    # What the document narrates does not
    for node in ("AstanaProcess", "NuclearWeaponsRenunciation", "TajikistanBorderProtection"):
        assert URIRef(ID + node) not in claimed


def test_background_facts_are_reified_with_an_outside_reference(kg):
    from kgraph.loading import parse_rdf_file

    background = parse_rdf_file(ROOT / "data" / "background.ttl").triples
    records = {t.subject for t in background if t.object.value == KG + "BackgroundStatement"}
    reified = set()
    for r in records:
        spo = {t.predicate.value: t.object for t in background if t.subject == r}
        assert spo.get(DCTERMS + "source") is not None, r
        reified.add((spo[RDF + "subject"], spo[RDF + "predicate"], spo[RDF + "object"]))
    plain = {(t.subject, t.predicate, t.object) for t in background if t.subject not in records}
    assert plain and plain <= reified, "every background triple has its own reference"


def test_wikidata_identifiers_named_in_the_issue(asserted):
    expected = {
        "Kazakhstan": "Q232",
        "Tajikistan": "Q863",
        "TajikistaniCivilWar": "Q1122110",
        "Iraq": "Q796",
        "Astana": "Q1520",
        "Syria": "Q858",
        "NorthKorea": "Q423",
        "SouthKorea": "Q884",
        "Russia": "Q159",
        "Turkey": "Q43",
        "UnitedNations": "Q1065",
        "UNSecurityCouncil": "Q37470",
    }
    for local, q in expected.items():
        assert asserted.value(URIRef(ID + local), URIRef("http://www.w3.org/2004/02/skos/core#exactMatch")) == URIRef(
            "http://www.wikidata.org/entity/" + q
        ), local


def test_main_entities_have_kazakh_and_russian_labels(asserted):
    for local in ("Kazakhstan", "Astana", "NursultanNazarbayev", "AstanaProcess", "SyrianCrisis", "UnitedNations", "UNSecurityCouncil"):
        languages = {o.language for o in asserted.objects(URIRef(ID + local), URIRef("http://www.w3.org/2000/01/rdf-schema#label"))}
        assert {"en", "kk", "ru"} <= languages, local


# -- the curator's three bugs (issue 9) -----------------------------------------------------------
def test_span_offsets_count_the_text_as_stored_crlf_included(tmp_path):
    """Offsets after a CRLF line break used to be off by one per line: span read the text with
    newline translation, while the build and the validator count the bytes as decoded."""
    from kgraph.evidence import locate_span

    raw = "First line.\r\nSecond line with the quote.\r\nThird line: 𝔘nicode beyond the BMP and the quote again.\r\n"
    document = tmp_path / "crlf.txt"
    document.write_bytes(raw.encode("utf-8"))
    span = locate_span(document, "the quote")
    assert raw[span.start : span.end] == "the quote" and span.start == raw.index("the quote")
    second = locate_span(document, "the quote", occurrence=2)
    assert raw[second.start : second.end] == "the quote" and second.start == raw.rindex("the quote")


def test_spans_of_two_documents_at_the_same_offsets_have_different_names():
    from kgraph.evidence import Span, span_turtle

    shipped = span_turtle(Span("x" * 37, 0, 37))
    other = span_turtle(Span("y" * 37, 0, 37), document_iri="https://w3id.org/kgraph/id/Article2")
    assert "id:span-0-37 a oa:SpecificResource" in shipped
    assert "id:Article2-span-0-37 a oa:SpecificResource" in other and "id:span-0-37 " not in other
    assert "oa:hasSource <https://w3id.org/kgraph/id/Article2>" in other


def test_span_of_an_unregistered_document_says_so_instead_of_citing_the_shipped_one(capsys, kg, tmp_path):
    from kgraph.cli import main

    document = tmp_path / "article2.txt"
    document.write_text("Kazakhstan hosted talks again.\n", encoding="utf-8")
    code = main(["span", "hosted talks", "--document", str(document), "--workspace", str(kg.workspace)])
    err = capsys.readouterr().err
    assert code == 2
    assert "article2.txt: no source document of the knowledge graph is this file" in err
    assert "peacekeeping-activities-of-kazakhstan.txt (https://w3id.org/kgraph/id/SourceText)" in err
    assert (
        main(
            [
                "span",
                "hosted talks",
                "--document",
                str(document),
                "--document-iri",
                "https://w3id.org/kgraph/id/Article2",
                "--workspace",
                str(kg.workspace),
            ]
        )
        == 0
    )
    assert "id:Article2-span-11-23 a oa:SpecificResource" in capsys.readouterr().out
    shipped = SOURCE  # the shipped text, named by its file: its registered document is found
    assert main(["span", "Astana process", "--document", str(shipped), "--workspace", str(kg.workspace)]) == 0
    assert "oa:hasSource <https://w3id.org/kgraph/id/SourceText>" in capsys.readouterr().out


def test_span_says_when_the_quote_occurs_more_than_once(capsys, kg):
    from kgraph.cli import main

    text = SOURCE.read_text(encoding="utf-8")
    assert text.count("North Korea") > 1
    assert main(["span", "North Korea", "--workspace", str(kg.workspace)]) == 0
    _out, err = capsys.readouterr()
    assert f"occurs {text.count('North Korea')} times" in err and "this is occurrence 1" in err
    assert main(["span", "North Korea", "--occurrence", "2", "--workspace", str(kg.workspace)]) == 0
    out2, err2 = capsys.readouterr()
    second = text.index("North Korea", text.index("North Korea") + 1)
    assert f"oa:start {second} ; oa:end {second + len('North Korea')}" in out2 and "this is occurrence 2" in err2
    assert main(["span", "Astana process", "--workspace", str(kg.workspace)]) == 0
    assert "occurs" not in capsys.readouterr().err  # once only: nothing to say


# -- the span index: each span's words and offsets on the span itself ----------------------------
def index_of(quads) -> dict:
    """(span, 'anchorOf' | 'beginIndex' | 'endIndex') -> the set of values, from graph/spans."""
    from kgraph.namespaces import GRAPH_SPANS

    found: dict = {}
    for q in quads:
        if q.graph_name.value == GRAPH_SPANS:
            found.setdefault((q.subject, q.predicate.value.rsplit("#", 1)[1]), set()).add(q.object.value)
    return found


def test_the_span_index_holds_each_spans_words_and_offsets_and_nothing_else(kg, asserted, source_text):
    """evidence reads a span's words from graph/spans (nif:anchorOf, nif:beginIndex, nif:endIndex):
    one of each for every span of the facts, equal to its selectors and to the source text."""
    index = index_of(kg.build().quads())
    expected = {}
    for span, exact, start, end in spans(asserted):
        assert source_text[int(start) : int(end)] == str(exact)
        node = ox.NamedNode(str(span))
        expected.update({(node, "anchorOf"): {str(exact)}, (node, "beginIndex"): {str(start)}, (node, "endIndex"): {str(end)}})
    assert len(expected) >= 180 and index == expected


def test_an_add_indexes_the_spans_it_touches_as_a_build_from_scratch_would(fresh_kg, tmp_path):
    """A new span with selectors of its own (blank nodes), and one that reuses the position
    selector of a shipped span (spans are named by IRIs, which a shape checks): each is indexed with the words and offsets of the source text,
    and the store holds the index a build of the same files from scratch holds."""
    facts = tmp_path / "more.ttl"
    facts.write_text(
        """@prefix id: <https://w3id.org/kgraph/id/> .
@prefix kg: <https://w3id.org/kgraph/ontology#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

id:SafeWorldContribution a kg:Proposition ;
    rdfs:label "Kazakhstan contributes to building a safe world"@en ;
    kg:text "Kazakhstan contributes to building a safe world." ;
    kg:about id:Kazakhstan ;
    kg:evidence id:span-again , id:span-3265-3311 .
id:span-3265-3311 a oa:SpecificResource ; oa:hasSource id:SourceText ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "making a contribution to building a safe world" ] ,
                   [ a oa:TextPositionSelector ; oa:start 3265 ; oa:end 3311 ] .
id:span-again a oa:SpecificResource ; oa:hasSource id:SourceText ;
    oa:hasSelector id:span-again-quote , id:span-566-608-position .
id:span-again-quote a oa:TextQuoteSelector ; oa:exact "the closure of the Semipalatinsk test site" .
""",
        encoding="utf-8",
    )
    before = index_of(fresh_kg.build().quads())
    result = fresh_kg.add([facts])
    assert result.build is not None and result.build.manifest.get("updated_by_add")
    added = index_of(result.build.quads())
    new = {k: v for k, v in added.items() if k not in before}
    by_words = {words: span for (span, what), (words,) in new.items() if what == "anchorOf"}
    own, again = by_words["making a contribution to building a safe world"], by_words["the closure of the Semipalatinsk test site"]
    assert own == ox.NamedNode(ID + "span-3265-3311") and again == ox.NamedNode(ID + "span-again")
    assert new == {
        (own, "anchorOf"): {"making a contribution to building a safe world"},
        (own, "beginIndex"): {"3265"},
        (own, "endIndex"): {"3311"},
        (again, "anchorOf"): {"the closure of the Semipalatinsk test site"},
        (again, "beginIndex"): {"566"},
        (again, "endIndex"): {"608"},
    }
    assert {k: v for k, v in added.items() if k in before} == before
    scratch = tmp_path / "scratch"
    shutil.copytree(fresh_kg.workspace / "facts", scratch / "facts")
    rebuilt = KnowledgeGraph(workspace=scratch).build()
    assert rebuilt.fresh and rebuilt.key == result.build.key
    spans_graph = ox.NamedNode(GRAPH + "spans")
    assert set(rebuilt.quads()) == set(result.build.quads())
    assert rebuilt.manifest["graphs"][spans_graph.value] == result.build.manifest["graphs"][spans_graph.value] == len(before) + 6
