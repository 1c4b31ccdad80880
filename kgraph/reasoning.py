"""Stage 2 of the pipeline: the OWL 2 RL closure.

Two ways to the same triples:

- the **reference**, :func:`infer_owlrl_closure`: owlrl over the whole graph, in pure Python;
- the **fast path**, :func:`close_graph`: owlrl over the schema alone (the ontology, any schema
  triples the facts contain or imply, and one probe literal per datatype the facts use, so
  that owlrl's datatype axioms and lexical checks come out as they would on the whole graph),
  cached by content; the data-level rules compiled from that closure
  (:mod:`kgraph.rules`) are then applied to the facts. :func:`close_delta` applies the same
  rules to new facts against the on-disk store.

Only the triples the closure adds are returned, so that asserted and inferred triples can be
stored apart. Triples owlrl writes with a literal subject (``"1991"^^xsd:gYear a xsd:gYear``)
and the reflexive ``x owl:sameAs x`` it adds for every node carry no information and are
dropped; inconsistencies become an InconsistencyError. Tests check that both ways agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kgraph.errors import InconsistencyError
from kgraph.files import write_atomically
from kgraph.loading import read_triples
from kgraph.namespaces import OWL, RDF, XSD
from kgraph.rules import TYPE, Facts, MemoryFacts, NeedsReference, RuleSet, compile_rules, forward_chain, inconsistencies, is_schema_triple
from kgraph.terms import Term, rdf_bytes

if TYPE_CHECKING:
    import rdflib

OWLRL_ERROR = "http://www.daml.org/2002/03/agents/agent-ont#"
_PROBE = ox.NamedNode("urn:kgraph:datatype-probe")
_XSD_STRING = XSD.string
_LANG_STRING = RDF.langString


def infer_owlrl_closure(asserted: rdflib.Graph) -> rdflib.Graph:
    """Return a new rdflib Graph holding what OWL 2 RL adds to ``asserted`` (an rdflib Graph).

    Raises:
        InconsistencyError: owlrl reported a contradiction, or something is an owl:Nothing.
    """
    import owlrl
    from rdflib import Graph, Literal, URIRef

    closure = Graph()
    for t in asserted:
        closure.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(closure)

    error_type = URIRef(OWLRL_ERROR + "ErrorMessage")
    error_text = URIRef(OWLRL_ERROR + "error")
    messages = sorted(str(m) for node in closure.subjects(URIRef(RDF.type), error_type) for m in closure.objects(node, error_text))
    nothing = sorted(str(s) for s in closure.subjects(URIRef(RDF.type), URIRef(OWL.Nothing)))
    messages += [f"<{s}> is an owl:Nothing (it belongs to classes that exclude each other)" for s in nothing]
    if messages:
        raise InconsistencyError(messages)

    same_as = URIRef(OWL.sameAs)
    inferred = Graph()
    for s, p, o in closure:
        if isinstance(s, Literal) or (p == same_as and s == o) or (s, p, o) in asserted:
            continue
        inferred.add((s, p, o))
    return inferred


def reference_closure(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """What owlrl's OWL 2 RL closure adds to pyoxigraph triples (the slow, obviously right answer)."""
    from kgraph.terms import graph_to_triples, triples_to_rdflib

    return graph_to_triples(infer_owlrl_closure(triples_to_rdflib(triples)))


# -- the fast path -------------------------------------------------------------------------
def _rl_datatypes() -> tuple[frozenset[str], dict[str, Any]]:
    from owlrl.DatatypeHandling import AltXSDToPYTHON
    from owlrl.XsdDatatypes import OWL_RL_Datatypes

    return frozenset(str(d) for d in OWL_RL_Datatypes), {str(k): v for k, v in AltXSDToPYTHON.items()}


def literal_problems(literals: Iterable[ox.Literal]) -> tuple[dict[str, ox.Literal], list[str]]:
    """owlrl's datatype handling of literals: one valid literal per OWL RL datatype used, and the invalid ones.

    owlrl checks the lexical form of every literal of an OWL RL datatype (rule dt-not-type)
    and adds datatype axioms for the datatypes in use; both depend only on these.
    """
    rl, converters = _rl_datatypes()
    probes: dict[str, ox.Literal] = {}
    errors = []
    for lit in set(literals):
        dt = lit.datatype.value
        if lit.language or dt == _XSD_STRING or dt not in rl:
            continue
        converter = converters.get(dt)
        try:
            if converter is not None:
                converter(lit.value)
        except ValueError:
            errors.append(f"Lexical value of the literal '{lit.value}' does not match its datatype ({dt})")
            continue
        if dt not in probes or lit.value < probes[dt].value:
            probes[dt] = lit
    return probes, sorted(errors)


@dataclass
class Schema:
    """The schema owlrl closes: its triples, and one probe literal per datatype the facts use."""

    triples: frozenset[ox.Triple]
    probes: tuple[ox.Literal, ...]

    @property
    def key(self) -> str:
        lines = sorted(str(t) for t in self.triples) + sorted(str(p) for p in self.probes)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:24]

    @property
    def datatypes(self) -> frozenset[str]:
        return frozenset(p.datatype.value for p in self.probes)


@dataclass
class Reasoner:
    """The compiled rules of a schema and what owlrl adds to the schema alone."""

    schema: Schema
    rules: RuleSet
    schema_inferred: list[ox.Triple] = field(default_factory=list)


