"""``kgraph docs``: the ontology's HTML documentation, for people who would rather look than read Turtle.

pyLODE, the field's usual ontology documentation tool, writes the page from the ontology: every
class and property with its labels, definition, domain, range, super- and sub-terms and the
mappings the ontology states. kgraph completes it where pyLODE stops: a diagram of the model
(Graphviz), and for each class the shapes that constrain it in plain words (required,
optional, allowed values), an example from the data, and the canned queries that use it. The
page is written offline and loads nothing from the network (pyLODE puts its style in the page).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kgraph.errors import UsageError
from kgraph.files import write_atomically
from kgraph.namespaces import expand_shown, shorten
from kgraph.pictures import model_diagram, render

if TYPE_CHECKING:
    from kgraph.graph import KnowledgeGraph

_EXAMPLE = 'SELECT ?x ?label WHERE { ?x a ?class ; rdfs:label ?label FILTER (LANG(?label) = "en") } ORDER BY ?label LIMIT 1'


def _pylode_page(ontology: Path) -> str:
    """pyLODE's page for the ontology file (OntPub profile)."""
    import logging

    try:
        from pylode import OntPub
    except ImportError as e:  # a pyLODE release whose wheel cannot be imported (3.4.1 reads its own pyproject.toml)
        raise UsageError(f"pyLODE cannot be loaded: {e}", hint="pip install 'pylode==3.3.4'") from None
    logging.getLogger().setLevel(logging.WARNING)  # pyLODE sets the root logger to DEBUG when imported
    page: str = OntPub(ontology=str(ontology)).make_html()
    return page


def class_sections(kg: KnowledgeGraph) -> str:
    """For each class: its shapes in plain words, an example from the data, the queries that use it."""
    import pyoxigraph as ox

    from kgraph.reference import classes, reference_text

    engine = kg.engine()
    sections = []
    for name in classes(kg.resources):
        iri = expand_shown(name if ":" in name else f"kg:{name}")
        example = engine.run(_EXAMPLE, {"class": ox.NamedNode(iri)}, source="docs").rows
        example_html = ""
        if example and isinstance(example[0][0], ox.NamedNode) and isinstance(example[0][1], ox.Literal):
            example_html = (
                f"<p><b>Example from the data:</b> {html.escape(example[0][1].value)} <code>{html.escape(shorten(example[0][0].value))}</code></p>"
            )
        used = [q.name for q in kg.catalogue if re.search(rf"\bkg:{re.escape(name.removeprefix('kg:'))}\b", q.text)]
        used_html = f"<p><b>Canned queries that use it:</b> {html.escape(', '.join(used))}</p>" if used else ""
        shapes = reference_text(kg.resources, [name])
        sections.append(
            f'<section id="kgraph-{html.escape(name.removeprefix("kg:"))}"><h3>{html.escape(name)}</h3>'
            f"<pre>{html.escape(shapes)}</pre>{example_html}{used_html}</section>"
        )
    return "".join(sections)


_MAPPINGS = """SELECT ?term ?relation ?other WHERE {
  GRAPH graph:ontology { ?term ?relation ?other }
  VALUES ?relation { skos:exactMatch skos:closeMatch owl:equivalentClass owl:equivalentProperty rdfs:subClassOf rdfs:subPropertyOf }
  FILTER (STRSTARTS(STR(?term), STR(kg:)) && isIRI(?other) && !STRSTARTS(STR(?other), STR(kg:)) && ?other != owl:Thing)
} ORDER BY ?term ?relation ?other"""


def mappings_table(kg: KnowledgeGraph) -> str:
    """Each term's links to Wikidata, schema.org, PROV-O, SEM and the like, as the ontology states them."""
    rows = kg.engine().run(_MAPPINGS, source="docs").rows
    cells = []
    for term, relation, other in rows:
        if isinstance(term, ox.NamedNode) and isinstance(relation, ox.NamedNode) and isinstance(other, ox.NamedNode):
            link = f'<a href="{html.escape(other.value)}">{html.escape(shorten(other.value))}</a>'
            cells.append(f"<tr><td>{html.escape(shorten(term.value))}</td><td>{html.escape(shorten(relation.value))}</td><td>{link}</td></tr>")
    return "<table><tr><th>term</th><th>relation</th><th>outside term</th></tr>" + "".join(cells) + "</table>"


def documentation(kg: KnowledgeGraph) -> tuple[str, bytes]:
    """The documentation page (pyLODE's, completed) and the model diagram (SVG)."""
    ontology = next(p for p in sorted(kg.resources.ontology.glob("*.ttl")) if p.name != kg.resources.shapes.name)
    page = _pylode_page(ontology)
    svg = render(model_diagram(kg), "svg")
    inline = re.sub(rb"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", b"", svg).decode("utf-8")
    extra = (
        '<section id="kgraph"><h2>The model at a glance</h2>'
        "<p>Classes, and the object properties between them (from their domains and ranges); dashed hollow arrows are sub-class links.</p>"
        f'<div style="overflow:auto">{inline}</div>'
        "<h2>Mappings to other vocabularies</h2>"
        f"{mappings_table(kg)}"
        "<h2>Each class: what the shapes require, an example, the queries</h2>"
        f"{class_sections(kg)}</section>"
    )
    return page.replace("</body>", extra + "</body>", 1), svg


def write_documentation(kg: KnowledgeGraph, output: Path) -> list[Path]:
    """Write ``index.html`` and ``model.svg`` into the folder ``output``; the files written."""
    page, svg = documentation(kg)
    output = Path(output)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"{output}: cannot write the documentation there: {e.strerror}") from None
    written = [output / "index.html", output / "model.svg"]
    write_atomically(written[0], page.encode("utf-8"))
    write_atomically(written[1], svg)
    return written
