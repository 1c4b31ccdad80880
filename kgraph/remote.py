"""Loading the knowledge graph into stores, and querying remote SPARQL servers.

- ``load_to_store``: create or refresh an embedded Oxigraph store in a folder of the user's.
  The new store is built beside it and swapped in by renames, so a reader (or a killed run)
  sees the old store or the new one, never half of one.
- ``load_to_endpoint``: push the named graphs through the SPARQL 1.1 Graph Store HTTP Protocol
  (PUT to replace, POST to add), one request per graph.
- ``RemoteEngine``: the SPARQL 1.1 Protocol (GET, form POST or direct POST), an engine like the
  embedded ones, which ``KnowledgeGraph(endpoint=...)`` runs every query on.

The network is reached only here, and only for the host the user named (see :mod:`kgraph.netguard`).
Credentials (HTTP Basic or Digest) come from the caller, ``KGRAPH_USER`` / ``KGRAPH_PASSWORD``,
or a callback the command line gives to prompt the person; never from the command line itself.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kgraph import netguard
from kgraph.errors import RemoteError, UsageError, WorkspaceError
from kgraph.lock import workspace_lock
from kgraph.namespaces import DERIVED_GRAPHS, PREFIXES
from kgraph.results import QueryResult
from kgraph.sparql import bind_values, check_query, with_prefixes
from kgraph.stores import write_store
from kgraph.terms import AnyTerm, Term, graph_iri, rdf_bytes

if TYPE_CHECKING:
    from kgraph.build import Build
    from kgraph.graph import KnowledgeGraph

STORE_MARKER = "kgraph-store.json"


# -- embedded stores ---------------------------------------------------------------------------
def load_to_store(kg: KnowledgeGraph, target: Path) -> dict[str, Any]:
    """Create or refresh an on-disk Oxigraph store at ``target`` with the materialised graph.

    Refuses a folder that holds something other than a kgraph store. Concurrent loads into the
    same folder wait for each other.
    """
    target = Path(target).absolute()
    if target.exists() and not target.is_dir():
        raise WorkspaceError(f"{target}: not a folder", hint="give a new or empty folder for the store")
    build = kg.build()
    build.require_conforming()
    if target.exists() and any(target.iterdir()) and not (target / STORE_MARKER).exists():
        raise WorkspaceError(
            f"{target}: the folder is not empty and is not a kgraph store", hint="choose an empty or new folder; kgraph will not overwrite other data"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with workspace_lock(target.parent / f".{target.name}.kgraph", purpose=f"load into {target}"):
        _recover(target)
        tmp = target.with_name(f".{target.name}.new-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            quads = write_store(tmp, _by_graph(build.quads()))
            (tmp / STORE_MARKER).write_text(json.dumps({"key": build.key, "quads": quads}), encoding="utf-8")
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            if target.exists():
                os.rename(target, old)
            os.rename(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        except OSError as e:
            raise WorkspaceError(f"{target}: cannot write the store: {e}") from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return {"quads": quads, "key": build.key, "path": str(target)}


def _by_graph(quads: list[ox.Quad]) -> dict[str, list[ox.Triple]]:
    graphs: dict[str, list[ox.Triple]] = {}
    for q in quads:
        graphs.setdefault(graph_iri(q), []).append(ox.Triple(q.subject, q.predicate, q.object))
    return graphs


def _recover(target: Path) -> None:
    """After a run killed between its two renames, put the previous store back."""
    if target.exists():
        for stale in target.parent.glob(f".{target.name}.old-*"):
            shutil.rmtree(stale, ignore_errors=True)
        return
    olds = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if olds:
        os.rename(olds[-1], target)


# -- HTTP ------------------------------------------------------------------------------------------
Credentials = tuple[str, str]
# Asked for credentials when a server answers 401 and none were given: the command line prompts
# the person at the terminal; the library itself never talks to anyone.
AskCredentials = Callable[[str, str], "Credentials | None"]


def _credentials() -> Credentials | None:
    """Credentials from ``KGRAPH_USER`` and ``KGRAPH_PASSWORD``, if set (never from the command line)."""
    user = os.environ.get("KGRAPH_USER")
    if user is None:
        return None
    return user, os.environ.get("KGRAPH_PASSWORD", "")


class Login:
    """The credentials for one server, kept across its requests: those given, else ``KGRAPH_USER``
    and ``KGRAPH_PASSWORD``, else what ``ask`` (the command line's prompt) answers, once, when the
    server first says 401.

    >>> Login(("ada", "secret")).ask("example.org", "Digest") is None  # given: nobody is asked
    True
    """

    def __init__(self, credentials: Credentials | None = None, ask: AskCredentials | None = None) -> None:
        self.credentials = credentials or _credentials()
        self._ask = ask

    def ask(self, host: str, scheme: str) -> Credentials | None:
        """Ask for the credentials the server wants, if none are known and someone can be asked; kept."""
        if self.credentials is None and self._ask is not None:
            self.credentials, self._ask = self._ask(host, scheme), None
            return self.credentials
        return None


def _check_url(url: str) -> urllib.parse.SplitResult:
    """The parts of an http(s) URL with a host (and a valid port, if any); UsageError otherwise.

    >>> _check_url("http://[::1").scheme
    Traceback (most recent call last):
    ...
    kgraph.errors.UsageError: 'http://[::1' is not an http(s) URL (Invalid IPv6 URL)
      hint: for example http://localhost:7878/store
    """
    try:
        parts = urllib.parse.urlsplit(url)
        _port = parts.port  # checks the port: 0 to 65535
        problem = None if parts.scheme in ("http", "https") and parts.hostname else ""
    except ValueError as e:
        problem = f" ({e})"
    if problem is not None:
        raise UsageError(f"{url!r} is not an http(s) URL{problem}", hint="for example http://localhost:7878/store")
    return parts


MAX_RESPONSE = 1 << 30  # bytes of one answer; a bigger one is refused, not read into memory


def _read_bounded(response: Any, url: str, what: str, timeout: float) -> bytes:
    """The body, read within ``timeout`` seconds overall (a server that drips a byte at a time
    would pass every per-read timeout) and at most :data:`MAX_RESPONSE` bytes."""
    import time

    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read1(1 << 16)  # what has come, without waiting for the rest
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_RESPONSE:
            raise RemoteError(
                f"{url}: the answer is larger than {MAX_RESPONSE} bytes while {what}", hint="ask for less: --limit, or a narrower query"
            )
        if time.monotonic() > deadline:
            raise RemoteError(
                f"{url}: the answer took more than {timeout:g} s while {what} ({size} bytes so far)",
                hint="raise --timeout, or check the server's load",
            )
        chunks.append(chunk)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuse every redirect: the answer comes back as the HTTPError it is."""

    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


_SCHEMES: dict[str, str] = {}  # the authentication scheme each server (scheme://host:port) asked for, once seen


class _Basic(urllib.request.HTTPBasicAuthHandler):
    def http_error_401(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any) -> Any:
        if "basic" in (headers.get("WWW-Authenticate") or "").lower()[:6]:
            _SCHEMES[_origin(req.full_url)] = "basic"
        return super().http_error_401(req, fp, code, msg, headers)


class _Digest(urllib.request.HTTPDigestAuthHandler):
    def http_error_401(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any) -> Any:
        if "digest" in (headers.get("WWW-Authenticate") or "").lower()[:7]:
            _SCHEMES[_origin(req.full_url)] = "digest"
        return super().http_error_401(req, fp, code, msg, headers)


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _opener(url: str, auth: Credentials | None) -> urllib.request.OpenerDirector:
    """An opener that follows no redirect and answers a Basic or a Digest challenge with ``auth``,
    for this URL's scheme, host and port only.

    The first request to a server goes without credentials and meets its challenge; once a server
    is known to take Basic, they go with every request (a load's body is then not sent twice). A
    Basic header sent to a Digest server made it refuse the Digest answer that followed.
    """
    handlers: list[urllib.request.BaseHandler] = [_NoRedirects()]
    if auth is not None:
        origin = _origin(url)
        passwords = urllib.request.HTTPPasswordMgrWithPriorAuth()
        passwords.add_password(None, origin, auth[0], auth[1], is_authenticated=_SCHEMES.get(origin) == "basic")
        handlers += [_Basic(passwords), _Digest(passwords)]
    return urllib.request.build_opener(*handlers)


def _scheme_of(error: urllib.error.HTTPError) -> str:
    challenge = (error.headers.get("WWW-Authenticate") or "").strip()
    return challenge.split(" ", 1)[0] or "an unnamed"


def _request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
    what: str,
    login: Login | None = None,
    shown: str | None = None,
) -> tuple[int, bytes]:
    """One HTTP request with clear errors.

    ``login``'s credentials (by default ``KGRAPH_USER`` / ``KGRAPH_PASSWORD``) answer the server's
    Basic or Digest challenge; without any, it asks once on a 401 (see :class:`Login`). Redirects
    are never followed, so credentials never reach another host or port. ``shown`` is the address
    errors name (a GET's URL carries the whole query).
    """
    parts = _check_url(url)
    full, url = url, shown or url
    host = parts.hostname or ""  # (checked to be there)
    login = login or Login()
    auth = login.credentials
    for attempt in (1, 2):
        request = urllib.request.Request(full, data=body, method=method, headers=dict(headers or {}))  # noqa: S310 (http(s) checked)
        try:
            with netguard.allow(host), _opener(full, auth).open(request, timeout=timeout) as response:
                return response.status, _read_bounded(response, url, what, timeout)
        except urllib.error.HTTPError as e:
            if 300 <= e.code < 400:  # never followed: urllib would re-send a POST as a GET without its body, credentials and all
                where = e.headers.get("Location", "(no Location header)")
                raise RemoteError(
                    f"{url}: the server redirects (HTTP {e.code}) to {where} while {what}; kgraph follows no redirect",
                    hint="give the address it redirects to, if you trust it",
                ) from None
            detail = e.read()[:300].decode("utf-8", "replace").strip()
            if e.code == 401:
                if attempt == 1 and auth is None:
                    auth = login.ask(host, _scheme_of(e))
                    if auth is not None:
                        continue
                scheme = _scheme_of(e)
                hint = (
                    f"the server asks for {scheme} authentication and refused the credentials given: check KGRAPH_USER and KGRAPH_PASSWORD"
                    if auth is not None
                    else f"the server asks for {scheme} authentication: set KGRAPH_USER and KGRAPH_PASSWORD (or run in a terminal to be asked)"
                )
                raise RemoteError(f"{url}: HTTP 401 while {what}" + (f": {detail}" if detail else ""), hint=hint) from None
            raise _http_error(e.code, url, what, detail) from None
        except urllib.error.URLError as e:
            reason = getattr(e, "reason", e)
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise _timed_out(url, what, timeout, method) from None
            raise RemoteError(
                f"{url}: cannot reach the server while {what} ({reason})", hint="is the server running, and are the host and port right?"
            ) from None
        except TimeoutError:
            raise _timed_out(url, what, timeout, method) from None
        except (http.client.HTTPException, OSError) as e:  # closed half-way, a garbled status line, a reset
            raise RemoteError(
                f"{url}: the connection failed while {what} ({type(e).__name__}: {e or 'no detail'})",
                hint="the server closed the connection or did not speak HTTP: is it a SPARQL server, and is it well?",
            ) from None
    raise RemoteError(f"{url}: the server refused the credentials")  # pragma: no cover - loop always returns or raises


