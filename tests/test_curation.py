"""A curator's workflow, end to end: register a source, write spans, validate, add, take back."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from helpers import ROOT

from kgraph.cli import main
from kgraph.curation import additions, source_entry
from kgraph.errors import InputError, NonConformingError, UsageError
from kgraph.evidence import diagnose_span, locate_span, span_turtle
from kgraph.reference import class_reference, classes, reference_text, template
from kgraph.resources import default_resources

# A second document with everything that used to trip a curator up: CRLF line endings, a
# character outside the Basic Multilingual Plane before the quotes, a quote that occurs twice,
# and a first line of 37 code points (a span at 0-37, like the shipped text's title).
ARTICLE = (
    "Kazakhstan offers Astana for talks 🇰🇿\r\n\r\n"
    "ASTANA 𝔸 Kazakhstan has offered to host talks on the Syrian crisis again.\r\n"
    "Officials said Kazakhstan has offered to host talks before.\r\n"
)
PREFIXES = """@prefix id: <https://w3id.org/kgraph/id/> .
@prefix kg: <https://w3id.org/kgraph/ontology#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".lock"
    }


def inputs_of(kg) -> dict[str, str]:
    return {k: v for k, v in tree(kg.workspace).items() if k.startswith(("facts/", "sources/", "removed/"))}


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "article2.txt"
    path.write_bytes(ARTICLE.encode("utf-8"))
    return path


def facts_for(kg, article: Path) -> str:
    """The facts a curator writes with the documented commands: spans from kgraph span, a node."""
    title = locate_span(article, ARTICLE.split("\r\n", maxsplit=1)[0])
    offer = locate_span(article, "Kazakhstan has offered to host talks")  # occurs twice: the first
    crisis = locate_span(article, "the Syrian crisis")
    spans = "".join(span_turtle(s, document_iri=kg.source_document(article.name)).split("\n\n", 1)[1] for s in (title, offer, crisis))
    return (
        PREFIXES
        + spans
        + f"""
id:Article2Talks a kg:NegotiationPlatform ;
    rdfs:label "talks on the Syrian crisis offered again"@en ;
    kg:status kg:Offered ; kg:offeredBy id:Kazakhstan ; kg:addresses id:SyrianCrisis ; kg:venue id:Astana ;
    kg:evidence id:Article2-span-{title.start}-{title.end} , id:Article2-span-{offer.start}-{offer.end} ,
        id:Article2-span-{crisis.start}-{crisis.end} .
"""
    )


# -- the scenario -----------------------------------------------------------------------------
def test_a_curator_adds_a_fact_from_a_new_article_first_time_and_takes_it_back(fresh_kg, article, tmp_path):
    kg = fresh_kg
    before = kg.export("nq")
    registration = kg.add_source(article, title="Kazakhstan offers Astana for talks", date="2019-03-01")
    assert registration.document == "https://w3id.org/kgraph/id/Article2"
    assert registration.sha256 == hashlib.sha256(ARTICLE.encode()).hexdigest()
    assert (kg.workspace / "sources" / "article2.txt").read_bytes() == article.read_bytes()  # stored as is, CRLF and all

    title = locate_span(article, ARTICLE.split("\r\n", maxsplit=1)[0])
    assert (title.start, title.end) == (0, 37)
    offer = locate_span(article, "Kazakhstan has offered to host talks")
    assert offer.occurrences == 2 and offer.prefix.endswith("𝔸 ") and offer.suffix.startswith(" on the Syrian")
    assert ARTICLE[offer.start : offer.end] == offer.exact  # code points, CRLF and non-BMP included

    facts = tmp_path / "talks.ttl"
    facts.write_text(facts_for(kg, article), encoding="utf-8")
    report = kg.validate([facts])
    assert report.conforms, report.to_text()  # first time
    kg.add([facts])
    rows = kg.query("platforms").as_dicts()
    talks = [r for r in rows if r["platform"].value.endswith("/Article2Talks")]
    assert [r["statusLabel"].value for r in talks] == ["offered"]
    evidence = kg.query("evidence", {"entity": "id:Article2Talks"}).as_dicts()
    assert {r["document"].value for r in evidence} == {"https://w3id.org/kgraph/id/Article2"}
    described = [r for r in kg.query("describe", {"entity": "id:Article2Talks"}).as_dicts() if r["property"].value.endswith("#evidence")]
    assert len(described) == 3 and {r["documentLabel"].value for r in described} == {"Kazakhstan offers Astana for talks"}
    span = kg.span("Kazakhstan has offered to host talks", document=article.name, occurrence=2)
    assert span.start == ARTICLE.rindex(span.exact) and span.document == registration.document
    assert "id:Article2-span-" in span.to_turtle() and "oa:prefix" in span.to_turtle()
    assert "id:Article2-span-0-37" in facts.read_text(encoding="utf-8") and "id:span-0-37" in (ROOT / "data" / "facts.ttl").read_text()

    # later additions first: the source cannot go while the talks cite it
    with pytest.raises(NonConformingError):
        kg.remove("article2-source")
    assert [a.source for a in kg.additions()] == ["article2-source.ttl", "talks.ttl"]
    kg.remove("talks")
    kg.remove("article2-source")
    assert kg.additions() == [] and not (kg.workspace / "sources" / "article2.txt").exists()
    assert kg.export("nq") == before  # exactly the graph before the addition


