"""Issue 12, first part: `kgraph serve`, a read-only SPARQL 1.1 Protocol endpoint and the canned
queries over HTTP, tested on a real server process with plain HTTP and SPARQLWrapper; the cases of
the W3C SPARQL 1.1 Protocol tests that apply to a read-only query endpoint; no request reaches
the network; a slow query does not hold up other clients."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pyoxigraph as ox
import pytest
from helpers import CASES, GOLDEN_FILES, ROOT, free_port, serving

from kgraph import netguard

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


class Served:
    def __init__(self, workspace, *args: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kgraph", "serve", "--port", str(self.port), "--workspace", str(workspace), "--quiet", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("/sparql?query=" + urllib.parse.quote("ASK {}"))
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("kgraph serve did not start: " + self.process.stderr.read().decode()) from None
                time.sleep(0.1)

    def request(self, path: str, *, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
        """(status, headers, body) of one request; HTTP errors are answers too."""
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {}, method=method)
        try:
            with netguard.allow("127.0.0.1"), urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def get(self, path: str, **kw):
        return self.request(path, **kw)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(kg):
    s = Served(kg.workspace, "--timeout", "3")
    yield s
    s.stop()


def rows_of(body: bytes) -> tuple[list[str], Counter]:
    answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    variables = [v.value for v in answer.variables]
    return variables, Counter(tuple(s[i] for i in range(len(variables))) for s in answer)


# -- the canned queries over HTTP ------------------------------------------------------------------
@pytest.mark.slow  # starts a server
@pytest.mark.parametrize("path", GOLDEN_FILES, ids=lambda p: p.stem)
def test_every_canned_query_over_http_gives_the_rows_of_kgraph_query(kg, server, path):
    name = path.stem.split("--")[0]
    params = CASES.get(path.stem, {})
    status, headers, body = server.get(f"/queries/{name}?" + urllib.parse.urlencode(params), headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    embedded = kg.query(name, params)
    assert rows_of(body) == (embedded.variables, Counter(embedded.rows))


@pytest.mark.slow  # starts a server
def test_the_query_list_names_every_canned_query(kg, server):
    status, _, body = server.get("/queries")
    listed = json.loads(body)
    assert status == 200 and {q["name"] for q in listed} == {q.name for q in kg.catalogue}
    assert next(q for q in listed if q["name"] == "hosted-talks")["params"][0]["default"] == "id:Kazakhstan"


@pytest.mark.slow  # starts a server
def test_sparqlwrapper_queries_the_endpoint(server):
    from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

    client = SPARQLWrapper(server.base + "/sparql")
    client.setQuery("PREFIX kg: <https://w3id.org/kgraph/ontology#> SELECT ?c WHERE { ?c a kg:CivilWar }")
    client.setReturnFormat(JSON)
    with netguard.allow("127.0.0.1"):
        result = client.query().convert()
        assert {b["c"]["value"] for b in result["results"]["bindings"]} == {"https://w3id.org/kgraph/id/TajikistaniCivilWar"}
        client.setQuery("ASK { ?s ?p ?o }")
        assert client.query().convert()["boolean"] is True
        client.setQuery("CONSTRUCT { <https://w3id.org/kgraph/id/Iraq> a ?c } WHERE { <https://w3id.org/kgraph/id/Iraq> a ?c }")
        client.setReturnFormat(TURTLE)
        assert b"kg:State" in client.query().convert() or b"ontology#State" in client.query().convert()


# -- the W3C SPARQL 1.1 Protocol tests that apply to a read-only query endpoint ----------------------
Q = "PREFIX kg: <https://w3id.org/kgraph/ontology#> SELECT ?c WHERE { ?c a kg:CivilWar }"


@pytest.mark.slow  # starts a server
@pytest.mark.parametrize(
    "how",
    ["query_get", "query_post_form", "query_post_direct", "query_dataset_default_graph", "query_multiple_dataset_and_content_type"],
)
def test_w3c_protocol_queries_are_answered(server, how):
    """sparql11/protocol: query_get, query_post_form, query_post_direct, and content negotiation."""
    if how == "query_get":
        status, _, body = server.get("/sparql?query=" + urllib.parse.quote(Q), headers={"Accept": "application/sparql-results+json"})
    elif how == "query_post_form":
        status, _, body = server.request(
            "/sparql", data=urllib.parse.urlencode({"query": Q}).encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    elif how == "query_post_direct":
        status, _, body = server.request("/sparql", data=Q.encode(), headers={"Content-Type": "application/sparql-query"})
    elif how == "query_dataset_default_graph":  # the default graph is the union of the named graphs
        status, _, body = server.get("/sparql?query=" + urllib.parse.quote("SELECT (COUNT(*) > 0 AS ?c) WHERE { ?s ?p ?o }"))
        assert rows_of(body)[1] == Counter({(ox.Literal(True),): 1})
        return
    else:
        for accept, kind, marker in (
            ("application/sparql-results+xml", "application/sparql-results+xml", b"<sparql"),
            ("text/csv", "text/csv", b"c\r\n"),
            ("text/tab-separated-values", "text/tab-separated-values", b"?c\n"),
        ):
            status, headers, body = server.get("/sparql?query=" + urllib.parse.quote(Q), headers={"Accept": accept})
            assert status == 200 and headers["Content-Type"].startswith(kind) and marker in body, accept
        return
    assert status == 200 and rows_of(body)[1] == Counter({(ox.NamedNode("https://w3id.org/kgraph/id/TajikistaniCivilWar"),): 1})


@pytest.mark.slow  # starts a server
@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("bad_query_method", 405),  # a PUT
        ("bad_multiple_queries", 400),
        ("bad_query_wrong_media_type", 415),
        ("bad_query_missing_form_type", 415),
        ("bad_query_missing_direct_type", 415),
        ("bad_query_non_utf8", 400),
        ("bad_query_syntax", 400),
        ("bad_update_get", 403),
        ("bad_update_post_form", 403),
        ("bad_update_post_direct", 403),
    ],
)
def test_w3c_protocol_bad_requests_are_refused(server, case, status):
    """sparql11/protocol: the bad_* cases, each with the status its kind of fault calls for."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    requests = {
        "bad_query_method": lambda: server.request("/sparql?query=" + urllib.parse.quote(Q), data=b"", method="PUT"),
        "bad_multiple_queries": lambda: server.get("/sparql?" + urllib.parse.urlencode([("query", Q), ("query", "ASK {}")])),
        "bad_query_wrong_media_type": lambda: server.request("/sparql", data=Q.encode(), headers={"Content-Type": "text/plain"}),
        "bad_query_missing_form_type": lambda: server.request(
            "/sparql", data=urllib.parse.urlencode({"query": Q}).encode(), headers={"Content-Type": ""}
        ),
        "bad_query_missing_direct_type": lambda: server.request("/sparql", data=Q.encode(), headers={"Content-Type": ""}),
        "bad_query_non_utf8": lambda: server.request(
            "/sparql", data='ASK { ?s ?p "é" '.encode("latin-1"), headers={"Content-Type": "application/sparql-query"}
        ),
        "bad_query_syntax": lambda: server.get("/sparql?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p }")),
        "bad_update_get": lambda: server.get("/sparql?update=" + urllib.parse.quote("CLEAR ALL")),
        "bad_update_post_form": lambda: server.request("/sparql", data=urllib.parse.urlencode({"update": "CLEAR ALL"}).encode(), headers=form),
        "bad_update_post_direct": lambda: server.request("/sparql", data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"}),
    }
    got, _, body = requests[case]()
    assert got == status, body
    assert b"Traceback" not in body