def _timed_out(url: str, what: str, timeout: float, method: str) -> RemoteError:
    hint = "raise --timeout, or check the server's load"
    if method == "POST" and "query" in what:
        hint += "; some servers (Virtuoso) never answer a query POSTed as application/sparql-query: try --method get or --method form"
    return RemoteError(f"{url}: no answer within {timeout:g} s while {what}", hint=hint)


def _http_error(code: int, url: str, what: str, detail: str) -> RemoteError:
    hints = {
        403: "the credentials are valid but not allowed to do this; check the user's rights on the server",
        404: "check the endpoint path (Oxigraph: /store and /query; Fuseki: /DATASET/data and /DATASET/sparql)",
        405: "this URL does not accept that method; for loading use the Graph Store endpoint, for queries the query endpoint",
        413: "the server's upload limit is too small: raise it, or load with --asserted-only",
        415: "the server does not accept N-Triples here; check that this is a Graph Store Protocol endpoint",
    }
    hint = hints.get(code, "check the server's log" if code >= 500 else "check the URL and the server's documentation")
    message = f"{url}: HTTP {code} while {what}"
    if detail:
        message += f": {detail}"
    return RemoteError(message, hint=hint)


# -- Graph Store Protocol ------------------------------------------------------------------------
def load_to_endpoint(  # noqa: PLR0913 - one keyword for each option of 'kgraph load'
    kg: KnowledgeGraph,
    url: str,
    *,
    graph: str | None = None,
    replace: bool = False,
    asserted_only: bool = False,
    copy_to_default: bool = False,
    timeout: float = 60.0,
    progress: Callable[[str], None] | None = None,
    verify: bool = True,
    ask: AskCredentials | None = None,
) -> dict[str, Any]:
    """Push the materialised graph to a SPARQL 1.1 Graph Store Protocol endpoint.

    Each of kgraph's named graphs goes to the graph of the same IRI (or all to ``graph``);
    ``replace`` uses PUT, else POST adds. ``copy_to_default`` also puts the union into the
    server's default graph, for servers whose default graph is not the union of the others.
    ``progress`` is told each graph as it starts, with a bar of the graphs done.

    ``verify`` reads each graph back once it is loaded (a GET of the same graph) and checks that
    the server holds every triple sent, and with ``replace`` no other: a server that answers
    "201 Created" and keeps part of the data is a RemoteError, not a success (issue 10).
    ``ask`` is called for credentials on a 401 when none were given (see :func:`_request`).
    """
    _check_url(url)
    build = kg.build()
    build.require_conforming()
    by_graph: dict[str, list[ox.Triple]] = {}
    for q in skolemized_quads(build):
        if asserted_only and graph_iri(q) in DERIVED_GRAPHS:
            continue
        by_graph.setdefault(graph or graph_iri(q), []).append(ox.Triple(q.subject, q.predicate, q.object))
    targets: list[tuple[str | None, list[ox.Triple]]] = sorted(by_graph.items())
    if copy_to_default:
        union = list(dict.fromkeys(t for ts in by_graph.values() for t in ts))
        targets.append((None, union))
    done: dict[str, tuple[int, int]] = {}
    login = Login(ask=ask)  # asked once at most, kept for the other graphs
    for i, (iri, triples) in enumerate(targets):
        if progress is not None:
            bar = "#" * i + "." * (len(targets) - i)
            progress(
                f"loading graph {i + 1} of {len(targets)} [{bar}]: {len(triples)} triples into {'<' + iri + '>' if iri else 'the default graph'}"
            )
        target = url + ("&" if "?" in url else "?") + (urllib.parse.urlencode({"graph": iri}) if iri else "default")
        body = rdf_bytes(triples, ox.RdfFormat.N_TRIPLES)
        status, _ = _request(
            "PUT" if replace else "POST",
            target,
            body=body,
            timeout=timeout,
            headers={"Content-Type": "application/n-triples"},
            what=f"loading {len(triples)} triples into {'<' + iri + '>' if iri else 'the default graph'}",
            login=login,
        )
        if verify:
            _verify_graph(
                target, triples, exact=replace, timeout=timeout, what=f"reading back {'<' + iri + '>' if iri else 'the default graph'}", login=login
            )
        done[iri or "(default graph)"] = (status, len(triples))
    return {"graphs": done}


