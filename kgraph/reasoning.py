"""Stage 2 of the pipeline: the OWL 2 RL closure, computed by owlrl on an rdflib Graph.

Only the triples the closure adds are returned, so that asserted and inferred triples can be
stored apart. Triples owlrl writes with a literal subject (``"1991"^^xsd:gYear a xsd:gYear``)
and the reflexive ``x owl:sameAs x`` it adds for every node carry no information and are
dropped; inconsistencies become an InconsistencyError.
"""

from __future__ import annotations

from kgraph.errors import InconsistencyError
from kgraph.namespaces import OWL, RDF

OWLRL_ERROR = "http://www.daml.org/2002/03/agents/agent-ont#"


def infer_owlrl_closure(asserted):
    """Return a new rdflib Graph holding what OWL 2 RL adds to ``asserted``.

    Raises:
        InconsistencyError: owlrl reported a contradiction, or something is an owl:Nothing.
    """
    import owlrl
    from rdflib import Graph, Literal, URIRef

    closure = Graph()
    for t in asserted:
        closure.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)

    error_type = URIRef(OWLRL_ERROR + "ErrorMessage")
    error_text = URIRef(OWLRL_ERROR + "error")
    messages = sorted(str(m) for node in closure.subjects(URIRef(RDF + "type"), error_type)
                      for m in closure.objects(node, error_text))
    nothing = sorted(str(s) for s in closure.subjects(URIRef(RDF + "type"), URIRef(OWL + "Nothing")))
    messages += [f"<{s}> is an owl:Nothing (it belongs to classes that exclude each other)" for s in nothing]
    if messages:
        raise InconsistencyError(messages)

    same_as = URIRef(OWL + "sameAs")
    inferred = Graph()
    for s, p, o in closure:
        if isinstance(s, Literal) or (p == same_as and s == o) or (s, p, o) in asserted:
            continue
        inferred.add((s, p, o))
    return inferred


def materialise(triples):
    """The OWL RL closure of pyoxigraph triples: (closure, inferred), both rdflib Graphs.

    ``closure`` holds the given triples and the inferred ones; ``inferred`` only the latter.
    """
    from kgraph.terms import triples_to_rdflib

    closure = triples_to_rdflib(triples)
    inferred = infer_owlrl_closure(closure)
    for t in inferred:
        closure.add(t)
    return closure, inferred
