"""What the tests share besides fixtures: paths, and golden answers with typed terms.

Importable as ``helpers`` under any import mode (pyproject puts ``tests`` on the path).

A golden file is tab-separated: its header names query columns, and its cells are RDF terms as
they are written in Turtle (as in the W3C SPARQL TSV results format, with prefixes): an IRI as a prefixed name (``id:Astana``) or ``<...>``, a blank
node as ``_:b``, a literal with a language or a datatype in quotes (``"Astana"@en``,
``"2017"^^xsd:gYear``); a bare cell is a plain string (``xsd:string``), and an empty cell an
unbound variable. So a golden answer keeps each term's kind, datatype and language.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest

from kgraph import netguard
from kgraph.namespaces import PREFIXES, expand
from kgraph.terms import Row, Term

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "peacekeeping-activities-of-kazakhstan.txt"
EXAMPLES = ROOT / "examples"
GOLDEN = ROOT / "tests" / "golden"
CASES: dict[str, dict[str, str]] = {k: v for k, v in json.loads((GOLDEN / "cases.json").read_text(encoding="utf-8")).items() if not k.startswith("_")}
GOLDEN_FILES = sorted(GOLDEN.glob("*.tsv"))

_PREFIXED = re.compile(r"^[a-z][a-z0-9]*:[^\s\"]*$")
_TURTLE_PREFIXES = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())


def parse_cell(cell: str) -> Term | None:
    """The RDF term a golden cell writes (see the module's docstring).

    >>> parse_cell('"2017"^^xsd:gYear')
    <Literal value=2017 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#gYear>>
    >>> parse_cell("id:Astana"), parse_cell("")
    (<NamedNode value=https://w3id.org/kgraph/id/Astana>, None)
    >>> parse_cell("Astana") == ox.Literal("Astana")
    True
    """
    if cell == "":
        return None
    if cell.startswith('"'):
        turtle = f"{_TURTLE_PREFIXES}<urn:s> <urn:p> {cell} ."
        return next(iter(ox.parse(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE))).object
    if cell.startswith("<") and cell.endswith(">"):
        return ox.NamedNode(cell[1:-1])
    if cell.startswith("_:"):
        return ox.BlankNode(cell[2:])
    if _PREFIXED.match(cell) and (iri := expand(cell)) is not None:
        return ox.NamedNode(iri)
    return ox.Literal(cell)


def read_golden(path: Path) -> tuple[list[str], Counter[Row]]:
    """A golden file's columns, and its rows as a multiset of term tuples."""
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines() if line]
    return rows[0], Counter(tuple(parse_cell(c) for c in r) for r in rows[1:])


# -- processes and stub servers ------------------------------------------------------------------
# A test that stops kgraph with Ctrl-C starts it as a terminal would, with SIGINT at its default.
# A process started in the background by a non-interactive shell (``nohup``, ``cmd &``) ignores
# SIGINT; its children inherit that, and Python then leaves Ctrl-C ignored, as it should: the
# Ctrl-C tests hung when the suite itself was started that way.
KGRAPH_AT_A_TERMINAL = [
    sys.executable,
    "-c",
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); runpy.run_module('kgraph', run_name='__main__', alter_sys=True)",
]


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[socketserver.BaseServer]:
    """Run a server (an ``http.server`` stub) in a thread for the block, and stop it at once after.

    socketserver looks for a shutdown request every 0.5 s by default, which cost half a second
    of every test with a stub server.
    """
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# -- a real SPARQL server -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph", path=os.path.dirname(sys.executable)) or shutil.which("oxigraph")
    if not found:  # a test that needs the server fails without it: the test extra installs it
        raise RuntimeError("the Oxigraph server is not installed: pip install '.[test]' installs it")
    return found


