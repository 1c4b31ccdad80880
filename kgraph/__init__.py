"""kgraph: an evidence-backed knowledge graph of Kazakhstan's peacekeeping, mediation and disarmament record.

The pipeline runs Turtle files -> parse -> OWL RL closure -> SHACL validation -> materialised
dataset -> embedded Oxigraph store -> canned and ad-hoc SPARQL queries. Start with
:class:`kgraph.graph.KnowledgeGraph`.
"""

__version__ = "0.1.0"

from kgraph.errors import KgraphError

__all__ = ["KgraphError", "KnowledgeGraph", "__version__"]


def __getattr__(name: str) -> object:
    # Imported on first use, so that `import kgraph` stays light.
    if name == "KnowledgeGraph":
        from kgraph.graph import KnowledgeGraph

        return KnowledgeGraph
    raise AttributeError(name)
