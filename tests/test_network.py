"""Nothing reaches the network: SERVICE, FROM, owl:imports, remote JSON-LD contexts, XML entities.

A local HTTP listener counts requests; every test proves it was never contacted.
"""

from __future__ import annotations

import contextlib
import http.server
import subprocess
import sys

import pyoxigraph as ox
import pytest
from helpers import ROOT, serving

from kgraph.errors import ParseError, QueryRefusedError


@pytest.fixture
def listener():
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b'{"@context": {"name": "http://schema.org/name"}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "select * where {{ ?s ?p ?o . service silent <{url}/sparql> {{ ?s ?p ?x }} }}",
        "# a comment\nPREFIX ex: <{url}/>\nASK {{ SERVICE ex:sparql {{ ?s ?p ?o }} }}",
        # issue 10: escapes that SPARQL allows in prefixed names hid the SERVICE from the scan
        "PREFIX ex: <http://e/> SELECT * WHERE {{ OPTIONAL {{ ?x ex:a\\#b ?y }} SERVICE <{url}/x> {{ ?s ?p ?o }} }}",
        "PREFIX ex: <http://e/> SELECT * WHERE {{ ?x ex:a\\' ?y . SERVICE <{url}/x'> {{ ?s ?p ?o }} }}",
        "PREFIX ex: <http://e/> SELECT * WHERE {{ ?x ex:a:b\\#c ?y . SERVICE <{url}/x> {{ ?s ?p ?o }} }}",
        # and codepoint escapes, which SPARQL applies before parsing
        "SELECT * WHERE {{ \\u0053ERVICE <{url}/x> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ \\U00000053\\u0045RVICE <{url}/x> {{ ?s ?p ?o }} }}",
        # any case, after comments and strings that hold quotes and hashes, inside a subquery
        "SELECT * WHERE {{ ?s ?p ?o # a comment {{\n SeRvIcE <{url}/x> {{ ?s ?p ?o }} }}",
        'SELECT * WHERE {{ BIND("""a"#\'""" AS ?x) SERVICE <{url}/x> {{ ?s ?p ?o }} }}',
        "SELECT * WHERE {{ BIND('#\\'' AS ?x) SERVICE <{url}/x> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}/x> {{ ?s ?p ?o }} }} }} }}",
        "SELECT * WHERE {{ VALUES ?svc {{ <{url}/x> }} SERVICE ?svc {{ ?s ?p ?o }} }}",
        "PREFIX : <{url}/> SELECT * WHERE {{ ?s ?p ?o . SERVICE:x{{?s ?p ?o}} }}",
    ],
)
def test_service_is_refused_before_any_request(kg, listener, engine, template):
    url, hits = listener
    with pytest.raises(QueryRefusedError, match="SERVICE"):
        kg.sparql(template.format(url=url), engine=engine)
    assert hits == []


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_load_is_refused_as_an_update(kg, listener, engine):
    url, hits = listener
    with pytest.raises(QueryRefusedError, match="Update"):
        kg.sparql(f"LOAD <{url}/data.ttl>", engine=engine)
    assert hits == []


def test_service_inside_a_string_or_iri_is_not_a_false_alarm(kg):
    result = kg.sparql('SELECT ?x WHERE { BIND("SERVICE <http://x/>" AS ?x) FILTER(?x != <http://x/SERVICE>) }')
    assert len(result.rows) == 1


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_from_does_not_fetch(kg, listener, engine):
    url, hits = listener
    result = kg.sparql(f"SELECT * FROM <{url}/graph.ttl> WHERE {{ ?s ?p ?o }} LIMIT 1", engine=engine)
    assert result.rows == []  # no such graph in the store, and nothing fetched
    assert hits == []


def test_owl_imports_are_not_followed(kg, listener, tmp_path):
    url, hits = listener
    facts = tmp_path / "imports.ttl"
    facts.write_text(
        f"""@prefix owl: <http://www.w3.org/2002/07/owl#> .
<https://w3id.org/kgraph/ontology> owl:imports <{url}/imported.ttl> .
""",
        encoding="utf-8",
    )
    kg.validate([facts])  # reasons with owlrl and validates with pySHACL
    assert hits == []


def test_remote_json_ld_context_is_refused(kg, listener, tmp_path):
    url, hits = listener
    doc = tmp_path / "remote-context.jsonld"
    doc.write_text(f'{{"@context": "{url}/context.jsonld", "@id": "https://w3id.org/kgraph/id/Iraq", "name": "Iraq"}}', encoding="utf-8")
    with pytest.raises(ParseError, match="remote JSON-LD contexts are not fetched"):
        kg.validate([doc])
    assert hits == []


