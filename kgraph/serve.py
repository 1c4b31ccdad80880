"""``kgraph serve``: a read-only SPARQL 1.1 Protocol endpoint over the embedded store, and the
canned queries over HTTP.

- ``/sparql``: a query by GET (``?query=``) or POST (form-encoded, or ``application/sparql-query``);
  the answer in the format the client accepts (SELECT and ASK: SPARQL JSON, XML, CSV or TSV;
  CONSTRUCT and DESCRIBE: Turtle, N-Triples or JSON-LD); a GET without a query returns the
  SPARQL 1.1 Service Description. Updates are refused (403), a malformed query is 400 with the
  parser's message.
- ``/queries``: the canned queries (JSON); ``/queries/NAME?param=value&limit=N&offset=M`` runs
  one, in the same formats.

Safety: the process is sealed off the network (:func:`kgraph.netguard.seal`) once its socket is
open, so no query can make a request (SERVICE is refused before that anyway); each query runs
in a worker thread within a time and memory limit, so a slow query does not stop others from
being answered; request bodies and answers have size limits; by default it listens on
127.0.0.1 only. CORS lets browser tools elsewhere query it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kgraph import netguard
from kgraph.errors import KgraphError, QueryLimitError, QueryRefusedError, UnknownQueryError, UsageError

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from kgraph.graph import KnowledgeGraph
    from kgraph.results import QueryResult

# media type -> kgraph's result format, in the order a client that accepts anything gets them
SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
}
GRAPH_TYPES = {"text/turtle": "ttl", "application/n-triples": "nt", "application/ld+json": "jsonld", "text/plain": "nt"}


@dataclass(frozen=True)
class ServeLimits:
    """What one request may ask of the server (defaults that keep it responsive)."""

    seconds: float = 30.0  # per query
    memory: int = 1024**3  # bytes per query, beyond what the process held when it started
    rows: int = 100_000  # in one answer
    request_bytes: int = 1 << 20  # a query sent in a request body


def _negotiate(accept: str, offered: dict[str, str]) -> str | None:
    """The media type of ``offered`` that the Accept header prefers (the first offered for */*);
    None where it accepts none of them.

    >>> _negotiate("text/csv;q=0.5, application/sparql-results+xml", SELECT_TYPES)
    'application/sparql-results+xml'
    >>> _negotiate("", GRAPH_TYPES)
    'text/turtle'
    """
    if not accept.strip():
        return next(iter(offered))
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.strip().lower()
        if q <= 0:
            continue
        if media in ("*/*", "application/*", "text/*"):
            kind = media.split("/")[0]
            match = next((m for m in offered if kind == "*" or m.startswith(kind + "/")), None)
        else:
            match = media if media in offered else None
        if match is not None:
            ranked.append((-q, i, match))
    return min(ranked)[2] if ranked else None


SERVICE_DESCRIPTION = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .

[] a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML, formats:SPARQL_Results_CSV,
        formats:SPARQL_Results_TSV, formats:Turtle, formats:N-Triples, formats:JSON-LD ;
    sd:feature sd:UnionDefaultGraph ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] .
"""


def _error(status: int, message: str) -> Response:
    from starlette.responses import PlainTextResponse

    return PlainTextResponse(message + "\n", status_code=status)


class _Endpoint:
    """The request handlers, over one knowledge graph and its limits."""

    def __init__(self, kg: KnowledgeGraph, limits: ServeLimits) -> None:
        from kgraph.engines import QueryLimits
        from kgraph.pages import Sources

        self.kg, self.limits = kg, limits
        kg.limits = QueryLimits(limits.seconds, limits.memory)
        kg.engine()  # the build is found (or made) before the first request, and its store opened
        self.sources = Sources(kg)

    def answer(self, result: QueryResult, accept: str) -> Response:
        from starlette.responses import Response

        graph = result.kind == "graph"
        offered = GRAPH_TYPES if graph else SELECT_TYPES
        media = _negotiate(accept, offered)
        if media is None:
            return _error(406, "none of the accepted types fits this answer; offered: " + ", ".join(offered))
        if result.kind == "select" and len(result.rows) > self.limits.rows:
            return _error(413, f"the answer has more than {self.limits.rows:,} rows, the limit of one answer: add a LIMIT, or use paging")
        fmt = offered[media]
        if result.kind == "ask" and fmt in ("csv", "tsv"):  # SPARQL CSV/TSV have no boolean form
            return _error(406, "an ASK answer is JSON or XML")
        charset = "; charset=utf-8" if media.startswith("text/") or media.endswith("json") else ""
        return Response(result.serialize(fmt), media_type=media + charset)

    async def run(self, call: Callable[[], QueryResult], accept: str) -> Response:
        """Run a query in a worker thread (others are served meanwhile), and answer it."""
        from starlette.concurrency import run_in_threadpool

        try:
            result = await run_in_threadpool(call)
        except QueryRefusedError as e:
            return _error(403 if "Update" in e.message else 400, str(e))
        except QueryLimitError as e:
            return _error(503, str(e))
        except KgraphError as e:
            return _error(400, str(e))
        return self.answer(result, accept)

    async def body_of(self, request: Request) -> bytes | Response:
        """The request's body, or 413 past the limit (checked as it arrives, whatever it claims)."""
        too_big = _error(413, f"the request is larger than {self.limits.request_bytes:,} bytes")
        size = request.headers.get("content-length", "")
        if size.isdigit() and int(size) > self.limits.request_bytes:
            return too_big
        data = b""
        async for chunk in request.stream():
            data += chunk
            if len(data) > self.limits.request_bytes:
                return too_big
        request.state.body = data  # read once: the dataset's fields may be in it too
        return data

    async def queries_of(self, request: Request) -> list[str] | Response:  # noqa: PLR0911 - one return for each way the Protocol sends a query
        """The queries a request carries, as the SPARQL 1.1 Protocol allows, or the refusal."""
        if request.method == "GET":
            return _error(403, READ_ONLY) if request.query_params.getlist("update") else request.query_params.getlist("query")
        data = await self.body_of(request)
        if not isinstance(data, bytes):
            return data
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            from urllib.parse import parse_qs

            form = parse_qs(data.decode("utf-8", "replace"), keep_blank_values=True)
            return _error(403, READ_ONLY) if "update" in form else form.get("query", [])
        if kind == "application/sparql-query":
            if request.query_params.getlist("query"):
                return _error(400, "a direct POST carries its query in the body, not also in the URL")
            return [data.decode("utf-8", "replace")]
        if kind == "application/sparql-update":
            return _error(403, READ_ONLY)
        return _error(415, "send the query as application/x-www-form-urlencoded or application/sparql-query")

    async def sparql(self, request: Request) -> Response:
        from starlette.responses import Response

        queries = await self.queries_of(request)
        if not isinstance(queries, list):
            return queries
        if not queries and request.method == "GET":
            return Response(SERVICE_DESCRIPTION.format(endpoint=str(request.url).split("?")[0]), media_type="text/turtle")
        if len(queries) != 1:
            return _error(400, "give exactly one query")
        dataset = await self.dataset_of(request)
        if not isinstance(dataset, tuple):
            return dataset
        text = queries[0]
        if dataset == ([], []):
            return await self.run(lambda: self.kg.sparql(text, source="query"), request.headers.get("accept", ""))
        from kgraph.engines import OxigraphEngine

        engine = self.kg.engine()
        assert isinstance(engine, OxigraphEngine)
        return await self.run(lambda: engine.run(text, source="query", dataset=dataset), request.headers.get("accept", ""))

    async def dataset_of(self, request: Request) -> tuple[list[str], list[str]] | Response:
        """The dataset a request names (``default-graph-uri``, ``named-graph-uri``): graphs of the
        store, which override the query's FROM; never fetched."""
        import pyoxigraph as ox

        fields = {k: request.query_params.getlist(k) for k in ("default-graph-uri", "named-graph-uri")}
        if request.method == "POST" and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            from urllib.parse import parse_qs

            form = parse_qs(getattr(request.state, "body", b"").decode("utf-8", "replace"))
            fields = {k: fields[k] + form.get(k, []) for k in fields}
        for iri in fields["default-graph-uri"] + fields["named-graph-uri"]:
            try:
                ox.NamedNode(iri)
            except ValueError:
                return _error(400, f"{iri!r} is not an IRI")
        return fields["default-graph-uri"], fields["named-graph-uri"]

    async def query_list(self, request: Request) -> Response:
        from starlette.responses import HTMLResponse, JSONResponse

        if _negotiate(request.headers.get("accept", ""), {"application/json": "json", "text/html": "html"}) == "text/html":
            from kgraph.pages import index_page

            return HTMLResponse(index_page(self.kg))

        return JSONResponse(
            [
                {
                    "name": q.name,
                    "title": q.title,
                    "description": q.description,
                    "params": [{"name": p.name, "type": p.type, "default": p.default, "meaning": p.meaning} for p in q.params],
                    "columns": list(q.columns),
                    "href": f"/queries/{q.name}",
                }
                for q in self.kg.catalogue
            ]
        )

    async def canned(self, request: Request) -> Response:
        name = request.path_params["name"]
        params = {k: v for k, v in request.query_params.items() if k not in ("limit", "offset")}
        try:
            limit = int(request.query_params["limit"]) if "limit" in request.query_params else None
            offset = int(request.query_params.get("offset", "0"))
        except ValueError:
            return _error(400, "limit and offset take whole numbers")
        return await self.run(lambda: self.kg.query(name, params, limit=limit, offset=offset), request.headers.get("accept", ""))

    # -- the pages ---------------------------------------------------------------------------
    async def index(self, _request: Request) -> Response:
        from starlette.responses import HTMLResponse

        from kgraph.pages import index_page

        return HTMLResponse(index_page(self.kg))

    async def ask(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import HTMLResponse

        from kgraph.pages import ask_page

        name = request.path_params["name"]
        params = {k: v for k, v in request.query_params.items() if v}
        try:
            result = await run_in_threadpool(lambda: self.kg.query(name, params))
        except QueryLimitError as e:
            return _error(503, str(e))
        except KgraphError as e:
            return _error(404 if isinstance(e, UnknownQueryError) else 400, str(e))
        return HTMLResponse(ask_page(self.kg, name, params, result, self.sources))

    async def entity(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import HTMLResponse, Response

        from kgraph.namespaces import ID
        from kgraph.pages import entity_page

        iri = ID + request.path_params["local"]
        accept = request.headers.get("accept", "")
        media = _negotiate(accept, {"text/html": "html", **GRAPH_TYPES})
        if media is not None and media != "text/html" and "text/html" not in accept:
            import pyoxigraph as ox

            result = await run_in_threadpool(
                lambda: self.kg.engine().run("CONSTRUCT { ?e ?p ?o } WHERE { ?e ?p ?o }", {"e": ox.NamedNode(iri)}, source="entity")
            )
            if not result.triples:
                return _error(404, f"{iri}: not in the knowledge graph")
            return Response(result.serialize(GRAPH_TYPES[media]), media_type=media + "; charset=utf-8")
        text = await run_in_threadpool(lambda: entity_page(self.kg, iri, self.sources))
        return HTMLResponse(text) if text is not None else _error(404, f"{iri}: not in the knowledge graph")

    async def source_list(self, _request: Request) -> Response:
        from starlette.responses import HTMLResponse

        from kgraph.pages import sources_page

        return HTMLResponse(sources_page(self.sources))

    async def source(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import HTMLResponse

        from kgraph.namespaces import ID
        from kgraph.pages import source_page

        document = self.sources.by_iri(ID + request.path_params["local"])
        if document is None:
            return _error(404, "no such source document")
        return HTMLResponse(await run_in_threadpool(lambda: source_page(self.kg, document)))

    async def editor(self, _request: Request) -> Response:
        from starlette.responses import HTMLResponse

        from kgraph.pages import editor_page

        return HTMLResponse(editor_page())


READ_ONLY = "SPARQL Update is refused: this endpoint is read-only"


def create_app(kg: KnowledgeGraph, limits: ServeLimits | None = None) -> Starlette:
    """The ASGI application serving ``kg`` read-only."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.routing import Route

    endpoint = _Endpoint(kg, limits or ServeLimits())
    from pathlib import Path

    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    routes = [
        Route("/", endpoint.index, methods=["GET"]),
        Route("/sparql", endpoint.sparql, methods=["GET", "POST"]),
        Route("/queries", endpoint.query_list, methods=["GET"]),
        Route("/queries/{name}", endpoint.canned, methods=["GET"]),
        Route("/ask/{name}", endpoint.ask, methods=["GET"]),
        Route("/id/{local:path}", endpoint.entity, methods=["GET"]),
        Route("/sources", endpoint.source_list, methods=["GET"]),
        Route("/source/{local:path}", endpoint.source, methods=["GET"]),
        Route("/editor", endpoint.editor, methods=["GET"]),
        Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
    ]
    middleware = [Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"])]
    return Starlette(routes=routes, middleware=middleware)


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, opened before the process is sealed off the network."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror}", hint="choose another --port, or stop what uses it") from None
    sock.listen(128)
    return sock


def serve(kg: KnowledgeGraph, *, host: str = "127.0.0.1", port: int = 8000, limits: ServeLimits | None = None) -> None:
    """Serve until interrupted. The socket is opened first, then the process is sealed, so that
    nothing it runs can open another connection."""
    import uvicorn

    app = create_app(kg, limits)
    sock = listen(host, port)
    netguard.seal()
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=2)
    uvicorn.Server(config).run(sockets=[sock])
