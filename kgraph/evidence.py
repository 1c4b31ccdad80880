"""Evidence spans: finding a quote in a source text and writing its W3C Web Annotation Turtle.

Offsets count Unicode code points from 0, end exclusive, so ``text[start:end] == exact``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kgraph.errors import InputError, UsageError
from kgraph.namespaces import ID


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


def locate_span(document: Path, exact: str, *, occurrence: int = 1) -> Span:
    """Find the ``occurrence``-th (from 1) appearance of ``exact`` in a UTF-8 text file.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"; _ = p.write_text("a b a", encoding="utf-8")
    >>> locate_span(p, "a", occurrence=2)
    Span(exact='a', start=4, end=5, occurrences=2)
    """
    try:
        # Decoded as stored, without newline translation: offsets count the code points the build
        # and the validator count, CRLF line endings included.
        text = Path(document).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{document}: cannot read the source text: {e}") from None
    if not exact:
        raise UsageError("the quote is empty")
    if occurrence < 1:
        raise UsageError("--occurrence counts from 1")
    starts, at = [], text.find(exact)
    while at >= 0:
        starts.append(at)
        at = text.find(exact, at + 1)
    if len(starts) < occurrence:
        raise UsageError(
            f"{document}: the quote occurs {len(starts)} time(s), not {occurrence}"
            if starts
            else f"{document}: the quote does not occur in the text",
            hint="copy the words exactly, including punctuation and curly quotes",
        )
    start = starts[occurrence - 1]
    return Span(exact, start, start + len(exact), len(starts))


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

    return (
        "@prefix id: <https://w3id.org/kgraph/id/> .\n"
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n\n"
        f"{base} a oa:SpecificResource ;\n"
        f"    oa:hasSource <{document_iri}> ;\n"
        f"    oa:hasSelector {suffix('quote')} , {suffix('position')} .\n"
        f"{suffix('quote')} a oa:TextQuoteSelector ; oa:exact {_literal(span.exact)} .\n"
        f"{suffix('position')} a oa:TextPositionSelector ; oa:start {span.start} ; oa:end {span.end} .\n"
    )
