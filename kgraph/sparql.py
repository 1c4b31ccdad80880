"""What a SPARQL text asks for, found before any engine sees it.

kgraph runs read-only queries only, and never federated ones: pyoxigraph and rdflib both
fetch ``SERVICE`` endpoints over HTTP, so a query naming one is refused here, before it runs.

The check follows the grammar: the text's codepoint escapes are decoded first, as SPARQL
prescribes, and the whole text is then cut into the terminals of the SPARQL grammar (IRIs,
prefixed names with their escapes, strings, comments, variables, numbers, punctuation and
keywords). A text that does not cut cleanly is refused, and SERVICE is refused wherever it
stands as a keyword. The engines run the decoded text, so they read the same tokens as the
check (:func:`check_query`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from kgraph.errors import ParseError, QueryRefusedError, UsageError

if TYPE_CHECKING:
    from kgraph.terms import Term

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

# --- the SPARQL 1.1 terminals (https://www.w3.org/TR/sparql11-query/#terminals), with the few
# tokens SPARQL 1.2 adds (<< >> {| |} ~), which Oxigraph reads ----------------------------------
# The name classes of the grammar, written with Unicode's word characters (\w: letters, digits,
# underscore, in any script) rather than its long lists of code point ranges: the same names in
# practice, and a lexer that compiles in a millisecond instead of forty (what a query process
# pays first). A character past ASCII that a name may not hold is refused by the engine, since
# SPARQL has no syntax outside names, strings, IRIs and comments there.
_BASE = r"[^\W\d_]"  # PN_CHARS_BASE: a letter
_EXTRA = r"\u00b7\u0300-\u036f\u203f-\u2040"
_CHARS = rf"[\w\-{_EXTRA}]"  # PN_CHARS
_CHARS_DOT = rf"[\w.\-{_EXTRA}]"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = rf"{_BASE}(?:{_CHARS_DOT}*{_CHARS})?"
_PN_LOCAL = rf"(?:[\w:]|{_PLX})(?:(?:{_CHARS_DOT}|:|{_PLX})*(?:{_CHARS}|:|{_PLX}))?"
_EXPONENT = r"[eE][+-]?[0-9]+"
_LEXER = re.compile(
    "|".join(
        (
            r"(?P<ws>[ \t\r\n]+)",
            r"(?P<comment>\#[^\r\n]*)",
            r"""(?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\[tbnrf\\"']))*'''|\"\"\"(?:(?:"|"")?(?:[^"\\]|\\[tbnrf\\"']))*\"\"\""""
            r"""|'(?:[^'\\\n\r]|\\[tbnrf\\"'])*'|"(?:[^"\\\n\r]|\\[tbnrf\\"'])*")""",
            r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
            rf"(?P<var>[?$]\w[\w{_EXTRA}]*)",
            rf"(?P<bnode>_:\w(?:{_CHARS_DOT}*{_CHARS})?)",
            r"(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?)",
            rf"(?P<number>[0-9]+\.[0-9]*{_EXPONENT}|\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}|[0-9]*\.[0-9]+|[0-9]+)",
            rf"(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
            r"(?P<word>[A-Za-z][A-Za-z0-9_]*)",
            r"(?P<punct>\^\^|&&|\|\||!=|<=|>=|<<|>>|\{\||\|\}|[{}()\[\];,.=<>!+\-*/^|?~])",
        )
    )
)


class Token(NamedTuple):
    """One terminal of a SPARQL text: its kind (a group name of the lexer), its text and where it starts."""

    kind: str
    text: str
    start: int


def _position(text: str, at: int) -> tuple[int, int]:
    """The line and column (both from 1) of the character at index ``at``.

    >>> _position("SELECT\\n  ?x", 9)
    (2, 3)
    """
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def _lex(text: str, source: str) -> Iterator[Token]:
    at = 0
    for m in _LEXER.finditer(text):
        if m.start() != at:
            break
        at = m.end()
        kind = m.lastgroup or ""
        if kind not in ("ws", "comment"):
            yield Token(kind, m.group(), m.start())
    if at != len(text):
        line, column = _position(text, at)
        raise ParseError(f"unexpected {text[at]!r}: no SPARQL term starts there", path=source, line=line, column=column)