def _verify_graph(target: str, sent: list[ox.Triple], *, exact: bool, timeout: float, what: str, login: Login) -> None:
    """Read a graph back from a Graph Store endpoint; RemoteError unless it holds every triple sent
    (and, for a replacement, only those)."""
    _status, body = _request("GET", target, timeout=timeout, what=what, headers={"Accept": "application/n-triples"}, login=login)
    try:
        held = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}
    except (SyntaxError, ValueError) as e:
        raise RemoteError(
            f"{target}: the graph read back is not N-Triples ({e})", hint="load with --no-verify if the server cannot send it"
        ) from None
    missing = sum(t not in held for t in set(sent))
    if missing:
        raise RemoteError(
            f"{target}: the server answered as if it had stored the graph, but holds "
            f"{len(set(sent)) - missing:,} of the {len(set(sent)):,} triples sent",
            hint="check the server's log and limits, then load again (with --replace)",
        )
    if exact and len(held) != len(set(sent)):
        raise RemoteError(
            f"{target}: after the replacement the graph holds {len(held):,} triples, not the {len(set(sent)):,} sent",
            hint="check the server's log, then load again with --replace",
        )


def skolemized_quads(build: Build) -> list[ox.Quad]:
    """The build's quads with blank nodes replaced by stable skolem IRIs (RDF 1.1, section 3.5).

    A blank node sent twice over HTTP becomes two nodes on the server, so loading twice would
    duplicate the ontology's restrictions and lists. Labels come from RDFC-1.0 canonicalisation
    and the build key, so loading the same build again is idempotent, and a different build can
    never merge its blank-node structures into an older one.
    """
    dataset = ox.Dataset(build.quads())
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    prefix = f"https://w3id.org/kgraph/.well-known/genid/{build.key}-"

    def skolem(term: AnyTerm) -> AnyTerm | ox.NamedNode:
        return ox.NamedNode(prefix + term.value) if isinstance(term, ox.BlankNode) else term

    return [ox.Quad(skolem(q.subject), q.predicate, skolem(q.object), q.graph_name) for q in dataset]