def test_xml_external_entities_are_not_expanded(kg, listener, tmp_path):
    url, hits = listener
    doc = tmp_path / "entity.rdf"
    doc.write_text(
        f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY remote SYSTEM "{url}/entity.txt"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">
  <rdf:Description rdf:about="https://w3id.org/kgraph/id/Iraq"><rdfs:comment>&remote;</rdfs:comment></rdf:Description>
</rdf:RDF>""",
        encoding="utf-8",
    )
    with contextlib.suppress(ParseError):  # refusing the entity is as good as ignoring it
        kg.validate([doc])
    assert hits == []


def test_the_guard_blocks_python_connections_unless_allowed(listener):
    url, hits = listener
    code = f"""
import urllib.request
from kgraph import netguard
from kgraph.errors import NetworkBlockedError
netguard.install()
try:
    urllib.request.urlopen("{url}/blocked", timeout=5)
    print("reached")
except NetworkBlockedError as e:
    print("blocked:", e.message)
with netguard.allow("127.0.0.1"):
    urllib.request.urlopen("{url}/allowed", timeout=5).read()
    print("allowed")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.splitlines()[0].startswith("blocked: blocked a network connection to 127.0.0.1")
    assert out.stdout.splitlines()[1] == "allowed"
    assert hits == ["/allowed"]


@pytest.mark.parametrize("nested", ["{" * 3000 + "}" * 3000, "{ FILTER " + "(" * 5000 + "1" + ")" * 5000 + " }"])
def test_deep_nesting_is_refused_before_the_parser_sees_it(kg, nested):
    """Issue 10: 3,000 nested braces or 5,000 parentheses crashed the process (exit 139, no message)."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "kgraph", "sparql", f"SELECT * WHERE {nested}", "--workspace", str(kg.workspace)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and "nests groups or parentheses" in done.stderr


BLIND = """
import sys
import kgraph.engines
from kgraph.sparql import CheckedQuery, decode


def blind(text, *, source="query"):  # a check that sees nothing wrong with any query
    return CheckedQuery("SELECT", decode(text), frozenset())


kgraph.engines.check_query = blind
from kgraph.cli import main

raise SystemExit(main(sys.argv[1:], seal={seal}))
"""


@pytest.mark.parametrize("seal", [True, False])
def test_the_kernel_keeps_the_native_engine_off_the_network_if_the_check_were_wrong(kg, listener, seal):
    """Issue 10, defence in depth: with the SERVICE check switched off, Oxigraph's own HTTP client
    would POST to the listener (seal=False shows it does); the sealed command line gets a refusal
    from the kernel instead, and the listener nothing."""
    import subprocess
    import sys

    from kgraph import netguard

    url, hits = listener
    query = f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}"
    done = subprocess.run(
        [sys.executable, "-c", BLIND.format(seal=seal), "sparql", query, "--workspace", str(kg.workspace)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if seal:
        assert done.returncode == 2, done.stderr
        assert "tried to open a network connection, which kgraph refused" in done.stderr and "Traceback" not in done.stderr
        assert hits == []
    else:
        assert hits == ["/sparql"]  # the check was all that stood in the way
    assert not netguard.sealed()  # the test process itself is never sealed


def test_no_spelling_of_service_in_any_context_reaches_the_listener(listener):
    """Issue 10: the check and the engine must read the same keyword. SERVICE, in any case, as a
    prefix (SERVICE:x, which Oxigraph read as the keyword), after every kind of term with and
    without a space, with every kind of endpoint term: each query is refused, or runs without
    a request (the data has a triple, so a SERVICE that the engine saw would be called)."""
    import itertools

    from kgraph.errors import KgraphError
    from kgraph.sparql import check_query

    url, hits = listener
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.NamedNode("http://e/o")))
    befores = ["?s ?p ?o .", "?s ?p ?o", "?s ?p 1.", "?s ?p _:b.", "?s ?p ex:o.", '?s ?p "x"@en.', "?s ?p <http://e/o>.", "?s a.", "?s ?p ?o;"]
    befores += ["FILTER(true)", "OPTIONAL{?s ?p ?o}", "?s ?p ex:.", "?s ?p ?o .a", "?s ?p 1e1.", "?s ?p ?o.#\n"]
    names = ["SERVICE ", "service ", "Service ", "SERVICE:x", "SERVICE:", "ex.SERVICE:", "a.SERVICE:x"]
    targets = [f"<{url}/x>", "?svc", "ex:x", ":x", f"SILENT <{url}/x>"]
    ran = 0
    for before, join, name, target in itertools.product(befores, ["", " ", "\n"], names, targets):
        end = "" if name.endswith(":x") else target
        query = f"PREFIX ex: <http://e/> PREFIX : <{url}/> SELECT * WHERE {{ VALUES ?svc {{ <{url}/x> }} {before}{join}{name}{end}{{ ?a ?b ?c }} }}"
        try:
            checked = check_query(query)
        except KgraphError:
            continue
        with contextlib.suppress(SyntaxError, RuntimeError, OSError):
            list(store.query(checked.text, use_default_graph_as_union=True))
            ran += 1
    assert hits == []
    assert ran > 0  # some of them were valid without a SERVICE, and ran
