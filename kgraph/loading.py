"""Stage 1 of the pipeline: read RDF files strictly, with errors that name file, line and column.

Parsing uses pyoxigraph: it is strict, fast, refuses remote JSON-LD contexts and never expands
XML entities from outside, so reading a file never reaches the network.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kgraph.errors import InputError, ParseError
from kgraph.formats import EXTENSIONS, RDF_SYNTAXES
from kgraph.namespaces import DCTERMS, KG, RDF
from kgraph.terms import Subject

FORMATS: dict[str, ox.RdfFormat] = {ext: RDF_SYNTAXES[name] for ext, name in EXTENSIONS.items()}

_PARSER_PREFIX = re.compile(r"^Parser error (?:at|between) [^:]*: ")


@dataclass
class ParsedFile:
    """The triples of one file, with the prefixes it declared."""

    path: Path
    triples: list[ox.Triple]
    prefixes: dict[str, str] = field(default_factory=dict)
    had_named_graphs: bool = False


def rdf_format_for(path: Path) -> ox.RdfFormat:
    """The RDF syntax of a file, from its extension."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown RDF file type {path.suffix or '(no extension)'!r}", hint="use one of " + ", ".join(sorted(FORMATS)))
    return fmt


# An entity declaration in any of the encodings an XML document may use (XML 1.0, appendix F).
_ENTITY_MARKERS = tuple("<!ENTITY".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"))


def parse_rdf_bytes(data: bytes, fmt: ox.RdfFormat, *, name: str = "<input>", base_iri: str | None = None) -> ParsedFile:
    """Parse RDF text; raise ParseError with line and column on bad syntax. Relative IRIs are
    resolved against ``base_iri`` (a file's own ``file:`` URI, as RDF says), where given.

    >>> parse_rdf_bytes(b'<http://e/a> <http://e/b> "c" .', ox.RdfFormat.N_TRIPLES).triples[0].object.value
    'c'
    """
    if fmt == ox.RdfFormat.RDF_XML and any(marker in data for marker in _ENTITY_MARKERS):
        raise ParseError(
            "XML entity declarations (<!ENTITY ...>) are refused: expanding them can take any amount of memory",
            path=name,
            hint="write the values out in the file, or use Turtle",
        )
    parser = ox.parse(data, format=fmt, base_iri=base_iri)
    try:
        quads = list(parser)
    except SyntaxError as e:
        message = _PARSER_PREFIX.sub("", e.msg or str(e))
        hint = None
        if "LoadDocumentCallback" in message or "remote context" in message.lower():
            message = "remote JSON-LD contexts are not fetched"
            hint = "inline the @context in the file; kgraph never reaches the network while reading"
        raise ParseError(message, path=name, line=e.lineno, column=e.offset, hint=hint) from None
    except (ValueError, OSError) as e:
        raise ParseError(str(e), path=name) from None
    named = any(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    prefixes = dict(parser.prefixes) if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else {}
    return ParsedFile(Path(name), triples, prefixes, named)


MAX_FILE_BYTES = 1 << 30  # one input file; a bigger one is refused before it is read
MAX_NESTING = 64  # blank nodes inside blank nodes, in a file being added
MAX_LITERAL = 1_000_000  # characters of one literal, in a file being added


def read_regular(path: Path, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; InputError for anything else.

    The file is opened without waiting (a named pipe would block the open itself) and checked
    on the open descriptor, so a link swapped in meanwhile cannot slip a device through.
    """
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{path}: is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"{path}: not a regular file (a named pipe, a device or a socket); kgraph reads only files", hint="save the data to a file first"
            )
        if info.st_size > limit:
            raise InputError(
                f"{path}: {info.st_size:,} bytes, more than the {limit:,} kgraph reads from one file", hint="split it into smaller files"
            )
        try:
            data = fh.read(limit + 1)
        except OSError as e:
            raise InputError(f"{path}: cannot read: {e.strerror}") from None
        if len(data) > limit:  # it grew while being read
            raise InputError(f"{path}: more than the {limit:,} bytes kgraph reads from one file", hint="split it into smaller files")
        return data


def check_limits(parsed: ParsedFile) -> None:
    """Refuse a file being added whose blank nodes nest deeper than :data:`MAX_NESTING` or with a
    literal longer than :data:`MAX_LITERAL` characters (issue 10: 180 KB of nested blank nodes took
    110 s to validate). RDF lists are flat, however long: their rdf:rest links do not count."""
    rest = RDF.rest
    parent: dict[ox.BlankNode, ox.BlankNode] = {}
    for t in parsed.triples:
        o = t.object
        if isinstance(o, ox.Literal) and len(o.value) > MAX_LITERAL:
            raise InputError(
                f"{parsed.path}: a literal of {len(o.value):,} characters, more than the {MAX_LITERAL:,} kgraph takes in added facts",
                hint="keep long texts as source documents ('kgraph source add'), and cite spans of them",
            )
        if isinstance(o, ox.BlankNode) and isinstance(t.subject, ox.BlankNode) and t.predicate.value != rest:
            parent[o] = t.subject
    depth: dict[ox.BlankNode, int] = {}
    for start in list(parent):
        chain: list[ox.BlankNode] = []
        node = start
        while node in parent and node not in depth and len(chain) <= len(parent):  # (a cycle ends when every node is on it)
            chain.append(node)
            node = parent[node]
        level = depth.get(node, 0)
        for n in reversed(chain):
            level += 1
            depth[n] = level
            if level > MAX_NESTING:
                raise InputError(
                    f"{parsed.path}: blank nodes nested more than {MAX_NESTING} deep",
                    hint="give the inner nodes names (IRIs) and link to them; no fact needs that depth",
                )


def parse_rdf_file(path: Path, *, base_iri: str | None = None) -> ParsedFile:
    """Read and parse one RDF file, its syntax chosen by extension; relative IRIs resolve against
    ``base_iri``, by default the file's own ``file:`` URI."""
    path = Path(path)
    fmt = rdf_format_for(path)
    data = read_regular(path)
    parsed = parse_rdf_bytes(data, fmt, name=str(path), base_iri=base_iri or path.absolute().as_uri())
    parsed.path = path
    return parsed


def read_triples(path: Path, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> list[ox.Triple]:
    """The triples of a file kgraph wrote itself (pyoxigraph yields quads, which never equal triples)."""
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=fmt)]


_SUBJECT = re.compile(r"^\s*(<[^>\s]*>|[A-Za-z][\w.-]*:[\w.%-]*|:[\w.%-]*|_:[\w.-]+)")


def subject_lines(path: Path, prefixes: dict[str, str]) -> dict[str, int]:
    """Map subject IRIs to the line where a Turtle statement about them starts (first seen).

    Used to point problem reports at lines; best effort, for Turtle only.
    """
    lines: dict[str, int] = {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return lines
    for number, line in enumerate(text.splitlines(), start=1):
        if line[:1].isspace() or line.startswith(("@", "#")) or line[:6].upper() in ("PREFIX", "BASE  "):
            continue
        m = _SUBJECT.match(line)
        if not m:
            continue
        token = m.group(1)
        if token.startswith("<"):
            iri = token[1:-1]
        elif token.startswith("_:"):
            continue
        else:
            prefix, _, local = token.partition(":")
            if prefix not in prefixes:
                continue
            iri = prefixes[prefix] + local
        lines.setdefault(iri, number)
    return lines


def source_text_triples(triples: list[ox.Triple], text_dirs: list[Path]) -> list[ox.Triple]:
    """``kg:content`` triples attaching each source document's stored text.

    Every kg:SourceDocument names its file (dcterms:identifier, a file name looked up in
    ``text_dirs`` in order: the shipped data/ folder, then the workspace's sources/) and the
    file's SHA-256; a missing file or a different digest is an InputError, since every
    evidence offset was counted on those exact bytes.
    """
    rdf_type = ox.NamedNode(RDF.type)
    source_class = ox.NamedNode(KG.SourceDocument)
    identifier = ox.NamedNode(DCTERMS.identifier)
    sha = ox.NamedNode(KG.sha256)
    # One pass over the triples, whatever the number of documents.
    docs: set[Subject] = set()
    names: dict[Subject, list[str]] = defaultdict(list)
    digests: dict[Subject, list[str]] = defaultdict(list)
    for t in triples:
        if t.predicate == rdf_type and t.object == source_class:
            docs.add(t.subject)
        elif t.predicate == identifier:
            names[t.subject].append(str(t.object.value))  # type: ignore[union-attr]  # a literal
        elif t.predicate == sha:
            digests[t.subject].append(str(t.object.value))  # type: ignore[union-attr]
    out = []
    for doc in sorted(docs, key=str):
        if len(names[doc]) != 1 or len(digests[doc]) != 1:
            continue  # the shapes report a document without exactly one identifier and digest
        name = names[doc][0]
        found = [d / name for d in text_dirs if Path(name).name == name and (d / name).is_file()]
        if not found:
            raise InputError(
                f"source text {name!r} of {doc} not found in " + ", ".join(map(str, text_dirs)),
                hint="dcterms:identifier must be a bare file name of a text under data/ (or added with 'kgraph add TEXT.txt')",
            )
        path = found[0]
        raw = path.read_bytes()
        actual = hashlib.sha256(raw).hexdigest()
        if actual != digests[doc][0]:
            raise InputError(
                f"{path}: SHA-256 is {actual}, but the facts say {digests[doc][0]}",
                hint="the evidence offsets were counted on other bytes; restore the text or recount the spans",
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InputError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})") from None
        out.append(ox.Triple(doc, ox.NamedNode(KG.content), ox.Literal(text)))
    return out
