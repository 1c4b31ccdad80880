"""The ``kgraph`` command line. Each command is a thin layer over :class:`kgraph.graph.KnowledgeGraph`.

Only this module prints and chooses exit codes; :data:`kgraph.errors.EXIT_CODES` says what
each means (and is what ``--help`` and the README show).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import stat
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kgraph import netguard
from kgraph._version import __version__
from kgraph.engines import ENGINES
from kgraph.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NONCONFORMING,
    EXIT_OK,
    EXIT_USAGE,
    KgraphError,
    NonConformingError,
    RemoteError,
    UsageError,
    exit_code_summary,
)
from kgraph.formats import EXPORT_FORMATS, GRAPH_RESULT_FORMATS, REPORT_FORMATS, RESULT_FORMATS, SUMMARY_FORMATS

if TYPE_CHECKING:
    import threading

    from kgraph.evidence import Span
    from kgraph.graph import KnowledgeGraph
    from kgraph.validation import ValidationReport


def _kg(args: argparse.Namespace) -> KnowledgeGraph:
    """The knowledge graph the arguments name: the workspace, the query limits, and a remote
    endpoint (with its method, timeout and a prompt for credentials) where one is given."""
    from kgraph.engines import QueryLimits
    from kgraph.graph import KnowledgeGraph

    endpoint = getattr(args, "endpoint", None) if args.func in (cmd_query, cmd_sparql) else None
    remote = None
    if endpoint:
        from kgraph.remote import RemoteEngine

        remote = RemoteEngine(endpoint, timeout=args.timeout or REMOTE_SECONDS, method=args.method, ask=_ask_credentials)
    seconds = getattr(args, "timeout", None) if not endpoint else None
    megabytes = getattr(args, "max_memory", QUERY_MEGABYTES)
    return KnowledgeGraph(workspace=args.workspace, limits=QueryLimits(seconds or QUERY_SECONDS, megabytes * 2**20), endpoint=remote)


def _ask_credentials(host: str, scheme: str) -> tuple[str, str] | None:
    """Ask the person at the terminal for a user and password (a server answered 401); None if nobody is there."""
    if sys.stdin is None or not sys.stdin.isatty():
        return None
    import getpass

    print(f"{host} asks for {scheme} authentication", file=sys.stderr)
    return input(f"user for {host}: "), getpass.getpass("password: ")


class Progress:
    """Says what a long step is doing, on standard error, when a person is at the terminal.

    Quiet when fast: a stage's line appears only once the stage has taken more than ``delay``
    seconds, so a cached query or a small add prints nothing.
    """

    def __init__(self, *, delay: float = 1.0, stream: TextIO | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.delay = delay
        self.enabled = not quiet and self.stream.isatty()
        self._timer: threading.Timer | None = None  # while a stage runs (threading is imported only then)
        self._started = time.monotonic()

    def __call__(self, line: str) -> None:
        self.done()
        if self.enabled:
            import threading

            self._timer = threading.Timer(self.delay, self._say, args=(line,))
            self._timer.daemon = True
            self._timer.start()

    def _say(self, line: str) -> None:
        print(f"kgraph: {line} ({time.monotonic() - self._started:.0f} s so far)", file=self.stream, flush=True)

    def done(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.done()


def _write_output(text: str | bytes, output: str | None) -> None:
    """Print to stdout, or write a file atomically (a partial file is never left behind)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if not output or output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from kgraph.files import write_atomically

    target = Path(output)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        raise UsageError(f"{target}: cannot write: {e.strerror}") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(f"{target}: not a regular file; kgraph replaces only regular files", hint="give a file name, or - for standard output")
    try:
        write_atomically(target, data)
        if mode is not None:
            os.chmod(target, stat.S_IMODE(mode))  # the replaced file's permissions, not the umask's
    except OSError as e:
        raise UsageError(f"{target}: cannot write: {e.strerror}") from None


# -- commands ------------------------------------------------------------------------------
def cmd_queries(args: argparse.Namespace) -> int:
    queries = _kg(args).list_queries()
    if args.format == "json":
        _write_output(
            json.dumps(
                [
                    {
                        "name": q.name,
                        "title": q.title,
                        "description": q.description,
                        "params": [{"name": p.name, "type": p.type, "default": p.default, "meaning": p.meaning} for p in q.params],
                        "columns": list(q.columns),
                        "tags": list(q.tags),
                    }
                    for q in queries
                ],
                indent=2,
            ),
            None,
        )
        return EXIT_OK
    width = max(len(q.name) for q in queries)
    lines = []
    for q in queries:
        params = " ".join(f"{p.name}={p.type}" + ("" if p.required else f"[{p.default}]") for p in q.params)
        lines.append(f"{q.name.ljust(width)}  {q.title}" + (f"  (params: {params})" if params else ""))
        lines.append(f"{' ' * width}  {q.description.split('. ')[0].rstrip('.')}.")
    _write_output("\n".join(lines) + "\n", None)
    return EXIT_OK


