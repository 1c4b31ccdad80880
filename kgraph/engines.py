"""Query engines over the materialised dataset: Oxigraph (default) and rdflib (for cross-checks).

Both see the default graph as the union of all named graphs, run read-only queries only,
bind parameters as RDF terms (Oxigraph as a VALUES block of terms written by pyoxigraph, which
it plans with; rdflib through initBindings), never by pasting the user's text into the query,
and return a QueryResult of pyoxigraph terms, so that every canned query can be compared row
for row across engines.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar, cast

import pyoxigraph as ox

from kgraph import netguard
from kgraph.errors import NetworkBlockedError, ParseError, QueryLimitError, WorkspaceError
from kgraph.namespaces import PREFIXES
from kgraph.results import QueryResult
from kgraph.sparql import bind_values, check_query, with_prefixes, without_defaults
from kgraph.terms import Term, rdf_bytes

if TYPE_CHECKING:
    import rdflib
    from rdflib.term import Identifier

ENGINES = ("oxigraph", "rdflib")
T = TypeVar("T")


class QueryEngine(Protocol):
    """What runs a query for kgraph: the embedded store, rdflib, or a remote SPARQL endpoint.

    >>> engine: QueryEngine = OxigraphEngine(ox.Store())
    >>> engine.run("ASK { ?s ?p ?o }").boolean
    False
    """

    name: str

    def run(self, text: str, bindings: Mapping[str, Term] | None = None, *, source: str = "query") -> QueryResult:
        """Run a read-only query, the variables in ``bindings`` bound to those terms."""
        ...


class QueryLimits(NamedTuple):
    """How long a query may run and how much memory it may take (None: no limit).

    ``memory`` counts bytes beyond what the process held when the query started. The defaults
    keep a laptop responsive: a runaway cross product stops at the limit instead of swapping.
    """

    seconds: float | None = 60.0
    memory: int | None = 2 * 1024**3


NO_LIMITS = QueryLimits(None, None)


def _resident() -> int | None:
    """The process's resident memory in bytes (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def run_bounded(work: Callable[[], T], limits: QueryLimits, *, source: str = "query") -> T:
    """Run ``work`` (a query and the reading of its answer) within ``limits``.

    The work runs in a thread of its own; Oxigraph releases the interpreter while it evaluates,
    so this thread watches the clock and the memory and answers Ctrl-C at once (COUNT and ORDER
    BY queries had ignored it). Past a limit it raises QueryLimitError; the abandoned query ends
    with the process (the command line exits at once; a long-lived program should run untrusted
    queries in a process of their own).
    """
    done = threading.Event()
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as e:
            outcome.append((False, e))
        finally:
            done.set()

    worker = threading.Thread(target=target, name="kgraph-query", daemon=True)
    started, base = time.monotonic(), (_resident() if limits.memory is not None else None)
    worker.start()
    while not done.wait(0.02):
        if limits.seconds is not None and time.monotonic() - started > limits.seconds:
            raise QueryLimitError(
                f"{source}: stopped after {limits.seconds:g} s, the time limit",
                hint="narrow the query (a LIMIT, a more specific pattern), or give it more time with --timeout SECONDS",
            )
        if base is not None and limits.memory is not None:
            now = _resident()
            if now is not None and now - base > limits.memory:
                raise QueryLimitError(
                    f"{source}: stopped at {limits.memory / 2**20:,.0f} MB, the memory limit",
                    hint="narrow the query (a LIMIT, fewer variables in ORDER BY, no cross product), or raise the limit with --max-memory MB",
                )
    ok, value = outcome[0]
    if not ok:
        raise value
    return cast("T", value)


class OxigraphEngine:
    """SPARQL on an Oxigraph store.

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("http://e/Astana"), ox.NamedNode("http://e/in"), ox.NamedNode("http://e/KZ"), ox.NamedNode("http://e/g")))
    >>> OxigraphEngine(store).run("SELECT ?x WHERE { ?x <http://e/in> ?c }", {"c": ox.NamedNode("http://e/KZ")}).rows
    [(<NamedNode value=http://e/Astana>,)]
    """

    name = "oxigraph"

    def __init__(self, store: ox.Store, limits: QueryLimits = NO_LIMITS) -> None:
        self.store = store
        self.limits = limits

    def run(
        self, text: str, bindings: Mapping[str, Term] | None = None, *, source: str = "query", dataset: tuple[list[str], list[str]] | None = None
    ) -> QueryResult:
        """Run a read-only query; ``bindings`` maps variable names to pyoxigraph terms.

        Bindings go into the query as a VALUES block of RDF terms (see
        :func:`kgraph.sparql.bind_values`), which Oxigraph uses to plan the joins. ``dataset``
        (default graphs, named graphs: IRIs of the store's graphs, never fetched) is the dataset
        the SPARQL Protocol's ``default-graph-uri`` and ``named-graph-uri`` name; it overrides
        the query's own FROM and FROM NAMED.
        """
        checked = check_query(text, source=source)  # refuses updates and SERVICE; the engine reads what was checked
        # The default graph is the union of all graphs, unless the query names its own dataset:
        # Oxigraph would otherwise ignore FROM, where rdflib (and the standard) honour it.
        union = "FROM" not in checked.keywords
        text, shift = with_prefixes(checked.text, PREFIXES)
        bound = bind_values(text, bindings) if bindings else text
        netguard.before_native_query()

        graphs: dict[str, Any] = {"use_default_graph_as_union": union}
        if dataset is not None:
            default, named = dataset
            graphs = {
                "default_graph": [ox.NamedNode(g) for g in default] or None,
                "named_graphs": [ox.NamedNode(g) for g in named] or None,
            }

        def work() -> QueryResult:
            answer = self.store.query(bound, **graphs)
            if isinstance(answer, ox.QueryBoolean):
                return QueryResult("ask", boolean=bool(answer))
            if isinstance(answer, ox.QueryTriples):
                return QueryResult("graph", triples=list(answer))
            variables = [v.value for v in answer.variables]
            return QueryResult("select", variables, [tuple(solution[i] for i in range(len(variables))) for solution in answer])

        try:
            return run_bounded(work, self.limits, source=source)
        except SyntaxError as e:
            raise _query_syntax_error(e, source, shift) from None
        except RuntimeError as e:
            if str(e).startswith(_STORAGE_FAULTS):  # RocksDB found a damaged file while reading
                raise WorkspaceError(f"{source}: the embedded store is damaged: {e}", hint="run 'kgraph build --force' to rebuild it") from None
            raise ParseError(str(e), path=source) from None
        except OSError as e:
            if netguard.sealed():  # the kernel refused a socket: something in the query tried to reach out
                raise NetworkBlockedError(
                    f"{source}: the query tried to open a network connection, which kgraph refused: {e}",
                    hint="kgraph queries read the embedded store only; query a remote store with --endpoint URL",
                ) from None
            raise WorkspaceError(f"{source}: the embedded store could not be read: {e}", hint="run 'kgraph build --force' to rebuild it") from None


