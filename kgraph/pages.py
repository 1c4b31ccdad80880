"""The web pages of ``kgraph serve``: the canned questions answered with their evidence, entity
pages, the source documents with the spans the graph cites, and a SPARQL editor.

Every page is made on the server from the knowledge graph; every text from the graph or the
request is escaped (:func:`html.escape`) before it reaches a page. The pages load nothing from
the network: their style is inline, and the SPARQL editor (YASGUI, MIT licence) is shipped in
``kgraph/static``.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kgraph.namespaces import ID, PREFIXES, shorten
from kgraph.terms import Term, lexical

if TYPE_CHECKING:
    from kgraph.graph import KnowledgeGraph
    from kgraph.results import QueryResult

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 70rem; margin: 1rem auto; padding: 0 1rem; color: #222; }
a { color: #1a4f8b; } table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } mark { background: #ffe58a; } .muted { color: #666; font-size: .9em; }
.basis { font-size: .8em; padding: 0 .3rem; border-radius: .3rem; background: #eef; }
.status { font-weight: bold; } blockquote { margin: .2rem 0; } nav a { margin-right: 1rem; }
.source { white-space: pre-wrap; } .source mark a { color: inherit; text-decoration: none; }
"""


def page(title: str, body: str) -> str:
    """A whole HTML page: ``title`` is escaped here, ``body`` must be escaped already."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} · kgraph</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>\n'
        f'<body><nav><a href="/">questions</a><a href="/sources">sources</a><a href="/editor">SPARQL</a><a href="/queries">API</a></nav>'
        f"<h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )


def entity_path(iri: str, page: str = "/id/") -> str | None:
    """The page of an entity of the graph (its IRI's path), or None for an IRI from elsewhere;
    ``page="/source/"`` gives a source document's text page instead.

    >>> entity_path("https://w3id.org/kgraph/id/AstanaProcess"), entity_path("https://w3id.org/kgraph/id/SourceText", "/source/")
    ('/id/AstanaProcess', '/source/SourceText')
    """
    return page + urllib.parse.quote(iri[len(ID) :], safe="") if iri.startswith(ID) else None


def _value(term: Term | None) -> str | None:
    """A term's value (an IRI, a literal's text), or None for nothing or a quoted triple."""
    return term.value if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)) else None


def _number(term: Term | None) -> int | None:
    value = _value(term)
    return int(value) if value is not None and value.isdigit() else None


def show(term: Term | None, label: Term | None = None) -> str:
    """A term as HTML: an entity as a link to its page, named by its label; anything else as text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        name = _value(label) if isinstance(label, ox.Literal) else None
        text = html.escape(name if name is not None else shorten(term.value))
        path = entity_path(term.value)
        href = path if path is not None else term.value
        return f'<a href="{html.escape(href)}">{text}</a>'
    return html.escape(lexical(term))


@dataclass
class Document:
    iri: str
    label: str
    text: str


