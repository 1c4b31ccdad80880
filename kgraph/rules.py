"""Stage 2, fast path: the OWL 2 RL rules the ontology uses, compiled once and applied to the facts.

The ontology is small and fixed; only the facts grow. owlrl (the reference) computes the
closure of the schema alone once; from it :func:`compile_rules` reads the data-level rules
the ontology actually uses (class and property hierarchies, domains and ranges, inverses,
symmetric and transitive properties, property chains, existential restrictions, functional
properties, and the disjointness and difference checks). :func:`forward_chain` applies them
to a fact base by semi-naive forward chaining: each new triple is joined only with what is
already known, so closing a small delta against a large graph touches only the delta's
neighbourhood. The fact base is either in memory (:class:`MemoryFacts`, a full build) or an
on-disk store seen through an overlay (an add).

Anything the compiled rules do not implement exactly (equality reasoning with ``owl:sameAs``,
``owl:hasValue``, cardinalities, ...) raises :class:`NeedsReference`, and the caller falls
back to owlrl over the whole graph. Tests compare the result with owlrl's closure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import pyoxigraph as ox

from kgraph.errors import InconsistencyError
from kgraph.namespaces import OWL, RDF, RDFS
from kgraph.terms import Term, show_term

TYPE = ox.NamedNode(RDF.type)
_SUB_CLASS = ox.NamedNode(RDFS.subClassOf)
_SUB_PROPERTY = ox.NamedNode(RDFS.subPropertyOf)
_DOMAIN = ox.NamedNode(RDFS.domain)
_RANGE = ox.NamedNode(RDFS.range)
_FIRST = ox.NamedNode(RDF.first)
_REST = ox.NamedNode(RDF.rest)
_NIL = ox.NamedNode(RDF.nil)
NOTHING = ox.NamedNode(OWL.Nothing)
SAME_AS = ox.NamedNode(OWL.sameAs)


def _owl(local: str) -> ox.NamedNode:
    return OWL.node(local)


# Schema constructs the compiled rules do not implement: a schema using one needs owlrl.
UNSUPPORTED = {
    _owl(x)
    for x in (
        "hasValue",
        "allValuesFrom",
        "intersectionOf",
        "unionOf",
        "complementOf",
        "oneOf",
        "maxCardinality",
        "maxQualifiedCardinality",
        "cardinality",
        "qualifiedCardinality",
        "hasKey",
        "propertyDisjointWith",
        "AllDisjointProperties",
        "AsymmetricProperty",
        "IrreflexiveProperty",
        "hasSelf",
        "NegativePropertyAssertion",
    )
}
# Predicates and classes that make a triple part of the schema rather than of the facts.
SCHEMA_PREDICATES = (
    {_SUB_CLASS, _SUB_PROPERTY, _DOMAIN, _RANGE}
    | {
        _owl(x)
        for x in (
            "equivalentClass",
            "equivalentProperty",
            "inverseOf",
            "propertyChainAxiom",
            "onProperty",
            "someValuesFrom",
            "disjointWith",
            "members",
            "distinctMembers",
            "onClass",
            "minCardinality",
            "minQualifiedCardinality",
        )
    }
    | UNSUPPORTED
)
SCHEMA_CLASSES = (
    {ox.NamedNode(RDFS.Class), ox.NamedNode(RDF.Property), ox.NamedNode(RDFS.Datatype)}
    | {
        _owl(x)
        for x in (
            "Class",
            "Restriction",
            "ObjectProperty",
            "DatatypeProperty",
            "AnnotationProperty",
            "TransitiveProperty",
            "SymmetricProperty",
            "FunctionalProperty",
            "InverseFunctionalProperty",
            "AllDisjointClasses",
            "AllDifferent",
            "Ontology",
        )
    }
    | UNSUPPORTED
)


class NeedsReference(Exception):  # noqa: N818 - a signal caught inside kgraph to take the slower path, not an error
    """The graph uses OWL the compiled rules do not implement exactly; owlrl must compute the closure."""


def is_schema_triple(t: ox.Triple) -> bool:
    """Whether a triple states schema (a class or property axiom) rather than a fact.

    >>> is_schema_triple(ox.Triple(ox.NamedNode("http://e/A"), _SUB_CLASS, ox.NamedNode("http://e/B")))
    True
    """
    return t.predicate in SCHEMA_PREDICATES or (t.predicate == TYPE and t.object in SCHEMA_CLASSES)


def _list_items(index: dict[tuple[Term, ox.NamedNode], list[Term]], head: Term) -> list[Term]:
    items, seen = [], set()
    while head != _NIL and head not in seen:
        seen.add(head)
        firsts = index.get((head, _FIRST), [])
        rests = index.get((head, _REST), [])
        if len(firsts) != 1 or len(rests) != 1:
            raise NeedsReference(f"malformed RDF list at {head}")
        items.append(firsts[0])
        head = rests[0]
    return items


@dataclass
class RuleSet:
    """The data-level OWL 2 RL rules of one schema."""

    super_classes: dict[Term, tuple[Term, ...]] = field(default_factory=dict)  # cax-sco
    super_properties: dict[Term, tuple[Term, ...]] = field(default_factory=dict)  # prp-spo1
    domains: dict[Term, tuple[Term, ...]] = field(default_factory=dict)  # prp-dom
    ranges: dict[Term, tuple[Term, ...]] = field(default_factory=dict)  # prp-rng
    inverses: dict[Term, tuple[Term, ...]] = field(default_factory=dict)  # prp-inv1, prp-inv2
    symmetric: frozenset[Term] = frozenset()  # prp-symp
    transitive: frozenset[Term] = frozenset()  # prp-trp
    functional: frozenset[Term] = frozenset()  # prp-fp
    inverse_functional: frozenset[Term] = frozenset()  # prp-ifp
    chains: list[tuple[tuple[Term, ...], Term]] = field(default_factory=list)  # prp-spo2
    # cls-svf1 / cls-svf2: (restriction, property, filler class or None for owl:Thing)
    some_values: list[tuple[Term, Term, Term | None]] = field(default_factory=list)
    disjoint: list[frozenset[Term]] = field(default_factory=list)  # cax-dw, cax-adc
    different: list[frozenset[Term]] = field(default_factory=list)  # eq-diff1..3

    @property
    def join_predicates(self) -> frozenset[Term]:
        """Predicates whose triples some rule joins with another triple, and so must be indexed."""
        preds = set(self.transitive) | set(self.functional) | set(self.inverse_functional) | {TYPE}
        for chain, _ in self.chains:
            preds.update(chain)
        preds.update(p for _, p, _ in self.some_values)
        return frozenset(preds)


def compile_rules(schema_closure: Iterable[ox.Triple]) -> RuleSet:  # noqa: PLR0912 - a branch per OWL 2 RL rule family, side by side
    """Read the data-level rules out of the owlrl closure of a schema.

    Raises:
        NeedsReference: the schema uses a construct these rules do not implement.
    """
    index: dict[tuple[Term, ox.NamedNode], list[Term]] = defaultdict(list)
    by_predicate: dict[ox.NamedNode, list[ox.Triple]] = defaultdict(list)
    types: dict[Term, set[Term]] = defaultdict(set)
    for t in schema_closure:
        index[(t.subject, t.predicate)].append(t.object)
        by_predicate[t.predicate].append(t)
        if t.predicate == TYPE:
            types[t.subject].add(t.object)
        if t.predicate in UNSUPPORTED or (t.predicate == TYPE and t.object in UNSUPPORTED):
            raise NeedsReference(f"the schema uses {show_term(t.predicate if t.predicate != TYPE else t.object)}")
        if t.predicate == SAME_AS and t.subject != t.object:
            raise NeedsReference("the schema uses owl:sameAs between different terms")

    def grouped(pred: ox.NamedNode, *, reflexive_ok: bool = False) -> dict[Term, tuple[Term, ...]]:
        out: dict[Term, set[Term]] = defaultdict(set)
        for t in by_predicate.get(pred, []):
            if reflexive_ok or t.subject != t.object:
                out[t.subject].add(t.object)
        return {k: tuple(sorted(v, key=str)) for k, v in out.items()}

    rules = RuleSet()
    rules.super_classes = grouped(_SUB_CLASS)
    for eq in by_predicate.get(_owl("equivalentClass"), []):  # cax-eqc1/2, should the closure lack the subclass pair
        for a, b in ((eq.subject, eq.object), (eq.object, eq.subject)):
            if a != b and b not in rules.super_classes.get(a, ()):
                rules.super_classes[a] = (*rules.super_classes.get(a, ()), b)
    rules.super_properties = grouped(_SUB_PROPERTY)
    for eq in by_predicate.get(_owl("equivalentProperty"), []):
        for a, b in ((eq.subject, eq.object), (eq.object, eq.subject)):
            if a != b and b not in rules.super_properties.get(a, ()):
                rules.super_properties[a] = (*rules.super_properties.get(a, ()), b)
    rules.domains = grouped(_DOMAIN, reflexive_ok=True)
    rules.ranges = grouped(_RANGE, reflexive_ok=True)
    inverses: dict[Term, set[Term]] = defaultdict(set)
    for t in by_predicate.get(_owl("inverseOf"), []):
        inverses[t.subject].add(t.object)
        inverses[t.object].add(t.subject)
    rules.inverses = {k: tuple(sorted(v, key=str)) for k, v in inverses.items()}

    def of_type(cls: str) -> frozenset[Term]:
        return frozenset(s for s, ts in types.items() if _owl(cls) in ts)

    rules.symmetric = of_type("SymmetricProperty")
    rules.transitive = of_type("TransitiveProperty")
    rules.functional = of_type("FunctionalProperty")
    rules.inverse_functional = of_type("InverseFunctionalProperty")
    for t in by_predicate.get(_owl("propertyChainAxiom"), []):
        chain = tuple(_list_items(index, t.object))
        if not chain:
            raise NeedsReference(f"empty property chain for {t.subject}")
        rules.chains.append((chain, t.subject))
    for restriction, props in ((s, index[(s, _owl("onProperty"))]) for s in types if _owl("Restriction") in types[s]):
        fillers = index.get((restriction, _owl("someValuesFrom")), [])
        if _owl("minCardinality") in {p for (s, p) in index if s == restriction} or _owl("minQualifiedCardinality") in {
            p for (s, p) in index if s == restriction
        }:
            raise NeedsReference("the schema uses a cardinality restriction")
        for prop in props:
            for filler in fillers:
                rules.some_values.append((restriction, prop, None if filler == _owl("Thing") else filler))
    for t in by_predicate.get(_owl("disjointWith"), []):
        if t.subject != t.object:
            rules.disjoint.append(frozenset((t.subject, t.object)))
    for node in of_type("AllDisjointClasses"):
        for head in index.get((node, _owl("members")), []):
            rules.disjoint.append(frozenset(_list_items(index, head)))
    for node in of_type("AllDifferent"):
        for key in ("distinctMembers", "members"):
            for head in index.get((node, _owl(key)), []):
                rules.different.append(frozenset(_list_items(index, head)))
    for t in by_predicate.get(_owl("differentFrom"), []):
        rules.different.append(frozenset((t.subject, t.object)))
    return rules


class Facts(Protocol):
    """What forward chaining needs of the triples known so far."""

    def add(self, t: ox.Triple) -> bool:
        """Record a triple; False if it was known already."""

    def objects(self, s: Term, p: Term) -> Iterable[Term]:
        """The objects of (s, p, ?) for a join predicate."""

    def subjects(self, p: Term, o: Term) -> Iterable[Term]:
        """The subjects of (?, p, o) for a join predicate."""


class MemoryFacts:
    """Every triple in a set, and the triples of join predicates indexed both ways."""

    def __init__(self, join_predicates: frozenset[Term]) -> None:
        self.known: set[ox.Triple] = set()
        self.join = join_predicates
        self.sp: dict[tuple[Term, Term], set[Term]] = defaultdict(set)
        self.po: dict[tuple[Term, Term], set[Term]] = defaultdict(set)

    def add(self, t: ox.Triple) -> bool:
        if t in self.known:
            return False
        self.known.add(t)
        if t.predicate in self.join:
            self.sp[(t.subject, t.predicate)].add(t.object)
            self.po[(t.predicate, t.object)].add(t.subject)
        return True

    def objects(self, s: Term, p: Term) -> Iterable[Term]:
        return self.sp.get((s, p), ())

    def subjects(self, p: Term, o: Term) -> Iterable[Term]:
        return self.po.get((p, o), ())


def forward_chain(rules: RuleSet, facts: Facts, new: Iterable[ox.Triple]) -> list[ox.Triple]:  # noqa: PLR0912 - one loop applies every rule kind
    """Add ``new`` to ``facts`` and return every triple the rules derive that ``facts`` lacked.

    Semi-naive: each triple taken from the agenda is joined with everything known, and a
    derived triple is known from the moment it is derived, so every pair of joinable
    triples meets when the later of the two is taken. Derived triples whose subject would be
    a literal (owlrl writes some) are not produced.
    """
    agenda: list[ox.Triple] = [t for t in new if facts.add(t)]
    derived: list[ox.Triple] = []

    def emit(s: Term, p: Term, o: Term) -> None:
        if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
            return
        t = ox.Triple(s, p, o)
        if facts.add(t):
            agenda.append(t)
            derived.append(t)

    chains_by_link: dict[Term, list[tuple[int, tuple[Term, ...], Term]]] = defaultdict(list)
    for chain, prop in rules.chains:
        for i, link in enumerate(chain):
            chains_by_link[link].append((i, chain, prop))
    svf_by_prop: dict[Term, list[tuple[Term, Term | None]]] = defaultdict(list)
    svf_by_filler: dict[Term, list[tuple[Term, Term]]] = defaultdict(list)
    for restriction, prop, filler in rules.some_values:
        svf_by_prop[prop].append((restriction, filler))
        if filler is not None:
            svf_by_filler[filler].append((restriction, prop))

    while agenda:
        t = agenda.pop()
        s, p, o = t.subject, t.predicate, t.object
        if p == TYPE:
            for sup in rules.super_classes.get(o, ()):
                emit(s, TYPE, sup)
            for restriction, prop in svf_by_filler.get(o, ()):
                for x in facts.subjects(prop, s):
                    emit(x, TYPE, restriction)
        for q in rules.super_properties.get(p, ()):
            emit(s, q, o)
        for d in rules.domains.get(p, ()):
            emit(s, TYPE, d)
        if not isinstance(o, ox.Literal):
            for r in rules.ranges.get(p, ()):
                emit(o, TYPE, r)
            for q in rules.inverses.get(p, ()):
                emit(o, q, s)
            if p in rules.symmetric:
                emit(o, p, s)
        if p in rules.transitive:
            for z in list(facts.objects(o, p)):
                emit(s, p, z)
            for w in list(facts.subjects(p, s)):
                emit(w, p, o)
        for i, chain, prop in chains_by_link.get(p, ()):
            for start, end in _chain_matches(facts, chain, i, s, o):
                emit(start, prop, end)
        for restriction, filler in svf_by_prop.get(p, ()):
            if filler is None or filler in facts.objects(o, TYPE):
                emit(s, TYPE, restriction)
        if p in rules.functional:
            others = [y for y in facts.objects(s, p) if y != o]
            if others:
                _equality(rules, t, others, subject_side=False)
        if p in rules.inverse_functional:
            others = [x for x in facts.subjects(p, o) if x != s]
            if others:
                _equality(rules, t, others, subject_side=True)
    return derived


def _chain_matches(facts: Facts, chain: tuple[Term, ...], i: int, s: Term, o: Term) -> Iterator[tuple[Term, Term]]:
    """The (start, end) pairs of every path along ``chain`` whose i-th link is (s, o)."""
    starts = {s}
    for link in reversed(chain[:i]):
        starts = {x for node in starts for x in facts.subjects(link, node)}
        if not starts:
            return
    ends = {o}
    for link in chain[i + 1 :]:
        ends = {y for node in ends for y in facts.objects(node, link)}
        if not ends:
            return
    for a in starts:
        for b in ends:
            yield a, b


def _equality(rules: RuleSet, t: ox.Triple, others: list[Term], *, subject_side: bool) -> None:
    """A functional (or inverse-functional) property with two values makes them owl:sameAs.

    Two values declared different are a contradiction, as owlrl reports; any other pair
    would need equality reasoning, which only owlrl does.
    """
    value = t.subject if subject_side else t.object
    for other in others:
        if any(value in group and other in group for group in rules.different):
            raise InconsistencyError(
                [
                    f"{show_term(t.object if subject_side else t.subject)} has two values of the "
                    f"{'inverse-' if subject_side else ''}functional property {show_term(t.predicate)}, "
                    f"{show_term(value)} and {show_term(other)}, which are declared different"
                ]
            )
        if isinstance(value, ox.Literal) and isinstance(other, ox.Literal) and value.value == other.value:
            continue
        raise NeedsReference(f"{show_term(t.predicate)} is functional and has two values: owl:sameAs reasoning needed")


def inconsistencies(rules: RuleSet, types_of: dict[Term, set[Term]]) -> list[str]:
    """Members of owl:Nothing and of classes declared disjoint (cls-nothing2, cax-dw, cax-adc)."""
    messages = []
    for node, classes in types_of.items():
        if NOTHING in classes:
            messages.append(f"{show_term(node)} is an owl:Nothing (it belongs to classes that exclude each other)")
        for group in rules.disjoint:
            both = sorted(group & classes, key=str)
            if len(both) > 1:
                messages.append(f"{show_term(node)} is a {' and a '.join(str(show_term(c)) for c in both)}, which are declared disjoint")
    return sorted(set(messages))