_STORAGE_FAULTS = ("Corruption", "IO error", "Invalid argument: ", "Not implemented: ", "Result incomplete")
_OX_POSITION = re.compile(r"^error at (\d+):(\d+): ")


def _query_syntax_error(e: SyntaxError, source: str, shift: int = 0) -> ParseError:
    message = e.msg or str(e)
    m = _OX_POSITION.match(message)
    line, column = (int(m.group(1)), int(m.group(2))) if m else (e.lineno, e.offset)
    column = _user_column(line, column, shift)
    if "Prefix not found" in message:  # Oxigraph lists every character it would have taken instead
        return ParseError(
            "a prefix is used but not declared",
            path=source,
            line=line,
            column=column,
            hint="declare it with PREFIX, or use one 'kgraph prefixes' lists",
        )
    return ParseError(_OX_POSITION.sub("", message), path=source, line=line, column=column, hint=_SYNTAX_HINT)


_SYNTAX_HINT = "check the SPARQL 1.1 syntax at that point (the prefixes 'kgraph prefixes' lists need no PREFIX)"


def _user_column(line: int | None, column: int | None, shift: int) -> int | None:
    """A column on the query's first line as the user counts it, without the prefixes put before it."""
    return max(1, column - shift) if line == 1 and column is not None else column


class RdflibEngine:
    """SPARQL on an in-memory rdflib Dataset: slower, used to cross-check Oxigraph.

    >>> quad = ox.Quad(ox.NamedNode("http://e/Astana"), ox.NamedNode("http://e/in"), ox.NamedNode("http://e/KZ"), ox.NamedNode("http://e/g"))
    >>> RdflibEngine.from_quads([quad]).run("ASK { ?x <http://e/in> <http://e/KZ> }").boolean
    True
    """

    name = "rdflib"

    def __init__(self, dataset: rdflib.Dataset, limits: QueryLimits = NO_LIMITS) -> None:
        self.dataset = dataset
        self.limits = limits

    @classmethod
    def from_quads(cls, quads: list[ox.Quad], limits: QueryLimits = NO_LIMITS) -> RdflibEngine:
        """An engine over these quads (read from the build's store)."""
        from rdflib import Dataset

        _close_rdflib_network_paths()
        ds = Dataset(default_union=True)
        ds.parse(data=rdf_bytes(quads, ox.RdfFormat.N_QUADS), format="nquads")
        return cls(ds, limits)

    def run(self, text: str, bindings: Mapping[str, Term] | None = None, *, source: str = "query") -> QueryResult:
        from pyparsing import ParseException
        from rdflib.query import ResultRow

        from kgraph.terms import from_rdflib, graph_to_triples, to_rdflib

        checked = check_query(text, source=source)
        form = checked.form
        # the query's own VALUES for a parameter (its default, or a value that matches nothing) gives
        # way to the binding, as bind_values does for the other engines
        text, shift = with_prefixes(without_defaults(checked.text, set(bindings or {})) if bindings else checked.text, PREFIXES)
        init = {k: cast("Identifier", to_rdflib(v)) for k, v in (bindings or {}).items()}

        def work() -> QueryResult:
            answer = self.dataset.query(text, initBindings=init)
            if form == "ASK":
                return QueryResult("ask", boolean=bool(answer.askAnswer))
            if form in ("CONSTRUCT", "DESCRIBE"):
                assert answer.graph is not None
                return QueryResult("graph", triples=graph_to_triples(answer.graph))
            names = answer.vars or []
            rows = [tuple(from_rdflib(row[v]) for v in names) for row in answer if isinstance(row, ResultRow)]
            return QueryResult("select", [str(v) for v in names], rows)

        try:
            return run_bounded(work, self.limits, source=source)
        except ParseException as e:
            raise ParseError(e.msg, path=source, line=e.lineno, column=_user_column(e.lineno, e.col, shift), hint=_SYNTAX_HINT) from None
        except Exception as e:  # rdflib reports an undeclared prefix as a bare Exception
            if str(e).startswith("Unknown namespace prefix"):
                raise ParseError(str(e), path=source, hint="declare it with PREFIX, or use one 'kgraph prefixes' lists") from None
            raise


def _close_rdflib_network_paths() -> None:
    """Stop rdflib's SPARQL engine from fetching FROM / FROM NAMED graphs over HTTP."""
    import rdflib.plugins.sparql as rdflib_sparql

    rdflib_sparql.SPARQL_LOAD_GRAPHS = False