def test_an_interrupted_remove_changes_nothing(fresh_kg, article, monkeypatch):
    kg = fresh_kg
    kg.add_source(article, title="Kazakhstan offers Astana for talks", date="2019")
    files = inputs_of(kg)

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("kgraph.curation.build_inputs", interrupted)
    with pytest.raises(KeyboardInterrupt):
        kg.remove("article2-source")
    assert inputs_of(kg) == files
    assert len(additions(kg.workspace)) == 1


def test_remove_names_the_additions_when_the_id_is_unknown(fresh_kg, capsys):
    assert main(["remove", "nothing-like-it", "--workspace", str(fresh_kg.workspace)]) == 2
    assert "kgraph added" in capsys.readouterr().err


# -- registering a source ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "words"),
    [(b"caf\xe9 in Latin-1\n", "not UTF-8 text"), (b"\x89PNG\r\n\x1a\n\0\0", "NUL bytes"), (b"  \n", "empty")],
)
def test_source_add_refuses_what_is_not_utf8_text(tmp_path, content, words):
    path = tmp_path / "doc.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=words):
        source_entry(path, title="T", date="2019")


@pytest.mark.parametrize(("date", "ok"), [("2019", True), ("2019-03", True), ("2019-03-01", True), ("March 2019", False), ("2019-13", False)])
def test_source_dates_are_years_months_or_days(article, date, ok):
    if ok:
        assert source_entry(article, title="T", date=date)[0].endswith("/Article2")
    else:
        with pytest.raises(UsageError, match="not a date"):
            source_entry(article, title="T", date=date)


def test_source_add_on_the_command_line_says_what_it_did_and_refuses_a_second_time(fresh_kg, article, capsys):
    ws = str(fresh_kg.workspace)
    assert main(["source", "add", str(article), "--title", "An article", "--date", "2019", "--workspace", ws]) == 0
    out = capsys.readouterr().out
    assert "registered https://w3id.org/kgraph/id/Article2" in out and "sources/article2.txt" in out
    assert main(["source", "add", str(article), "--title", "An article", "--date", "2019", "--workspace", ws]) == 2
    assert "registered already" in capsys.readouterr().err
    assert main(["source", "list", "--workspace", ws]) == 0
    assert "article2.txt" in capsys.readouterr().out
    assert main(["source", "add", "--workspace", ws]) == 2
    assert "needs FILE.txt, --title, --date" in capsys.readouterr().err


# -- spans and the errors that name their cause ------------------------------------------------
def test_span_chooses_an_occurrence_by_its_prefix_and_suffix(article):
    second = locate_span(article, "Kazakhstan has offered to host talks", prefix="Officials said ")
    assert second.start == ARTICLE.rindex("Kazakhstan has offered to host talks")
    assert locate_span(article, "Kazakhstan has offered to host talks", suffix=" before").start == second.start
    with pytest.raises(UsageError, match="with that prefix and suffix"):
        locate_span(article, "Kazakhstan has offered to host talks", prefix="Nobody said ")


def test_diagnosis_names_crlf_utf16_and_byte_offsets():
    text = "a\r\nb\r\nthe words"
    at = text.index("the words")
    assert "CRLF" in diagnose_span(text, "the words", at - 2, at - 2 + 9)
    text = "𝔸𝔸 the words"
    assert "UTF-16" in diagnose_span(text, "the words", 5, 14)
    text = "éé the words"
    assert "UTF-8 bytes" in diagnose_span(text, "the words", 5, 14)
    assert "nowhere" in diagnose_span(text, "other words", 0, 11)


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_a_span_counted_without_the_crs_is_refused_with_its_cause(fresh_kg, article, tmp_path, engine):
    kg = fresh_kg
    kg.add_source(article, title="T", date="2019")
    facts = facts_for(kg, article)
    offer = locate_span(article, "Kazakhstan has offered to host talks")
    lf_start = ARTICLE.replace("\r\n", "\n").index(offer.exact)  # what an editor that hides CRs counts
    facts = facts.replace(f"oa:start {offer.start} ; oa:end {offer.end}", f"oa:start {lf_start} ; oa:end {lf_start + len(offer.exact)}")
    path = tmp_path / "off.ttl"
    path.write_text(facts, encoding="utf-8")
    report = kg.validate([path], reference=engine == "reference")
    causes = [p.message for p in report.problems if "oa:exact does not equal" in p.message]
    assert len(causes) == 1 and "2 character(s) later" in causes[0] and "CRLF" in causes[0]
    prefix = [p for p in report.problems if "oa:prefix does not equal" in p.message]
    assert prefix, report.to_text()  # the prefix no longer fits either


