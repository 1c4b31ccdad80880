"""kgraph: an evidence-backed knowledge graph of Kazakhstan's peacekeeping, mediation and disarmament record.

The pipeline runs Turtle files -> parse -> OWL RL closure -> SHACL validation -> materialised
dataset -> embedded Oxigraph store -> canned and ad-hoc SPARQL queries. Start with
:class:`kgraph.graph.KnowledgeGraph`; ``__all__`` is the public API, each name imported from
``kgraph`` on first use, so that ``import kgraph`` stays light.
"""

from __future__ import annotations

import importlib

from kgraph._version import __version__

# Each public name and the module that owns it (the errors: kgraph.errors).
_OWNERS = {
    "KnowledgeGraph": "kgraph.graph",
    "QueryResult": "kgraph.results",
    "ValidationReport": "kgraph.validation",
    "Problem": "kgraph.validation",
    "AddResult": "kgraph.admission",
    "Build": "kgraph.build",
    "Catalogue": "kgraph.catalogue",
    "CannedQuery": "kgraph.catalogue",
    "Param": "kgraph.catalogue",
    "Resources": "kgraph.resources",
    "QueryEngine": "kgraph.engines",
    "OxigraphEngine": "kgraph.engines",
    "RdflibEngine": "kgraph.engines",
    "RemoteEngine": "kgraph.remote",
    "EntityResolver": "kgraph.params",
    "Vocabulary": "kgraph.namespaces",
    "Span": "kgraph.evidence",
}
__all__ = [  # noqa: RUF022 - grouped as _OWNERS is, not sorted
    "__version__",
    "KnowledgeGraph",
    "QueryResult",
    "ValidationReport",
    "Problem",
    "AddResult",
    "Build",
    "Catalogue",
    "CannedQuery",
    "Param",
    "Resources",
    "QueryEngine",
    "OxigraphEngine",
    "RdflibEngine",
    "RemoteEngine",
    "EntityResolver",
    "Vocabulary",
    "Span",
    "KgraphError",
    "UsageError",
    "InputError",
    "ParseError",
    "UnknownQueryError",
    "ParameterError",
    "QueryRefusedError",
    "NonConformingError",
    "InconsistencyError",
    "WorkspaceError",
    "RemoteError",
    "NetworkBlockedError",
    "QueryLimitError",
]


def __getattr__(name: str) -> object:
    if name in __all__ and name != "__version__":
        return getattr(importlib.import_module(_OWNERS.get(name, "kgraph.errors")), name)
    raise AttributeError(f"module 'kgraph' has no attribute {name!r}")
