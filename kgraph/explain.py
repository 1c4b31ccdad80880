"""Curators' errors that name the cause: what a violation of new facts most likely means, and the fix.

SHACL says *what* is wrong ("the span's oa:exact does not equal the source text between its
offsets"); a curator needs *why* and *what to do* ("the words stand 2 characters later: the
text has CRLF line endings ..."). :func:`explain` adds that to the problems of a report, reading
the new files, the build's store and the source texts; the violations themselves are unchanged.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from kgraph.errors import InputError
from kgraph.evidence import diagnose_span, occurrences, read_text
from kgraph.loading import ParsedFile
from kgraph.namespaces import DCTERMS, ID, KG, OA, RDF, RDFS, expand_shown
from kgraph.terms import Term, lexical, show_term
from kgraph.validation import Problem, ValidationReport

Lookup = Callable[[Term, str], list[Term]]  # the objects of (subject, predicate IRI), new files first


def _lookup(files: list[ParsedFile], store: ox.Store | None) -> Lookup:
    index: dict[tuple[Term, str], list[Term]] = {}
    for f in files:
        for t in f.triples:
            index.setdefault((t.subject, t.predicate.value), []).append(t.object)

    def objects(subject: Term, predicate: str) -> list[Term]:
        found = index.get((subject, predicate))
        if found or store is None or isinstance(subject, ox.Literal):
            return found or []
        return list({q.object: None for q in store.quads_for_pattern(subject, ox.NamedNode(predicate), None, None)})

    return objects


def _text_of(document: Term, objects: Lookup, text_dirs: Iterable[Path]) -> tuple[str, str] | None:
    """A document's file name and text, where the file can be found and read."""
    for name in objects(document, DCTERMS.term("identifier")):
        for folder in text_dirs:
            path = folder / lexical(name)
            if path.is_file():
                try:
                    return path.name, read_text(path)
                except InputError:  # unreadable: the violation stands without an explanation
                    return None
    return None


def _registered(store: ox.Store | None, files: list[ParsedFile]) -> list[Term]:
    """The source documents of the graph and of the new files, by name."""
    docs = {t.subject for f in files for t in f.triples if t.predicate.value == RDF.type and t.object == ox.NamedNode(KG.SourceDocument)}
    if store is not None:
        docs |= {q.subject for q in store.quads_for_pattern(None, ox.NamedNode(RDF.type), ox.NamedNode(KG.SourceDocument), None)}
    return sorted(docs, key=str)


def _first(values: list[Term]) -> Term | None:
    return values[0] if values else None


def _span_parts(span: Term, objects: Lookup) -> tuple[str, int, int, Term | None] | None:
    exact = start = end = None
    for selector in objects(span, OA.term("hasSelector")):
        exact = exact or _first(objects(selector, OA.term("exact")))
        start = start or _first(objects(selector, OA.term("start")))
        end = end or _first(objects(selector, OA.term("end")))
    if exact is None or start is None or end is None:
        return None
    try:
        return lexical(exact), int(lexical(start)), int(lexical(end)), _first(objects(span, OA.term("hasSource")))
    except ValueError:
        return None


def _why(p: Problem, node: Term, objects: Lookup, store: ox.Store | None, files: list[ParsedFile], text_dirs: list[Path]) -> str | None:
    """The likely cause of one problem, or None where there is nothing to add."""
    if p.shape == "kgsh:SpanShape":
        if p.message.startswith("The span's oa:exact"):
            parts = _span_parts(node, objects)
            found = _text_of(parts[3], objects, text_dirs) if parts and parts[3] is not None else None
            return diagnose_span(found[1], *parts[:3]) if parts and found else None
        if p.path in {"oa:hasSource", "oa:hasSelector"}:
            if not objects(node, RDF.type) and not objects(node, OA.term("hasSelector")):
                defined = sorted(
                    str(show_term(t.subject))
                    for f in files
                    for t in f.triples
                    if t.predicate.value == RDF.type and t.object == ox.NamedNode(OA.SpecificResource)
                )
                return f"{show_term(node)} is cited as evidence but not defined: paste the Turtle 'kgraph span' writes for it" + (
                    f" (the files define {', '.join(defined[:5])})" if defined else ""
                )
            if p.path == "oa:hasSource":
                return (
                    "the registered source documents are "
                    + ", ".join(sorted(str(show_term(d)) for d in _registered(store, files)))
                    + "; register a new text with 'kgraph source add'"
                )
    if p.shape == "kgsh:EvidenceShape" and p.path == "kg:evidence":
        return _quote_for(node, objects, store, files, text_dirs)
    return None