# -- SPARQL Protocol ---------------------------------------------------------------------------------
METHODS = ("auto", "get", "form", "direct")
MAX_GET = 2000  # characters of a GET request's URL; a longer query goes in a form-encoded POST

# Is there a triple in a named graph that the default graph does not show? Then the default
# graph is not the union of the named graphs, and every canned query would answer (0 rows).
_NOT_UNION = "ASK { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p ?o } }"


class RemoteEngine:
    """A SPARQL 1.1 Protocol query endpoint, answering like the embedded engines.

    ``method``: how a query is sent, as the SPARQL 1.1 Protocol allows: ``get`` (the query in the
    URL), ``form`` (a form-encoded POST), ``direct`` (a POST of application/sparql-query), or
    ``auto`` (default): GET while the URL stays under 2,000 characters, else a form POST, which
    every server answers (Virtuoso never answers a direct POST). ``auth`` is a (user, password)
    pair for Basic or Digest authentication (default: ``KGRAPH_USER`` / ``KGRAPH_PASSWORD``);
    ``ask`` is called on a 401 when none was given. Only http(s) URLs are taken, and only the
    named host is let through the network guard.

    >>> RemoteEngine("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    kgraph.errors.UsageError: 'file:///etc/passwd' is not an http(s) URL
      hint: for example http://localhost:7878/store
    """

    name = "remote"

    def __init__(
        self, url: str, *, timeout: float = 30.0, method: str = "auto", auth: Credentials | None = None, ask: AskCredentials | None = None
    ) -> None:
        _check_url(url)
        if method not in METHODS:
            raise UsageError(f"unknown method {method!r}", hint="use one of " + ", ".join(METHODS))
        self.url, self.timeout, self.method = url, timeout, method
        self.login = Login(auth, ask)
        self._union_checked = False

    def _send(self, text: str, accept: str, what: str) -> bytes:
        method = self.method
        if method == "auto":
            method = "get" if len(self.url) + len(urllib.parse.quote(text)) + 7 <= MAX_GET else "form"
        headers = {"Accept": accept}
        if method == "get":
            url, verb, body = self.url + ("&" if "?" in self.url else "?") + urllib.parse.urlencode({"query": text}), "GET", None
        elif method == "form":
            url, verb, body = self.url, "POST", urllib.parse.urlencode({"query": text}).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            url, verb, body = self.url, "POST", text.encode("utf-8")
            headers["Content-Type"] = "application/sparql-query"
        try:
            _status, answer = _request(verb, url, body=body, timeout=self.timeout, what=what, headers=headers, login=self.login, shown=self.url)
        except RemoteError as e:
            if method == "get" and len(url) > MAX_GET and ("HTTP 4" in e.message or "connection failed" in e.message):
                raise RemoteError(e.message, hint="the query is too long for a GET request: use --method form (or auto)") from None
            raise
        return answer

    def run(self, text: str, bindings: Mapping[str, Term] | None = None, *, source: str = "query") -> QueryResult:
        checked = check_query(text, source=source)
        form = checked.form
        text = bind_values(with_prefixes(checked.text, PREFIXES)[0], bindings or {})
        accept = "application/n-triples" if form in ("CONSTRUCT", "DESCRIBE") else "application/sparql-results+json"
        body = self._send(text, accept, f"running {source}")
        try:  # the whole answer is read here: a fault anywhere in it (cut short, a bad IRI) is the server's
            if form in ("CONSTRUCT", "DESCRIBE"):
                return QueryResult(
                    "graph", triples=[ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
                )
            if form == "ASK":
                return QueryResult("ask", boolean=_boolean(body))
            answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            if isinstance(answer, ox.QueryBoolean):
                return QueryResult("ask", boolean=bool(answer))
            variables = [v.value for v in answer.variables]
            return QueryResult("select", variables, [tuple(_canonical(s[i]) for i in range(len(variables))) for s in answer])
        except (SyntaxError, ValueError) as e:
            raise RemoteError(
                f"{self.url}: the answer is not valid SPARQL results ({e})",
                hint="is this the query endpoint (Oxigraph: /query; Fuseki: /DATASET/sparql; Virtuoso: /sparql)?",
            ) from None

    def check_union(self) -> None:
        """RemoteError unless the server's default graph shows every named graph's triples, which
        kgraph's canned queries read: checked once, before the first canned query."""
        if self._union_checked:
            return
        if self.run(_NOT_UNION, source="the check of the default graph").boolean:
            raise RemoteError(
                f"{self.url}: the server's default graph is not the union of its named graphs, so every canned query would answer (0 rows)",
                hint="Oxigraph: start it with --union-default-graph; Jena TDB2: set tdb2:unionDefaultGraph true; "
                "or load with 'kgraph load --copy-to-default'",
            )
        self._union_checked = True


_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def _canonical(term: Any) -> Any:
    """A boolean as true or false: some servers (Virtuoso) write the same values as 1 and 0.

    >>> _canonical(ox.Literal("1", datatype=ox.NamedNode(_BOOLEAN))).value
    'true'
    """
    if isinstance(term, ox.Literal) and term.datatype.value == _BOOLEAN and term.value in ("1", "0"):
        return ox.Literal("true" if term.value == "1" else "false", datatype=term.datatype)
    return term


def _boolean(body: bytes) -> bool:
    """An ASK answer in SPARQL JSON; also the 1 or 0 some servers (Virtuoso) send instead of true or false."""
    try:
        answer = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(answer, ox.QueryBoolean):
            return bool(answer)
    except SyntaxError:
        pass
    value = json.loads(body).get("boolean")
    if value in (0, 1, True, False):
        return bool(value)
    raise ValueError(f"no boolean in the answer: {body[:100]!r}")


def run_remote(text: str, url: str, *, timeout: float = 30.0) -> QueryResult:
    """Run an ad-hoc read-only query on a remote endpoint."""
    return RemoteEngine(url, timeout=timeout).run(text)