class OxigraphServer:
    """A real Oxigraph server on a free port of 127.0.0.1, for the tests that need one."""

    def __init__(self, location: Path, *, union: bool):
        self.port = free_port()
        args = [oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen(args + (["--union-default-graph"] if union else []), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                with netguard.allow("127.0.0.1"):  # the CLI tests may have installed the guard in this process
                    urllib.request.urlopen(self.base + "/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Oxigraph server did not start: " + self.process.stderr.read().decode()) from None
                time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


class VirtuosoServer:
    """A real Virtuoso 7 server (Debian's virtuoso-opensource, which .ci/run installs) on free ports
    of 127.0.0.1, its database in ``location``; user dba, password dba. A machine without it fails
    the tests that need it: they are not skipped."""

    def __init__(self, location: Path):
        binary = shutil.which("virtuoso-t")
        if binary is None or not VIRTUOSO_INI.is_file():
            raise RuntimeError("Virtuoso is not installed: apt-get install virtuoso-opensource (.ci/run does)")
        location.mkdir(parents=True, exist_ok=True)
        self.port, self.http_port = free_port(), free_port()
        ini = VIRTUOSO_INI.read_text(encoding="utf-8").replace("/var/lib/virtuoso-opensource-7/db/", f"{location}/")
        ini = re.sub(r"(\[Parameters\][^\[]*?ServerPort\s*=\s*)\d+", lambda m: m.group(1) + str(self.port), ini, flags=re.S)
        ini = re.sub(r"(\[HTTPServer\][^\[]*?ServerPort\s*=\s*)\d+", lambda m: m.group(1) + str(self.http_port), ini, flags=re.S)
        (location / "virtuoso.ini").write_text(ini, encoding="utf-8")
        self.log = location / "out.txt"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen([binary, "-f", "-c", "virtuoso.ini"], cwd=location, stdout=out, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.http_port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                with netguard.allow("127.0.0.1"):
                    urllib.request.urlopen(self.base + "/sparql?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("Virtuoso did not start: " + self.log.read_text(encoding="utf-8", errors="replace")[-2000:]) from None
                time.sleep(0.5)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def loaded_by_kgraph(server, endpoint: str, workspace: Path, **env: str):
    """A started server, loaded once with ``kgraph load --endpoint ENDPOINT --replace`` (with
    these environment variables, e.g. credentials), for the block; stopped after, also when the
    load fails."""
    from kgraph.cli import main

    mp = pytest.MonkeyPatch()
    for name, value in env.items():
        mp.setenv(name, value)
    try:
        assert main(["load", "--endpoint", endpoint, "--replace", "--workspace", str(workspace)]) == 0
        yield server
    finally:
        mp.undo()
        server.stop()


JENA_JARS = Path("/usr/share/java")


def jena_classpath(work: Path) -> str:
    """The class path for Debian's Jena command-line tools (libapache-jena-java, which .ci/run
    installs): its jars without the logging bridges that clash, and a folder with the xerces
    messages Debian's repackaging left out of jena-core (without them, loading fails)."""
    import zipfile

    core = JENA_JARS / "jena-core.jar"
    if not core.is_file():
        raise RuntimeError("Apache Jena is not installed: apt-get install libapache-jena-java (.ci/run does)")
    resources = work / "jena-resources"
    with zipfile.ZipFile(core) as jar:
        for name in jar.namelist():
            if name.startswith("org/apache/jena/ext/xerces/") and not name.endswith((".class", "/")):
                target = resources / "xerces" / name.removeprefix("org/apache/jena/ext/xerces/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    clash = re.compile(r"log4j|slf4j-(jcl|jdk14|log4j12|simple|migrator)|maven3-slf4j|jcl-over|jul-to")
    jars = [str(p) for p in sorted(JENA_JARS.glob("*.jar")) if not clash.search(p.name) and not re.search(r"-\d[\d.]*\.jar$", p.name)]
    return os.pathsep.join([str(resources), *jars])


class JenaTDB2:
    """A Jena TDB2 database loaded with Jena's bulk loader and queried with its query tool, one
    process per query, the default graph the union of the named graphs: a query engine for the
    tests, beside kgraph's own, with the same run() as kgraph's engines."""

    name = "jena-tdb2"

    def __init__(self, work: Path, nquads: Path):
        self.work, self.db = work, work / "tdb2"
        self.classpath = jena_classpath(work)
        self._java("tdb2.tdbloader", "--loc", str(self.db), str(nquads))

    def _java(self, command: str, *args: str) -> bytes:
        done = subprocess.run(["java", "-cp", self.classpath, command, *args], capture_output=True, timeout=300, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{command} failed: {done.stderr.decode(errors='replace')[-2000:]}")
        return done.stdout

    def run(self, text, bindings=None, *, source="query"):
        from kgraph.results import QueryResult
        from kgraph.sparql import bind_values, check_query, with_prefixes

        checked = check_query(text, source=source)
        query = bind_values(with_prefixes(checked.text, PREFIXES)[0], bindings or {})
        path = self.work / "query.rq"
        path.write_text(query, encoding="utf-8")
        graph = checked.form in ("CONSTRUCT", "DESCRIBE")
        out = self._java(
            "tdb2.tdbquery",
            "--loc",
            str(self.db),
            "--set",
            "tdb:unionDefaultGraph=true",
            f"--results={'NT' if graph else 'JSON'}",
            "--query",
            str(path),
        )
        if graph:
            return QueryResult("graph", triples=[ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(out, format=ox.RdfFormat.N_TRIPLES)])
        answer = ox.parse_query_results(out, format=ox.QueryResultsFormat.JSON)
        if isinstance(answer, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(answer))
        variables = [v.value for v in answer.variables]
        return QueryResult("select", variables, [tuple(s[i] for i in range(len(variables))) for s in answer])


def assert_same_rows_at(kg, endpoint: str, golden: Path) -> None:
    """The golden case ``golden`` (a canned query and its parameters) answered on a SPARQL endpoint
    gives exactly the embedded store's variables and rows."""
    from kgraph.graph import KnowledgeGraph

    name = golden.stem.split("--")[0]
    params = CASES.get(golden.stem, {})
    remote = KnowledgeGraph(workspace=kg.workspace, endpoint=endpoint).query(name, params)
    embedded = kg.query(name, params)
    assert remote.variables == embedded.variables
    extra, missing = Counter(remote.rows) - Counter(embedded.rows), Counter(embedded.rows) - Counter(remote.rows)
    assert not extra and not missing, f"{golden.stem}: only at the endpoint {sorted(map(str, extra))}; only embedded {sorted(map(str, missing))}"
