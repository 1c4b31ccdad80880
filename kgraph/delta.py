"""New facts against a large graph: reason and validate only what they can affect.

Given a build's on-disk store and a delta of new asserted triples:

1. :class:`StoreFacts` shows the store (all graphs but shapes, meta and the span index) plus
   the delta to the compiled rules, which derive what the delta implies by store look-ups
   (:func:`kgraph.reasoning.close_delta`).
2. :func:`read_paths` lists, from the shapes, every chain of properties a shape reads from its
   focus node: its own triples, the types of the values it constrains, and the paths of its
   SHACL-SPARQL constraints (``$this oa:hasSelector ?q . ?q oa:exact ?e`` reads
   ``(oa:hasSelector, oa:exact)``).
3. :func:`affected_nodes`: a node's validation result can change only if a triple it reads
   changed, so the affected nodes are the subjects of the new triples and, for each read path,
   the nodes that reach a changed node along that path (walked backwards).
4. :func:`context_triples` gathers exactly what those nodes' shapes read (and the ontology,
   for class hierarchies), and the validator runs on that small graph; only results about the
   affected nodes are kept.

Tests check that this equals validating the whole graph with pySHACL. Shapes whose reads
cannot be derived (an inverse or recursive property path in SPARQL) make
:func:`read_paths` raise :class:`UnknownReads`; the caller then validates the whole graph.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kgraph.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, HIDDEN_GRAPHS, RDF, SH
from kgraph.rules import TYPE
from kgraph.terms import Term, graph_iri
from kgraph.validation import Shapes

Path_ = tuple[ox.NamedNode | None, ...]  # None: any property
Trie = dict[ox.NamedNode | None, "Trie"]  # the read paths, step by step


class UnknownReads(Exception):  # noqa: N818 - a signal caught inside kgraph to take the slower path, not an error
    """A shape reads the graph in a way whose extent cannot be derived."""


class StoreFacts:
    """An on-disk store's triples (all graphs but shapes, meta and the span index) with new
    triples laid over them."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.overlay: set[ox.Triple] = set()
        self._sp: dict[tuple[Term, Term], set[Term]] = defaultdict(set)
        self._po: dict[tuple[Term, Term], set[Term]] = defaultdict(set)
        self._out: dict[Term, set[ox.Triple]] = defaultdict(set)
        self._in: dict[Term, set[ox.Triple]] = defaultdict(set)

    def _quads(self, s: Term | None = None, p: Term | None = None, o: Term | None = None) -> Iterator[ox.Quad]:
        # (pyoxigraph checks at run time that each term fits its place)
        for q in self.store.quads_for_pattern(s, p, o, None):  # type: ignore[arg-type]
            if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name.value not in HIDDEN_GRAPHS:
                yield q

    def in_store(self, t: ox.Triple) -> bool:
        return next(self._quads(t.subject, t.predicate, t.object), None) is not None

    def asserted(self, t: ox.Triple) -> bool:
        """Whether the store holds ``t`` as an asserted triple (not only as an inferred one)."""
        return any(graph_iri(q) != GRAPH_INFERRED for q in self._quads(t.subject, t.predicate, t.object))

    def add(self, t: ox.Triple) -> bool:
        if t in self.overlay or self.in_store(t):
            return False
        self.overlay.add(t)
        self._sp[(t.subject, t.predicate)].add(t.object)
        self._po[(t.predicate, t.object)].add(t.subject)
        self._out[t.subject].add(t)
        self._in[t.object].add(t)
        return True

    def objects(self, s: Term, p: Term) -> set[Term]:
        return {q.object for q in self._quads(s, p, None)} | self._sp.get((s, p), set())

    def subjects(self, p: Term, o: Term) -> set[Term]:
        return {q.subject for q in self._quads(None, p, o)} | self._po.get((p, o), set())

    def outgoing(self, s: Term) -> set[ox.Triple]:
        if isinstance(s, ox.Literal):
            return set()
        return {ox.Triple(q.subject, q.predicate, q.object) for q in self._quads(s, None, None)} | self._out.get(s, set())

    def incoming(self, o: Term) -> set[Term]:
        out: set[Term] = {q.subject for q in self._quads(None, None, o)}
        return out | {t.subject for t in self._in.get(o, set())}

    def graph(self, iri: str) -> list[ox.Triple]:
        return [ox.Triple(q.subject, q.predicate, q.object) for q in self.store.quads_for_pattern(None, None, None, ox.NamedNode(iri))]


# -- what the shapes read ----------------------------------------------------------------
def _sh(local: str) -> ox.NamedNode:
    return SH.node(local)


_VALUE_SHAPE_LINKS = ("node", "qualifiedValueShape", "not")
_LIST_LINKS = ("or", "and", "xone")
_PAIR_LINKS = ("lessThan", "lessThanOrEquals", "equals", "disjoint")