def _table_width(args: argparse.Namespace) -> int | None:
    """The width a table fits: $COLUMNS, else the terminal's (standard output, or standard error when
    the output goes to a pager); None where no person is looking (a file, a script)."""
    if args.output and args.output != "-":
        return None
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None and stream.isatty():
                return os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            continue
    return None


def cmd_query(args: argparse.Namespace) -> int:
    from kgraph.params import parse_assignments

    params = parse_assignments(args.param or [])
    result = _kg(args).query(args.name, params, engine=args.engine, limit=args.limit, offset=args.offset)
    _write_output(result.serialize(args.format, width=_table_width(args), wide=args.wide), args.output)
    return EXIT_OK


def cmd_sparql(args: argparse.Namespace) -> int:
    if (args.query is None) == (args.file is None):
        raise UsageError("give a query text or --file FILE.rq, not both or neither")
    if args.file:
        source = args.file
        try:
            text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise UsageError(f"{args.file}: cannot read query: {e}") from None
    else:
        text, source = args.query, "query"
    result = _kg(args).sparql(text, engine=args.engine, source=source)
    fmt = args.format or ("ttl" if result.kind == "graph" else "table")
    _write_output(result.serialize(fmt, width=_table_width(args), wide=args.wide), args.output)
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    kg = _kg(args)
    with Progress(quiet=args.quiet) as progress:
        build = kg.build(force=args.force, reference=args.reference, progress=progress)
    m = build.manifest
    if args.format == "json":
        _write_output(json.dumps(m, indent=2) + "\n", None)
    else:
        t = m["triples"]
        how = f"built in {m['seconds']['total']:.1f} s" if build.fresh else "cached; inputs unchanged"
        lines = [
            f"build {m['key']} ({how})",
            f"  inputs: {len(m['inputs'])} files",
            f"  triples: {t['asserted']} asserted, {t['inferred']} inferred, {t['shapes']} in shapes",
            f"  validation: {m['checked']} nodes checked, {m['violations']} violation(s), {m['warnings']} warning(s)",
            f"  report: {build.report_path}",
            f"  store: {build.store_path}",
        ]
        _write_output("\n".join(lines) + "\n", None)
    if not build.conforms:
        print(build.report().to_text(), file=sys.stderr)
        return EXIT_NONCONFORMING
    return EXIT_OK


def _print_report(report: ValidationReport, fmt: str) -> None:
    if fmt == "json":
        _write_output(report.to_json() + "\n", None)
    elif fmt == "turtle":
        _write_output(report.report_turtle, None)
    else:
        _write_output(report.to_text() + "\n", None)


def cmd_validate(args: argparse.Namespace) -> int:
    with Progress(quiet=args.quiet) as progress:
        report = _kg(args).validate(args.files, reference=args.reference, progress=progress, base=args.base)
    _print_report(report, args.format)
    return EXIT_OK if report.conforms else EXIT_NONCONFORMING


def cmd_add(args: argparse.Namespace) -> int:
    from kgraph.terms import show_term

    kg = _kg(args)
    try:
        with Progress(quiet=args.quiet) as progress:
            result = kg.add(args.files, reference=args.reference, progress=progress, base=args.base)
    except NonConformingError as e:
        if e.report is not None:
            _print_report(e.report, "text")
        raise
    for t in result.duplicates[:10]:
        print(f"already present, not added: {show_term(t.subject)} {show_term(t.predicate)} {show_term(t.object)}", file=sys.stderr)
    if len(result.duplicates) > 10:
        print(f"... and {len(result.duplicates) - 10} more already present", file=sys.stderr)
    if result.written:
        for p in result.written:
            print(f"wrote {p}")
        build = result.build
        how = "updated in place" if build is not None and build.manifest.get("updated_by_add") else "rebuilt"
        print(f"added {result.added} triple(s); {len(result.duplicates)} already present; knowledge graph {how} ({build and build.key})")
    else:
        print(f"nothing to add: all {len(result.duplicates)} triple(s) are already present")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    data = _kg(args).export(args.format, asserted_only=args.asserted_only)
    _write_output(data, args.output)
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from kgraph.namespaces import shorten

    stats = _kg(args).stats()
    if args.format == "json":
        _write_output(json.dumps(stats, indent=2, ensure_ascii=False) + "\n", None)
        return EXIT_OK
    t = stats["triples"]
    lines = [
        f"triples: {t['asserted']} asserted, {t['inferred']} inferred ({t['total']} stored with shapes, texts and the span index)",
        f"shapes: {stats['shapes']}   canned queries: {stats['queries']}   conforms: {'yes' if stats['conforms'] else 'no'}",
        "named graphs:",
    ]
    lines += [f"  {shorten(g)}  {n}" for g, n in stats["graphs"].items()]
    lines.append("entities per class (asserted types):")
    lines += [f"  {shorten(c)}  {n}" for c, n in stats["entities_per_class"].items()]
    _write_output("\n".join(lines) + "\n", None)
    return EXIT_OK


