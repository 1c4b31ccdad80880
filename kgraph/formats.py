"""Every format kgraph reads or writes, in one table; the command line's choices come from here.

>>> RDF_SYNTAXES[EXTENSIONS[".jsonld"]] == ox.RdfFormat.JSON_LD
True
>>> [name for name in EXPORT_FORMATS if RDF_SYNTAXES[name].supports_datasets]
['nq', 'trig', 'jsonld']
"""

from __future__ import annotations

import pyoxigraph as ox

# RDF syntaxes by the short name the command line and the API take.
RDF_SYNTAXES: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}
# Files kgraph reads as RDF, by extension.
EXTENSIONS: dict[str, str] = {
    ".ttl": "ttl",
    ".turtle": "ttl",
    ".nt": "nt",
    ".nq": "nq",
    ".trig": "trig",
    ".jsonld": "jsonld",
    ".json": "jsonld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}
# SELECT and ASK results: the W3C SPARQL 1.1 result formats, and a table for people.
RESULT_FORMATS = ("table", "csv", "tsv", "json", "xml")
# CONSTRUCT and DESCRIBE results: RDF syntaxes ("table" shows them as Turtle).
GRAPH_RESULT_FORMATS = ("ttl", "nt", "jsonld", "xml")
# The whole graph, as 'kgraph export' writes it.
EXPORT_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld")
# What the informational commands (queries, build, stats) print: text for people, JSON for programs.
SUMMARY_FORMATS = ("text", "json")
# Validation reports: text for people, JSON for programs, the W3C SHACL report graph as Turtle.
REPORT_FORMATS = ("text", "json", "turtle")
