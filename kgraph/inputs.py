"""The files a build reads: the shipped ontology, shapes, data and texts, and the workspace's added ones.

Also how a build is found again: by a digest of every input's bytes (the build's key), and,
to spare a query from re-reading every input, by a fingerprint of their names, sizes and
modification times that maps to that key.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from kgraph import journal
from kgraph.errors import WorkspaceError
from kgraph.namespaces import GRAPH_ONTOLOGY, GRAPH_SHAPES, data_graph_iri, workspace_graph_iri
from kgraph.resources import Resources

ROLES = ("ontology", "shapes", "data", "workspace", "text")


class InputFile(NamedTuple):
    """One input of the build and the named graph its triples go to."""

    path: Path
    role: str
    graph: str | None

    @property
    def label(self) -> str:
        return f"{self.role}/{self.path.name}"


def files_in(folder: Path, suffix: str) -> list[Path]:
    """The files of ``folder`` ending in ``suffix``, by name, leaving out hidden ones (as ``glob`` does).

    Only regular files are read: a named pipe, a device or a link to one among them is refused
    (issue 10: a pipe or a link to /dev/zero among the added facts hung every query).
    """
    return [folder / name for name in _names(folder, suffix)]


def _names(folder: Path, suffix: str) -> list[str]:
    """The names :func:`files_in` lists, without making a path of each."""
    try:
        with os.scandir(folder) as entries:
            found = sorted((e.name, e.is_file()) for e in entries if e.name.endswith(suffix) and not e.name.startswith("."))
    except (FileNotFoundError, NotADirectoryError):
        return []
    odd = [name for name, regular in found if not regular]
    if odd:
        raise WorkspaceError(
            f"{folder / odd[0]}: not a regular file (a folder, a named pipe, a device, or a link to one); kgraph reads only files",
            hint="remove it, or put the file itself there",
        )
    return [name for name, _regular in found]


def _listed(resources: Resources, workspace: Path) -> list[tuple[str, Path, list[str]]]:
    """(role, folder, file names) of every file the build reads, folder by folder, in the build's order."""
    shapes = resources.shapes
    facts, sources = workspace / "facts", workspace / "sources"
    return [
        ("ontology", resources.ontology, [n for n in _names(resources.ontology, ".ttl") if n != shapes.name]),
        ("shapes", shapes.parent, [shapes.name]),
        ("data", resources.data, _names(resources.data, ".ttl")),
        ("text", resources.data, _names(resources.data, ".txt")),
        ("workspace", facts, _names(facts, ".ttl")),
        ("text", sources, _names(sources, ".txt")),
    ]


def collect_inputs(resources: Resources, workspace: Path) -> list[InputFile]:
    """Every file the build reads, in a fixed order (after undoing an add that died half-way:
    see :mod:`kgraph.journal`)."""
    journal.recover(workspace)
    graphs: dict[str, Callable[[str], str | None]] = {
        "ontology": lambda _stem: GRAPH_ONTOLOGY,
        "shapes": lambda _stem: GRAPH_SHAPES,
        "data": data_graph_iri,
        "workspace": workspace_graph_iri,
        "text": lambda _stem: None,
    }
    inputs = []
    for role, folder, names in _listed(resources, workspace):
        for name in names:
            path = folder / name
            inputs.append(InputFile(path, role, graphs[role](path.stem)))
    return inputs


def _resolved_stat(full: str) -> tuple[str, os.stat_result]:
    """An input's path (``full``, in a resolved folder) with a symbolic link resolved, and the
    stat of the file it names: one ``lstat``, two for a link."""
    st = os.lstat(full)
    if stat.S_ISLNK(st.st_mode):
        full = os.path.realpath(full)
        st = os.stat(full)
    return full, st


def _resolved(inputs: list[InputFile]) -> list[tuple[str, os.stat_result]]:
    """Each input's absolute path with symbolic links resolved, and its stat, resolving each folder once."""
    folders: dict[str, str] = {}
    out = []
    for f in inputs:
        parent, name = os.path.split(f.path)
        real = folders.get(parent)
        if real is None:
            real = folders[parent] = os.path.realpath(parent)
        out.append(_resolved_stat(os.path.join(real, name)))
    return out


def content_key(inputs: list[InputFile], version: str, known: dict[str, list[Any]] | None = None) -> str:
    """A digest of the kgraph version and the name, role and bytes of every input.

    ``known`` maps a file's resolved path to ``[size, mtime_ns, inode, sha256]`` from an
    earlier call; a file whose size, modification time and inode are unchanged is not read
    again. The entries of this call are left in ``known``.
    """
    import hashlib  # not on the query path: a query compares fingerprints, which need no hashing

    known = {} if known is None else known
    h = hashlib.sha256(f"kgraph {version}\n".encode())
    seen = set()
    for f, (name, st) in zip(inputs, _resolved(inputs), strict=True):
        seen.add(name)
        stats = [st.st_size, st.st_mtime_ns, st.st_ino]
        entry = known.get(name)
        if entry is None or entry[:3] != stats:
            entry = [*stats, hashlib.sha256(f.path.read_bytes()).hexdigest()]
            known[name] = entry
        h.update(f"{f.role}\0{f.path.name}\0".encode())
        h.update(bytes.fromhex(entry[3]))
    for name in set(known) - seen:
        del known[name]
    return h.hexdigest()[:24]


def _fingerprint_line(role: str, full: str, st: os.stat_result) -> str:
    return f"{role} {full} {st.st_size} {st.st_mtime_ns} {st.st_ino}"


def fingerprint(inputs: list[InputFile], version: str) -> str:
    """Every input's role, path, size, modification time and inode: cheap, and changed by any edit.

    Kept as it is (not hashed), so that finding a build needs no hashing at all.
    """
    lines = [f"kgraph {version}"]
    lines += [_fingerprint_line(f.role, *found) for f, found in zip(inputs, _resolved(inputs), strict=True)]
    return "\n".join(lines)


def current_fingerprint(resources: Resources, workspace: Path, version: str) -> str:
    """``fingerprint(collect_inputs(resources, workspace), version)``, without making a path or an
    input of each file: every query computes it, and at a million triples in 450 files those
    had taken half of its time."""
    journal.recover(workspace)
    lines = [f"kgraph {version}"]
    for role, folder, names in _listed(resources, workspace):
        real = os.path.join(os.path.realpath(folder), "")  # with one separator at the end, as os.path.join puts it
        lines += [_fingerprint_line(role, *_resolved_stat(real + name)) for name in names]
    return "\n".join(lines)
