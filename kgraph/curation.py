"""A curator's workspace: registering a source text, listing what was added, taking an addition back.

Each addition is one file of ``WORKSPACE/facts/`` (``kgraph add`` writes one per input file, named
``STAMP-NAME.ttl``, whose first line says where it came from and when), plus the source texts
it registered in ``WORKSPACE/sources/``. Removing one moves those files to
``WORKSPACE/removed/ID/`` only after the graph without them has been built and found to conform,
so an interrupted or refused removal changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pyoxigraph as ox

from kgraph.admission import AddResult, add_files
from kgraph.build import Build, build_inputs
from kgraph.errors import InputError, NonConformingError, UsageError, WorkspaceError
from kgraph.inputs import collect_inputs, files_in
from kgraph.lock import workspace_lock
from kgraph.namespaces import DCTERMS, ID, KG, PREFIXES, RDF, RDFS, XSD
from kgraph.terms import lexical, rdf_bytes

if TYPE_CHECKING:
    from kgraph.pipeline import Progress
    from kgraph.resources import Resources

_HEADER = re.compile(rb"^# Added by kgraph add from (.+?) on (\d{8}T\d{6}) UTC\.")
_DATE = {
    re.compile(r"\d{4}"): "gYear",
    re.compile(r"\d{4}-(0[1-9]|1[0-2])"): "gYearMonth",
    re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"): "date",
}
_LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*")


class Addition(NamedTuple):
    """One addition of a workspace: its id (the file's name without .ttl), file, time and size.

    >>> Addition("20261129T101500-article2", Path("facts/20261129T101500-article2.ttl"), "2026-11-29T10:15:00Z", "article2.ttl", 12, ()).id
    '20261129T101500-article2'
    """

    id: str
    path: Path
    added_at: str  # ISO 8601, UTC
    source: str  # the file name it was added from
    triples: int
    texts: tuple[str, ...]  # the source texts it registered, kept in WORKSPACE/sources/


class Removal(NamedTuple):
    """What ``remove`` did: the addition, where its files went, and the build without it."""

    addition: Addition
    moved_to: Path
    build: Build


class Registration(NamedTuple):
    """What ``source add`` did: the document's IRI and the addition that registered it."""

    document: str
    characters: int
    sha256: str
    added: AddResult


def _doc_texts(triples: list[ox.Triple]) -> list[str]:
    docs = {t.subject for t in triples if t.predicate.value == RDF.type and t.object == ox.NamedNode(KG.SourceDocument)}
    return sorted(lexical(t.object) for t in triples if t.subject in docs and t.predicate.value == DCTERMS.term("identifier"))


def additions(workspace: Path) -> list[Addition]:
    """The additions of a workspace, oldest first."""
    out = []
    for path in files_in(workspace / "facts", ".ttl"):  # the files the build reads as additions
        data = path.read_bytes()
        m = _HEADER.match(data)
        stamp = m.group(2).decode() if m else time.strftime("%Y%m%dT%H%M%S", time.gmtime(path.stat().st_mtime))
        try:
            triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
        except SyntaxError as e:
            raise WorkspaceError(f"{path}: an added file no longer parses: {e}", hint="restore it, or move it out of the workspace") from None
        texts = tuple(name for name in _doc_texts(triples) if (workspace / "sources" / name).is_file())
        added_at = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]}Z"
        out.append(Addition(path.stem, path, added_at, m.group(1).decode() if m else path.name, len(triples), texts))
    return out


def find_addition(workspace: Path, ident: str) -> Addition:
    """The addition with this id, its file name, or the name it was added from where only one has it
    (``article2-facts`` for ``20261129T101500-article2-facts``).

    Raises:
        UsageError: there is none (the error lists those there are).
    """
    found = additions(workspace)
    for a in found:
        if ident in (a.id, a.path.name, str(a.path)):
            return a
    named = [a for a in found if a.id.endswith(f"-{ident}") or a.id.endswith(f"-{ident.removesuffix('.ttl')}")]
    if len(named) == 1:
        return named[0]
    if named:
        raise UsageError(f"{ident}: several additions have this name: {', '.join(a.id for a in named)}", hint="give the whole id")
    listed = ", ".join(a.id for a in found[-5:]) or "none"
    raise UsageError(f"{ident}: no such addition in {workspace}", hint=f"'kgraph added' lists them; the latest: {listed}")


def remove_addition(resources: Resources, workspace: Path, ident: str, *, progress: Progress | None = None) -> Removal:
    """Take one addition back: build the graph without it and, if that conforms, move its files out.

    The texts it registered go with it unless another addition's documents name them.

    Raises:
        UsageError: no such addition.
        NonConformingError: facts added later rest on it (the report says which); nothing changed.
    """
    with workspace_lock(workspace, purpose="remove an addition"):
        addition = find_addition(workspace, ident)
        others = [a for a in additions(workspace) if a.id != addition.id]
        still_named = {name for a in others for name in a.texts}
        texts = [workspace / "sources" / name for name in addition.texts if name not in still_named]
        leaving = {addition.path, *texts}
        remaining = [f for f in collect_inputs(resources, workspace) if f.path not in leaving]
        build = build_inputs(resources, workspace, remaining, progress=progress)
        if not build.conforms:
            raise NonConformingError(
                f"without {addition.id} the knowledge graph would not conform: facts added later rest on it; nothing was removed",
                build.report(),
                hint="remove the later additions that cite it first ('kgraph added' lists them)",
            )
        target = workspace / "removed" / addition.id
        n = 1
        while target.exists():
            n += 1
            target = workspace / "removed" / f"{addition.id}-{n}"
        try:
            target.mkdir(parents=True)
            os.replace(addition.path, target / addition.path.name)  # the moment the addition is gone
            for text in texts:
                os.replace(text, target / text.name)
        except OSError as e:
            raise WorkspaceError(f"{target}: cannot move the addition's files: {e.strerror}") from None
    return Removal(addition, target, build)


