"""What a SPARQL text asks for, found before any engine sees it.

kgraph runs read-only queries only, and never federated ones: pyoxigraph and rdflib both
fetch ``SERVICE`` endpoints over HTTP, so a query naming one is refused here, before it runs.
The scan skips comments, strings and IRIs, so a keyword inside them does not count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from kgraph.errors import QueryRefusedError, UsageError

if TYPE_CHECKING:
    from kgraph.terms import Term

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

_TOKENS = re.compile(
    r'''(?P<skip>\#[^\n]*                                   # comment
        |"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'   # long strings
        |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'            # strings
        |<[^<>"{}|^`\\\x00-\x20]*>                          # IRIs
        |[?$][A-Za-z_0-9]+                                  # variables
        |(?:[A-Za-z][\w.-]*)?:(?:[\w.:%-]|\\[_~.\-!$&'()*+,;=/?\#@%])*   # prefixed names, with the escapes PN_LOCAL allows
        |@[A-Za-z][A-Za-z0-9-]*)                            # language tags
      |(?P<word>[A-Za-z_][A-Za-z_0-9]*)''',
    re.VERBOSE,
)


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _codepoint(m: re.Match[str]) -> str:
    value = int(m.group(1) or m.group(2), 16)
    return chr(value) if value <= 0x10FFFF else m.group(0)  # not a character: the engine will refuse it


def keywords(text: str) -> list[str]:
    r"""The bare words of a SPARQL text, upper-cased, outside comments, strings and IRIs.

    Codepoint escapes are decoded first, as SPARQL does before parsing (``\u0053ERVICE`` is
    SERVICE), and a prefixed name's escapes (``ex:a\#b``) are part of the name, not a comment.

    >>> keywords('SELECT * WHERE { ?service ex:drop <http://x/SERVICE> "DROP"@en } # LOAD')
    ['SELECT', 'WHERE']
    >>> keywords(r'SELECT * { ?x ex:a\#b ?y . \u0053ERVICE <http://x/> { } }')
    ['SELECT', 'SERVICE']
    """
    decoded = _CODEPOINT.sub(_codepoint, text)
    return [m.group("word").upper() for m in _TOKENS.finditer(decoded) if m.group("word")]


_BRACKETS = re.compile(r"[{}()\[\]]")
MAX_NESTING = 200  # groups and parentheses inside each other: deeper crashed the native parser (issue 10)


def nesting(text: str) -> int:
    """How deep braces, parentheses and brackets nest, outside comments, strings and IRIs.

    >>> nesting('SELECT * { { ?s ?p "{{{" } FILTER ((?s)) }')
    3
    """
    depth = deepest = 0
    for c in _BRACKETS.findall(_TOKENS.sub(" ", text)):  # tokens hold no bracket that counts
        depth += 1 if c in "{([" else -1
        deepest = max(deepest, depth)
    return deepest


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; raise QueryRefusedError for updates, SERVICE and
    nesting deeper than :data:`MAX_NESTING`.

    >>> query_form("PREFIX ex: <http://e/> ask { ?s ?p ?o }")
    'ASK'
    """
    if nesting(text) > MAX_NESTING:
        raise QueryRefusedError(
            f"the query nests groups or parentheses more than {MAX_NESTING} deep",
            hint="write it flatter; no real query needs that depth",
        )
    words = keywords(text)
    if "SERVICE" in words:
        raise QueryRefusedError(
            "federated queries (SERVICE) are refused: kgraph does not reach the network on a query's behalf",
            hint="load the remote data into the knowledge graph, or query that endpoint directly",
        )
    for word in words:
        if word in QUERY_FORMS:
            return word
        if word in UPDATE_WORDS:
            raise QueryRefusedError(
                f"SPARQL Update ({word}) is refused: kgraph queries are read-only",
                hint="add facts with 'kgraph add FILE.ttl', which validates them first",
            )
    raise QueryRefusedError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")