def _span_of(args: argparse.Namespace, kg: KnowledgeGraph, words: str) -> Span:
    """The span of ``words`` that the quote options (see :func:`_quote_options`) choose."""
    return kg.span(
        words, document=args.document, document_iri=args.document_iri, occurrence=args.occurrence, prefix=args.prefix or "", suffix=args.suffix or ""
    )


def cmd_span(args: argparse.Namespace) -> int:
    span = _span_of(args, _kg(args), args.text)
    _write_output(span.to_turtle(), None)
    if span.occurrences > 1:
        name = Path(args.document).name if args.document else "the source text"
        print(
            f"kgraph: note: the quote occurs {span.occurrences} times in {name}; this is occurrence {span.occurrence}, "
            f"at {span.start}-{span.end}, "
            "and the span carries the words around it (oa:prefix, oa:suffix) so that it cannot be mistaken "
            "(--occurrence N or --prefix/--suffix pick another)",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_source(args: argparse.Namespace) -> int:
    kg = _kg(args)
    if args.action == "list":
        documents = kg.source_documents()
        width = max((len(name) for name in documents), default=0)
        _write_output("".join(f"{name.ljust(width)}  {iri}\n" for name, iri in sorted(documents.items())), None)
        return EXIT_OK
    missing = [o for o, v in (("FILE.txt", args.file), ("--title", args.title), ("--date", args.date)) if not v]
    if missing:
        raise UsageError(f"source add needs {', '.join(missing)}", hint='kgraph source add FILE.txt --title "..." --date YYYY-MM-DD')
    with Progress(quiet=args.quiet) as progress:
        result = kg.add_source(args.file, title=args.title, date=args.date, iri=args.iri, url=args.url, language=args.language, progress=progress)
    name = Path(args.file).name
    print(f"registered {result.document} as the source text {name} ({result.characters} characters, SHA-256 {result.sha256[:12]}...)")
    for p in result.added.written:
        print(f"wrote {p}")
    print(f'next: kgraph span "WORDS" --document {name}   (writes the evidence for a quote of it)')
    return EXIT_OK


def cmd_added(args: argparse.Namespace) -> int:
    found = _kg(args).additions()
    if args.format == "json":
        rows = [
            {"id": a.id, "file": str(a.path), "added_at": a.added_at, "from": a.source, "triples": a.triples, "texts": list(a.texts)} for a in found
        ]
        _write_output(json.dumps(rows, indent=2) + "\n", None)
        return EXIT_OK
    if not found:
        print("nothing was added to this workspace")
        return EXIT_OK
    width = max(len(a.id) for a in found)
    lines = [f"{'id'.ljust(width)}  added (UTC)           triples  from"]
    for a in found:
        texts = f" (with {', '.join(a.texts)})" if a.texts else ""
        lines.append(f"{a.id.ljust(width)}  {a.added_at}  {a.triples:7d}  {a.source}{texts}")
    _write_output("\n".join(lines) + "\n", None)
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    kg = _kg(args)
    try:
        with Progress(quiet=args.quiet) as progress:
            result = kg.remove(args.id, progress=progress)
    except NonConformingError as e:
        if e.report is not None:
            _print_report(e.report, "text")
        raise
    a = result.addition
    texts = f" and {', '.join(a.texts)}" if a.texts else ""
    print(f"removed {a.id} ({a.triples} triple(s) from {a.source}{texts}); its files are kept in {result.moved_to}")
    print(f"knowledge graph rebuilt without it ({result.build.key})")
    return EXIT_OK


def cmd_reference(args: argparse.Namespace) -> int:
    from kgraph.reference import reference_text

    kg = _kg(args)
    _write_output(reference_text(kg.resources, args.classes or None, markdown=args.format == "markdown"), args.output)
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from kgraph.evidence import SHIPPED_DOCUMENT
    from kgraph.namespaces import ID
    from kgraph.reference import template

    kg = _kg(args)
    span, document_iri = None, SHIPPED_DOCUMENT
    if args.quote:
        span = _span_of(args, kg, args.quote)
        document_iri = span.document
    name = args.id if args.id.startswith(("id:", "<")) else f"id:{args.id}"
    if name.startswith("id:") and not all(c.isalnum() or c in "_-" for c in name[3:]):
        raise UsageError(f"{args.id}: not a usable name", hint=f"use letters, digits, '-' and '_' (the node becomes {ID}NAME)")
    _write_output(template(kg.resources, args.cls, node=name, span=span, document_iri=document_iri), args.output)
    return EXIT_OK


def cmd_prefixes(args: argparse.Namespace) -> int:
    from kgraph.namespaces import PREFIXES

    if args.format == "json":
        _write_output(json.dumps(PREFIXES, indent=2) + "\n", None)
    elif args.format == "sparql":
        _write_output("".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items()), None)
    else:
        width = max(map(len, PREFIXES)) + 1
        _write_output("".join(f"{(name + ':').ljust(width)}  {iri}\n" for name, iri in PREFIXES.items()), None)
    return EXIT_OK


