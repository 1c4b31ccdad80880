"""Where kgraph finds its shipped files and keeps its workspace.

The ontology, data and queries ship inside the wheel under ``kgraph/_resources``; in a source
checkout they are read from the repository root. The workspace (user-added facts and the build
cache) is never inside the installed package.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from kgraph.errors import InputError

PACKAGE_DIR = Path(__file__).resolve().parent


class Resources(NamedTuple):
    """The three folders of shipped knowledge: ontology (with shapes), data and queries.

    >>> res = default_resources()
    >>> res.shapes.name, sorted(p.name for p in res.data.glob("*.ttl"))
    ('shapes.ttl', ['background.ttl', 'facts.ttl'])
    """

    ontology: Path
    data: Path
    queries: Path

    @property
    def shapes(self) -> Path:
        return self.ontology / "shapes.ttl"

    @classmethod
    def at(cls, root: Path) -> Resources:
        """Resources laid out as ``root/ontology``, ``root/data`` and ``root/queries``."""
        root = Path(root)
        res = cls(root / "ontology", root / "data", root / "queries")
        missing = [p for p in (res.ontology, res.data, res.queries) if not p.is_dir()]
        if missing:
            raise InputError(
                f"{root}: missing folder(s) {', '.join(p.name for p in missing)}", hint="a kgraph root holds ontology/, data/ and queries/"
            )
        return res


def default_resources() -> Resources:
    """The shipped resources: inside the installed package, else the source checkout."""
    packaged = PACKAGE_DIR / "_resources"
    if packaged.is_dir():
        return Resources.at(packaged)
    return Resources.at(PACKAGE_DIR.parent)


def default_workspace() -> Path:
    """``$KGRAPH_HOME``, else ``$XDG_DATA_HOME/kgraph``, else ``~/.local/share/kgraph``."""
    if os.environ.get("KGRAPH_HOME"):
        return Path(os.environ["KGRAPH_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "kgraph"