@lru_cache(maxsize=32)
def _tokens(text: str, source: str) -> tuple[Token, ...]:
    return tuple(_lex(text, source))


def tokens(text: str, *, source: str = "query") -> list[Token]:
    r"""The terminals of a SPARQL text, in order, without white space and comments.

    Raises ParseError (with line and column) at the first character no terminal of the grammar
    begins with.

    >>> [t.text for t in tokens(r'SELECT * { ?s ex:a\#b "# not a comment" } # a comment')]
    ['SELECT', '*', '{', '?s', 'ex:a\\#b', '"# not a comment"', '}']
    """
    return list(_tokens(text, source))  # kept: a query is checked, given its prefixes and bound, each reading its tokens


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _codepoint(m: re.Match[str]) -> str:
    value = int(m.group(1) or m.group(2), 16)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:  # a surrogate or beyond Unicode: no character at all
        line, column = _position(m.string, m.start())
        raise ParseError(f"{m.group(0)} is not a Unicode character", path="query", line=line, column=column)
    return chr(value)


def decode(text: str) -> str:
    r"""The text with its codepoint escapes decoded, as SPARQL does before parsing.

    >>> decode(r"\u0053ERVICE")
    'SERVICE'
    """
    return _CODEPOINT.sub(_codepoint, text) if "\\" in text else text


def keywords(text: str) -> list[str]:
    r"""The bare words of a SPARQL text, upper-cased, outside comments, strings and IRIs.

    Codepoint escapes are decoded first, as SPARQL does before parsing (``\u0053ERVICE`` is
    SERVICE), and a prefixed name's escapes (``ex:a\#b``) are part of the name, not a comment.

    >>> keywords('SELECT * WHERE { ?service ex:drop <http://x/SERVICE> "DROP"@en } # LOAD')
    ['SELECT', 'WHERE']
    >>> keywords(r'SELECT * { ?x ex:a\#b ?y . \u0053ERVICE <http://x/> { } }')
    ['SELECT', 'SERVICE']
    """
    return [t.text.upper() for t in tokens(decode(text)) if t.kind == "word"]


MAX_NESTING = 200  # groups and parentheses inside each other: deeper crashed the native parser (issue 10)
_OPENING, _CLOSING = frozenset({"{", "(", "[", "<<", "{|"}), frozenset({"}", ")", "]", ">>", "|}"})


def _depth(found: list[Token]) -> int:
    depth = deepest = 0
    for t in found:
        if t.kind == "punct":
            if t.text in _OPENING:
                depth += 1
                deepest = max(deepest, depth)
            elif t.text in _CLOSING:
                depth -= 1
    return deepest


def nesting(text: str) -> int:
    """How deep braces, parentheses and brackets nest, outside comments, strings and IRIs.

    >>> nesting('SELECT * { { ?s ?p "{{{" } FILTER ((?s)) }')
    3
    """
    return _depth(tokens(decode(text)))


_OPERAND = frozenset({"var", "string", "number", "iri", "pname", "bnode", "langtag"})
_GROUP_WORDS = frozenset(
    {"VALUES", "WHERE", "GRAPH", "OPTIONAL", "MINUS", "UNION", "SERVICE", "SILENT", "CONSTRUCT", "DESCRIBE", "ASK", "FROM", "NAMED", "UNDEF", "A"}
)