def cmd_load(args: argparse.Namespace) -> int:
    from kgraph.remote import load_to_endpoint, load_to_store

    kg = _kg(args)
    if args.store:
        result = load_to_store(kg, Path(args.store))
        print(f"loaded {result['quads']} quads into the embedded store at {args.store}")
    else:
        with Progress(quiet=args.quiet) as progress:
            result = load_to_endpoint(
                kg,
                args.endpoint,
                graph=args.graph,
                replace=args.replace,
                asserted_only=args.asserted_only,
                copy_to_default=args.copy_to_default,
                timeout=args.timeout,
                progress=progress,
                verify=not args.no_verify,
                ask=_ask_credentials,
            )
        for g, (status, n) in result["graphs"].items():
            where = g if g.startswith("(") else f"<{g}>"
            print(f"{'replaced' if args.replace else 'added'} {n} triples in {where} (HTTP {status})")
        if args.query_endpoint:
            from kgraph.remote import RemoteEngine

            try:  # the canned queries read the default graph: does it show what was just loaded?
                RemoteEngine(args.query_endpoint, timeout=args.timeout, ask=_ask_credentials).check_union()
            except RemoteError as e:
                raise RemoteError(f"the graphs are loaded, but {e.message}", hint=e.hint) from None
            print(f"checked: the default graph at {args.query_endpoint} shows the loaded graphs")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from kgraph.serve import ServeLimits, serve

    limits = ServeLimits(seconds=args.timeout, memory=args.max_memory * 2**20, rows=args.max_rows)
    kg = _kg(args)
    if not args.quiet:
        print(f"kgraph: serving http://{args.host}:{args.port}/sparql (read-only); Ctrl-C stops", file=sys.stderr)
    serve(kg, host=args.host, port=args.port, limits=limits)
    return EXIT_OK


# -- parser --------------------------------------------------------------------------------
# Each command: (help, the shared option groups it takes, a function that adds its own arguments).
# A run defines only the arguments of the command it was given: building all of argparse's
# parsers would cost a query process a tenth of its time.
def _summary_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=SUMMARY_FORMATS, default="text", help="text for people (default), json for programs")


def _queries_args(p: argparse.ArgumentParser) -> None:
    _summary_format(p)
    p.set_defaults(func=cmd_queries)


def _query_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="the query's name (see 'kgraph queries')")
    p.add_argument("--param", "-p", action="append", metavar="KEY=VALUE", help="a parameter value (repeatable)")
    p.add_argument("--format", "-f", choices=RESULT_FORMATS, default="table", help="a table for people (default), or a W3C result format")
    p.add_argument("--wide", action="store_true", help="a table with every column and cell whole, however wide (default: fit the terminal)")
    p.add_argument("--engine", choices=ENGINES, default="oxigraph", help="the embedded Oxigraph store (default), or rdflib to cross-check")
    p.add_argument("--limit", type=int, metavar="N", help="return at most N rows (one page), in the query's order")
    p.add_argument("--offset", type=int, default=0, metavar="N", help="skip the first N rows (with --limit: the next page)")
    p.add_argument("--output", "-o", metavar="FILE", help="write the result to FILE instead of standard output")
    p.set_defaults(func=cmd_query)


def _sparql_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="?", help="the query text")
    p.add_argument("--file", metavar="FILE.rq", help="read the query from a file ('-' for standard input)")
    p.add_argument(
        "--format",
        "-f",
        choices=tuple(dict.fromkeys(RESULT_FORMATS + GRAPH_RESULT_FORMATS)),
        help="table for SELECT/ASK and ttl for CONSTRUCT/DESCRIBE by default",
    )
    p.add_argument("--wide", action="store_true", help="a table with every column and cell whole, however wide (default: fit the terminal)")
    p.add_argument("--engine", choices=ENGINES, default="oxigraph", help="the embedded Oxigraph store (default), or rdflib to cross-check")
    p.add_argument("--output", "-o", metavar="FILE", help="write the result to FILE instead of standard output")
    p.set_defaults(func=cmd_sparql)


def _build_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true", help="rebuild even if the cache is current")
    _summary_format(p)
    p.set_defaults(func=cmd_build)


def _validate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="RDF files (.ttl, .nt, .jsonld, .rdf) and any new source texts (.txt)")
    p.add_argument("--format", choices=REPORT_FORMATS, default="text", help="text (default), json, or turtle: the W3C SHACL report")
    p.add_argument(
        "--base", type=_base_iri, metavar="IRI", help="resolve relative IRIs in the files against IRI (default: each file's own file: URI)"
    )
    p.set_defaults(func=cmd_validate)