def read_paths(shapes: Shapes) -> set[Path_]:
    """Every chain of properties some shape reads from its focus node (depth 1 is always read whole).

    Raises:
        UnknownReads: a shape reads along a path whose extent cannot be derived.
    """
    index: dict[tuple[Term, Term], list[Term]] = defaultdict(list)
    for t in shapes.triples:
        index[(t.subject, t.predicate)].append(t.object)

    def items(head: Term) -> list[Term]:
        out = []
        while head != ox.NamedNode(RDF.nil):
            out += index.get((head, ox.NamedNode(RDF.first)), [])
            rest = index.get((head, ox.NamedNode(RDF.rest)), [])
            if not rest:
                break
            head = rest[0]
        return out

    reads: set[Path_] = set()

    def nested(shape: Term) -> list[Term]:
        """The shapes a shape applies to the same node (sh:node, sh:not, ...) or to each value."""
        out = [other for link in _VALUE_SHAPE_LINKS for other in index.get((shape, _sh(link)), [])]
        return out + [other for link in _LIST_LINKS for head in index.get((shape, _sh(link)), []) for other in items(head)]

    def shape_reads(shape: Term, prefix: Path_, depth: int) -> None:
        if depth > 8:
            raise UnknownReads("shapes nest too deeply")
        for prop in index.get((shape, _sh("property")), []):
            value_reads(prop, prefix, depth)
        if index.get((shape, _sh("path"))):  # a property shape used as a value or node shape
            value_reads(shape, prefix, depth)
        for other in nested(shape):
            shape_reads(other, prefix, depth + 1)
        for constraint in index.get((shape, _sh("sparql")), []):
            for select in index.get((constraint, _sh("select")), []):
                for path in _sparql_reads(str(select.value), _declared_prefixes(index, constraint)):  # type: ignore[union-attr]
                    reads.add(prefix + path)

    def value_reads(prop: Term, prefix: Path_, depth: int) -> None:
        paths = index.get((prop, _sh("path")), [])
        if len(paths) != 1 or not isinstance(paths[0], ox.NamedNode):
            raise UnknownReads("a property shape with a complex sh:path")
        step = (*prefix, paths[0])
        reads.add(step)
        reads.add((*step, TYPE))
        for link in _PAIR_LINKS:
            for other in index.get((prop, _sh(link)), []):
                if isinstance(other, ox.NamedNode):
                    reads.add((*prefix, other))
        for other in nested(prop):
            shape_reads(other, step, depth + 1)

    roots = {
        t.subject for t in shapes.triples if t.predicate in (_sh("targetClass"), _sh("targetNode"), _sh("targetSubjectsOf"), _sh("targetObjectsOf"))
    }
    for root in roots:
        shape_reads(root, (), 0)
    return {r for r in reads if len(r) >= 2}


def cached_read_paths(shapes: Shapes, cache: Path | None) -> set[Path_]:
    """:func:`read_paths`, kept in ``cache`` by the shapes' content (deriving them parses SPARQL with rdflib)."""
    import hashlib
    import json

    from kgraph.files import write_atomically

    if cache is None:
        return read_paths(shapes)
    key = hashlib.sha256(shapes.as_ntriples()).hexdigest()[:24]
    path = cache / f"reads-{key}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return {tuple(ox.NamedNode(step) if step is not None else None for step in p) for p in stored}
    except (OSError, ValueError):
        pass
    reads = read_paths(shapes)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(sorted([[s.value if s is not None else None for s in p] for p in reads], key=str)).encode())
    except OSError:
        pass
    return reads


def _declared_prefixes(index: dict[tuple[Term, Term], list[Term]], constraint: Term) -> dict[str, str]:
    prefixes = {}
    for owner in index.get((constraint, _sh("prefixes")), []):
        for decl in index.get((owner, _sh("declare")), []):
            names = index.get((decl, _sh("prefix")), [])
            spaces = index.get((decl, _sh("namespace")), [])
            if names and spaces:
                prefixes[str(names[0].value)] = str(spaces[0].value)  # type: ignore[union-attr]
    return prefixes


