"""The canned queries: one ``.rq`` file each, documented by a header of ``#+ key: value`` lines.

Header keys: ``title``, ``description``, ``param`` (repeatable:
``name (type[, default VALUE]): meaning``), ``columns``, ``tags``. Parameter types are
``entity`` (an IRI, a prefixed name or a label), ``string`` and ``integer``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from kgraph.errors import InputError, UnknownQueryError

PARAM_TYPES = ("entity", "string", "integer")
_HEADER = re.compile(r"^#\+\s*(?P<key>[a-z]+)\s*:\s*(?P<value>.*?)\s*$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*\((?P<type>\w+)(?:\s*,\s*default\s+(?P<default>[^)]+?))?\)\s*:\s*(?P<meaning>.+)$")


class Param(NamedTuple):
    """A query parameter, bound to the SPARQL variable of the same name.

    >>> Param("host", "entity", "the host", default="id:Kazakhstan").required
    False
    """

    name: str
    type: str
    meaning: str
    default: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None


class CannedQuery(NamedTuple):
    """One canned query with its documentation (see :func:`parse_query_file`).

    >>> from kgraph.resources import default_resources
    >>> q = Catalogue(default_resources().queries).get("hosted-talks")
    >>> q.title, q.param("host").default
    ('Crises a state hosted talks for', 'id:Kazakhstan')
    """

    name: str
    path: Path
    text: str
    title: str
    description: str
    params: tuple[Param, ...] = ()
    columns: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def parse_query_file(path: Path) -> CannedQuery:
    """Read one ``.rq`` file and its header; malformed headers are an InputError with the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read query: {e}") from None
    meta: dict[str, str] = {}
    params: list[Param] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if not m:
            continue
        key, value = m.group("key"), m.group("value")
        if key == "param":
            pm = _PARAM.match(value)
            if not pm or pm.group("type") not in PARAM_TYPES:
                raise InputError(
                    f"{path}:{number}: malformed parameter line {value!r}",
                    hint="write '#+ param: name (entity|string|integer[, default VALUE]): meaning'",
                )
            params.append(Param(pm.group("name"), pm.group("type"), pm.group("meaning"), pm.group("default")))
        else:
            meta[key] = value
    for required in ("title", "description", "columns"):
        if not meta.get(required):
            raise InputError(f"{path}: the header has no '#+ {required}:' line")
    columns = tuple(c.strip() for c in meta["columns"].split(",") if c.strip())
    for p in params:
        if p.name not in columns:
            raise InputError(
                f"{path}: parameter {p.name!r} is not among the columns", hint="project every parameter variable, so that every engine can bind it"
            )
    tags = tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip())
    return CannedQuery(path.stem, path, text, meta["title"], meta["description"], tuple(params), columns, tags)


class Catalogue:
    """The canned queries of a folder, by name.

    >>> from kgraph.resources import default_resources
    >>> catalogue = Catalogue(default_resources().queries)
    >>> "timeline" in catalogue.names(), len(catalogue) >= 12
    (True, True)
    >>> catalogue.get("timelne")
    Traceback (most recent call last):
    ...
    kgraph.errors.UnknownQueryError: no canned query named 'timelne'
      hint: did you mean: timeline
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._queries = {q.name: q for q in (parse_query_file(p) for p in sorted(self.folder.glob("*.rq")))}

    def __iter__(self) -> Iterator[CannedQuery]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def names(self) -> list[str]:
        return list(self._queries)

    def get(self, name: str) -> CannedQuery:
        """The query of that name, or UnknownQueryError with the nearest names."""
        try:
            return self._queries[name]
        except KeyError:
            import difflib

            near = difflib.get_close_matches(name, self._queries, n=3, cutoff=0.5)
            near += [n for n in self._queries if name and name in n and n not in near]
            raise UnknownQueryError(name, near[:3]) from None