def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="RDF files (.ttl, .nt, .jsonld, .rdf) and any new source texts (.txt)")
    p.add_argument(
        "--base", type=_base_iri, metavar="IRI", help="resolve relative IRIs in the files against IRI (default: each file's own file: URI)"
    )
    p.set_defaults(func=cmd_add)


def _base_iri(text: str) -> str:
    """A --base value: an absolute IRI."""
    import pyoxigraph as ox

    try:
        ox.NamedNode(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not an absolute IRI ({e})") from None
    if ":" not in text:
        raise argparse.ArgumentTypeError(f"{text!r} is not an absolute IRI (no scheme)")
    return text


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format", "-f", choices=EXPORT_FORMATS, default="ttl", help="ttl (default) and nt merge the named graphs; nq, trig and jsonld keep them"
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--asserted-only", action="store_true", help="leave out the inferred triples and the span index")
    p.set_defaults(func=cmd_export)


def _stats_args(p: argparse.ArgumentParser) -> None:
    _summary_format(p)
    p.set_defaults(func=cmd_stats)


def _quote_options(p: argparse.ArgumentParser) -> None:
    """Where a quote stands: the options span and template share."""
    p.add_argument(
        "--document",
        metavar="FILE.txt",
        help="the source text: a path, or the file name of a registered text (default: the shipped one)",
    )
    p.add_argument("--document-iri", metavar="IRI", help="the kg:SourceDocument the text is (default: the registered document of that file name)")
    p.add_argument("--occurrence", type=int, metavar="N", help="use the N-th occurrence (of those the prefix and suffix allow; default 1)")
    p.add_argument("--prefix", metavar="WORDS", help="the words right before the quote (W3C oa:prefix), to choose among occurrences")
    p.add_argument("--suffix", metavar="WORDS", help="the words right after the quote (W3C oa:suffix), to choose among occurrences")


def _span_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", help="the exact words, as they stand in the text")
    _quote_options(p)
    p.set_defaults(func=cmd_span)


def _source_args(p: argparse.ArgumentParser) -> None:
    p.description = (
        "Register a source text (add): write its kg:SourceDocument entry (identifier, SHA-256, title, date, language) "
        "and store the text in the workspace, validated and added like any new facts; the text must be UTF-8, and "
        "the offsets of its spans count its code points as stored. Or list the registered texts (list)."
    )
    p.add_argument("action", choices=("add", "list"), help="add a text, or list those registered")
    p.add_argument("file", nargs="?", metavar="FILE.txt", help="the text to add, UTF-8")
    p.add_argument("--title", help="the document's title (required by add)")
    p.add_argument("--date", metavar="DATE", help="when it was written or published: YYYY, YYYY-MM or YYYY-MM-DD (required by add)")
    p.add_argument("--url", metavar="URL", help="where it was published (dcterms:source)")
    p.add_argument("--language", default="en", metavar="TAG", help="the text's language, a BCP 47 tag (default en)")
    p.add_argument("--iri", metavar="IRI", help="the document's IRI (default: id: and the file name in UpperCamelCase)")
    p.set_defaults(func=cmd_source)


def _added_args(p: argparse.ArgumentParser) -> None:
    _summary_format(p)
    p.set_defaults(func=cmd_added)


def _remove_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="ID", help="the addition to take back, as 'kgraph added' shows it")
    p.set_defaults(func=cmd_remove)


def _reference_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("classes", nargs="*", metavar="CLASS", help="classes to describe (kg:PeaceProcess, PeaceProcess or 'peace process'; default: all)")
    p.add_argument("--format", choices=("text", "markdown"), default="text", help="text (default) or markdown")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=cmd_reference)


def _template_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("cls", metavar="CLASS", help="the class of the new node (kg:PeaceProcess, PeaceProcess or 'peace process')")
    p.add_argument("--id", default="New", metavar="NAME", help="the new node's name, id:NAME (default id:New)")
    p.add_argument("--quote", metavar="WORDS", help="the words that state the facts: the span and kg:evidence are filled in")
    _quote_options(p)
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=cmd_template)


def _prefixes_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "sparql", "json"), default="text", help="text (default), sparql (PREFIX lines) or json")
    p.set_defaults(func=cmd_prefixes)


def _load_args(p: argparse.ArgumentParser) -> None:
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--store", metavar="DIR", help="create or refresh an embedded Oxigraph store in DIR")
    target.add_argument("--endpoint", metavar="URL", help="a SPARQL 1.1 Graph Store Protocol endpoint, e.g. http://localhost:7878/store")
    p.add_argument("--graph", metavar="IRI", help="load everything into this one graph instead of kgraph's named graphs")
    p.add_argument("--replace", action="store_true", help="replace the graph(s) (HTTP PUT) instead of adding (POST)")
    p.add_argument("--asserted-only", action="store_true", help="leave out the inferred triples and the span index")
    p.add_argument(
        "--copy-to-default",
        action="store_true",
        help="also put the union of all graphs into the default graph, for servers whose default graph is not the union",
    )
    p.add_argument("--timeout", type=_seconds, default=60.0, metavar="SECONDS", help="remote request timeout (default 60)")
    p.add_argument(
        "--query-endpoint",
        metavar="URL",
        help="after loading, check on this SPARQL query endpoint that its default graph shows the loaded graphs, as the canned queries need",
    )
    p.add_argument(
        "--no-verify", action="store_true", help="do not read each graph back to check that the server holds what was sent (halves the traffic)"
    )
    p.set_defaults(func=cmd_load)


