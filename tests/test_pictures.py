"""Issue 13: the ontology's documentation and pictures of the graph."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pyoxigraph as ox
import pytest
from helpers import ROOT

from kgraph.cli import main
from kgraph.pictures import model_diagram, neighbourhood, render

KG = "https://w3id.org/kgraph/ontology#"
ID = "https://w3id.org/kgraph/id/"


def ontology_terms() -> set[str]:
    kinds = {"Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty"}
    return {
        t.subject.value
        for t in ox.parse(path=str(ROOT / "ontology" / "kgraph.ttl"), format=ox.RdfFormat.TURTLE)
        if isinstance(t.subject, ox.NamedNode)
        and t.subject.value.startswith(KG)
        and t.predicate.value.endswith("#type")
        and t.object.value.split("#")[-1] in kinds
    }


@pytest.fixture(scope="module")
def documentation(kg, tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    assert main(["docs", "--output", str(out), "--workspace", str(kg.workspace)]) == 0
    return (out / "index.html").read_text(encoding="utf-8"), (out / "model.svg").read_text(encoding="utf-8")


def test_the_documentation_names_every_class_and_property(documentation):
    page, _ = documentation
    assert {t for t in ontology_terms() if t.split("#")[1] not in page} == set()


def test_the_documentation_states_every_shapes_constraint_in_plain_words(kg, documentation):
    from kgraph.reference import classes, reference_text

    page, _ = documentation
    import html

    for name in classes(kg.resources):  # the curators' reference, read from the shapes, is in the page class by class
        assert html.escape(reference_text(kg.resources, [name])) in page, name
    assert "Example from the data:" in page and "Canned queries that use it:" in page


def test_the_documentation_gives_each_terms_mappings(documentation):
    """pyLODE leaves out skos:closeMatch: the page's mapping table has them (wd:Q8465 is kg:CivilWar's, in the ontology)."""
    page, _ = documentation
    mappings = [
        (t.subject.value, t.object.value)
        for t in ox.parse(path=str(ROOT / "ontology" / "kgraph.ttl"), format=ox.RdfFormat.TURTLE)
        if t.predicate.value.endswith("closeMatch") and isinstance(t.object, ox.NamedNode)
    ]
    assert mappings
    for _term, other in mappings:
        assert f'href="{other}"' in page, other


def test_the_documentation_loads_nothing_from_the_network(documentation):
    page, _ = documentation
    fetched = re.findall(r'<(?:script|link|img|iframe|source)[^>]*(?:src|href)="([^"]*)"', page)
    assert [u for u in fetched if not u.startswith(("data:", "#"))] == []
    assert "@import" not in page and "url(http" not in page


def test_the_model_diagram_shows_the_classes_and_the_properties_between_them(documentation):
    _, svg = documentation
    assert svg.lstrip().startswith(("<?xml", "<svg"))
    for label in ("negotiation platform", "state", "hosted by", "conflict"):
        assert label in svg.lower(), label


@pytest.mark.parametrize("entity", ["AstanaProcess", "Kazakhstan", "SyrianCrisis", "NorthKoreaNegotiationPlatform", "Quote1"])
def test_drawing_a_main_entity_gives_an_svg_with_its_neighbours_labels(kg, entity):
    import html

    svg = render(neighbourhood(kg, ox.NamedNode(ID + entity)), "svg").decode("utf-8")
    assert "<svg" in svg
    neighbours = (
        f"SELECT DISTINCT ?l WHERE {{ {{ <{ID}{entity}> ?p ?n }} UNION {{ ?n ?p <{ID}{entity}> }} "
        f'FILTER (STRSTARTS(STR(?n), "{ID}") && ?p NOT IN (rdf:type, kg:evidence, kg:derivation, rdf:subject, rdf:object)) '
        '?n rdfs:label ?l FILTER (LANG(?l) = "en") }'
    )
    labels = kg.sparql(neighbours).rows
    assert labels
    text = html.unescape(svg)
    for (label,) in labels:
        assert label.value.split()[0] in text, (entity, label.value)  # the first word: long labels are wrapped over lines


def test_a_drawing_tells_asserted_inferred_and_modality_apart(kg):
    dot = render(neighbourhood(kg, ox.NamedNode(ID + "AstanaProcess"), evidence=True), "dot").decode("utf-8")
    assert "(inferred)" in dot and "style=dashed" in dot  # inferred edges
    assert "[possible]" in dot and "dotted" in dot  # the platform that may again be offered
    assert "Negotiations on the settlement of the" in dot  # the evidence quote on its edge


def test_the_readme_commands_draw_the_readme_pictures(kg, tmp_path):
    for args, name in ((["--model"], "model.svg"), (["id:AstanaProcess"], "astana-process.svg")):
        out = tmp_path / name
        assert main(["draw", *args, "-o", str(out), "--workspace", str(kg.workspace)]) == 0
        assert out.read_bytes() == (ROOT / "docs" / name).read_bytes(), name


def test_a_canned_query_is_drawn_from_its_rows(capsys, kg, tmp_path):
    out = tmp_path / "talks.dot"
    assert main(["draw", "--query", "hosted-talks", "-o", str(out), "--workspace", str(kg.workspace)]) == 0
    dot = out.read_text(encoding="utf-8")
    assert "Syrian crisis" in dot and "Astana process" in dot and "Kazakhstan" in dot


@pytest.mark.parametrize(("name", "make"), [("model.svg", "model"), ("astana-process.svg", "astana")])
def test_the_pictures_in_the_readme_are_what_the_commands_draw_today(kg, name, make):
    """docs/*.svg are shown in the README; regenerate them with the commands the README gives."""
    drawn = render(model_diagram(kg), "svg") if make == "model" else render(neighbourhood(kg, ox.NamedNode(ID + "AstanaProcess")), "svg")
    assert (ROOT / "docs" / name).read_bytes() == drawn, f"docs/{name} is stale: see the README's 'Pictures' section"
    assert f"docs/{name}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_a_construct_answer_is_drawn_as_its_triples():
    from kgraph.pictures import rows_picture
    from kgraph.results import QueryResult

    triple = ox.Triple(ox.NamedNode(ID + "Astana"), ox.NamedNode(KG + "locatedIn"), ox.NamedNode(ID + "Kazakhstan"))
    dot = render(rows_picture(QueryResult("graph", triples=[triple]), "construct"), "dot").decode("utf-8")
    assert "id__Astana -> id__Kazakhstan" in dot and "kg:locatedIn" in dot


def test_without_graphviz_the_message_says_how_to_install_it(kg, tmp_path):
    env = {**os.environ, "PATH": str(tmp_path), "PYTHONPATH": str(ROOT)}  # no dot on this PATH
    done = subprocess.run(
        [sys.executable, "-m", "kgraph", "draw", "id:AstanaProcess", "-o", str(tmp_path / "a.svg"), "--workspace", str(kg.workspace)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "Graphviz is not installed" in done.stderr and "apt-get install graphviz" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "a.svg").exists()