def _sparql_reads(select: str, prefixes: dict[str, str]) -> set[Path_]:
    """The property chains a SHACL-SPARQL SELECT reads from ``$this``, from its algebra."""
    from rdflib import URIRef, Variable
    from rdflib.paths import SequencePath
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    patterns: list[tuple[Any, Any, Any]] = []

    def walk(node: object) -> None:
        if isinstance(node, CompValue):
            if node.name == "BGP":
                patterns.extend(node.get("triples") or [])
            elif node.name == "TriplesBlock":  # left untranslated inside EXISTS and NOT EXISTS
                for flat in node.get("triples") or []:
                    patterns.extend(tuple(flat[i : i + 3]) for i in range(0, len(flat) - 2, 3))
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(prepareQuery(select, initNs=prefixes).algebra)

    def steps(pred: object) -> Path_:
        if isinstance(pred, URIRef):
            return (ox.NamedNode(str(pred)),)
        if isinstance(pred, Variable):
            return (None,)
        if isinstance(pred, SequencePath):
            return tuple(s for arg in pred.args for s in steps(arg))
        raise UnknownReads(f"the SPARQL path {pred!r} is not a plain sequence")

    reach: dict[Variable, set[Path_]] = {Variable("this"): {()}}
    reads: set[Path_] = set()
    pending = list(patterns)
    while pending:
        progressed, left = False, []
        for s, p, o in pending:
            if s in reach:
                for path in reach[s]:
                    full = path + steps(p)
                    reads.update(full[:i] for i in range(1, len(full) + 1))
                    if isinstance(o, Variable):
                        reach.setdefault(o, set()).add(full)
                progressed = True
            else:
                left.append((s, p, o))
        if not progressed:
            raise UnknownReads("a SPARQL constraint reads triples not reached from $this")
        pending = left
    return reads


# -- which nodes a delta affects, and what they read ------------------------------------------
def affected_nodes(facts: StoreFacts, changed: Iterable[ox.Triple], reads: set[Path_], shapes: Shapes) -> set[Term]:
    """The nodes whose validation can differ now that ``changed`` (asserted and inferred) is in ``facts``."""
    changed = list(changed)
    nodes: set[Term] = {t.subject for t in changed}
    nodes |= {t.object for t in changed if t.predicate in shapes.target_objects_of}
    memo: dict[tuple[Term, Path_], set[Term]] = {}

    def back(node: Term, path: Path_) -> set[Term]:
        """The nodes that reach ``node`` along ``path``."""
        if not path:
            return {node}
        key = (node, path)
        if key not in memo:
            step = path[-1]
            before = facts.incoming(node) if step is None else facts.subjects(step, node)
            memo[key] = {x for prev in before for x in back(prev, path[:-1])}
        return memo[key]

    for t in changed:
        for path in reads:
            for i in range(1, len(path)):
                if path[i] is None or path[i] == t.predicate:
                    nodes |= back(t.subject, path[:i])
    return {n for n in nodes if not isinstance(n, ox.Literal)}


class MemoryIndex:
    """Triples in memory, indexed by subject: what :func:`context_triples` needs of a whole graph."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self._out: dict[Term, list[ox.Triple]] = defaultdict(list)
        for t in triples:
            self._out[t.subject].append(t)
        self._by_predicate: dict[Term, dict[Term, list[Term]]] = {}

    def outgoing(self, s: Term) -> list[ox.Triple]:
        return self._out.get(s, [])

    def objects(self, s: Term, p: Term) -> list[Term]:
        triples = self._out.get(s)
        if not triples:
            return []
        if len(triples) <= 16:
            return [t.object for t in triples if t.predicate == p]
        if s not in self._by_predicate:  # a hub (a state, a document): index it once
            grouped: dict[Term, list[Term]] = defaultdict(list)
            for t in triples:
                grouped[t.predicate].append(t.object)
            self._by_predicate[s] = grouped
        return self._by_predicate[s].get(p, [])


def _trie(reads: set[Path_]) -> Trie:
    root: Trie = {}
    for path in reads:
        node = root
        for step in path:
            node = node.setdefault(step, {})
    return root


def context_triples(
    facts: StoreFacts | MemoryIndex, focus: Iterable[Term], reads: set[Path_], ontology: Iterable[ox.Triple] | None = None
) -> set[ox.Triple]:
    """Everything the focus nodes' shapes read: their own triples and every read path from them, with the ontology.

    The read paths are walked as a trie, so a node is asked only for the properties some path
    follows from where it stands.
    """
    if ontology is None:
        if not isinstance(facts, StoreFacts):
            raise TypeError("an in-memory index needs the ontology given")
        ontology = facts.graph(GRAPH_ONTOLOGY)
    out: set[ox.Triple] = set(ontology)
    trie = _trie(reads)
    seen: set[tuple[Term, int]] = set()

    def follow(node: Term, branch: Trie) -> None:
        key = (node, id(branch))
        if key in seen or isinstance(node, ox.Literal):
            return
        seen.add(key)
        for step, rest in branch.items():
            triples = list(facts.outgoing(node)) if step is None else [ox.Triple(node, step, o) for o in facts.objects(node, step)]
            out.update(triples)
            if rest:
                for t in triples:
                    follow(t.object, rest)

    for f in focus:
        triples = list(facts.outgoing(f))  # a shape may read any property of its focus node
        out.update(triples)
        for t in triples:
            for branch in (trie.get(t.predicate), trie.get(None)):
                if branch:
                    follow(t.object, branch)
    return out
