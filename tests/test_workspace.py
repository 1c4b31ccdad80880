"""Validating and adding new facts: in context, with provenance, all or nothing; the build cache."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from helpers import EXAMPLES, ROOT

from kgraph.errors import InconsistencyError, InputError, NonConformingError, ParseError
from kgraph.graph import KnowledgeGraph
from kgraph.resources import Resources
from kgraph.stores import READERS
from kgraph.terms import show_term

HEADER = """@prefix kg: <https://w3id.org/kgraph/ontology#> .
@prefix id: <https://w3id.org/kgraph/id/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under a folder with its SHA-256 (the lock files excepted: the workspace's, and
    the empty one a reader of a build holds)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in (".lock", READERS)
    }


def warm_the_check_caches(kg: KnowledgeGraph) -> None:
    """Check new facts once, so that the caches any check keeps (cache/rules: the shapes' read
    paths) exist before a test compares the workspace before and after. These tests had passed
    only where an earlier test in the same process had left them in the shared build."""
    assert kg.validate([EXAMPLES / "safe-world.ttl"]).conforms


def write(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


# -- validate -------------------------------------------------------------------------------------
def test_valid_new_facts_conform_in_context(kg):
    report = kg.validate([EXAMPLES / "safe-world.ttl"])
    assert report.conforms, report.to_text()
    # the proposition, its span and the span's two selectors, and what they point at:
    # Kazakhstan, the Security Council and the source document
    assert report.checked == 7


def test_a_reference_to_an_existing_entity_is_understood(kg, tmp_path):
    # kg:about id:Kazakhstan is fine, and kg:mediator demands a kg:Agent: Kazakhstan is one in the graph
    path = write(
        tmp_path,
        "m.ttl",
        """
id:OfferToMediate a kg:Mediation ; rdfs:label "offer"@en ; kg:mediator id:Kazakhstan ; kg:addresses id:NorthKoreanCrisis ;
    kg:status kg:Offered ; kg:evidence id:span-2435-2524 .""",
    )
    report = kg.validate([path])
    assert report.conforms, report.to_text()


def test_problems_name_label_property_value_message_severity_and_line(kg):
    report = kg.validate([EXAMPLES / "bad-platform.ttl"])
    assert not report.conforms
    platform = next(p for p in report.violations if p.path == "kg:hostedBy")
    assert platform.focus == "id:KoreanTalks" and platform.focus_label == "talks on the North Korean crisis in Astana"
    assert platform.value == "id:Kazakhstan" and platform.severity == "Violation"
    assert platform.file.endswith("bad-platform.ttl") and platform.line == 8
    span = next(p for p in report.violations if p.focus == "id:span-2500-2523")
    assert "does not equal the source text" in span.message and span.line == 15
    text = report.to_text()
    assert "bad-platform.ttl:8: Violation: talks on the North Korean crisis in Astana (id:KoreanTalks), property kg:hostedBy" in text
    assert "2 violation(s)" in text


def test_new_facts_that_break_an_existing_entity_are_caught_by_validate(kg, tmp_path):
    # Turkey claims Astana as its capital: Astana (only an object here) becomes the capital of two states
    path = write(tmp_path, "capital.ttl", "id:Turkey kg:hasCapital id:Astana ; kg:evidence id:span-1863-1892 .")
    report = kg.validate([path])
    assert not report.conforms
    assert {(p.focus, p.shape, p.component) for p in report.violations} == {("id:Astana", "kgsh:CityShape", "sh:MaxCountConstraintComponent")}


def test_a_file_no_shape_targets_does_not_pass(kg, tmp_path):
    path = write(tmp_path, "untyped.ttl", 'id:Something rdfs:label "something"@en .')
    report = kg.validate([path])
    assert report.checked == 0 and not report.conforms
    assert "no shape targets anything" in report.to_text()


def test_new_facts_about_an_existing_entity_need_their_own_evidence(kg, tmp_path):
    path = write(tmp_path, "capital.ttl", "id:Kazakhstan kg:hasCapital id:Astana .")
    report = kg.validate([path])
    assert not report.conforms
    (problem,) = report.violations
    assert problem.component == "kgraph:ProvenanceRequired" and problem.focus == "id:Kazakhstan" and problem.line == 5


def test_background_facts_with_a_reference_need_no_span(kg, tmp_path):
    path = write(
        tmp_path,
        "bg.ttl",
        """
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
id:NewYork kg:locatedIn id:UnitedStates .
id:UnitedStates a kg:State ; rdfs:label "United States"@en , "АҚШ"@kk , "США"@ru ; kg:evidence id:span-3252-3260 .
id:bg-NewYork a kg:BackgroundStatement ; rdfs:label "New York is in the United States (background)"@en ;
    rdf:subject id:NewYork ; rdf:predicate kg:locatedIn ; rdf:object id:UnitedStates ;
    dcterms:source <http://www.wikidata.org/entity/Q60> .""",
    )
    report = kg.validate([path])
    assert report.conforms, report.to_text()


def test_contradicting_new_facts_are_an_inconsistency(kg, tmp_path):
    path = write(tmp_path, "x.ttl", "id:Kazakhstan a kg:Person ; kg:evidence id:span-39-49 .")
    with pytest.raises(InconsistencyError):
        kg.validate([path])


def test_a_build_that_stops_while_its_store_is_written_leaves_nothing_behind(fresh_kg):
    """The store's asserted graphs are written while the reasoner works; when reasoning fails, the
    writer stops waiting for the closure, the reasoner's error is the one told, and no half-built
    folder or thread is left."""
    import threading

    facts = fresh_kg.workspace / "facts"
    facts.mkdir()
    (facts / "contradiction.ttl").write_text(HEADER + "id:Kazakhstan a kg:Person ; kg:evidence id:span-39-49 .\n", encoding="utf-8")
    before = sorted(p.name for p in (fresh_kg.workspace / "cache").iterdir())
    with pytest.raises(InconsistencyError, match="Kazakhstan"):
        fresh_kg.build()
    new = [p for p in (fresh_kg.workspace / "cache").iterdir() if p.name not in before]
    assert not [p for p in new if p.is_dir()]  # no .tmp-* folder left, and no build (only the inputs' digests are kept)
    assert not [t for t in threading.enumerate() if t.name == "kgraph-materialise"]


def test_unreadable_input_is_an_input_error(kg, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(HEADER + "id:a kg:b .\n", encoding="utf-8")
    with pytest.raises(ParseError) as err:
        kg.validate([bad])
    assert err.value.line == 5
    with pytest.raises(InputError, match="no RDF file"):
        kg.validate([EXAMPLES / ".." / "data" / "peacekeeping-activities-of-kazakhstan.txt"])


def test_json_ld_input_is_accepted(kg, tmp_path):
    path = tmp_path / "fact.jsonld"
    path.write_text(
        """{"@context": {"kg": "https://w3id.org/kgraph/ontology#", "id": "https://w3id.org/kgraph/id/",
      "rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
     "@id": "id:NewYork", "rdfs:label": {"@value": "New York City", "@language": "de"},
     "kg:evidence": {"@id": "id:span-3252-3260"}}""",
        encoding="utf-8",
    )
    assert kg.validate([path]).conforms


# -- add -----------------------------------------------------------------------------------------
def test_add_then_query_sees_the_new_fact(fresh_kg):
    result = fresh_kg.add([EXAMPLES / "safe-world.ttl"])
    assert result.added > 0 and len(result.written) == 1
    assert result.written[0].parent == fresh_kg.workspace / "facts"
    rows = fresh_kg.query("evidence", {"entity": "Kazakhstan contributes to building a safe world"}).as_dicts()
    assert {r["quote"].value for r in rows} == {"making a contribution to building a safe world"}
    assert fresh_kg.build().conforms


def test_adding_the_same_facts_twice_reports_duplicates_and_writes_nothing(fresh_kg):
    fresh_kg.add([EXAMPLES / "safe-world.ttl"])
    before = tree_digest(fresh_kg.workspace)
    again = fresh_kg.add([EXAMPLES / "safe-world.ttl"])
    assert again.added == 0 and again.written == [] and len(again.duplicates) > 0
    assert tree_digest(fresh_kg.workspace) == before


def test_facts_already_shipped_are_not_duplicated(fresh_kg, tmp_path):
    path = write(
        tmp_path,
        "mixed.ttl",
        """
id:Iraq rdfs:label "Iraq"@en ; rdfs:label "Irak"@de ; kg:evidence id:span-368-372 .""",
    )
    result = fresh_kg.add([path])
    assert result.added == 1  # only the German label is new
    assert {show_term(t.object) for t in result.duplicates} == {'"Iraq"@en', "id:span-368-372"}
    written = result.written[0].read_text(encoding="utf-8")
    assert '"Irak"@de' in written and '"Iraq"@en' not in written


@pytest.mark.parametrize("name", ["bad-platform.ttl", "no-provenance"])
def test_refused_add_leaves_the_workspace_byte_identical(fresh_kg, tmp_path, name):
    path = EXAMPLES / name if name.endswith(".ttl") else write(tmp_path, "p.ttl", "id:Kazakhstan kg:hasCapital id:Astana .")
    warm_the_check_caches(fresh_kg)
    before = tree_digest(fresh_kg.workspace)
    with pytest.raises(NonConformingError) as err:
        fresh_kg.add([path, EXAMPLES / "safe-world.ttl"])  # one bad file refuses them all
    assert err.value.exit_code == 1 and err.value.report.violations
    assert tree_digest(fresh_kg.workspace) == before


def test_malformed_file_changes_nothing(fresh_kg, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix id: <https://w3id.org/kgraph/id/> .\nid:a id:b .\n", encoding="utf-8")
    before = tree_digest(fresh_kg.workspace)
    with pytest.raises(ParseError):
        fresh_kg.add([EXAMPLES / "safe-world.ttl", bad])
    assert tree_digest(fresh_kg.workspace) == before


def test_an_add_interrupted_before_the_store_changes_leaves_everything_as_it_was(fresh_kg, monkeypatch):
    from kgraph import admission

    warm_the_check_caches(fresh_kg)
    before = tree_digest(fresh_kg.workspace)
    calls = []

    def interrupt(*args, **kwargs):
        calls.append(args)
        assert list((fresh_kg.workspace / "facts").glob("*.ttl")), "the facts file should exist by now"
        raise KeyboardInterrupt

    monkeypatch.setattr(admission, "_apply_delta", interrupt)
    with pytest.raises(KeyboardInterrupt):
        fresh_kg.add([EXAMPLES / "safe-world.ttl"])
    assert len(calls) == 1
    assert tree_digest(fresh_kg.workspace) == before


def test_an_add_interrupted_after_the_store_changed_discards_that_build(fresh_kg, monkeypatch):
    from kgraph import validation

    facts_before = tree_digest(fresh_kg.workspace / "facts") if (fresh_kg.workspace / "facts").exists() else {}
    answers_before = fresh_kg.query("search", {"text": "safe world"}).rows

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(validation, "merge_reports", interrupt)
    with pytest.raises(KeyboardInterrupt):
        fresh_kg.add([EXAMPLES / "safe-world.ttl"])
    monkeypatch.undo()
    assert not list((fresh_kg.workspace / "facts").glob("*.ttl")) and not facts_before
    assert not list((fresh_kg.workspace / "cache").glob(".updating-*")), "the half-updated build is discarded"
    again = KnowledgeGraph(workspace=fresh_kg.workspace)
    assert again.query("search", {"text": "safe world"}).rows == answers_before  # rebuilt from the inputs


def test_add_with_a_new_source_text(fresh_kg, tmp_path):
    text = tmp_path / "note.txt"
    text.write_text("Kazakhstan hosted talks.", encoding="utf-8")
    digest = hashlib.sha256(text.read_bytes()).hexdigest()
    facts = write(
        tmp_path,
        "note.ttl",
        f"""
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
id:Note a kg:SourceDocument ; rdfs:label "a note"@en ; dcterms:title "A note" ; dcterms:date "2026"^^xsd:gYear ;
    dcterms:identifier "note.txt" ; kg:sha256 "{digest}" .
id:NoteClaim a kg:Proposition ; rdfs:label "Kazakhstan hosted talks"@en ; kg:text "Kazakhstan hosted talks." ;
    kg:about id:Kazakhstan ; kg:evidence id:note-0-24 .
id:note-0-24 a oa:SpecificResource ; oa:hasSource id:Note ; oa:hasSelector id:note-0-24-q , id:note-0-24-p .
id:note-0-24-q a oa:TextQuoteSelector ; oa:exact "Kazakhstan hosted talks." .
id:note-0-24-p a oa:TextPositionSelector ; oa:start 0 ; oa:end 24 .""",
    )
    with pytest.raises(InputError, match="note.txt"):
        fresh_kg.validate([facts])  # without the text the offsets cannot be checked
    result = fresh_kg.add([facts, text])
    assert (fresh_kg.workspace / "sources" / "note.txt").read_bytes() == text.read_bytes()
    assert result.build.conforms


# -- the build cache ----------------------------------------------------------------------------
def test_second_query_reuses_the_build(fresh_kg):
    first = fresh_kg.build()
    again = KnowledgeGraph(workspace=fresh_kg.workspace).build()
    assert not again.fresh and again.key == first.key


def test_editing_any_input_invalidates_the_cache(tmp_path, session_workspace):
    root = tmp_path / "root"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    kg = KnowledgeGraph(workspace=tmp_path / "ws", resources=Resources.at(root))
    shutil.copytree(session_workspace / "cache", kg.workspace / "cache")
    first = kg.build()
    assert not first.fresh  # same inputs, same key: the copied build is reused
    facts = root / "data" / "facts.ttl"
    facts.write_text(facts.read_text(encoding="utf-8").replace('"Iraq"@en', '"Republic of Iraq"@en'), encoding="utf-8")
    second = kg.build()
    assert second.fresh and second.key != first.key
    assert [show_term(r["entity"]) for r in kg.query("search", {"text": "Republic of Iraq"}).as_dicts()] == ["id:Iraq"]


def test_the_fingerprint_follows_a_linked_input_to_the_file_it_names(tmp_path):
    """A query finds its build by the inputs' fingerprint: an input that is a symbolic link is
    named by the file it points at, and that file's size, time and inode; an edit of that file,
    or the link pointed elsewhere, is a different fingerprint."""
    from kgraph.inputs import InputFile, fingerprint

    real = tmp_path / "elsewhere" / "more.ttl"
    real.parent.mkdir()
    real.write_text("# one\n", encoding="utf-8")
    (tmp_path / "facts").mkdir()
    link = tmp_path / "facts" / "more.ttl"
    link.symlink_to(real)
    plain = tmp_path / "facts" / "plain.ttl"
    plain.write_text("# plain\n", encoding="utf-8")
    inputs = [InputFile(link, "workspace", None), InputFile(plain, "workspace", None)]
    first = fingerprint(inputs, "v")
    st = real.stat()
    assert first.splitlines() == [
        "kgraph v",
        f"workspace {real.resolve()} {st.st_size} {st.st_mtime_ns} {st.st_ino}",
        f"workspace {plain.resolve()} {plain.stat().st_size} {plain.stat().st_mtime_ns} {plain.stat().st_ino}",
    ]
    real.write_text("# one, edited\n", encoding="utf-8")
    edited = fingerprint(inputs, "v")
    assert edited != first
    other = tmp_path / "elsewhere" / "other.ttl"
    other.write_text("# one, edited\n", encoding="utf-8")
    link.unlink()
    link.symlink_to(other)
    assert fingerprint(inputs, "v") not in (first, edited)


def test_a_query_computes_the_fingerprint_a_build_leaves_without_listing_inputs(tmp_path):
    """A query compares the inputs' fingerprint with the one the last build noted, computing it
    from the folders alone (no input or path made per file): the same text, links included."""
    from kgraph.inputs import collect_inputs, current_fingerprint, fingerprint

    root = tmp_path / "root"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    resources = Resources.at(root)
    ws = tmp_path / "ws"
    (ws / "facts").mkdir(parents=True)
    (ws / "sources").mkdir()
    elsewhere = tmp_path / "elsewhere.ttl"
    elsewhere.write_text("# linked\n", encoding="utf-8")
    (ws / "facts" / "b-linked.ttl").symlink_to(elsewhere)
    (ws / "facts" / "a-plain.ttl").write_text("# plain\n", encoding="utf-8")
    (ws / "sources" / "article.txt").write_text("words\n", encoding="utf-8")
    inputs = collect_inputs(resources, ws)
    assert [f.role for f in inputs].count("workspace") == 2 and [f.role for f in inputs].count("text") == 2
    assert current_fingerprint(resources, ws, "v") == fingerprint(inputs, "v")
    assert f"workspace {elsewhere.resolve()} " in fingerprint(inputs, "v")


def test_a_non_conforming_build_is_not_queried(tmp_path, session_workspace):
    root = tmp_path / "root"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    facts = root / "data" / "facts.ttl"
    facts.write_text(facts.read_text(encoding="utf-8").replace("oa:start 341 ; oa:end 372", "oa:start 340 ; oa:end 372"), encoding="utf-8")
    kg = KnowledgeGraph(workspace=tmp_path / "ws", resources=Resources.at(root))
    build = kg.build()
    assert not build.conforms and build.manifest["violations"] == 1
    (problem,) = build.report().violations
    assert problem.shape == "kgsh:SpanShape" and problem.focus == "id:span-341-372"
    assert problem.file.endswith("facts.ttl") and problem.line
    with pytest.raises(NonConformingError, match="does not conform"):
        kg.query("timeline")


def test_build_command_exits_1_and_lists_the_violations(tmp_path, capsys, monkeypatch):
    import kgraph.graph
    from kgraph.cli import main

    root = tmp_path / "root"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    facts = root / "data" / "facts.ttl"
    facts.write_text(facts.read_text(encoding="utf-8").replace("oa:start 341 ; oa:end 372", "oa:start 340 ; oa:end 372"), encoding="utf-8")
    monkeypatch.setattr(kgraph.graph, "default_resources", lambda: Resources.at(root))
    assert main(["build", "--workspace", str(tmp_path / "ws")]) == 1
    out, err = capsys.readouterr()
    assert "1 violation(s)" in out
    assert "facts.ttl:" in err and "Violation: id:span-341-372" in err and "does not equal the source text" in err
    assert "Traceback" not in err


def test_a_changed_source_text_is_refused(tmp_path):
    root = tmp_path / "root"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / folder, root / folder)
    text = root / "data" / "peacekeeping-activities-of-kazakhstan.txt"
    text.write_bytes(text.read_bytes().replace(b"1992", b"1993"))
    with pytest.raises(InputError, match="SHA-256"):
        KnowledgeGraph(workspace=tmp_path / "ws", resources=Resources.at(root)).build()


@pytest.mark.parametrize("name", ["my facts%20.ttl", "new\nline.ttl"])
def test_a_file_named_with_spaces_percents_or_newlines_is_added_under_a_safe_name(fresh_kg, tmp_path, name):
    """Issue 10: such names ended as internal errors (an invalid graph IRI) or broken Turtle."""
    path = tmp_path / name
    shutil.copy(EXAMPLES / "safe-world.ttl", path)
    result = fresh_kg.add([path])
    assert result.added == 15
    written = result.written[0]
    assert "\n" not in written.name and " " not in written.name and "%" not in written.name
    assert written.read_text(encoding="utf-8").startswith("# Added by kgraph add from ")
    assert len(fresh_kg.additions()) == 1
