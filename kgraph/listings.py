"""Listings: the answers of the canned queries that take no parameter, kept beside the store.

A listing (every platform, the timeline) reads the whole graph and sorts what it finds: at a
million triples that takes seconds, however small the page asked for. So the build runs each
canned query that takes no parameter once on its new store and keeps the rows in a file, in the
W3C SPARQL TSV format (one row per line, every RDF term written exactly, datatypes and language
tags included); a page is then read from that file. An add removes the files, since its facts
may change any listing, and the next query of a listing computes and keeps it again. Each
file's name carries its size, so a listing cut short is found and kept again, never read in part.

>>> import tempfile; folder = Path(tempfile.mkdtemp())
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/p"), ox.Literal("1")))
>>> keep(store, "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s", folder / "all.tsv")
1
>>> read(folder / "all.tsv", limit=5)
(['s', 'o'], [(<NamedNode value=http://example.org/a>, <Literal value=1 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>)])
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph as ox

from kgraph import netguard
from kgraph.files import write_atomically
from kgraph.sparql import check_query, query_form, value_blocks
from kgraph.terms import Row

if TYPE_CHECKING:
    from kgraph.catalogue import CannedQuery

FOLDER = "listings"


def answers_as_written(query: CannedQuery) -> bool:
    """Whether a canned query's text, run as it is, gives its answer when nothing is bound: a
    SELECT whose parameters all have defaults, which the text carries as VALUES blocks."""
    if any(p.default is None for p in query.params) or query_form(query.text) != "SELECT":
        return False
    if not query.params:
        return True
    defaults = {name for name, _start, _end in value_blocks(query.text)}
    return all(p.name in defaults for p in query.params)


def path_of(build_folder: Path, query: CannedQuery) -> Path:
    """Where a canned query's listing is kept in a build: named by the query and a digest of its
    text (CRC-32 and length), so that an edited query never reads the rows of its former text."""
    import zlib

    data = query.text.encode("utf-8")
    return Path(build_folder) / FOLDER / f"{query.name}-{zlib.crc32(data):08x}{len(data):x}.tsv"


def keep(store: ox.Store, text: str, path: Path) -> int:
    """Run a SELECT query on ``store`` and keep its rows at ``path``; the row count. The default
    graph is the union of all graphs unless the query names its own, as for the Oxigraph engine."""
    checked = check_query(text)
    netguard.before_native_query()
    answer = store.query(checked.text, use_default_graph_as_union="FROM" not in checked.keywords)
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError("only a SELECT query has rows to keep")
    data = answer.serialize(format=ox.QueryResultsFormat.TSV)
    assert data is not None  # without an output, serialize returns the bytes
    Path(path).parent.mkdir(exist_ok=True)
    for old in kept_files(Path(path)):
        old.unlink(missing_ok=True)
    write_atomically(_sized(Path(path), len(data)), data)
    return data.count(b"\n") - 1


def _sized(path: Path, size: int) -> Path:
    return path.with_name(f"{path.stem}.{size}{path.suffix}")


def kept_files(path: Path) -> list[Path]:
    """The files kept for the listing ``path`` (``NAME.SIZE.tsv``)."""
    try:
        with os.scandir(path.parent) as entries:
            return [
                path.parent / e.name
                for e in entries
                if e.name.startswith(path.stem + ".") and e.name.endswith(path.suffix) and e.name[len(path.stem) + 1 : -len(path.suffix)].isdigit()
            ]
    except OSError:
        return []


def _open_kept(path: Path) -> BinaryIO:
    """The listing kept for ``path``, opened; OSError if there is none, SyntaxError if its size is
    not the one its name records (cut short, or written over)."""
    for kept in kept_files(path):
        fh = open(kept, "rb")  # noqa: SIM115 - handed to the caller, who closes it
        size = int(kept.name[len(path.stem) + 1 : -len(path.suffix)])
        if os.fstat(fh.fileno()).st_size != size:
            fh.close()
            raise SyntaxError(f"{kept}: the listing is damaged (not the size its name records)")
        return fh
    raise FileNotFoundError(str(path))


def read(path: Path, *, limit: int | None = None, offset: int = 0) -> tuple[list[str], list[Row]]:
    """The variables, and rows ``offset`` to ``offset + limit``, of a kept listing (OSError if
    there is none, SyntaxError if it is damaged).

    Only the header and the lines of the page are parsed: the first page of a listing of any
    length costs the same.
    """
    with _open_kept(Path(path)) as fh:
        header = fh.readline()
        page = itertools.islice(fh, offset, None if limit is None else offset + limit)
        data = header + b"".join(page)
    answer = ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV)
    assert isinstance(answer, ox.QuerySolutions)  # a TSV file holds solutions
    variables = [v.value for v in answer.variables]
    return variables, [tuple(s[i] for i in range(len(variables))) for s in answer]


def keep_all(store: ox.Store, queries: Iterable[CannedQuery], build_folder: Path) -> list[str]:
    """Keep the listing of every canned SELECT query in ``queries`` that answers as written (no
    parameter, or defaults for all); their names."""
    kept = []
    for canned in queries:
        if not answers_as_written(canned):
            continue
        keep(store, canned.text, path_of(build_folder, canned))
        kept.append(canned.name)
    return kept


def discard(build_folder: Path) -> None:
    """Remove a build's listings (an add does, before its store changes)."""
    import shutil

    shutil.rmtree(Path(build_folder) / FOLDER, ignore_errors=True)