def cmd_docs(args: argparse.Namespace) -> int:
    from kgraph.docs import write_documentation

    for path in write_documentation(_kg(args), Path(args.output)):
        print(f"wrote {path}")
    return EXIT_OK


def cmd_draw(args: argparse.Namespace) -> int:
    from kgraph.pictures import model_diagram, neighbourhood, render, rows_picture

    fmt = args.format or (Path(args.output).suffix.lstrip(".").lower() if args.output else "svg")
    kg = _kg(args)
    if args.model:
        graph = model_diagram(kg)
    elif args.query:
        from kgraph.params import parse_assignments

        graph = rows_picture(kg.query(args.query, parse_assignments(args.param or [])), args.query)
    else:
        if not args.entity:
            raise UsageError("name an ENTITY to draw, or a canned query with --query NAME, or --model")
        from kgraph.params import EntityResolver

        entity = EntityResolver(kg.engine()).resolve(args.entity)
        graph = neighbourhood(kg, entity, depth=args.depth, evidence=args.evidence)
    _write_output(render(graph, fmt), args.output)
    return EXIT_OK


def _docs_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--output", "-o", default="kgraph-docs", metavar="DIR", help="the folder to write index.html and model.svg into (default kgraph-docs)"
    )
    p.set_defaults(func=cmd_docs)


def _draw_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("entity", nargs="?", metavar="ENTITY", help="an IRI, a prefixed name such as id:AstanaProcess, or a label")
    p.add_argument("--depth", type=int, default=1, help="how many statements away to go (1 to 3; default 1)")
    p.add_argument("--evidence", action="store_true", help="write each statement's evidence quote on its arrow")
    p.add_argument("--query", metavar="NAME", help="draw the rows of a canned query instead")
    p.add_argument("--model", action="store_true", help="draw the model instead: the classes and the properties between them")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="a parameter of --query (repeatable)")
    p.add_argument("--format", choices=("svg", "png", "dot"), help="svg (default), png or dot; by default, from --output's extension")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE (.svg, .png or .dot) instead of standard output")
    p.set_defaults(func=cmd_draw)


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="the port to listen on (default 8000)")
    p.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS", help="stop a query after this long (default 30)")
    p.add_argument("--max-memory", type=_megabytes, default=1024, metavar="MB", help="stop a query that needs more memory than this (default 1024)")
    p.add_argument("--max-rows", type=int, default=100_000, metavar="N", help="refuse an answer of more rows than this (default 100000)")
    p.set_defaults(func=cmd_serve)