@pytest.mark.slow  # starts a server
def test_a_get_without_a_query_describes_the_service(server):
    status, headers, body = server.get("/sparql")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    assert any(t.predicate.value.endswith("#endpoint") and t.object.value == server.base + "/sparql" for t in triples)


@pytest.mark.slow  # starts a server
def test_browser_tools_elsewhere_may_query_it(server):
    _, headers, _ = server.get("/sparql?query=" + urllib.parse.quote("ASK {}"), headers={"Origin": "https://yasgui.example"})
    assert headers["Access-Control-Allow-Origin"] == "*"


# -- safety ---------------------------------------------------------------------------------------
@pytest.mark.slow  # starts a server
def test_a_service_query_reaches_nothing(server):
    hits = []

    import http.server

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            hits.append(self.path)

        do_GET = do_POST

        def log_message(self, *args):
            pass

    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)) as listener:
        url = f"http://127.0.0.1:{listener.server_address[1]}/sparql"
        for query in (
            f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
            f"PREFIX : <{url}/> SELECT * WHERE {{ ?s ?p ?o . SERVICE:x{{?s ?p ?o}} }}",
        ):
            status, _, body = server.get("/sparql?query=" + urllib.parse.quote(query))
            assert status == 400 and b"SERVICE" in body
    assert hits == []