def _operator_read_as_iri(found: list[Token]) -> Token | None:
    """The first IRI that, inside an expression, directly follows a term (``?x<?a&&?b>?y``).

    SPARQL's longest-token rule reads ``<?a&&?b>`` as an IRI, which makes such a query invalid,
    while an engine may read ``<`` and ``>`` as comparisons instead; either way the query does not
    mean one thing, so it is refused. A ``(`` opens an expression after FILTER, BIND and the like,
    after a function's name, inside another expression, and outside any ``{`` (the SELECT clause,
    GROUP BY, ORDER BY, HAVING); elsewhere it opens a collection or a property path.
    """
    stack: list[bool] = []  # True: an expression's parenthesis; False: a group or other parenthesis
    previous: Token | None = None
    for t in found:
        inside = bool(stack) and stack[-1]
        if t.kind == "punct" and t.text in _OPENING:
            if t.text != "(":
                stack.append(False)
            else:
                word = previous is not None and previous.kind == "word" and previous.text.upper() not in _GROUP_WORDS
                stack.append(inside or not stack or word)
        elif t.kind == "punct" and t.text in _CLOSING:
            if stack:
                stack.pop()
        elif t.kind == "iri" and inside and previous is not None and (previous.kind in _OPERAND or previous.text == ")"):
            return t
        previous = t
    return None


class CheckedQuery(NamedTuple):
    """A query that may run: its form, the text to give the engine (escapes decoded: the text
    that was checked) and its keywords, upper-cased."""

    form: str
    text: str
    keywords: frozenset[str]