def declared_prefixes(text: str) -> set[str]:
    """The prefixes a query's prologue declares.

    >>> sorted(declared_prefixes("PREFIX ex: <x> prefix : <y> # PREFIX no: <z>\\nSELECT * { ?s ex:p ?o }"))
    ['', 'ex']
    """
    declared, expecting = set(), False
    for m in _TOKENS.finditer(text):
        word = m.group("word")
        if word:
            upper = word.upper()
            if upper in QUERY_FORMS:
                break
            expecting = upper == "PREFIX"
        elif expecting and m.group(0).endswith(":") and not m.group(0).startswith(("#", '"', "'", "<", "?", "$", "@")):
            declared.add(m.group(0)[:-1])
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


def where_group_start(text: str) -> int:
    """The index just inside the ``{`` that opens the query's first WHERE group (-1 if none).

    >>> q = 'SELECT ?x WHERE { ?x ?p "WHERE {" }'
    >>> q[:where_group_start(q)]
    'SELECT ?x WHERE {'
    """
    for m in _TOKENS.finditer(text):
        if m.group("word") and m.group("word").upper() == "WHERE":
            brace = text.find("{", m.end())
            return -1 if brace < 0 else brace + 1
    return -1


def _union_branches(text: str, start: int) -> list[tuple[int, int]]:
    """The ``(open, close)`` indices of the braces of each UNION branch directly inside the group opened at ``start``.

    Braces inside comments, strings and IRIs do not count.
    """
    skips = [(m.start(), m.end()) for m in _TOKENS.finditer(text) if m.group("skip")]
    words = [(m.start(), m.group("word").upper()) for m in _TOKENS.finditer(text) if m.group("word")]
    depth, groups, opened = 1, [], -1
    i, k = start, 0
    while i < len(text) and depth > 0:
        while k < len(skips) and skips[k][1] <= i:
            k += 1
        if k < len(skips) and skips[k][0] <= i < skips[k][1]:
            i = skips[k][1]
            continue
        c = text[i]
        if c == "{":
            depth += 1
            if depth == 2:
                opened = i
        elif c == "}":
            if depth == 2:
                groups.append((opened, i))
            depth -= 1
        i += 1
    unions = [pos for pos, word in words if word == "UNION"]

    def between(a: int, b: int) -> str:
        return text[a:b].strip()

    branches = []
    for open_at, close_at in groups:
        after = any(u > close_at and not between(close_at + 1, u) for u in unions)
        before = any(u < open_at and not between(u + 5, open_at) for u in unions)
        if after or before:
            branches.append((open_at, close_at))
    return branches


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
    start = where_group_start(text)
    if start < 0:
        raise UsageError("cannot bind parameters: the query has no WHERE clause")
    names = " ".join(f"?{k}" for k in bindings)
    values = " ".join(str(v) for v in bindings.values())
    block = f"\n  VALUES ({names}) {{ ({values}) }}"
    # The same one-row block opens each UNION branch that uses those variables as well: the outer
    # join forces the values on every branch anyway, and Oxigraph does not push them into a
    # UNION by itself (300 ms instead of 0.6 ms for the evidence query at 1M triples). A branch
    # that does not use them is left alone: there the block only slowed the plan down.
    wanted = {f"?{k}" for k in bindings} | {f"${k}" for k in bindings}
    inside = [
        open_at + 1
        for open_at, close_at in _union_branches(text, start)
        if wanted & {m.group(0) for m in _TOKENS.finditer(text[open_at:close_at]) if m.group(0)[:1] in "?$"}
    ]
    for at in sorted([start, *inside], reverse=True):
        text = f"{text[:at]}{block}{text[at:]}"
    return text


def paged(text: str, limit: int | None, offset: int = 0) -> str:
    """A SELECT query limited to one page of rows (numbers only are added to the text).

    >>> paged("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s", 20, 40)
    'SELECT * WHERE { ?s ?p ?o } ORDER BY ?s\\nLIMIT 20 OFFSET 40'
    """
    if limit is None and not offset:
        return text
    if (limit is not None and (not isinstance(limit, int) or limit < 0)) or not isinstance(offset, int) or offset < 0:
        raise UsageError("--limit and --offset take whole numbers of 0 or more")
    if {"LIMIT", "OFFSET"} & set(keywords(text)):
        raise UsageError("this query sets its own LIMIT or OFFSET", hint="run it without --limit and --offset")
    return text + "\n" + " ".join(part for part in (f"LIMIT {limit}" if limit is not None else "", f"OFFSET {offset}" if offset else "") if part)