def _schema_closure(schema: Schema, cache: Path | None) -> list[ox.Triple]:
    """owlrl's closure of the schema (plus probes), read from ``cache`` when it was computed before."""
    path = cache / f"schema-{schema.key}.nt" if cache is not None else None
    if path is not None and path.is_file():
        return read_triples(path)
    probes = [ox.Triple(_PROBE, _PROBE, lit) for lit in schema.probes]
    inferred = [t for t in reference_closure([*schema.triples, *probes]) if _PROBE not in (t.subject, t.predicate, t.object)]
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, rdf_bytes(inferred, ox.RdfFormat.N_TRIPLES))
        except OSError:
            pass  # a cache that cannot be written only costs time
    return inferred


def prepare(schema: Schema, cache: Path | None = None) -> Reasoner:
    """The reasoner for a schema (owlrl runs once per distinct schema; ``cache`` keeps its result)."""
    inferred = _schema_closure(schema, cache)
    return Reasoner(schema, compile_rules([*schema.triples, *inferred]), inferred)


@dataclass
class Closure:
    """The outcome of reasoning: the inferred triples and the reasoner that produced them."""

    inferred: list[ox.Triple]
    reasoner: Reasoner | None  # None when owlrl computed the whole closure
    note: str = ""


def _types_of(facts: MemoryFacts) -> dict[Term, set[Term]]:
    return {s: objs for (s, p), objs in facts.sp.items() if p == TYPE}


def _list_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    first, rest = ox.NamedNode(RDF.first), ox.NamedNode(RDF.rest)
    return [t for t in triples if t.predicate in (first, rest)]


def close_graph(asserted: list[ox.Triple], ontology: list[ox.Triple], *, cache: Path | None = None, reference: bool = False) -> Closure:
    """The OWL 2 RL closure of ``asserted`` (which includes ``ontology``): what it adds.

    The fast path falls back to owlrl where the graph uses OWL that the compiled rules do not
    implement exactly (see :class:`kgraph.rules.NeedsReference`); ``reference`` asks for owlrl.

    Raises:
        InconsistencyError: the graph contradicts itself under OWL 2 RL.
    """
    if reference:
        return Closure(reference_closure(asserted), None, "owlrl (reference)")
    literals = [t.object for t in asserted if isinstance(t.object, ox.Literal)]
    probes, errors = literal_problems(literals)
    if errors:
        raise InconsistencyError(errors)
    schema_triples = set(ontology) | {t for t in asserted if is_schema_triple(t)}
    if schema_triples - set(ontology):
        schema_triples |= set(_list_triples(asserted))
    asserted_set = set(asserted)
    try:
        reasoner: Reasoner | None = None
        derived: list[ox.Triple] = []
        facts: MemoryFacts | None = None
        for _ in range(8):
            schema = Schema(frozenset(schema_triples), tuple(sorted(probes.values(), key=str)))
            previous, reasoner = reasoner, prepare(schema, cache)
            if previous is None or reasoner.rules != previous.rules or facts is None:
                facts = MemoryFacts(reasoner.rules.join_predicates)
                derived = forward_chain(reasoner.rules, facts, [*asserted, *reasoner.schema_inferred])
            else:  # same data-level rules: only the schema's own closure grew
                derived += forward_chain(reasoner.rules, facts, reasoner.schema_inferred)
            implied = {t for t in derived if is_schema_triple(t)} - schema_triples
            if not implied:
                break
            schema_triples |= implied  # the facts imply schema (e.g. a range that types a property)
        else:
            raise NeedsReference("the schema implied by the facts did not settle")
    except NeedsReference as why:
        return Closure(reference_closure(asserted), None, f"owlrl (the fast path does not cover this graph: {why})")
    assert reasoner is not None
    assert facts is not None
    types = _types_of(facts)
    check_types(reasoner, types, types.__getitem__)
    inferred = {t for t in [*reasoner.schema_inferred, *derived] if not isinstance(t.subject, ox.Literal)}
    return Closure([t for t in inferred if t not in asserted_set], reasoner, "compiled OWL 2 RL rules")


class NeedsFullBuild(Exception):  # noqa: N818 - a signal caught inside kgraph to take the slower path, not an error
    """New facts change the schema or bring a new datatype: the compiled rules no longer fit."""


def close_delta(reasoner: Reasoner, facts: Facts, new: list[ox.Triple]) -> list[ox.Triple]:
    """What the rules derive from ``new`` given everything in ``facts`` (typically the store).

    Raises:
        NeedsFullBuild: the new triples state schema or use a datatype the schema was not
            closed with.
        InconsistencyError: the new triples contradict the graph.
        NeedsReference: the new triples need equality reasoning.
    """
    if any(is_schema_triple(t) for t in new):
        raise NeedsFullBuild("the new facts contain schema triples")
    probes, errors = literal_problems(t.object for t in new if isinstance(t.object, ox.Literal))
    if errors:
        raise InconsistencyError(errors)
    if set(probes) - reasoner.schema.datatypes:
        raise NeedsFullBuild("the new facts use a datatype the graph did not use")
    derived = forward_chain(reasoner.rules, facts, new)
    if any(is_schema_triple(t) for t in derived):
        raise NeedsFullBuild("the new facts imply schema triples")
    return derived


def check_types(reasoner: Reasoner, nodes: Iterable[Term], types_of: Callable[[Term], Iterable[Term]]) -> None:
    """Raise InconsistencyError if any of ``nodes`` now has disjoint types or is an owl:Nothing."""
    problems = inconsistencies(reasoner.rules, {n: set(types_of(n)) for n in nodes})
    if problems:
        raise InconsistencyError(problems)
