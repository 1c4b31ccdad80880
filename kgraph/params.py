"""Turning the strings a user types into RDF terms for a canned query's parameters.

Values are never pasted into query text: each becomes a pyoxigraph term that the engine binds
to the variable of the same name. An entity may be given as a full IRI, ``<IRI>``, a prefixed
name (``id:AstanaProcess``) or a label ("Astana process"); an unknown or ambiguous one is a
ParameterError listing candidates.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kgraph.catalogue import CannedQuery
from kgraph.errors import ParameterError
from kgraph.namespaces import PREFIXES, XSD, expand, shorten
from kgraph.terms import Term, lexical

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kgraph.engines import QueryEngine

_LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity ?label ?name WHERE {
  { ?entity rdfs:label ?label } UNION { ?entity skos:altLabel ?label }
  FILTER (isIRI(?entity))
  OPTIONAL { ?entity rdfs:label ?name . FILTER (LANG(?name) = "en") }
}"""
# The namespaces of terms, not entities: a misspelt entity is never offered a class or a shape.
_VOCABULARIES = tuple(ns for prefix, ns in PREFIXES.items() if prefix not in ("id", "wd"))
_EXISTS = "SELECT ?entity WHERE { { ?entity ?p ?o } UNION { ?s ?entity ?o } UNION { ?s ?p ?entity } } LIMIT 1"
_EXACT = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity ?label WHERE {
  { ?entity rdfs:label ?label } UNION { ?entity skos:altLabel ?label }
  FILTER (isIRI(?entity))
}"""
# Labels are looked up as written first, in these languages (and untagged), through the store's
# index; only a label given otherwise (another case, spacing) makes the resolver read every label.
EXACT_LANGUAGES = ("en", "kk", "ru")


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("–", "-").split())


class EntityResolver:
    """Finds the entity a user means, using the labels in the knowledge graph.

    >>> from kgraph.engines import OxigraphEngine
    >>> from kgraph.namespaces import RDFS
    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode("https://w3id.org/kgraph/id/Astana"), ox.NamedNode(RDFS.label), ox.Literal("Astana", language="en")))
    >>> EntityResolver(OxigraphEngine(store)).resolve("Astana")
    <NamedNode value=https://w3id.org/kgraph/id/Astana>
    """

    def __init__(self, engine: QueryEngine, language: str | None = None) -> None:
        self.engine = engine
        self.language = language if language is not None else user_language()
        self._labels: list[tuple[ox.NamedNode, str]] | None = None
        self._names: dict[ox.NamedNode, str] = {}
        self._own: dict[ox.NamedNode, str] = {}  # labels in the user's language, where there are any

    def labels(self) -> list[tuple[ox.NamedNode, str]]:
        """Every (entity, label or alternative label, in any language) pair of the graph."""
        if self._labels is None:
            rows = [(entity, label, name) for entity, label, name in self.engine.run(_LABELS).rows if isinstance(entity, ox.NamedNode) and label]
            self._labels = sorted({(entity, lexical(label)) for entity, label, _ in rows}, key=lambda el: (str(el[0]), el[1]))
            for entity, label, name in rows:
                if isinstance(name, ox.Literal):
                    self._names[entity] = min(name.value, self._names.get(entity, name.value))
                if self.language and isinstance(label, ox.Literal) and label.language == self.language:
                    self._own[entity] = min(label.value, self._own.get(entity, label.value))
        return self._labels

    def _english_name(self, iri: ox.NamedNode) -> str:
        """'Label (prefixed name)', the label in the user's language where the entity has one, else
        in English; the prefixed name alone for an entity without either."""
        self.labels()
        name = self._own.get(iri) or self._names.get(iri)
        return f"{name} ({shorten(iri.value)})" if name else shorten(iri.value)

    def candidates(self, text: str, n: int = 5) -> list[str]:
        """The entities whose labels are nearest to ``text``, as 'Label (id:X)' (no ontology or shape terms)."""
        by_label: dict[str, set[ox.NamedNode]] = {}
        for entity, label in self.labels():
            if not entity.value.startswith(_VOCABULARIES):  # entities only: never classes, properties or shapes
                by_label.setdefault(_fold(label), set()).add(entity)
        import difflib  # only to suggest candidates, after a miss

        near = difflib.get_close_matches(_fold(text), list(by_label), n=n, cutoff=0.4)
        seen, out = set(), []
        for label in near:
            for entity in sorted(by_label[label], key=str):
                if entity not in seen:
                    seen.add(entity)
                    out.append(self._english_name(entity))
        return out[:n]

    def exact(self, value: str) -> list[ox.NamedNode]:
        """The entities with exactly this label (or alternative label), found by index look-ups."""
        if not value:
            return []
        matches: set[ox.NamedNode] = set()
        for label in (ox.Literal(value), *(ox.Literal(value, language=lang) for lang in EXACT_LANGUAGES)):
            matches.update(row[0] for row in self.engine.run(_EXACT, {"label": label}).rows if isinstance(row[0], ox.NamedNode))
        return sorted(matches, key=str)

    def resolve(self, text: str, *, param: str = "entity") -> ox.NamedNode:
        """The single entity ``text`` names, or ParameterError with candidates."""
        value = text.strip()
        iri = None
        if value.startswith("<") and value.endswith(">"):
            iri = value[1:-1]
        elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", value) or value.startswith("urn:"):
            iri = value
        elif expand(value) is not None:
            iri = expand(value)
        if iri is not None:
            try:
                node = ox.NamedNode(iri)
            except ValueError as e:
                raise ParameterError(f"parameter {param!r}: {value!r} is not a valid IRI ({e})") from None
            if not self.engine.run(_EXISTS, {"entity": node}).rows:
                raise ParameterError(
                    f"parameter {param!r}: {value!r} is not in the knowledge graph",
                    candidates=self.candidates(iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]),
                )
            return node
        matches = self.exact(value) or sorted({e for e, label in self.labels() if _fold(label) == _fold(value)}, key=str)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise ParameterError(
                f"parameter {param!r}: {value!r} names {len(matches)} entities",
                candidates=[self._english_name(m) for m in matches],
                hint="give one of them as a prefixed name: " + ", ".join(shorten(m.value) for m in matches),
            )
        raise ParameterError(f"parameter {param!r}: no entity is labelled {value!r}", candidates=self.candidates(value))


def user_language(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the user's locale (``ru`` for ``LANG=ru_RU.UTF-8``), None for C or POSIX.

    >>> user_language({"LANG": "kk_KZ.UTF-8"}), user_language({"LC_ALL": "C.UTF-8", "LANG": "ru_RU"})
    ('kk', None)
    """
    import os

    env = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "")
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return code if code.isalpha() and code not in ("c", "posix") else None
    return None


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``["k=v", ...]`` as a dict; a pair without '=' is a ParameterError.

    >>> parse_assignments(["entity=Astana process", "x=a=b"])
    {'entity': 'Astana process', 'x': 'a=b'}
    """
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--param {pair!r} is not KEY=VALUE", hint="for example: --param entity=Kazakhstan")
        out[key.strip()] = value
    return out


def bind_parameters(query: CannedQuery, values: dict[str, str], resolver: EntityResolver) -> dict[str, Term]:
    """Check and convert the raw values of a query's parameters to RDF terms (defaults filled in)."""
    unknown = sorted(set(values) - {p.name for p in query.params})
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise ParameterError(f"query {query.name!r} has no parameter {unknown[0]!r}", hint=f"its parameters: {known}")
    bound: dict[str, Term] = {}
    for p in query.params:
        raw = values.get(p.name, p.default)
        if raw is None:
            raise ParameterError(f"query {query.name!r} needs --param {p.name}=... ({p.type}: {p.meaning})")
        if p.type == "entity":
            bound[p.name] = resolver.resolve(raw, param=p.name)
        elif p.type == "integer":
            if not re.fullmatch(r"[+-]?\d+", raw.strip()):
                raise ParameterError(f"parameter {p.name!r} expects an integer, got {raw!r}")
            bound[p.name] = ox.Literal(str(int(raw)), datatype=XSD.node("integer"))
        else:
            bound[p.name] = ox.Literal(raw)
    return bound
