"""Evidence spans: finding a quote in a source text and writing its W3C Web Annotation Turtle.

Offsets count Unicode code points from 0, end exclusive, so ``text[start:end] == exact``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kgraph.errors import InputError, UsageError


@dataclass(frozen=True)
class Span:
    """A quote and where it stands in a text (code points from 0, end exclusive).

    >>> print(span_turtle(Span("Astana", 10, 16)).splitlines()[-1])
    id:span-10-16-position a oa:TextPositionSelector ; oa:start 10 ; oa:end 16 .
    """

    exact: str
    start: int
    end: int


def locate_span(document: Path, exact: str, *, occurrence: int = 1) -> Span:
    """Find the ``occurrence``-th (from 1) appearance of ``exact`` in a UTF-8 text file.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"; _ = p.write_text("a b a", encoding="utf-8")
    >>> locate_span(p, "a", occurrence=2)
    Span(exact='a', start=4, end=5)
    """
    try:
        text = Path(document).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{document}: cannot read the source text: {e}") from None
    if not exact:
        raise UsageError("the quote is empty")
    if occurrence < 1:
        raise UsageError("--occurrence counts from 1")
    start, found = -1, 0
    while found < occurrence:
        start = text.find(exact, start + 1)
        if start < 0:
            total = text.count(exact)
            raise UsageError(
                f"{document}: the quote occurs {total} time(s), not {occurrence}" if total else f"{document}: the quote does not occur in the text",
                hint="copy the words exactly, including punctuation and curly quotes",
            )
        found += 1
    return Span(exact, start, start + len(exact))


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def span_turtle(span: Span, *, document_iri: str = "https://w3id.org/kgraph/id/SourceText") -> str:
    """The Turtle for a span, in the form the shipped facts use (paste it, then cite it with kg:evidence)."""
    base = f"id:span-{span.start}-{span.end}"
    return (
        "@prefix id: <https://w3id.org/kgraph/id/> .\n"
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n\n"
        f"{base} a oa:SpecificResource ;\n"
        f"    oa:hasSource <{document_iri}> ;\n"
        f"    oa:hasSelector {base}-quote , {base}-position .\n"
        f"{base}-quote a oa:TextQuoteSelector ; oa:exact {_literal(span.exact)} .\n"
        f"{base}-position a oa:TextPositionSelector ; oa:start {span.start} ; oa:end {span.end} .\n"
    )