COMMANDS = {  # name: (what it does, the shared option groups it takes, its arguments, an example)
    "queries": ("list the canned queries", (), _queries_args, "kgraph queries --format json"),
    "query": ("run a canned query", ("remote",), _query_args, 'kgraph query evidence --param entity="Astana process"'),
    "sparql": (
        "run an ad-hoc SELECT, ASK, CONSTRUCT or DESCRIBE query",
        ("remote",),
        _sparql_args,
        "kgraph sparql 'SELECT ?s WHERE { ?s a <https://w3id.org/kgraph/ontology#PeaceProcess> }'",
    ),
    "build": ("parse, reason, validate and materialise (cached)", ("reference",), _build_args, "kgraph build --force"),
    "validate": ("validate new facts in the context of the knowledge graph", ("reference",), _validate_args, "kgraph validate new-facts.ttl"),
    "add": ("validate new facts and add them to the workspace, all or nothing", ("reference",), _add_args, "kgraph add new-facts.ttl article2.txt"),
    "export": ("write the knowledge graph as RDF", (), _export_args, "kgraph export --format trig --output kgraph.trig"),
    "stats": ("triples, graphs, entities per class, shapes and queries", (), _stats_args, "kgraph stats"),
    "span": ("print the evidence Turtle for a quote of a source text", (), _span_args, 'kgraph span "the Astana process"'),
    "load": ("load the materialised graph into a store or a remote server", (), _load_args, "kgraph load --store ./kgraph-store"),
    "serve": ("serve a read-only SPARQL endpoint and the canned queries over HTTP", (), _serve_args, "kgraph serve --port 8000"),
    "docs": ("write the ontology's HTML documentation, with a diagram of the model", (), _docs_args, "kgraph docs --output kgraph-docs"),
    "draw": ("draw an entity's neighbourhood (or a canned query's rows) with Graphviz", (), _draw_args, 'kgraph draw "Astana process" -o astana.svg'),
    "prefixes": (
        "list the prefixes every query may use without declaring them (a query's own PREFIX wins)",
        (),
        _prefixes_args,
        "kgraph prefixes --format sparql",
    ),
    "source": (
        "register a source text (add), or list the registered ones (list)",
        (),
        _source_args,
        'kgraph source add article2.txt --title "Kazakhstan at the UN" --date 2018-01-18',
    ),
    "reference": (
        "what a node of each class must and may state, read from the shapes",
        (),
        _reference_args,
        "kgraph reference PeaceProcess",
    ),
    "template": (
        "print a Turtle skeleton for a new node of a class, with the evidence for a quote",
        (),
        _template_args,
        'kgraph template PeaceProcess --id KoreanTalks --quote "negotiations platform for settling the North Korean crisis"',
    ),
    "added": ("list what was added to the workspace: id, time, triples, file", (), _added_args, "kgraph added"),
    "remove": (
        "take one addition back; the graph is rebuilt as if it had never been added",
        (),
        _remove_args,
        "kgraph remove 20261129T101500-article2",
    ),
}


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the terminal's width up front: asking shutil for it costs
    every run the import of shutil and its compression modules, help or not."""

    def __init__(self, prog: str, **kwargs: Any) -> None:
        if kwargs.get("width") is None:
            try:
                columns = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                columns = 80
            kwargs["width"] = columns - 2
        super().__init__(prog, **kwargs)


def _seconds(text: str) -> float:
    """A --timeout value: a finite number of seconds above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < 1e6:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0 (and below 1e6)")
    return value


QUERY_SECONDS, REMOTE_SECONDS, QUERY_MEGABYTES = 60.0, 30.0, 2048


def _megabytes(text: str) -> int:
    """A --max-memory value: a whole number of megabytes above zero."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of megabytes") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of megabytes above 0")
    return value


def _option_group(name: str) -> argparse.ArgumentParser:
    group = argparse.ArgumentParser(add_help=False, formatter_class=_Formatter)
    if name == "common":
        group.add_argument(
            "--workspace", metavar="DIR", help="where added facts and the build cache live (default: $KGRAPH_HOME or ~/.local/share/kgraph)"
        )
        group.add_argument("--debug", action="store_true", help="show a traceback on errors")
        group.add_argument("--quiet", "-q", action="store_true", help="say nothing about progress on standard error")
    elif name == "remote":
        group.add_argument("--endpoint", metavar="URL", help="run on a remote SPARQL 1.1 query endpoint instead of the embedded store")
        group.add_argument(
            "--method",
            choices=("auto", "get", "form", "direct"),
            default="auto",
            help="how to send a query to --endpoint: GET, a form POST, a direct POST (default auto: GET when short, else a form POST)",
        )
        group.add_argument(
            "--timeout",
            type=_seconds,
            metavar="SECONDS",
            help=f"stop the query after this long (default {QUERY_SECONDS:g}; with --endpoint, the request's timeout, default {REMOTE_SECONDS:g})",
        )
        group.add_argument(
            "--max-memory",
            type=_megabytes,
            default=QUERY_MEGABYTES,
            metavar="MB",
            help=f"stop a query on the embedded store that needs more memory than this (default {QUERY_MEGABYTES})",
        )
    else:
        group.add_argument(
            "--reference", action="store_true", help="reason with owlrl and validate with pySHACL over the whole graph (slow, obviously right)"
        )
    return group


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser; given the arguments, only the command they name is defined in full."""
    parser = argparse.ArgumentParser(
        prog="kgraph",
        description="Query, build, validate and extend the kgraph knowledge graph.",
        formatter_class=_Formatter,
        epilog="exit codes: " + exit_code_summary().replace("\n", "\n            ") + "\n"
        "workspace:  $KGRAPH_HOME, else ~/.local/share/kgraph (added facts and the build cache)\n"
        "start with: kgraph queries; kgraph query hosted-talks\n"
        'completion: eval "$(kgraph completion bash)" (or zsh)',
    )
    parser.add_argument("--version", "-V", action="version", version=f"kgraph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    named = next((a for a in argv if not a.startswith("-")), None) if argv is not None else None
    common = _option_group("common")
    for name, (help_, groups, define, example) in COMMANDS.items():
        if named in COMMANDS and name != named:
            continue
        define(
            sub.add_parser(
                name,
                parents=[common, *map(_option_group, groups)],
                help=help_,
                description=help_[0].upper() + help_[1:] + ".",
                epilog=f"example:\n  {example}",
                formatter_class=_Formatter,
            )
        )
    return parser


_COMPLETION = {
    "bash": """# kgraph completion for bash: eval "$(kgraph completion bash)" (e.g. in ~/.bashrc)
_kgraph() {
    local IFS=$'\\n'
    COMPREPLY=($(compgen -W "$(kgraph __complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _kgraph kgraph
""",
    "zsh": """# kgraph completion for zsh: eval "$(kgraph completion zsh)" (e.g. in ~/.zshrc)
autoload -U +X bashcompinit && bashcompinit
_kgraph() {
    local IFS=$'\\n'
    COMPREPLY=($(compgen -W "$(kgraph __complete "${COMP_WORDS[@]:1:COMP_CWORD-1}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _kgraph kgraph
""",
}


def completions(words: list[str]) -> list[str]:
    """What may come after ``words`` (the command line so far, without ``kgraph`` and the word
    being typed): commands, options, canned query names, parameter names, classes, choices."""
    if not words:
        return [*COMMANDS, "completion", "--help", "--version"]
    command = words[0]
    if command not in COMMANDS:
        return list(_COMPLETION) if words == ["completion"] else []
    parser = build_parser([command])
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]  # argparse has no public way
    options = {s: a for a in sub._actions for s in a.option_strings}
    takes_value = {s for s, a in options.items() if a.nargs != 0}
    if words[-1] in takes_value:
        return _value_completions(words, options[words[-1]])
    positional = [w for i, w in enumerate(words[1:], 1) if not w.startswith("-") and words[i - 1] not in takes_value]
    return (_positional_completions(command) if not positional else []) or sorted(s for s in options if s.startswith("--"))