def test_a_span_of_an_unregistered_document_lists_the_registered_ones(kg, tmp_path):
    path = tmp_path / "f.ttl"
    body = span_turtle(
        locate_span(ROOT / "data" / "peacekeeping-activities-of-kazakhstan.txt", "Kazakhstan"), document_iri="https://w3id.org/kgraph/id/Nowhere"
    )
    path.write_text(body.replace("\n\n", "\n@prefix kg: <https://w3id.org/kgraph/ontology#> .\n\n", 1), encoding="utf-8")
    report = kg.validate([path])
    assert any("registered source documents are id:SourceText" in p.message for p in report.problems), report.to_text()


def test_a_node_without_evidence_is_told_which_words_would_do(kg, tmp_path):
    path = tmp_path / "f.ttl"
    path.write_text(PREFIXES + 'id:NewCity a kg:City ; rdfs:label "new york"@en .\n', encoding="utf-8")
    report = kg.validate([path])
    hint = [p.message for p in report.problems if p.shape == "kgsh:EvidenceShape"]
    assert hint and 'kgraph span "New York" --document peacekeeping-activities-of-kazakhstan.txt' in hint[0]


def test_a_cited_span_that_is_not_defined_says_so(kg, tmp_path):
    path = tmp_path / "f.ttl"
    path.write_text(PREFIXES + 'id:NewCity a kg:City ; rdfs:label "Almaty"@en ; kg:evidence id:span-1-2 .\n', encoding="utf-8")
    report = kg.validate([path])
    assert any("cited as evidence but not defined" in p.message for p in report.problems), report.to_text()


# -- the reference and templates ----------------------------------------------------------------
def test_the_curator_reference_in_docs_is_what_the_command_prints():
    assert (ROOT / "docs" / "curator-reference.md").read_text(encoding="utf-8") == reference_text(default_resources(), markdown=True), (
        "regenerate it: kgraph reference --format markdown --output docs/curator-reference.md"
    )


def test_the_reference_of_a_class_carries_every_message_of_the_shapes_that_target_it():
    import rdflib
    from rdflib.namespace import SH

    shapes = rdflib.Graph().parse(ROOT / "ontology" / "shapes.ttl")
    checked = 0
    for shape, cls in shapes.subject_objects(SH.targetClass):
        ref = class_reference(default_resources(), str(cls).rsplit("#", 1)[-1])
        said = {m for f in ref.fields for m in f.messages} | set(ref.rules)
        for prop in shapes.objects(shape, SH.property):
            message = shapes.value(prop, SH.message)
            if message is not None:
                assert str(message) in said, f"{cls}: {message}"
                checked += 1
    assert checked > 80


def test_the_reference_says_what_a_platform_needs():
    ref = class_reference(default_resources(), "peace process")
    required = {f.path: f for f in ref.fields if f.required}
    assert {"kg:addresses", "kg:host", "kg:status", "kg:evidence", "rdfs:label"} <= set(required)
    assert required["kg:status"].count() == "exactly 1" and "kg:Offered" in required["kg:status"].kinds[0]
    assert "kg:hostedBy" in required["kg:host"].narrower
    with pytest.raises(UsageError, match="did you mean kg:PeaceProcess"):
        class_reference(default_resources(), "PeaceProces")


@pytest.mark.parametrize("name", classes(default_resources()))
def test_every_template_is_turtle(name):
    import pyoxigraph as ox

    assert list(ox.parse(template(default_resources(), name).encode(), format=ox.RdfFormat.TURTLE))


def test_a_filled_in_template_conforms(kg, tmp_path):
    span = locate_span(ROOT / "data" / "peacekeeping-activities-of-kazakhstan.txt", "Kazakhstan")
    text = template(default_resources(), "State", node="id:Ruritania", span=span).replace('"..."@en', '"Ruritania"@en')
    path = tmp_path / "state.ttl"
    path.write_text(text, encoding="utf-8")
    report = kg.validate([path])
    assert report.conforms, report.to_text()


def test_misspelt_classes_properties_and_entities_are_named_with_the_likely_spelling(kg, tmp_path):
    path = tmp_path / "typos.ttl"
    path.write_text(
        PREFIXES + 'id:T a kg:NegotiationPlatfrom ; rdfs:label "T"@en ; kg:status kg:Offered ; kg:offeredby id:Kazakstan ;'
        " kg:addresses id:SyrianCrisis ; kg:evidence id:span-39-49 .\n",
        encoding="utf-8",
    )
    report = kg.validate([path])
    messages = [p.message for p in report.problems if p.component == "kgraph:UnknownName"]
    assert any("did you mean kg:NegotiationPlatform" in m for m in messages)
    assert any("kg:offeredby" in m and "kg:offeredBy" in m for m in messages)
    assert any("id:Kazakstan is neither in the knowledge graph" in m and "id:Kazakhstan" in m for m in messages)
    assert not report.conforms and all(p.line == 5 for p in report.problems if p.component == "kgraph:UnknownName")