def check_query(text: str, *, source: str = "query") -> CheckedQuery:
    """Check a query before any engine sees it; raise QueryRefusedError for an update, SERVICE
    anywhere and nesting deeper than :data:`MAX_NESTING`, and ParseError for a text that is not
    made of SPARQL's terms.

    >>> check_query("PREFIX ex: <http://e/> ask { ?s ?p ?o }").form
    'ASK'
    """
    decoded = decode(text)
    found = tokens(decoded, source=source)
    # deep nesting first: it is what crashed the native parser
    if _depth(found) > MAX_NESTING:
        raise QueryRefusedError(
            f"the query nests groups or parentheses more than {MAX_NESTING} deep",
            hint="write it flatter; no real query needs that depth",
        )
    words = [t.text.upper() for t in found if t.kind == "word"]
    odd = _operator_read_as_iri(found)
    if odd is not None:
        line, column = _position(decoded, odd.start)
        raise ParseError(
            f"{odd.text} reads as an IRI (SPARQL takes the longest term), not as comparisons",
            path=source,
            line=line,
            column=column,
            hint="put spaces around < and > when you mean less than and greater than",
        )
    # A prefixed name such as SERVICE:x is one term to the grammar, which makes the query invalid,
    # but Oxigraph reads the keyword SERVICE and the name :x, and fetches (a listener received the
    # request): a prefix spelt like the keyword is refused as the keyword itself.
    prefixes = {t.text.partition(":")[0].upper() for t in found if t.kind == "pname"}
    if "SERVICE" in words or "SERVICE" in prefixes:
        raise QueryRefusedError(
            "federated queries (SERVICE) are refused: kgraph does not reach the network on a query's behalf",
            hint="load the remote data into the knowledge graph, or query that endpoint directly",
        )
    for word in words:
        if word in QUERY_FORMS:
            return CheckedQuery(word, decoded, frozenset(words))
        if word in UPDATE_WORDS:
            raise QueryRefusedError(
                f"SPARQL Update ({word}) is refused: kgraph queries are read-only",
                hint="add facts with 'kgraph add FILE.ttl', which validates them first",
            )
    raise QueryRefusedError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE (see :func:`check_query`).

    >>> query_form("PREFIX ex: <http://e/> ask { ?s ?p ?o }")
    'ASK'
    """
    return check_query(text).form


def declared_prefixes(text: str) -> set[str]:
    """The prefixes a query's prologue declares.

    >>> sorted(declared_prefixes("PREFIX ex: <x> prefix : <y> # PREFIX no: <z>\\nSELECT * { ?s ex:p ?o }"))
    ['', 'ex']
    """
    declared, expecting = set(), False
    for t in _lex(text, "query"):  # the prologue only: no need to read on
        if t.kind == "word":
            if t.text.upper() in QUERY_FORMS:
                break
            expecting = t.text.upper() == "PREFIX"
        elif expecting and t.kind == "pname" and t.text.endswith(":"):
            declared.add(t.text[:-1])
            expecting = False
    return declared


def with_prefixes(text: str, prefixes: Mapping[str, str]) -> tuple[str, int]:
    """The query with ``prefixes`` declared where it does not declare them itself (its own win),
    all on its first line; and how many characters went before that line's text, so that an
    error's column can be given as the user counts it.

    >>> with_prefixes("SELECT * { ?s ex:p ?o }", {"ex": "http://e/", "kg": "http://k/"})
    ('PREFIX ex: <http://e/> PREFIX kg: <http://k/> SELECT * { ?s ex:p ?o }', 46)
    >>> with_prefixes("PREFIX ex: <http://mine/> SELECT * { ?s ex:p ?o }", {"ex": "http://e/"})[1]
    0
    """
    own = declared_prefixes(text)
    header = "".join(f"PREFIX {name}: <{iri}> " for name, iri in prefixes.items() if name not in own)
    return header + text, len(header)


def _where_group(found: list[Token]) -> int:
    """The index in ``found`` of the ``{`` that opens the query's WHERE group (-1 if none): the
    first after the keyword WHERE, or, where the keyword is left out, the first after the query form."""
    after = -1
    for i, t in enumerate(found):
        if t.kind == "word" and t.text.upper() == "WHERE":
            after = i
            break
        if after < 0 and t.kind == "word" and t.text.upper() in ("SELECT", "ASK", "DESCRIBE"):
            after = i
    if after >= 0:
        for i in range(after + 1, len(found)):
            if found[i].kind == "punct" and found[i].text == "{":
                return i
    return -1


def where_group_start(text: str) -> int:
    """The index just inside the ``{`` that opens the query's first WHERE group (-1 if none).

    >>> q = 'SELECT ?x WHERE { ?x ?p "WHERE {" }'
    >>> q[:where_group_start(q)]
    'SELECT ?x WHERE {'
    >>> q = 'SELECT ?x { ?x ?p ?o }'
    >>> q[:where_group_start(q)]
    'SELECT ?x {'
    """
    found = tokens(text)
    i = _where_group(found)
    return -1 if i < 0 else found[i].start + 1


def _union_branches(found: list[Token], opening: int) -> list[tuple[int, int]]:
    """The ``(open, close)`` indices in ``found`` of the braces of each UNION branch directly
    inside the group whose ``{`` is ``found[opening]``."""
    depth, groups, opened = 0, [], -1
    for i in range(opening, len(found)):
        t = found[i]
        if t.kind != "punct":
            continue
        if t.text == "{":
            depth += 1
            if depth == 2:
                opened = i
        elif t.text == "}":
            if depth == 2:
                groups.append((opened, i))
            depth -= 1
            if depth == 0:
                break

    def union(i: int) -> bool:
        return 0 <= i < len(found) and found[i].kind == "word" and found[i].text.upper() == "UNION"

    return [(o, c) for o, c in groups if union(c + 1) or union(o - 1)]


def value_blocks(text: str) -> list[tuple[str, int, int]]:
    """The query's one-variable ``VALUES ?x { ... }`` blocks: the variable's name, and where the
    block starts and ends in the text.

    >>> value_blocks("SELECT ?h WHERE { VALUES ?h { <http://e/KZ> } ?h ?p ?o }")
    [('h', 18, 45)]
    """
    found = tokens(text)
    blocks = []
    for i, t in enumerate(found[:-3]):
        if t.kind == "word" and t.text.upper() == "VALUES" and found[i + 1].kind == "var" and found[i + 2].text == "{":
            close = next((j for j in range(i + 3, len(found)) if found[j].text == "}"), None)
            if close is not None:
                blocks.append((found[i + 1].text[1:], t.start, found[close].start + 1))
    return blocks


def without_defaults(text: str, bound: set[str]) -> str:
    """The query without its own ``VALUES ?x { ... }`` blocks for the variables about to be bound
    (``bound`` names them without their ``?``).

    A canned query carries the default of a parameter as such a block, so that any tool running
    the file as it is answers the documented default; kgraph's own binding takes its place.

    >>> without_defaults("SELECT ?h WHERE { VALUES ?h { <http://e/KZ> } ?h ?p ?o }", {"h"})
    'SELECT ?h WHERE {  ?h ?p ?o }'
    """
    for name, start, end in reversed(value_blocks(text)):
        if name in bound:
            text = text[:start] + text[end:]
    return text


def bind_values(text: str, bindings: Mapping[str, Term]) -> str:
    """Put parameter values into a query as a VALUES block opening its first WHERE group.

    The values travel as RDF terms written by pyoxigraph (an IRI is checked and escaped as
    ``<...>``, a literal as ``"..."`` with escapes): the user's text is data in the query, never
    syntax. The SPARQL Protocol has no other way to send bindings beside a query, and Oxigraph
    plans joins with a VALUES block, where it does not with bindings given beside the query
    (30 to 300 times slower at 100k-1M triples).

    >>> import pyoxigraph as ox
    >>> bind_values("SELECT ?t WHERE { ?s ?p ?t }", {"t": ox.Literal('a" } DROP ALL #')})
    'SELECT ?t WHERE {\\n  VALUES (?t) { ("a\\\\" } DROP ALL #") } ?s ?p ?t }'
    """
    if not bindings:
        return text
    text = without_defaults(text, set(bindings))
    found = tokens(text)
    opening = _where_group(found)
    if opening < 0:
        raise UsageError("cannot bind parameters: the query has no WHERE clause")
    names = " ".join(f"?{k}" for k in bindings)
    values = " ".join(str(v) for v in bindings.values())
    block = f"\n  VALUES ({names}) {{ ({values}) }}"
    # The same one-row block opens each UNION branch that uses those variables as well: the outer
    # join forces the values on every branch anyway, and Oxigraph does not push them into a
    # UNION by itself (300 ms instead of 0.6 ms for the evidence query at 1M triples). A branch
    # that does not use them is left alone: there the block only slowed the plan down.
    wanted = {f"?{k}" for k in bindings} | {f"${k}" for k in bindings}
    inside = [o for o, c in _union_branches(found, opening) if wanted & {t.text for t in found[o:c] if t.kind == "var"}]
    for at in sorted(found[i].start + 1 for i in [opening, *inside])[::-1]:
        text = f"{text[:at]}{block}{text[at:]}"
    return text


MAX_ROWS = 2**63 - 1  # what engines count rows with


def paged(text: str, limit: int | None, offset: int = 0) -> str:
    """A SELECT query limited to one page of rows (numbers only are added to the text).

    >>> paged("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s", 20, 40)
    'SELECT * WHERE { ?s ?p ?o } ORDER BY ?s\\nLIMIT 20 OFFSET 40'
    """
    if limit is None and not offset:
        return text
    if (
        (limit is not None and (not isinstance(limit, int) or not 0 <= limit <= MAX_ROWS))
        or not isinstance(offset, int)
        or not 0 <= offset <= MAX_ROWS
    ):
        raise UsageError(f"--limit and --offset take whole numbers from 0 to {MAX_ROWS}")
    if {"LIMIT", "OFFSET"} & set(keywords(text)):
        raise UsageError("this query sets its own LIMIT or OFFSET", hint="run it without --limit and --offset")
    return text + "\n" + " ".join(part for part in (f"LIMIT {limit}" if limit is not None else "", f"OFFSET {offset}" if offset else "") if part)
