"""Query results in one shape for every engine, and their serialisations.

SELECT results serialise to the W3C SPARQL 1.1 formats (JSON, XML, CSV, TSV) and to a table
for people; ASK results to the same formats; CONSTRUCT and DESCRIBE results to RDF syntaxes.
Terms are pyoxigraph terms whichever engine produced them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kgraph.errors import UsageError
from kgraph.formats import GRAPH_RESULT_FORMATS, RDF_SYNTAXES, RESULT_FORMATS
from kgraph.namespaces import PREFIXES
from kgraph.terms import RDF_LANGSTRING, XSD_STRING, Row, Term, lexical, plain_term, rdf_bytes, show_term

if TYPE_CHECKING:
    import pandas

SELECT_FORMATS = RESULT_FORMATS
GRAPH_FORMATS = {**{n: RDF_SYNTAXES[n] for n in GRAPH_RESULT_FORMATS}, "turtle": ox.RdfFormat.TURTLE, "table": ox.RdfFormat.TURTLE}
SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"


class QueryResult:
    """The answer to a query: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT, DESCRIBE).

    A plain class rather than a dataclass: importing dataclasses would cost every query
    process more time than the query.

    >>> QueryResult("ask", boolean=True)
    QueryResult('ask', variables=[], rows=[], boolean=True, triples=[])
    """

    __slots__ = ("boolean", "kind", "rows", "triples", "variables")

    def __init__(
        self,
        kind: str,
        variables: list[str] | None = None,
        rows: list[Row] | None = None,
        boolean: bool | None = None,
        triples: list[ox.Triple] | None = None,
    ) -> None:
        self.kind = kind  # "select", "ask" or "graph"
        self.variables = variables if variables is not None else []
        self.rows = rows if rows is not None else []
        self.boolean = boolean
        self.triples = triples if triples is not None else []

    def __repr__(self) -> str:
        return f"QueryResult({self.kind!r}, variables={self.variables!r}, rows={self.rows!r}, boolean={self.boolean!r}, triples={self.triples!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryResult):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable, so not hashable

    def as_dicts(self) -> list[dict[str, Term]]:
        """Rows as dictionaries of bound variables only.

        >>> QueryResult("select", ["x"], [(ox.Literal("a"),), (None,)]).as_dicts()
        [{'x': <Literal value=a datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>}, {}]
        """
        return [{v: t for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows]

    def values(self) -> list[dict[str, object]]:
        """Rows as dictionaries of Python values (see :func:`kgraph.terms.to_python`): integers,
        decimals, booleans, dates, :class:`~kgraph.terms.GYear` and so on; IRIs and texts as
        strings. The RDF terms stay in ``rows``.

        >>> from kgraph.namespaces import XSD
        >>> QueryResult("select", ["n"], [(ox.Literal("2", datatype=ox.NamedNode(XSD.integer)),)]).values()
        [{'n': 2}]
        """
        from kgraph.terms import to_python

        return [{v: to_python(t) for v, t in zip(self.variables, row, strict=True)} for row in self.rows]

    def to_dataframe(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame (``pip install 'kgraph[pandas]'``), one column per
        variable: whole numbers as ``Int64``, booleans as ``boolean``, dates and times as
        ``datetime64``, years or months as pandas ``Period``s of that precision (a column that
        mixes years, months and days keeps the Python values), the rest as text.

        >>> from kgraph.namespaces import XSD
        >>> year = ox.Literal("2017", datatype=ox.NamedNode(XSD.gYear))
        >>> df = QueryResult("select", ["who", "since"], [(ox.Literal("Kazakhstan"), year)]).to_dataframe()
        >>> [str(t) for t in df.dtypes], str(df["since"][0])
        (['string', 'period[Y-DEC]'], '2017')

        Raises:
            UsageError: pandas is not installed, or the result is not a SELECT's.
        """
        if self.kind != "select":
            raise UsageError(f"a {self.kind.upper()} result has no rows for a DataFrame")
        import datetime

        try:
            import pandas as pd
        except ImportError:
            raise UsageError("to_dataframe needs pandas", hint="pip install 'kgraph[pandas]'") from None
        from kgraph.terms import GYear, GYearMonth

        rows = self.values()
        columns: dict[str, object] = {}
        for name in self.variables:
            column = [r[name] for r in rows]
            present = [v for v in column if v is not None]
            if present and all(isinstance(v, (GYear, GYearMonth)) for v in present):
                freq = "Y" if all(isinstance(v, GYear) for v in present) else "M"
                columns[name] = pd.Series([None if v is None else pd.Period(str(v), freq=freq) for v in column], dtype=f"period[{freq}]")
            elif present and all(isinstance(v, bool) for v in present):
                columns[name] = pd.Series(column, dtype="boolean")
            elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
                columns[name] = pd.Series(column, dtype="Int64")
            elif present and all(isinstance(v, float) for v in present):
                columns[name] = pd.Series(column, dtype="float64")
            elif present and all(type(v) is datetime.date or isinstance(v, datetime.datetime) for v in present):
                columns[name] = pd.to_datetime(pd.Series(column, dtype="object"))
            elif present and all(isinstance(v, (GYear, GYearMonth, datetime.date)) for v in present):
                columns[name] = pd.Series(column, dtype="object")  # dates of mixed precision keep their own types
            else:
                columns[name] = pd.Series([None if v is None else str(v) for v in column], dtype="string")
        return pd.DataFrame(columns, columns=self.variables)

    def serialize(self, fmt: str = "table", *, width: int | None = None, wide: bool = False) -> str:
        """The result in a named format: table, csv, tsv, json or xml; graphs also ttl, nt, jsonld.

        A table fits ``width`` columns where given (see :func:`to_table`); ``wide`` cuts nothing.
        """
        if self.kind == "graph":
            if fmt not in GRAPH_FORMATS:
                raise UsageError(f"format {fmt!r} does not fit a graph result", hint="use ttl, nt, jsonld or xml")
            return serialize_triples(self.triples, GRAPH_FORMATS[fmt])
        if fmt == "table":
            return to_table(self, width=width, wide=wide)
        writer = {"csv": to_csv, "tsv": to_tsv, "json": to_json, "xml": to_xml}.get(fmt)
        if writer is None:
            raise UsageError(f"format {fmt!r} does not fit a {self.kind.upper()} result", hint="use one of " + ", ".join(SELECT_FORMATS))
        return writer(self)


