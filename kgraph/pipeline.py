"""The pipeline in one place: input files -> parse -> source texts -> OWL RL closure -> SHACL validation.

The build (:mod:`kgraph.build`) runs it over every input to materialise the dataset;
admission of new facts (:mod:`kgraph.admission`) runs it with ``reference=True`` when asked
for the slow reference answer, and otherwise closes and validates only a delta
(:mod:`kgraph.delta`). Each stage is a module of its own: :mod:`kgraph.loading`,
:mod:`kgraph.reasoning`, :mod:`kgraph.validation`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kgraph.evidence import span_index
from kgraph.inputs import InputFile
from kgraph.loading import parse_rdf_file, source_text_triples, subject_lines
from kgraph.namespaces import GRAPH_ONTOLOGY, GRAPH_SHAPES, GRAPH_SOURCES, GRAPH_SPANS, NOT_ASSERTED
from kgraph.reasoning import Closure, close_graph
from kgraph.terms import AnyTerm
from kgraph.validation import Shapes, ValidationReport, validate, validate_in_parts

Progress = Callable[[str], None]


def canonical_blank_nodes(triples: list[ox.Triple], salt: str) -> list[ox.Triple]:
    """The same graph with blank node labels derived from RDFC-1.0 ones, so that every parse names them alike.

    The ontology's anonymous restrictions and lists are named this way, so that the compiled
    rules cached from one build fit the store of the next. Labels are 32 hexadecimal digits
    (not starting with 0), the form Oxigraph stores as it is; it renames other labels.
    """
    if not any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
        return triples
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)

    def rename(term: AnyTerm) -> AnyTerm:
        if not isinstance(term, ox.BlankNode):
            return term
        digest = hashlib.sha256(f"{salt}:{term.value}".encode()).hexdigest()[:32]
        return ox.BlankNode(("f" + digest[1:]) if digest[0] == "0" else digest)

    return [ox.Triple(rename(q.subject), q.predicate, rename(q.object)) for q in dataset]


class Locations(Mapping[str, tuple[str, int]]):
    """Where each subject is first written (file, line), read from the files only when first asked.

    Reports need it only when something does not conform, so a clean build never pays for it.
    """

    def __init__(self, files: Iterable[tuple[Path, dict[str, str]]] = ()) -> None:
        self.files: list[tuple[Path, dict[str, str]]] = list(files)  # (path, the prefixes it declares)
        self._found: dict[str, tuple[str, int]] | None = None

    def _load(self) -> dict[str, tuple[str, int]]:
        if self._found is None:
            self._found = {}
            for path, prefixes in self.files:
                for iri, line in subject_lines(path, prefixes).items():
                    self._found.setdefault(iri, (str(path), line))
        return self._found

    def __getitem__(self, iri: str) -> tuple[str, int]:
        return self._load()[iri]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


@dataclass
class Parsed:
    """The asserted triples of the inputs by named graph, and where each subject is written."""

    graphs: dict[str, list[ox.Triple]] = field(default_factory=lambda: defaultdict(list))
    locations: Locations = field(default_factory=Locations)

    @property
    def asserted(self) -> list[ox.Triple]:
        """Every asserted triple but the shapes (ontology, facts, background, source texts)."""
        return [t for g, ts in self.graphs.items() if g not in NOT_ASSERTED for t in ts]


def parse_inputs(inputs: list[InputFile]) -> Parsed:
    """Parse every RDF input into its named graph (texts are attached later)."""
    parsed = Parsed()
    for f in inputs:
        if f.role == "text" or f.graph is None:
            continue
        one = parse_rdf_file(f.path)
        triples = canonical_blank_nodes(one.triples, f.role) if f.role in ("ontology", "shapes") else one.triples
        parsed.locations.files.append((f.path, one.prefixes))
        parsed.graphs[f.graph].extend(triples)
    return parsed


@dataclass
class Outcome:
    """What a run of the pipeline produced."""

    parsed: Parsed
    closure: Closure
    report: ValidationReport
    shapes: Shapes
    timings: dict[str, float]


class ClosureAbandoned(Exception):  # noqa: N818 - a signal between kgraph's own threads, never shown
    """The closure a writer waits for will not come: the pipeline stopped before it was computed."""


def run_pipeline(
    inputs: list[InputFile],
    text_dirs: list[Path],
    *,
    reference: bool = False,
    cache: Path | None = None,
    progress: Progress | None = None,
    materialise: Callable[[Parsed, Future[Closure]], None] | None = None,
) -> Outcome:
    """Parse, attach texts, index the spans, reason and validate every input.

    Args:
        inputs: the files, from :func:`collect_inputs` (and any new ones).
        text_dirs: where source texts are looked up, in order.
        reference: use owlrl and pySHACL over everything (slow, obviously right).
        cache: a folder for the owlrl closure of the schema, reused by later runs.
        progress: called with a line saying what starts, for long runs.
        materialise: called, in a thread, with the parsed graphs (and the span index, made only
            for it) as soon as they are parsed, and with a future of the closure, so that a build
            writes the asserted graphs while the reasoner works and the inferred ones while the
            shapes are checked (pyoxigraph's bulk loader and pyshifty release the interpreter
            while they work). The future raises :class:`ClosureAbandoned` if the pipeline stops
            before the closure. The call's errors are raised here.
    """
    say = progress or (lambda _line: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    say(f"parsing {sum(1 for f in inputs if f.role != 'text')} files")
    parsed = parse_inputs(inputs)
    asserted = parsed.asserted
    parsed.graphs[GRAPH_SOURCES] = source_text_triples(asserted, text_dirs)
    asserted += parsed.graphs[GRAPH_SOURCES]
    if materialise is not None:  # the span index belongs to the stored dataset; a check needs none
        # Here, before the writer's thread starts: beside a busy thread, each pyoxigraph term
        # made waits for the interpreter (5 ms), and the 194,000 triples of the index at a
        # million triples took 7 s there, against about 1 s here.
        parsed.graphs[GRAPH_SPANS] = span_index(asserted)
    timings["parse"] = time.perf_counter() - t0

    # Read here, before the writer starts: from now on this thread leaves parsed.graphs to it.
    ontology, shapes_triples = parsed.graphs[GRAPH_ONTOLOGY], parsed.graphs[GRAPH_SHAPES]
    closure_ready: Future[Closure] = Future()
    writer = _Background(materialise, parsed, closure_ready) if materialise is not None else None
    try:
        t0 = time.perf_counter()
        say(f"reasoning over {len(asserted)} triples ({'owlrl' if reference else 'compiled OWL 2 RL rules'})")
        closure = close_graph(asserted, ontology, cache=cache, reference=reference)
        closure_ready.set_result(closure)
        timings["reason"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        shapes = Shapes(shapes_triples)
        data = asserted + closure.inferred
        say(f"validating {len(data)} triples ({'pySHACL' if reference else 'pyshifty'})")
        if reference:
            report = validate(data, shapes, engine="reference", locations=parsed.locations)
        else:
            report = validate_in_parts(data, shapes, ontology=ontology, locations=parsed.locations)
    except BaseException:
        if not closure_ready.done():
            closure_ready.set_exception(ClosureAbandoned())
        if writer is not None:
            writer.join(reraise=False)  # the first error is the one to tell
        raise
    if writer is not None:
        writer.join()
    timings["validate"] = time.perf_counter() - t0
    if writer is not None:
        timings["materialise"] = writer.seconds
    return Outcome(parsed, closure, report, shapes, timings)


class _Background(threading.Thread):
    """A call run beside the main thread; ``join`` re-raises what it raised."""

    def __init__(self, fn: Callable[..., None], *args: object) -> None:
        super().__init__(name="kgraph-materialise", daemon=True)
        self.fn, self.args = fn, args
        self.error: BaseException | None = None
        self.seconds = 0.0
        self.start()

    def run(self) -> None:
        t0 = time.perf_counter()
        try:
            self.fn(*self.args)
        except BaseException as e:  # handed to the main thread by join()
            self.error = e
        self.seconds = time.perf_counter() - t0

    def join(self, timeout: float | None = None, *, reraise: bool = True) -> None:
        super().join(timeout)
        if self.error is not None and reraise:
            raise self.error