class Sources:
    """The stored texts of the source documents, to show a quote in its sentence."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        rows = kg.sparql(
            'SELECT ?d ?l ?c WHERE { ?d kg:content ?c OPTIONAL { ?d rdfs:label ?l FILTER (LANG(?l) = "en") } } ORDER BY ?d', source="sources"
        ).rows
        self.documents = [Document(str(_value(d)), _value(label) or shorten(str(_value(d))), str(_value(content))) for d, label, content in rows]

    def by_iri(self, iri: str) -> Document | None:
        return next((d for d in self.documents if d.iri == iri), None)

    def in_sentence(self, quote: str, document: str | None = None, start: int | None = None) -> str:
        """The quote highlighted in its sentence (found at ``start`` in ``document``, or looked for)."""
        for doc in [d for d in self.documents if document in (None, d.iri)]:
            at = start if start is not None and doc.text[start : start + len(quote)] == quote else doc.text.find(quote)
            if at < 0 or not quote:
                continue
            begin = max(doc.text.rfind(". ", 0, at) + 2, doc.text.rfind("\n", 0, at) + 1, 0)
            stops = [i for i in (doc.text.find(". ", at + len(quote)), doc.text.find("\n", at + len(quote))) if i >= 0]
            end = min(stops) + 1 if stops else len(doc.text)
            before, after = doc.text[begin:at], doc.text[at + len(quote) : end]
            href = entity_path(doc.iri, "/source/")
            source = f' <span class=muted>— <a href="{html.escape(href)}">{html.escape(doc.label)}</a></span>' if href else ""
            return f"{html.escape(before)}<mark>{html.escape(quote)}</mark>{html.escape(after)}{source}"
        return f"<mark>{html.escape(quote)}</mark>"


def result_table(result: QueryResult, sources: Sources) -> str:
    """A SELECT answer as a table: entities as links named by their ``…Label`` column, quotes in
    their sentence, the label columns themselves folded into the entities they name."""
    columns = [v for v in result.variables if not (v.endswith("Label") and v[: -len("Label")] in result.variables)]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = []
    for row in result.rows:
        values = dict(zip(result.variables, row, strict=True))
        cells = []
        for c in columns:
            term = values.get(c)
            if c in ("quote", "exact", "text") and isinstance(term, ox.Literal):
                quoted = sources.in_sentence(term.value, _value(values.get("document")), _number(values.get("start")))
                cells.append(f"<td><blockquote>{quoted}</blockquote></td>")
            else:
                cls = ' class="status"' if c == "status" else ""
                cells.append(f"<td{cls}>{show(term, values.get(c + 'Label'))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table><p class=muted>{len(result.rows)} row(s)</p>"


def index_page(kg: KnowledgeGraph) -> str:
    items = "".join(
        f'<li><a href="/ask/{html.escape(q.name)}">{html.escape(q.title)}</a><br><span class=muted>{html.escape(q.description)}</span></li>'
        for q in kg.catalogue
    )
    intro = (
        "<p>Kazakhstan's peacekeeping, mediation and disarmament record, as a knowledge graph: every answer comes with the words "
        "of the source that state it. Choose a question.</p>"
    )
    return page("Questions", f"{intro}<ul>{items}</ul>")


def ask_page(kg: KnowledgeGraph, name: str, params: dict[str, str], result: QueryResult, sources: Sources) -> str:
    canned = kg.catalogue.get(name)
    form = ""
    if canned.params:
        fields = "".join(
            f'<label>{html.escape(p.name)} <input name="{html.escape(p.name)}" value="{html.escape(params.get(p.name, p.default or ""))}"></label> '
            for p in canned.params
        )
        form = f'<form method="get" action="/ask/{html.escape(name)}">{fields}<button>ask</button></form>'
    body = f"<p>{html.escape(canned.description)}</p>{form}{result_table(result, sources)}"
    data = f"/queries/{html.escape(name)}?{html.escape(urllib.parse.urlencode(params))}"
    body += f'<p class=muted>As data: <a href="{data}">{data}</a></p>'
    return page(canned.title, body)


def entity_page(kg: KnowledgeGraph, iri: str, sources: Sources) -> str | None:
    """The page of one entity: its names, kinds and matches, and every statement about it with
    its basis and evidence, grouped by property; None if the graph does not know it."""
    node = ox.NamedNode(iri)
    about = kg.engine().run(
        "SELECT ?p ?o WHERE { ?e ?p ?o FILTER (?p IN (rdfs:label, skos:altLabel, rdf:type, skos:exactMatch)) }", {"e": node}, source="entity"
    )
    if not about.rows:
        return None
    names = sorted({(o.language or "", o.value) for _p, o in about.rows if isinstance(o, ox.Literal)})
    english = next((v for lang, v in names if lang == "en"), shorten(iri))
    kinds = sorted({shorten(str(_value(o))) for p, o in about.rows if str(_value(p)).endswith("#type")})
    status = (
        kg.engine()
        .run('SELECT ?label WHERE { ?e kg:status ?s . ?s rdfs:label ?label FILTER (LANG(?label) = "en") }', {"e": node}, source="entity")
        .rows
    )
    matches = sorted({str(_value(o)) for p, o in about.rows if str(_value(p)).endswith("exactMatch")})
    facts = kg.query("evidence", {"entity": iri})
    grouped: dict[str, list[dict[str, Term | None]]] = defaultdict(list)
    for row in facts.rows:
        values = dict(zip(facts.variables, row, strict=True))
        grouped[_value(values["propertyLabel"]) or shorten(str(_value(values["property"])))].append(values)
    sections = []
    for prop in sorted(grouped):
        items = []
        for v in grouped[prop]:
            subject = "" if v["subject"] == node else f"{show(v['subject'], v['subjectLabel'])} "
            value = "" if v["value"] == node else show(v["value"], v["valueLabel"])
            says = f" <span class=muted>(claimed in {show(v['claimedIn'], v['claimedInLabel'])})</span>" if v["claimedIn"] is not None else ""
            quote = _value(v["quote"])
            where = sources.in_sentence(quote, _value(v["document"]), _number(v["start"])) if quote else ""
            document = f" <span class=muted>{show(v['document'], v['documentLabel'])}</span>" if v["document"] is not None else ""
            basis = f"<span class=basis>{html.escape(_value(v['basis']) or '')}</span>"
            items.append(f"<li>{subject}<b>{html.escape(prop)}</b> {value} {basis}{says}<blockquote>{where}</blockquote>{document}</li>")
        sections.append(f"<h3>{html.escape(prop)}</h3><ul>{''.join(items)}</ul>")
    names_html = "".join(f"<li>{html.escape(v)} <span class=muted>{html.escape(lang)}</span></li>" for lang, v in names)
    match_html = "".join(f'<li><a href="{html.escape(m)}">{html.escape(m)}</a></li>' for m in matches)
    said = ", ".join(str(_value(r[0])) for r in status)
    body = (
        (f"<p class=status>Status: {html.escape(said)}</p>" if said else "")
        + f"<p class=muted>{html.escape(iri)} · {html.escape(', '.join(kinds))}</p>"
        f"<h2>Names</h2><ul>{names_html}</ul>"
        + (f"<h2>Matches</h2><ul>{match_html}</ul>" if matches else "")
        + "<h2>Statements, with their evidence</h2>"
        + ("".join(sections) or "<p>No statement about it.</p>")
    )
    return page(english, body)


def sources_page(sources: Sources) -> str:
    links = [(entity_path(d.iri, "/source/"), d.label) for d in sources.documents]
    items = "".join(f'<li><a href="{html.escape(href)}">{html.escape(label)}</a></li>' for href, label in links if href)
    return page("Source documents", f"<ul>{items}</ul>")


_SPANS = """SELECT ?start ?end ?node WHERE {
  ?span oa:hasSource ?doc ; oa:hasSelector ?position . ?position oa:start ?start ; oa:end ?end .
  OPTIONAL { ?node kg:evidence ?span }
} ORDER BY ?start ?end"""


def source_page(kg: KnowledgeGraph, document: Document) -> str:
    """The text of a source document, each span the graph cites marked and linked to what cites it."""
    spans = kg.engine().run(_SPANS, {"doc": ox.NamedNode(document.iri)}, source="spans").rows
    cover: list[str | None] = [None] * len(document.text)
    for start, end, node in spans:
        link = entity_path(node.value) if isinstance(node, ox.NamedNode) else None
        for i in range(_number(start) or 0, min(_number(end) or 0, len(document.text))):
            if cover[i] is None:
                cover[i] = link or ""
    parts, i = [], 0
    text = document.text
    while i < len(text):
        j = i
        while j < len(text) and cover[j] == cover[i]:
            j += 1
        chunk = html.escape(text[i:j])
        if cover[i] is None:
            parts.append(chunk)
        elif cover[i]:
            parts.append(f'<mark><a href="{html.escape(str(cover[i]))}">{chunk}</a></mark>')
        else:
            parts.append(f"<mark>{chunk}</mark>")
        i = j
    count = len({(_value(s), _value(e)) for s, e, _n in spans})
    note = f"<p class=muted>{count} spans cited by the graph are marked; each links to a node that cites it.</p>"
    return page(document.label, f"{note}<div class=source>{''.join(parts)}</div>")


def editor_page() -> str:
    """YASGUI, shipped with kgraph, on this server's endpoint, with kgraph's prefixes."""
    prefixes = "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items() if p in ("kg", "id", "rdfs", "oa", "skos"))
    start = prefixes + "\n\nSELECT ?crisis ?label WHERE {\n  id:Kazakhstan kg:hostsTalksFor ?crisis .\n  ?crisis rdfs:label ?label .\n}"
    config = re.sub(r"</", "<\\/", __import__("json").dumps({"query": start}))
    body = (
        '<link rel="stylesheet" href="/static/yasgui/yasgui.min.css"><div id="yasgui"></div>'
        '<script src="/static/yasgui/yasgui.min.js"></script><script>'
        f"const start = {config};"
        "Yasqe.defaults.autocompleters = Yasqe.defaults.autocompleters.filter(a => a !== 'prefixes');"
        "const y = new Yasgui(document.getElementById('yasgui'), {requestConfig: {endpoint: location.origin + '/sparql', method: 'POST'},"
        " copyEndpointOnNewTab: false, endpointCatalogueOptions: {getData: () => []}, persistenceId: null});"
        "y.getTab().setQuery(start.query);</script>"
        '<p class=muted>The editor is YASGUI (MIT licence, <a href="/static/yasgui/LICENSE">its licence</a>), shipped with kgraph.</p>'
    )
    return page("SPARQL", body)
