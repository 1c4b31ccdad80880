"""Evidence spans: finding a quote in a source text, writing its W3C Web Annotation Turtle, and
the build's index of every span's words and offsets.

Offsets count Unicode code points from 0, end exclusive, so ``text[start:end] == exact``.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kgraph.errors import InputError, UsageError
from kgraph.namespaces import ID, NIF, OA
from kgraph.terms import Subject, Term


@dataclass(frozen=True)
class Span:
    """A quote and where it stands in a text (code points from 0, end exclusive).

    >>> print(span_turtle(Span("Astana", 10, 16)).splitlines()[-1])
    id:span-10-16-position a oa:TextPositionSelector ; oa:start 10 ; oa:end 16 .
    """

    exact: str
    start: int
    end: int
    occurrences: int = 1  # how often the quote occurs in the whole text (a curator may mean another)
    occurrence: int = 1  # which of them this is, from 1
    prefix: str = ""  # W3C oa:prefix: the words just before, written where the quote alone is ambiguous
    suffix: str = ""  # W3C oa:suffix: the words just after
    document: str = ""  # the IRI of the kg:SourceDocument, where known

    def to_turtle(self) -> str:
        """The span's Turtle (see :func:`span_turtle`), for the document it was found in."""
        return span_turtle(self, document_iri=self.document or SHIPPED_DOCUMENT)


CONTEXT = 24  # code points of oa:prefix / oa:suffix written for a quote that occurs more than once


def read_text(document: Path) -> str:
    """A source text decoded as stored: UTF-8, no newline translation (CRLF counts two code points)."""
    try:
        return Path(document).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{document}: cannot read the source text: {e}") from None


def occurrences(text: str, exact: str) -> list[int]:
    """Where ``exact`` starts in ``text``, every time (overlapping ones too).

    >>> occurrences("aaa", "aa")
    [0, 1]
    """
    starts, at = [], text.find(exact)
    while at >= 0:
        starts.append(at)
        at = text.find(exact, at + 1)
    return starts


def locate_span(document: Path, exact: str, *, occurrence: int | None = None, prefix: str = "", suffix: str = "") -> Span:
    """Find ``exact`` in a UTF-8 text file: the ``occurrence``-th (from 1) of those that ``prefix``
    precedes and ``suffix`` follows (W3C TextQuoteSelector context); the first by default.

    Where the quote occurs more than once, the span carries a prefix and suffix taken from the
    text (the ones given, or the words around the chosen occurrence), so that its quote selector
    alone says which occurrence is meant.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"; _ = p.write_text("a b a c", encoding="utf-8")
    >>> locate_span(p, "a", occurrence=2)
    Span(exact='a', start=4, end=5, occurrences=2, occurrence=2, prefix='a b ', suffix=' c', document='')
    >>> locate_span(p, "a", suffix=" b").start
    0
    """
    text = read_text(document)
    if not exact:
        raise UsageError("the quote is empty")
    if occurrence is not None and occurrence < 1:
        raise UsageError("--occurrence counts from 1")
    every = occurrences(text, exact)
    fitting = [s for s in every if text[:s].endswith(prefix) and text.startswith(suffix, s + len(exact))]
    n = occurrence or 1
    if len(fitting) < n:
        context = " with that prefix and suffix" if (prefix or suffix) and every else ""
        raise UsageError(
            f"{document}: the quote occurs {len(fitting)} time(s){context}, not {n}"
            if fitting
            else f"{document}: the quote does not occur in the text{context}"
            + (f" (it occurs {len(every)} time(s) without them)" if context else ""),
            hint="copy the words exactly, including punctuation and curly quotes"
            + ("; --prefix and --suffix must be the words right before and after it" if context else ""),
        )
    start = fitting[n - 1]
    end = start + len(exact)
    if len(every) > 1:
        prefix = prefix or text[max(0, start - CONTEXT) : start]
        suffix = suffix or text[end : end + CONTEXT]
    return Span(exact, start, end, len(every), every.index(start) + 1, prefix, suffix)


