"""IRIs kgraph uses: vocabulary namespaces, named graphs, and the prefixes shown to users."""

from __future__ import annotations

KG = "https://w3id.org/kgraph/ontology#"
ID = "https://w3id.org/kgraph/id/"
SHAPES = "https://w3id.org/kgraph/shapes#"
GRAPH = "https://w3id.org/kgraph/graph/"

GRAPH_ONTOLOGY = GRAPH + "ontology"
GRAPH_SHAPES = GRAPH + "shapes"
GRAPH_INFERRED = GRAPH + "inferred"
GRAPH_SOURCES = GRAPH + "sources"
GRAPH_META = GRAPH + "meta"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
OA = "http://www.w3.org/ns/oa#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"

PREFIXES: dict[str, str] = {
    "id": ID,
    "kg": KG,
    "kgsh": SHAPES,
    "graph": GRAPH,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "sh": SH,
    "oa": OA,
    "prov": PROV,
    "dcterms": DCTERMS,
    "wd": "http://www.wikidata.org/entity/",
    "schema": "https://schema.org/",
    "sem": "http://semanticweb.cs.vu.nl/2009/11/sem/",
}


def data_graph_iri(stem: str) -> str:
    """The named graph of a shipped data file, e.g. ``graph/data/facts``."""
    return f"{GRAPH}data/{stem}"


def workspace_graph_iri(stem: str) -> str:
    """The named graph of a file added to the workspace with ``kgraph add``."""
    return f"{GRAPH}workspace/{stem}"


def shorten(iri: str) -> str:
    """Write an IRI as a prefixed name where a known prefix fits.

    >>> shorten("https://w3id.org/kgraph/id/Kazakhstan")
    'id:Kazakhstan'
    >>> shorten("http://example.org/x")
    '<http://example.org/x>'
    """
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            local = iri[len(ns) :]
            if local and all(c.isalnum() or c in "_-." for c in local) and not local.endswith("."):
                best = prefix
    return f"{best}:{iri[len(PREFIXES[best]) :]}" if best else f"<{iri}>"


def expand(name: str) -> str | None:
    """Expand a prefixed name with a known prefix; None if it is not one.

    >>> expand("kg:hostedBy")
    'https://w3id.org/kgraph/ontology#hostedBy'
    """
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return None