def _value_completions(words: list[str], action: argparse.Action) -> list[str]:
    """The values an option takes: its choices, or a canned query's parameter names for --param."""
    if action.choices:
        return [str(c) for c in action.choices]
    if "--param" in action.option_strings:
        from kgraph.catalogue import Catalogue
        from kgraph.resources import default_resources

        catalogue = Catalogue(default_resources().queries)
        name = next((w for w in words[1:] if not w.startswith("-")), None)
        return [f"{p.name}=" for p in catalogue.get(name).params] if name in catalogue.names() else []
    return []


def _positional_completions(command: str) -> list[str]:
    from kgraph.resources import default_resources

    if command == "query":
        from kgraph.catalogue import Catalogue

        return list(Catalogue(default_resources().queries).names())
    if command in ("reference", "template"):
        from kgraph.reference import classes

        return [c.removeprefix("kg:") for c in classes(default_resources())]
    return ["add", "list"] if command == "source" else []


def _shell_integration(argv: list[str]) -> int | None:
    """``kgraph completion bash|zsh`` and the ``__complete`` helper its script calls; None for anything else."""
    if argv[:1] == ["__complete"]:
        with contextlib.suppress(Exception):  # a completion must never print a traceback into the shell
            print("\n".join(completions(argv[1:])))
        return EXIT_OK
    if argv[:1] != ["completion"]:
        return None
    if argv[1:] not in (["bash"], ["zsh"]):
        print('usage: kgraph completion bash|zsh   (e.g. eval "$(kgraph completion bash)" in ~/.bashrc)', file=sys.stderr)
        return EXIT_USAGE
    print(_COMPLETION[argv[1]], end="")
    return EXIT_OK


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C, so that an add or a build rolls back."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def _stop_cleanly_on_signals() -> None:
    """SIGTERM and SIGHUP, which would end the process on the spot, unwind it instead (issue 10:
    either signal during an add left the added file in place)."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_terminated)


def main(argv: list[str] | None = None, *, seal: bool | None = None) -> int:  # noqa: PLR0911 - one return for each way the program ends
    """Run the command line; return the exit code.

    ``seal``: seal the process off the network before it runs a query on its own store (see
    :func:`kgraph.netguard.seal`); by default only when it is the program (``argv`` not given),
    never inside a caller's process.
    """
    program = argv is None  # run as the program, not called inside someone's process
    if program:
        _stop_cleanly_on_signals()
    netguard.install()
    if seal is None:
        seal = program
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        shell = _shell_integration(argv)
        if shell is not None:
            return shell
        args = build_parser(argv).parse_args(argv)
        # A query text the person wrote is run in a sealed process; a canned query is kgraph's own
        # text (with values bound as terms), which the check covers without the 20 ms of the seal.
        if seal and args.func is cmd_sparql and not getattr(args, "endpoint", None):
            netguard.seal_before_queries()
        return int(args.func(args))
    except KgraphError as e:
        if debug:
            raise
        print(f"kgraph: error: {e}", file=sys.stderr)
        return e.exit_code
    except Terminated as e:
        print(f"kgraph: stopped by {signal.Signals(e.signum).name}; nothing was changed", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:
        print("kgraph: interrupted; nothing was changed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except Exception as e:
        if debug:
            raise
        print(f"kgraph: internal error: {type(e).__name__}: {e}\n  hint: rerun with --debug for a traceback and report it", file=sys.stderr)
        return EXIT_INTERNAL