def diagnose_span(text: str, exact: str, start: int, end: int) -> str:
    """Why a span's offsets do not hold its words, and what to do: for a curator's error message.

    >>> print(diagnose_span("ab\\r\\ncd", "cd", 3, 5).replace("; ", ";\\n"))
    the words stand at 4-6, 1 character(s) later;
    the text has CRLF line endings, and the offsets were counted without the CRs: count every code point of the file as stored, as kgraph span does
    >>> diagnose_span("abc", "abc", 0, 2)
    'oa:end should be 3 (oa:start plus the 3 code points of the quote)'
    """
    found = occurrences(text, exact)
    if not found:
        return (
            "the words occur nowhere in the text: copy them exactly (punctuation, curly quotes, spaces and line breaks), or let kgraph span find them"
        )
    if start in found:
        return f"oa:end should be {start + len(exact)} (oa:start plus the {len(exact)} code points of the quote)"
    nearest = min(found, key=lambda s: (abs(s - start), s))
    shift = nearest - start
    parts = [f"the words stand at {nearest}-{nearest + len(exact)}, {abs(shift)} character(s) {'later' if shift > 0 else 'earlier'}"]
    before = text[:nearest]
    if "\r" in before and shift == before.count("\r"):
        parts.append(
            "the text has CRLF line endings, and the offsets were counted without the CRs: count every code point of the file "
            "as stored, as kgraph span does"
        )
    elif shift < 0 and -shift == sum(1 for c in before if ord(c) > 0xFFFF):
        parts.append("the offsets look like UTF-16 code units (as JavaScript counts): count code points, as Python and kgraph span do")
    elif shift < 0 and start == len(before.encode("utf-8")):
        parts.append("the offsets look like UTF-8 bytes: count code points, as Python and kgraph span do")
    if len(found) > 1:
        parts.append(f"the words occur {len(found)} times, at " + ", ".join(str(s) for s in found[:5]) + (", ..." if len(found) > 5 else ""))
    return "; ".join(parts)


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


SHIPPED_DOCUMENT = ID + "SourceText"


def span_iri(document_iri: str, start: int, end: int) -> str:
    """The span's name, unique per document: the shipped text keeps its short names.

    >>> span_iri(SHIPPED_DOCUMENT, 0, 37), span_iri("https://w3id.org/kgraph/id/Article2", 0, 37)
    ('id:span-0-37', 'id:Article2-span-0-37')
    >>> span_iri("http://example.org/doc", 5, 9)
    '<http://example.org/doc-span-5-9>'
    """
    if document_iri == SHIPPED_DOCUMENT:
        return f"id:span-{start}-{end}"
    local = document_iri[len(ID) :] if document_iri.startswith(ID) else ""
    if local and all(c.isalnum() or c in "_-" for c in local):
        return f"id:{local}-span-{start}-{end}"
    return f"<{document_iri}-span-{start}-{end}>"


def span_turtle(span: Span, *, document_iri: str = SHIPPED_DOCUMENT) -> str:
    """The Turtle for a span, in the form the shipped facts use (paste it, then cite it with kg:evidence)."""
    base = span_iri(document_iri, span.start, span.end)

    def suffix(part: str) -> str:
        return f"{base[:-1]}-{part}>" if base.startswith("<") else f"{base}-{part}"

    context = (f" ;\n    oa:prefix {_literal(span.prefix)}" if span.prefix else "") + (
        f" ;\n    oa:suffix {_literal(span.suffix)}" if span.suffix else ""
    )

    return (
        "@prefix id: <https://w3id.org/kgraph/id/> .\n"
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n\n"
        f"{base} a oa:SpecificResource ;\n"
        f"    oa:hasSource <{document_iri}> ;\n"
        f"    oa:hasSelector {suffix('quote')} , {suffix('position')} .\n"
        f"{suffix('quote')} a oa:TextQuoteSelector ; oa:exact {_literal(span.exact)}{context} .\n"
        f"{suffix('position')} a oa:TextPositionSelector ; oa:start {span.start} ; oa:end {span.end} .\n"
    )