@pytest.mark.slow  # starts a server
def test_a_slow_query_times_out_while_other_clients_are_answered(server):
    outcome = {}

    def slow():
        outcome["slow"] = server.get("/sparql?query=" + urllib.parse.quote(SLOW))

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)  # the slow query is running
    started = time.monotonic()
    status, _, body = server.get("/queries/hosted-talks", headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and time.monotonic() - started < 2.5  # answered while the slow one runs
    thread.join(timeout=30)
    status, _, body = outcome["slow"]
    assert status == 503 and b"time limit" in body


@pytest.mark.slow  # starts a server
def test_an_oversized_request_is_refused(server):
    """A body larger than the limit is refused from its Content-Length, before it is read."""
    import http.client

    with netguard.allow("127.0.0.1"):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.putrequest("POST", "/sparql")
        conn.putheader("Content-Type", "application/sparql-query")
        conn.putheader("Content-Length", str(2 << 20))
        conn.endheaders()  # and no body: the answer must come without it
        response = conn.getresponse()
        assert response.status == 413 and b"larger than" in response.read()
        conn.close()


# -- the pages -------------------------------------------------------------------------------------
@pytest.mark.slow  # starts a server
@pytest.mark.parametrize(
    "path", ["/", "/ask/hosted-talks", "/ask/evidence?entity=Astana+process", "/id/AstanaProcess", "/sources", "/source/SourceText", "/editor"]
)
def test_every_page_loads_nothing_from_the_network(server, path):
    import re

    status, headers, body = server.get(path, headers={"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    fetched = [u for u in re.findall(rb'<(?:script|link|img|iframe)[^>]*(?:src|href)="([^"]*)"', body) if not u.startswith(b"/")]
    assert fetched == []  # everything a browser fetches by itself is served here (links a reader may follow are not fetched)


@pytest.mark.slow  # starts a server
def test_an_entity_page_answers_rdf_clients_by_content_negotiation(server):
    for accept, fmt in (
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
    ):
        status, _, body = server.get("/id/AstanaProcess", headers={"Accept": accept})
        triples = list(ox.parse(body, format=fmt))
        assert status == 200 and any(t.predicate.value.endswith("hostedBy") and t.object.value.endswith("/Kazakhstan") for t in triples), accept
    assert server.get("/id/NoSuchThing", headers={"Accept": "text/html"})[0] == 404


@pytest.mark.slow  # starts a server
def test_user_text_reaches_a_page_escaped(server):
    status, _, body = server.get("/ask/search?text=" + urllib.parse.quote('<script>alert("x")</script>'), headers={"Accept": "text/html"})
    assert status == 200 and b"<script>alert" not in body and b"&lt;script&gt;" in body


@pytest.mark.slow  # starts a server and a browser
def test_a_reader_finds_the_crises_kazakhstan_hosted_talks_for_in_a_real_browser(server):
    """Debian's chromium, driven by Selenium: choose the question, see the Syrian crisis with its
    quote, follow the Astana process to its page and see its evidence. A screenshot of each page
    is kept in test-artefacts/."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1600"):
        options.add_argument(flag)
    artefacts = ROOT / "test-artefacts"
    artefacts.mkdir(exist_ok=True)
    # Selenium talks to chromedriver on localhost: let it through the guard other tests may have installed
    guard = contextlib.ExitStack()
    guard.enter_context(netguard.allow("localhost"))
    guard.enter_context(netguard.allow("127.0.0.1"))
    browser = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))  # no browser: a failure, not a skip
    try:
        browser.get(server.base + "/")
        browser.find_element(By.LINK_TEXT, "Crises a state hosted talks for").click()
        table = browser.find_element(By.TAG_NAME, "table").text
        assert "Syrian crisis" in table and "Astana process" in table
        quote = browser.find_element(By.CSS_SELECTOR, "table mark").text
        assert quote.startswith("Negotiations on the settlement of the Syrian crisis")
        browser.save_screenshot(str(artefacts / "serve-hosted-talks.png"))
        browser.find_element(By.LINK_TEXT, "Astana process").click()
        assert browser.find_element(By.TAG_NAME, "h1").text == "Astana process"
        page_text = browser.find_element(By.TAG_NAME, "body").text
        assert "hosted by" in page_text and "Kazakhstan" in page_text
        assert any("Syrian crisis" in m.text or "Astana" in m.text for m in browser.find_elements(By.TAG_NAME, "mark"))
        browser.save_screenshot(str(artefacts / "serve-astana-process.png"))
    finally:
        browser.quit()
        guard.close()


@pytest.mark.slow  # starts a server
@pytest.mark.parametrize(
    ("entity", "status"),
    [
        ("AstanaProcess", "ongoing"),  # "Negotiations ... have been held in the capital of Kazakhstan since the beginning of last year"
        ("FutureAstanaPlatform", "possible"),  # "The Kazakh capital may again act as an interactive platform ... soon"
    ],
)
def test_an_entity_page_says_plainly_what_happened_and_what_may(server, entity, status):
    status_code, _, body = server.get(f"/id/{entity}", headers={"Accept": "text/html"})
    assert status_code == 200 and f"<p class=status>Status: {status}</p>".encode() in body


BACKGROUND = "https://w3id.org/kgraph/graph/data/background"
FACTS = "https://w3id.org/kgraph/graph/data/facts"


@pytest.mark.slow  # starts a server
@pytest.mark.parametrize(
    "case",
    [
        "query_dataset_default_graphs_get",
        "query_dataset_default_graphs_post",
        "query_dataset_named_graphs_get",
        "query_dataset_named_graphs_post",
        "query_dataset_full",
        "query_multiple_dataset",
    ],
)
def test_w3c_protocol_datasets_the_request_names(kg, server, case):
    """sparql11/protocol: default-graph-uri and named-graph-uri name graphs of the store (never
    fetched), and override the query's FROM."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    in_background = len([t for t in kg.build().quads() if t.graph_name.value == BACKGROUND])
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def ask(query, fields, post=False):
        if post:
            return server.request("/sparql", data=urllib.parse.urlencode([("query", query), *fields]).encode(), headers=form)
        return server.get("/sparql?" + urllib.parse.urlencode([("query", query), *fields]))

    if case.startswith("query_dataset_default_graphs"):
        status, _, body = ask(count, [("default-graph-uri", BACKGROUND)], post=case.endswith("post"))
        assert status == 200 and rows_of(body)[1] == Counter({(ox.Literal(in_background),): 1})
    elif case.startswith("query_dataset_named_graphs"):
        status, _, body = ask(named, [("named-graph-uri", BACKGROUND)], post=case.endswith("post"))
        assert status == 200 and rows_of(body)[1] == Counter({(ox.NamedNode(BACKGROUND),): 1})
    elif case == "query_dataset_full":
        status, _, body = ask(named, [("default-graph-uri", FACTS), ("named-graph-uri", BACKGROUND)])
        assert status == 200 and rows_of(body)[1] == Counter({(ox.NamedNode(BACKGROUND),): 1})
    else:  # the protocol's dataset wins over the query's own FROM
        status, _, body = ask(f"SELECT (COUNT(*) AS ?n) FROM <{FACTS}> WHERE {{ ?s ?p ?o }}", [("default-graph-uri", BACKGROUND)])
        assert status == 200 and rows_of(body)[1] == Counter({(ox.Literal(in_background),): 1})


@pytest.mark.slow  # starts a server
@pytest.mark.parametrize(
    ("case", "query", "accept", "expected"),
    [
        ("query_content_type_ask", "ASK { ?s ?p ?o }", "application/sparql-results+xml", "application/sparql-results+xml"),
        ("query_content_type_ask", "ASK { ?s ?p ?o }", "application/sparql-results+json", "application/sparql-results+json"),
        ("query_content_type_describe", "DESCRIBE <https://w3id.org/kgraph/id/Astana>", "application/n-triples", "application/n-triples"),
        ("query_content_type_construct", "CONSTRUCT WHERE { <https://w3id.org/kgraph/id/Astana> ?p ?o }", "text/turtle", "text/turtle"),
    ],
)
def test_w3c_protocol_content_types(server, case, query, accept, expected):
    status, headers, body = server.get("/sparql?query=" + urllib.parse.quote(query), headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"].startswith(expected) and body, case


@pytest.mark.slow  # starts a server
def test_the_query_list_is_html_for_a_browser_and_json_for_a_program(server):
    status, headers, body = server.get("/queries", headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"Crises a state hosted talks for" in body
    status, headers, _ = server.get("/queries", headers={"Accept": "application/json"})
    assert status == 200 and headers["Content-Type"].startswith("application/json")


@pytest.mark.slow  # starts a server
def test_an_answer_names_the_document_of_each_quote(server):
    status, _, body = server.get("/ask/hosted-talks", headers={"Accept": "text/html"})
    assert status == 200 and b'<a href="/source/SourceText">Peacekeeping activities of Kazakhstan</a>' in body
