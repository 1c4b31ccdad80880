"""The one object most users need: :class:`KnowledgeGraph` (the README shows it in use)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kgraph import listings
from kgraph.build import Build, ensure_built, load_build
from kgraph.catalogue import CannedQuery, Catalogue
from kgraph.engines import ENGINES, OxigraphEngine, QueryEngine, QueryLimits, RdflibEngine
from kgraph.errors import UsageError, WorkspaceError
from kgraph.formats import EXPORT_FORMATS, RDF_SYNTAXES
from kgraph.inputs import files_in
from kgraph.namespaces import DCTERMS, DERIVED_GRAPHS, GRAPH_INFERRED, GRAPH_META, GRAPH_SHAPES, KG, PREFIXES, SH
from kgraph.params import EntityResolver, bind_parameters
from kgraph.resources import Resources, default_resources, default_workspace
from kgraph.results import QueryResult
from kgraph.sparql import paged
from kgraph.stores import SNAPSHOT, hold, load_store, release
from kgraph.terms import lexical, rdf_bytes

if TYPE_CHECKING:
    from kgraph.admission import AddResult
    from kgraph.curation import Addition, Registration, Removal
    from kgraph.evidence import Span
    from kgraph.pipeline import Progress
    from kgraph.remote import RemoteEngine
    from kgraph.validation import ValidationReport


_CLASS_COUNTS = f"""
SELECT ?class (COUNT(DISTINCT ?entity) AS ?entities) WHERE {{
  GRAPH ?g {{ ?entity a ?class }}
  FILTER (?g != <{GRAPH_INFERRED}>)
  FILTER (STRSTARTS(STR(?class), "{KG}"))
}} GROUP BY ?class ORDER BY DESC(?entities) ?class"""
_SHAPE_COUNT = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{GRAPH_SHAPES}> {{ ?s a <{SH}NodeShape> }} }}"


class KnowledgeGraph:
    """The knowledge graph: shipped ontology and facts plus the workspace's added facts.

    Args:
        workspace: where added facts and the build cache live (default: ``$KGRAPH_HOME`` or
            ``~/.local/share/kgraph``).
        resources: the ontology, data and queries folders (default: those shipped with kgraph).

    >>> import tempfile
    >>> kg = KnowledgeGraph(workspace=tempfile.mkdtemp())  # the first query builds the graph there
    >>> [row["crisisLabel"].value for row in kg.query("hosted-talks").as_dicts()]
    ['Syrian crisis']
    >>> kg.query("platforms", limit=2).variables[:3]
    ['platform', 'platformLabel', 'status']
    """

    def __init__(
        self,
        workspace: Path | str | None = None,
        resources: Resources | None = None,
        *,
        limits: QueryLimits | None = None,
        endpoint: str | RemoteEngine | None = None,
    ) -> None:
        """``limits``: how long and how much memory each query may take (see :class:`kgraph.engines.QueryLimits`;
        by default 60 s and 2 GB beyond what the process held when the query started).

        ``endpoint``: a remote SPARQL endpoint (a URL, or a :class:`kgraph.remote.RemoteEngine` for
        its method, credentials and timeout) that answers every query instead of the embedded store;
        the canned queries, their parameters, pages and formats work the same over it.
        """
        self.workspace = Path(workspace) if workspace is not None else default_workspace()
        self.resources = resources or default_resources()
        self.limits = limits if limits is not None else QueryLimits()
        self._catalogue: Catalogue | None = None
        self._engines: dict[str, QueryEngine] = {}
        self._build: Build | None = None
        self._held: tuple[Path, int] | None = None  # the build folder this object reads, and its shared lock
        if isinstance(endpoint, str):
            from kgraph.remote import RemoteEngine

            endpoint = RemoteEngine(endpoint)
        self.remote = endpoint

    def __del__(self) -> None:
        if getattr(self, "_held", None) is not None:
            release(self._held[1])  # type: ignore[index]

    # -- the pipeline -------------------------------------------------------------------
    def build(self, *, force: bool = False, reference: bool = False, progress: Progress | None = None) -> Build:
        """Parse, reason, validate and materialise (cached by a hash of every input).

        ``reference`` rebuilds with owlrl and pySHACL over everything instead of the compiled
        rules and pyshifty; ``progress`` is called with a line per stage of a build.
        """
        build = ensure_built(self.resources, self.workspace, force=force, reference=reference, progress=progress)
        if self._build is None or build.folder != self._build.folder:
            self._engines.clear()
        self._build = build
        return build

    def _read_build(self) -> Build:
        """The current build, held for reading (see :func:`kgraph.stores.hold`): no writer removes
        its folder while this object uses it. A build removed just before it was held is looked up again."""
        for _attempt in range(5):
            build = self.build()
            if self._held is not None and self._held[0] == build.folder:
                return build
            try:
                fd = hold(build.folder)
            except FileNotFoundError:
                self._build = None
                continue
            if load_build(build.folder) is None:  # removed between the look-up and the lock
                release(fd)
                self._build = None
                continue
            if self._held is not None:
                release(self._held[1])
            self._held = (build.folder, fd)
            return build
        raise WorkspaceError(f"{self.workspace}: the build kept changing while kgraph tried to read it", hint="run the command again")

    def engine(self, name: str = "oxigraph") -> QueryEngine:
        """A query engine over the current, conforming build: 'oxigraph' (default) or 'rdflib';
        the remote endpoint instead, where one was given (for any name but 'rdflib')."""
        if self.remote is not None and name != "rdflib":
            return self.remote
        if name not in ENGINES:
            raise UsageError(f"unknown engine {name!r}", hint="use one of " + ", ".join(ENGINES))
        build = self._read_build()
        build.require_conforming()
        if name not in self._engines:
            if name == "oxigraph":
                recorded = build.manifest.get("files", {}).get(SNAPSHOT, [])
                crc32 = recorded[2] if len(recorded) > 2 else None
                self._engines[name] = OxigraphEngine(load_store(build.folder, crc32=crc32), self.limits)
            else:
                self._engines[name] = RdflibEngine.from_quads(build.quads(), self.limits)
        engine = self._engines[name]
        if isinstance(engine, (OxigraphEngine, RdflibEngine)):
            engine.limits = self.limits  # as they are now: a caller may have changed them
        return engine

    # -- queries ------------------------------------------------------------------------
    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = Catalogue(self.resources.queries)
        return self._catalogue

    def list_queries(self) -> list[CannedQuery]:
        return list(self.catalogue)

    def query(
        self, name: str, params: dict[str, str] | None = None, *, engine: str = "oxigraph", limit: int | None = None, offset: int = 0
    ) -> QueryResult:
        """Run a canned query by name; ``params`` are raw strings, converted and bound as RDF terms.

        ``limit`` and ``offset`` return one page of the rows, in the query's own order.
        """
        canned = self.catalogue.get(name)
        text = paged(canned.text, limit, offset)  # checks limit and offset
        if listings.answers_as_written(canned) and not params and engine == "oxigraph" and self.remote is None:
            # Nothing to bind: the rows kept with the build answer it, without opening the store.
            self._read_build().require_conforming()
            kept = self._listing(canned, limit, offset)
            if kept is not None:
                return kept
        runner = self.engine(engine)
        if runner is self.remote:
            self.remote.check_union()  # else every canned query there would answer (0 rows), silently
        bindings = bind_parameters(canned, params or {}, EntityResolver(runner))
        return runner.run(text, bindings, source=str(canned.path))

    def _listing(self, canned: CannedQuery, limit: int | None, offset: int) -> QueryResult | None:
        """A page of a canned query from the listing kept with the build (see :mod:`kgraph.listings`),
        keeping it first if an add has removed it; None where it cannot be kept."""
        assert self._build is not None
        path = listings.path_of(self._build.folder, canned)
        try:
            return QueryResult("select", *listings.read(path, limit=limit, offset=offset))
        except (OSError, SyntaxError):  # none kept (or damaged): keep it again
            pass
        runner = self.engine()
        if not isinstance(runner, OxigraphEngine):
            return None
        try:
            listings.keep(runner.store, canned.text, path)
            return QueryResult("select", *listings.read(path, limit=limit, offset=offset))
        except (OSError, SyntaxError):  # a workspace that cannot be written, or a build replaced meanwhile
            return None

    def sparql(self, text: str, *, engine: str = "oxigraph", source: str = "query") -> QueryResult:
        """Run an ad-hoc read-only SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)."""
        return self.engine(engine).run(text, source=source)

    def span(
        self,
        words: str,
        *,
        document: Path | str | None = None,
        document_iri: str | None = None,
        occurrence: int | None = None,
        prefix: str = "",
        suffix: str = "",
    ) -> Span:
        """Where ``words`` stand in a source text (the shipped one by default, else a path or the
        file name of a registered text), as a :class:`~kgraph.evidence.Span` whose ``to_turtle()``
        is the evidence to cite: the ``occurrence``-th of those ``prefix`` and ``suffix`` allow.

        Raises:
            UsageError: no such text or document, or the words do not occur there.
        """
        import dataclasses

        from kgraph.evidence import locate_span

        path = self.source_text(document) if document is not None else self.resources.data / "peacekeeping-activities-of-kazakhstan.txt"
        found = locate_span(path, words, occurrence=occurrence, prefix=prefix, suffix=suffix)
        return dataclasses.replace(found, document=document_iri or self.source_document(path.name))

    def source_text(self, name: Path | str) -> Path:
        """A source text by path, or by the file name of a text the workspace or kgraph holds.

        Raises:
            UsageError: no such file (the error lists the texts that are registered).
        """
        path = Path(name)
        if path.is_file():
            return path
        for folder in (self.workspace / "sources", self.resources.data):
            if path.name == str(name) and (folder / path.name).is_file():
                return folder / path.name
        known = sorted({p.name for folder in (self.workspace / "sources", self.resources.data) for p in files_in(folder, ".txt")})
        raise UsageError(
            f"{name}: no such file, and no registered source text of that name",
            hint=f"registered texts: {', '.join(known)}; register a new one with 'kgraph source add FILE --title ... --date ...'",
        )

    def source_document(self, file_name: str) -> str:
        """The IRI of the registered kg:SourceDocument whose text is the file ``file_name``.

        Raises:
            UsageError: no document of the graph names that file (the error lists those that do).
        """
        documents = self.source_documents()  # the name is compared here, never pasted into a query
        if file_name not in documents:
            known = ", ".join(f"{name} ({iri})" for name, iri in sorted(documents.items()))
            raise UsageError(
                f"{file_name}: no source document of the knowledge graph is this file",
                hint=f"registered: {known}; register it with 'kgraph source add {file_name} --title ... --date ...', "
                f"or pass --document-iri IRI, the kg:SourceDocument whose dcterms:identifier is {file_name}",
            )
        return documents[file_name]

    def resolve_entity(self, value: str, *, engine: str = "oxigraph") -> ox.NamedNode:
        """The entity an IRI, prefixed name or label names (ParameterError if none or several)."""
        return EntityResolver(self.engine(engine)).resolve(value)

    # -- new facts ----------------------------------------------------------------------
    def validate(
        self, paths: list[Path | str], *, reference: bool = False, progress: Progress | None = None, base: str | None = None
    ) -> ValidationReport:
        """Validate new fact files in the context of the whole graph; returns a ValidationReport.

        Only what the new facts can affect is reasoned about and validated; ``reference``
        runs owlrl and pySHACL over the whole graph instead (slow, obviously right). ``base`` is
        the IRI relative IRIs in the files resolve against (by default each file's ``file:`` URI).
        """
        from kgraph.admission import check_files

        return check_files(self.resources, self.workspace, [Path(p) for p in paths], reference=reference, progress=progress, base=base).report

    def add(self, paths: list[Path | str], *, reference: bool = False, progress: Progress | None = None, base: str | None = None) -> AddResult:
        """Add new fact files to the workspace if, and only if, they all conform (see :meth:`validate`)."""
        from kgraph.admission import add_files

        result = add_files(self.resources, self.workspace, [Path(p) for p in paths], reference=reference, progress=progress, base=base)
        self._engines.clear()
        self._build = result.build or self._build
        return result

    def add_source(
        self,
        text: Path | str,
        *,
        title: str,
        date: str,
        iri: str | None = None,
        url: str | None = None,
        language: str = "en",
        progress: Progress | None = None,
    ) -> Registration:
        """Register a source text: write its kg:SourceDocument entry (identifier, SHA-256, title,
        date, language) and add it, with the text, to the workspace.

        Raises:
            InputError: the file is not UTF-8 text.
            UsageError: a bad date or language, or a text of that name is registered already.
        """
        from kgraph.curation import register_source

        path = Path(text)
        documents = self.source_documents()
        if path.name in documents:
            raise UsageError(
                f"{path.name}: a source text of this name is registered already, as {documents[path.name]}",
                hint="cite it with kgraph span --document " + path.name + "; to register another text, give it another file name",
            )
        result = register_source(self.resources, self.workspace, path, title=title, date=date, iri=iri, url=url, language=language, progress=progress)
        self._engines.clear()
        self._build = result.added.build or self._build
        return result

    def source_documents(self) -> dict[str, str]:
        """The registered source texts: file name to the IRI of its kg:SourceDocument."""
        query = f"SELECT ?document ?name WHERE {{ ?document a <{KG.SourceDocument}> ; <{DCTERMS.identifier}> ?name }}"
        return {lexical(r["name"]): lexical(r["document"]) for r in self.engine().run(query).as_dicts()}

    def additions(self) -> list[Addition]:
        """What was added to the workspace, oldest first (id, file, time, triples, texts)."""
        from kgraph.curation import additions

        return additions(self.workspace)

    def remove(self, addition: str, *, progress: Progress | None = None) -> Removal:
        """Take one addition back; the graph is rebuilt exactly as if it had never been added.

        Raises:
            UsageError: no such addition.
            NonConformingError: facts added later rest on it; nothing changed.
        """
        from kgraph.curation import remove_addition

        result = remove_addition(self.resources, self.workspace, addition, progress=progress)
        self._engines.clear()
        self._build = result.build
        return result

    # -- exports and figures ------------------------------------------------------------
    def export(self, fmt: str = "ttl", *, asserted_only: bool = False) -> bytes:
        """The knowledge graph as RDF: ttl and nt merge the named graphs; nq, trig and jsonld keep them.

        The SHACL shapes are not exported (they are not facts); ``asserted_only`` leaves out
        what the build derived (the inferred triples and the span index).
        """
        if fmt not in EXPORT_FORMATS:
            raise UsageError(f"unknown export format {fmt!r}", hint="use one of " + ", ".join(EXPORT_FORMATS))
        build = self.build()
        build.require_conforming()
        rdf_format = RDF_SYNTAXES[fmt]
        quads = build.quads(exclude={GRAPH_SHAPES} | (DERIVED_GRAPHS if asserted_only else set()))
        if rdf_format.supports_datasets:
            return rdf_bytes(quads, rdf_format, PREFIXES if fmt == "trig" else None)
        meta = ox.NamedNode(GRAPH_META)
        triples = list({ox.Triple(q.subject, q.predicate, q.object): None for q in quads if q.graph_name != meta})
        return rdf_bytes(triples, rdf_format, PREFIXES if fmt == "ttl" else None)

    def stats(self) -> dict[str, Any]:
        """Triples asserted and inferred, entities per class, shapes and queries."""
        build = self.build()
        runner = self.engine()
        classes = {lexical(r["class"]): int(lexical(r["entities"])) for r in runner.run(_CLASS_COUNTS).as_dicts()}
        shapes = int(lexical(runner.run(_SHAPE_COUNT).as_dicts()[0]["n"]))
        return {
            "triples": build.manifest["triples"],
            "graphs": build.manifest["graphs"],
            "entities_per_class": classes,
            "shapes": shapes,
            "queries": len(self.catalogue),
            "conforms": build.conforms,
            "build": str(build.folder),
            "key": build.key,
        }