def _date_literal(value: str) -> ox.Literal:
    for pattern, datatype in _DATE.items():
        if pattern.fullmatch(value):
            return ox.Literal(value, datatype=ox.NamedNode(XSD.term(datatype)))
    raise UsageError(f"{value!r} is not a date", hint="give the document's date as YYYY, YYYY-MM or YYYY-MM-DD")


def document_iri_for(path: Path) -> str:
    """The IRI ``source add`` gives a text by default: ``id:`` and its file name in UpperCamelCase.

    >>> document_iri_for(Path("news/article-2.txt"))
    'https://w3id.org/kgraph/id/Article2'
    """
    words = re.findall(r"[A-Za-z0-9]+", path.stem)
    name = "".join(w[:1].upper() + w[1:] for w in words)
    if not name or not name[0].isalpha():
        name = "Document" + name
    return ID + name


def source_entry(
    text: Path, *, title: str, date: str, iri: str | None = None, url: str | None = None, language: str = "en"
) -> tuple[str, bytes, int, str]:
    """The Turtle of a text's ``kg:SourceDocument`` entry: (IRI, Turtle, characters, SHA-256).

    Raises:
        InputError: the file is missing, empty, binary or not UTF-8 text.
        UsageError: a bad date, language tag, IRI or URL.
    """
    try:
        raw = text.read_bytes()
    except OSError as e:
        raise InputError(f"{text}: cannot read: {e.strerror}") from None
    if not raw.strip():
        raise InputError(f"{text}: the file is empty", hint="a source text holds the words the facts quote")
    if b"\0" in raw:
        raise InputError(f"{text}: not a text file (it contains NUL bytes)", hint="register the plain text of the document, saved as UTF-8")
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(
            f"{text}: not UTF-8 text ({e.reason} at byte {e.start})",
            hint=f"convert it first, e.g. iconv -f WINDOWS-1252 -t UTF-8 {text.name} > {text.stem}-utf8.txt",
        ) from None
    if not title.strip():
        raise UsageError("the title is empty", hint="--title is the document's title, as it stands")
    if not _LANGUAGE.fullmatch(language):
        raise UsageError(f"{language!r} is not a language tag", hint="use a BCP 47 tag such as en, ru or kk")
    iri = iri or document_iri_for(text)
    try:
        document = ox.NamedNode(iri)
        source = ox.NamedNode(url) if url else None
    except ValueError as e:
        raise UsageError(f"not an IRI: {e}") from None
    digest = hashlib.sha256(raw).hexdigest()
    title_ = ox.Literal(title.strip(), language=language)
    triples = [
        ox.Triple(document, ox.NamedNode(RDF.type), ox.NamedNode(KG.SourceDocument)),
        ox.Triple(document, ox.NamedNode(RDFS.label), title_),
        ox.Triple(document, ox.NamedNode(DCTERMS.term("title")), title_),
        ox.Triple(document, ox.NamedNode(DCTERMS.term("identifier")), ox.Literal(text.name)),
        ox.Triple(document, ox.NamedNode(DCTERMS.term("language")), ox.Literal(language)),
        ox.Triple(document, ox.NamedNode(DCTERMS.term("format")), ox.Literal("text/plain; charset=utf-8")),
        ox.Triple(document, ox.NamedNode(KG.sha256), ox.Literal(digest)),
        ox.Triple(document, ox.NamedNode(DCTERMS.term("date")), _date_literal(date)),
    ]
    if source is not None:
        triples.append(ox.Triple(document, ox.NamedNode(DCTERMS.term("source")), source))
    return iri, rdf_bytes(triples, ox.RdfFormat.TURTLE, PREFIXES), len(content), digest


def register_source(  # noqa: PLR0913 - the entry's fields, as KnowledgeGraph.add_source takes them
    resources: Resources,
    workspace: Path,
    text: Path,
    *,
    title: str,
    date: str,
    iri: str | None = None,
    url: str | None = None,
    language: str = "en",
    progress: Progress | None = None,
) -> Registration:
    """Write a text's ``kg:SourceDocument`` entry (see :func:`source_entry`) and add it, with the
    text, to the workspace."""
    iri, turtle, characters, digest = source_entry(text, title=title, date=date, iri=iri, url=url, language=language)
    with tempfile.TemporaryDirectory(prefix="kgraph-source-") as tmp:
        facts = Path(tmp) / f"{text.stem}-source.ttl"
        facts.write_bytes(turtle)
        added = add_files(resources, workspace, [facts, text], progress=progress)
    return Registration(iri, characters, digest, added)