def serialize_triples(triples: Iterable[ox.Triple], fmt: ox.RdfFormat) -> str:
    """Triples as RDF text, with kgraph's prefixes where the syntax has them."""
    return rdf_bytes(triples, fmt, PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None).decode("utf-8")


def _json_term(term: Term) -> dict[str, str]:
    term = plain_term(term)
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value not in (XSD_STRING, RDF_LANGSTRING):
        out["datatype"] = term.datatype.value
    return out


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON Format."""
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)})
    bindings = [{v: _json_term(t) for v, t in zip(result.variables, row, strict=True) if t is not None} for row in result.rows]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}}, ensure_ascii=False, indent=1)


def escape(value: str) -> str:
    """Escape text for XML content (html.escape is light to import; xml.sax pulls in urllib)."""
    from html import escape as _escape

    return _escape(value, quote=False)


def quoteattr(value: str) -> str:
    """A double-quoted XML attribute value."""
    from html import escape as _escape

    return f'"{_escape(value, quote=True)}"'


def _xml_text(value: str) -> str:
    """Escape for XML, writing leading and trailing white space as character references.

    Parsers that trim text nodes (pyoxigraph's among them) would otherwise lose it; Oxigraph
    itself writes a literal of one space as ``&#32;``.
    """
    core = value.strip(" \t\r\n")
    if not core:
        return "".join(f"&#{ord(c)};" for c in value)
    head = value[: len(value) - len(value.lstrip(" \t\r\n"))]
    tail = value[len(value.rstrip(" \t\r\n")) :]
    return "".join(f"&#{ord(c)};" for c in head) + escape(core) + "".join(f"&#{ord(c)};" for c in tail)


def _xml_term(term: Term) -> str:
    term = plain_term(term)
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype.value not in (XSD_STRING, RDF_LANGSTRING):
        attrs = f" datatype={quoteattr(term.datatype.value)}"
    return f"<literal{attrs}>{_xml_text(term.value)}</literal>"


def to_xml(result: QueryResult) -> str:
    """SPARQL Query Results XML Format."""
    out = ['<?xml version="1.0"?>', f'<sparql xmlns="{SPARQL_RESULTS_NS}">', "  <head>"]
    if result.kind == "ask":
        out += ["  </head>", f"  <boolean>{'true' if result.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    out += [f"    <variable name={quoteattr(v)}/>" for v in result.variables]
    out += ["  </head>", "  <results>"]
    for row in result.rows:
        out.append("    <result>")
        out += [f"      <binding name={quoteattr(v)}>{_xml_term(t)}</binding>" for v, t in zip(result.variables, row, strict=True) if t is not None]
        out.append("    </result>")
    out += ["  </results>", "</sparql>"]
    return "\n".join(out) + "\n"


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return lexical(term)


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results CSV Format (values only, CRLF line ends)."""
    import csv
    import io

    buf = io.StringIO()
    if result.kind == "ask":  # the CSV/TSV note defines no boolean form; this is Oxigraph's
        return ("true" if result.boolean else "false") + "\r\n"
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(result.variables)
    for row in result.rows:
        w.writerow([_csv_value(t) for t in row])
    return buf.getvalue()


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results TSV Format (terms in Turtle syntax)."""
    if result.kind == "ask":  # as Oxigraph writes it: the CSV/TSV note defines no boolean form
        return ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else str(t) for t in row))
    return "\n".join(lines) + "\n"


def _readable(term: Term | None) -> str:
    """A table cell: a literal's bare text (with its language unless English), else :func:`show_term`."""
    if not isinstance(term, ox.Literal):
        return show_term(term) or ""
    value = " ".join(term.value.split())
    return f"{value}@{term.language}" if term.language and term.language != "en" else value


def to_table(result: QueryResult, *, width: int | None = None, wide: bool = False, max_width: int = 48) -> str:
    """A plain-text table for people: prefixed names, one line per row.

    ``width`` fits the table to that many columns (a terminal's): IRI columns that have a label
    column beside them give way first, then the widest cells are cut with '…', label columns
    last. Without ``width`` each cell is cut at ``max_width``; ``wide`` cuts nothing.

    >>> r = QueryResult("select", ["x", "xLabel", "quote"], [(ox.NamedNode("https://w3id.org/kgraph/id/A"), ox.Literal("A"), ox.Literal("w " * 30))])
    >>> print(to_table(r, width=30), end="")
    xLabel  quote
    ------  ----------------------
    A       w w w w w w w w w w w…
    (1 row)
    """
    if result.kind == "ask":
        return ("yes" if result.boolean else "no") + "\n"
    columns = list(result.variables)
    cells = [[_readable(t) for t in row] for row in result.rows]
    if not wide and width is None:
        cells = [[_cut(c, max_width) for c in row] for row in cells]
    if width is not None and not wide:
        columns, cells = _fit(columns, cells, width)

    widths = [max([len(v)] + [len(row[i]) for row in cells]) for i, v in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    if width is not None and not wide:
        out = [_cut(o, width) for o in out]
    out.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def _fit(columns: list[str], cells: list[list[str]], width: int) -> tuple[list[str], list[list[str]]]:
    """Columns and cells that fit ``width``: IRI columns beside their labels and empty columns
    dropped, then the widest cells cut, label columns only once the others are down to 10."""

    def natural(i: int) -> int:
        return max([len(columns[i])] + [len(row[i]) for row in cells])

    def total(ws: list[int]) -> int:
        return sum(ws) + 2 * (len(ws) - 1)

    widths = [natural(i) for i in range(len(columns))]
    if total(widths) > width:
        keep = [i for i, c in enumerate(columns) if f"{c}Label" not in columns and any(row[i] for row in cells)]
        columns, cells = [columns[i] for i in keep], [[row[i] for i in keep] for row in cells]
        widths = [widths[i] for i in keep]
    labels = [c.endswith("Label") for c in columns]
    for floor_of_others, floor_of_labels in ((10, 24), (10, 12), (6, 8)):
        floors = [min(w, floor_of_labels if label else floor_of_others) for w, label in zip(widths, labels, strict=True)]
        while total(widths) > width:
            shrinkable = [i for i in range(len(widths)) if widths[i] > floors[i]]
            if not shrinkable:
                break
            others = [i for i in shrinkable if not labels[i]] or shrinkable
            i = max(others, key=lambda k: widths[k])
            widths[i] -= min(widths[i] - floors[i], total(widths) - width)
    cut = [[_cut(c, w) for c, w in zip(row, widths, strict=True)] for row in cells]
    return [_cut(c, w) for c, w in zip(columns, widths, strict=True)], cut


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, the last an ellipsis where it had to be cut.

    >>> _cut("Kazakhstan", 6), _cut("Astana", 6)
    ('Kazak…', 'Astana')
    """
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"