_HAS_SELECTOR, _EXACT, _START, _END = (ox.NamedNode(OA.hasSelector), ox.NamedNode(OA.exact), ox.NamedNode(OA.start), ox.NamedNode(OA.end))
_ANCHOR_OF, _BEGIN_INDEX, _END_INDEX = (ox.NamedNode(NIF.anchorOf), ox.NamedNode(NIF.beginIndex), ox.NamedNode(NIF.endIndex))


def span_index(triples: Iterable[ox.Triple], spans: set[Subject] | None = None) -> list[ox.Triple]:
    """Each span's exact words and offsets as the span's own triples, in NIF 2.0 terms.

    A span reaches its words through two selectors (``oa:hasSelector`` to a quote selector's
    ``oa:exact``, and to a position selector's ``oa:start`` and ``oa:end``): six look-ups for
    each row of a query such as ``evidence``. The build keeps, in the graph ``graph/spans``,
    ``nif:anchorOf`` (the words), ``nif:beginIndex`` and ``nif:endIndex`` (the offsets) on the
    span itself, copied as they are from ``triples``: the words from each selector with
    ``oa:exact``, the offsets from each selector with both ``oa:start`` and ``oa:end``. The
    shapes allow one of each per span, and a query reads only conforming builds.

    ``spans`` limits the index to those spans (an add indexes only the spans it touches). The
    build makes it once the inputs are parsed, in the main thread: about 1 s at a million
    triples, where pyoxigraph's term constructors beside the writer's busy thread took 7 s.

    >>> span = ox.NamedNode("https://w3id.org/kgraph/id/span-0-6")
    >>> q, p = ox.NamedNode(span.value + "-quote"), ox.NamedNode(span.value + "-position")
    >>> index = span_index([ox.Triple(span, _HAS_SELECTOR, q), ox.Triple(span, _HAS_SELECTOR, p),
    ...     ox.Triple(q, _EXACT, ox.Literal("Astana")), ox.Triple(p, _START, ox.Literal(0)), ox.Triple(p, _END, ox.Literal(6))])
    >>> [(t.predicate.value.rsplit("#")[1], t.object.value) for t in index]
    [('anchorOf', 'Astana'), ('beginIndex', '0'), ('endIndex', '6')]
    """
    enabled = gc.isenabled()
    gc.disable()  # it makes no cycles; collections that scan the million parsed triples took 0.7 of 2 s at 1M
    try:
        return _span_index(triples, spans)
    finally:
        if enabled:
            gc.enable()


def _span_index(triples: Iterable[ox.Triple], spans: set[Subject] | None) -> list[ox.Triple]:
    selectors: dict[Subject, list[Term]] = defaultdict(list)
    words: dict[Term, list[Term]] = defaultdict(list)
    starts: dict[Term, list[Term]] = defaultdict(list)
    ends: dict[Term, list[Term]] = defaultdict(list)
    by_property: dict[ox.NamedNode, dict[Any, list[Term]]] = {_HAS_SELECTOR: selectors, _EXACT: words, _START: starts, _END: ends}
    for t in triples:  # one pass, with one dictionary look-up per triple: 0.3 s at a million triples
        found = by_property.get(t.predicate)
        if found is not None:
            found[t.subject].append(t.object)
    index: dict[ox.Triple, None] = {}
    for span, its in selectors.items():
        if spans is not None and span not in spans:
            continue
        for selector in its:
            for exact in words.get(selector, ()):
                index[ox.Triple(span, _ANCHOR_OF, exact)] = None
            if selector in starts and selector in ends:
                for start in starts[selector]:
                    index[ox.Triple(span, _BEGIN_INDEX, start)] = None
                for end in ends[selector]:
                    index[ox.Triple(span, _END_INDEX, end)] = None
    return list(index)