def _quote_for(node: Term, objects: Lookup, store: ox.Store | None, files: list[ParsedFile], text_dirs: list[Path]) -> str:
    """Which words of a source text would do as evidence for a node: its label where a text has it."""
    labels = [lexical(label) for label in objects(node, RDFS.label)]
    documents = _registered(store, files)
    for label in labels:
        for document in documents:
            found = _text_of(document, objects, text_dirs)
            if found is None:
                continue
            lowered = found[1].lower()
            at = occurrences(lowered, label.lower())
            if at:
                words = found[1][at[0] : at[0] + len(label)]
                return f'cite a span of the words that state it, e.g. kgraph span "{words}" --document {found[0]}'
    return 'cite a span of the words that state it: kgraph span "WORDS" --document FILE.txt writes one'


def explain(report: ValidationReport, files: list[ParsedFile], store: ox.Store | None, text_dirs: list[Path]) -> None:
    """Add to each problem of ``report`` what most likely causes it and what to do (in place)."""
    if not report.problems:
        return
    objects = _lookup(files, store)
    for i, p in enumerate(report.problems):
        try:
            node: Term = ox.NamedNode(expand_shown(p.focus))
        except ValueError:
            continue
        why = _why(p, node, objects, store, files, text_dirs)
        if why:
            report.problems[i] = dataclasses.replace(p, message=f"{p.message}\n    Likely cause: {why}.")


def unknown_names(files: list[ParsedFile], store: ox.Store | None, locations: Mapping[str, tuple[str, int]]) -> list[Problem]:
    """Misspelt names: a ``kg:`` term the ontology does not define, or an ``id:`` entity that new
    facts point at although neither the graph nor the new files have it. Both would otherwise
    pass validation silently (no shape targets a class that does not exist).
    """
    defined = {t.subject for f in files for t in f.triples}
    known_terms = KG.terms
    problems: list[Problem] = []
    entity_names: list[str] | None = None
    for f in files:
        seen: set[ox.NamedNode] = set()
        for t in f.triples:
            for term, is_value in ((t.predicate, False), (t.object, True), (t.subject, False)):
                if not isinstance(term, ox.NamedNode) or term in seen or (term in defined and not term.value.startswith(KG)):
                    continue
                seen.add(term)
                name = str(show_term(term))
                if term.value.startswith(KG) and term.value[len(KG) :] not in known_terms and term not in defined:
                    close = difflib.get_close_matches(term.value[len(KG) :], sorted(known_terms), n=3, cutoff=0.7)
                    message = f"{name} is not a term of the kgraph ontology"
                elif is_value and term.value.startswith(ID) and term not in defined and not _exists(store, term):
                    if entity_names is None:
                        entity_names = _entity_names(store, files)
                    close = difflib.get_close_matches(term.value[len(ID) :], entity_names, n=3, cutoff=0.7)
                    message = f"{name} is neither in the knowledge graph nor defined in the new files"
                else:
                    continue
                prefix = "kg:" if term.value.startswith(KG) else "id:"
                hint = (
                    f"did you mean {', '.join(prefix + c for c in close)}?" if close else "check the spelling; 'kgraph reference' lists the classes"
                )
                where = locations.get(t.subject.value if isinstance(t.subject, ox.NamedNode) else "", (str(f.path), 0))
                problems.append(
                    Problem(
                        focus=str(show_term(t.subject)),
                        focus_label=None,
                        path=str(show_term(t.predicate)),
                        value=name,
                        message=f"{message}: {hint}",
                        severity="Violation",
                        shape=None,
                        component="kgraph:UnknownName",
                        file=where[0],
                        line=where[1] or None,
                    )
                )
    return problems


def _exists(store: ox.Store | None, node: ox.NamedNode) -> bool:
    return store is not None and any(True for _ in store.quads_for_pattern(node, None, None, None))


def _entity_names(store: ox.Store | None, files: list[ParsedFile]) -> list[str]:
    """The local names of the id: entities of the graph and the new files (for suggestions only)."""
    names = {t.subject.value[len(ID) :] for f in files for t in f.triples if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ID)}
    if store is not None:
        for q in store.quads_for_pattern(None, ox.NamedNode(RDFS.label), None, None):
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(ID):
                names.add(q.subject.value[len(ID) :])
    return sorted(names)
