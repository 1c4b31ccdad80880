"""IRIs kgraph uses: vocabulary namespaces, named graphs, and the prefixes shown to users."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pyoxigraph as ox


class Vocabulary(str):
    """A namespace IRI that knows its terms: ``SH.resultMessage`` is a checked IRI, and a
    misspelt term is an AttributeError at once rather than an IRI that matches nothing.

    It is a ``str`` (the namespace IRI), so it also serves as a prefix and in f-strings; IRIs
    are made only through its attributes or :meth:`term` (a test keeps ``NS + "..."`` out of the
    code), whether they then go to pyoxigraph (``ox.NamedNode(SH.path)``) or to rdflib
    (``URIRef(SH.path)``).

    >>> SH.resultMessage
    'http://www.w3.org/ns/shacl#resultMessage'
    >>> SH.resultMesage
    Traceback (most recent call last):
    ...
    AttributeError: sh:resultMesage is not a term of <http://www.w3.org/ns/shacl#> that kgraph knows
    >>> SH.term("class")  # a Python keyword; also for names of str's methods, as DCTERMS.term("title")
    'http://www.w3.org/ns/shacl#class'
    """

    prefix: str
    _source: str | Callable[[], Iterable[str]]
    _terms: frozenset[str] | None

    def __new__(cls, base: str, prefix: str, terms: str | Callable[[], Iterable[str]]) -> Vocabulary:
        self = super().__new__(cls, base)
        self.prefix = prefix
        self._source = terms
        self._terms = None
        return self

    @property
    def terms(self) -> frozenset[str]:
        """The local names of the terms (read on first use, for a vocabulary read from a file)."""
        if self._terms is None:
            self._terms = frozenset(self._source.split() if isinstance(self._source, str) else self._source())
        return self._terms

    def term(self, name: str) -> str:
        """The IRI of the term ``name``; AttributeError if the vocabulary has no such term."""
        if name not in self.terms:
            raise AttributeError(f"{self.prefix}:{name} is not a term of <{self}> that kgraph knows")
        return str.__add__(self, name)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.term(name)

    def node(self, name: str) -> ox.NamedNode:
        """The term ``name`` as a pyoxigraph IRI."""
        return ox.NamedNode(self.term(name))


def _ontology_terms() -> list[str]:
    """kg: terms are what the shipped ontology declares (read once, when one is first used)."""
    from kgraph.resources import default_resources

    ontology = default_resources().ontology / "kgraph.ttl"
    found = (t.subject for t in ox.parse(path=str(ontology), format=ox.RdfFormat.TURTLE))
    return [s.value[len(KG) :] for s in found if isinstance(s, ox.NamedNode) and s.value.startswith(KG)]


KG = Vocabulary("https://w3id.org/kgraph/ontology#", "kg", _ontology_terms)
ID = "https://w3id.org/kgraph/id/"
SHAPES = "https://w3id.org/kgraph/shapes#"
GRAPH = "https://w3id.org/kgraph/graph/"

GRAPH_ONTOLOGY = GRAPH + "ontology"
GRAPH_SHAPES = GRAPH + "shapes"
GRAPH_INFERRED = GRAPH + "inferred"
GRAPH_SOURCES = GRAPH + "sources"
GRAPH_META = GRAPH + "meta"
GRAPH_SPANS = GRAPH + "spans"
# The graphs that hold no facts to reason on or validate: the shapes, the labels of the graphs,
# and the index of the spans' words (see kgraph.evidence.span_index)
HIDDEN_GRAPHS = frozenset({GRAPH_SHAPES, GRAPH_META, GRAPH_SPANS})
# What a build derives from the asserted triples, which --asserted-only leaves out
DERIVED_GRAPHS = frozenset({GRAPH_INFERRED, GRAPH_SPANS})
# Every graph but the asserted ones (ontology, facts, background, source texts)
NOT_ASSERTED = DERIVED_GRAPHS | HIDDEN_GRAPHS

# The standard vocabularies: RDF, RDFS, OWL, XSD and SHACL whole, the others as far as kgraph
# uses them. tests/test_vocabulary.py checks each against rdflib's definitions (DefinedNamespace).
RDF = Vocabulary(
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdf",
    "Alt Bag CompoundLiteral HTML JSON List PlainLiteral Property Seq Statement XMLLiteral direction first langString language nil "
    "object predicate rest subject type value",
)
RDFS = Vocabulary(
    "http://www.w3.org/2000/01/rdf-schema#",
    "rdfs",
    "Class Container ContainerMembershipProperty Datatype Literal Resource comment domain isDefinedBy label member range seeAlso "
    "subClassOf subPropertyOf",
)
OWL = Vocabulary(
    "http://www.w3.org/2002/07/owl#",
    "owl",
    "AllDifferent AllDisjointClasses AllDisjointProperties Annotation AnnotationProperty AsymmetricProperty Axiom Class DataRange "
    "DatatypeProperty DeprecatedClass DeprecatedProperty FunctionalProperty InverseFunctionalProperty IrreflexiveProperty "
    "NamedIndividual NegativePropertyAssertion Nothing ObjectProperty Ontology OntologyProperty ReflexiveProperty Restriction "
    "SymmetricProperty Thing TransitiveProperty allValuesFrom annotatedProperty annotatedSource annotatedTarget assertionProperty "
    "backwardCompatibleWith bottomDataProperty bottomObjectProperty cardinality complementOf datatypeComplementOf deprecated "
    "differentFrom disjointUnionOf disjointWith distinctMembers equivalentClass equivalentProperty hasKey hasSelf hasValue imports "
    "incompatibleWith intersectionOf inverseOf maxCardinality maxQualifiedCardinality members minCardinality minQualifiedCardinality "
    "onClass onDataRange onDatatype onProperties onProperty oneOf priorVersion propertyChainAxiom propertyDisjointWith "
    "qualifiedCardinality rational real sameAs someValuesFrom sourceIndividual targetIndividual targetValue topDataProperty "
    "topObjectProperty unionOf versionIRI versionInfo withRestrictions",
)
XSD = Vocabulary(
    "http://www.w3.org/2001/XMLSchema#",
    "xsd",
    "Assertions ENTITIES ENTITY ID IDREF IDREFS NCName NMTOKEN NMTOKENS NOTATION Name QName anyURI base64Binary boolean bounded byte "
    "cardinality date dateTime dateTimeStamp day dayTimeDuration decimal double duration enumeration explicitTimezone float "
    "fractionDigits gDay gMonth gMonthDay gYear gYearMonth hexBinary hour int integer language length long maxExclusive "
    "maxInclusive maxLength minExclusive minInclusive minLength minute month negativeInteger nonNegativeInteger nonPositiveInteger "
    "normalizedString numeric ordered pattern positiveInteger second short string time timezoneOffset token totalDigits "
    "unsignedByte unsignedInt unsignedLong unsignedShort whiteSpace year yearMonthDuration",
)
SKOS = Vocabulary("http://www.w3.org/2004/02/skos/core#", "skos", "altLabel closeMatch exactMatch prefLabel")
SH = Vocabulary(
    "http://www.w3.org/ns/shacl#",
    "sh",
    "AbstractResult AndConstraintComponent AndConstraintComponent-and BlankNode BlankNodeOrIRI BlankNodeOrLiteral "
    "ClassConstraintComponent ClassConstraintComponent-class ClosedConstraintComponent ClosedConstraintComponent-closed "
    "ClosedConstraintComponent-ignoredProperties ConstraintComponent DatatypeConstraintComponent "
    "DatatypeConstraintComponent-datatype DisjointConstraintComponent DisjointConstraintComponent-disjoint "
    "EqualsConstraintComponent EqualsConstraintComponent-equals ExpressionConstraintComponent "
    "ExpressionConstraintComponent-expression Function HasValueConstraintComponent HasValueConstraintComponent-hasValue IRI "
    "IRIOrLiteral InConstraintComponent InConstraintComponent-in Info JSConstraint JSConstraint-js JSConstraintComponent "
    "JSExecutable JSFunction JSLibrary JSRule JSTarget JSTargetType JSValidator LanguageInConstraintComponent "
    "LanguageInConstraintComponent-languageIn LessThanConstraintComponent LessThanConstraintComponent-lessThan "
    "LessThanOrEqualsConstraintComponent LessThanOrEqualsConstraintComponent-lessThanOrEquals Literal "
    "MaxCountConstraintComponent MaxCountConstraintComponent-maxCount MaxExclusiveConstraintComponent "
    "MaxExclusiveConstraintComponent-maxExclusive MaxInclusiveConstraintComponent "
    "MaxInclusiveConstraintComponent-maxInclusive MaxLengthConstraintComponent MaxLengthConstraintComponent-maxLength "
    "MinCountConstraintComponent MinCountConstraintComponent-minCount MinExclusiveConstraintComponent "
    "MinExclusiveConstraintComponent-minExclusive MinInclusiveConstraintComponent "
    "MinInclusiveConstraintComponent-minInclusive MinLengthConstraintComponent MinLengthConstraintComponent-minLength "
    "NodeConstraintComponent NodeConstraintComponent-node NodeKind NodeKindConstraintComponent "
    "NodeKindConstraintComponent-nodeKind NodeShape NotConstraintComponent NotConstraintComponent-not OrConstraintComponent "
    "OrConstraintComponent-or Parameter Parameterizable PatternConstraintComponent PatternConstraintComponent-flags "
    "PatternConstraintComponent-pattern PrefixDeclaration PropertyConstraintComponent PropertyConstraintComponent-property "
    "PropertyGroup PropertyShape QualifiedMaxCountConstraintComponent QualifiedMaxCountConstraintComponent-qualifiedMaxCount "
    "QualifiedMaxCountConstraintComponent-qualifiedValueShape "
    "QualifiedMaxCountConstraintComponent-qualifiedValueShapesDisjoint QualifiedMinCountConstraintComponent "
    "QualifiedMinCountConstraintComponent-qualifiedMinCount QualifiedMinCountConstraintComponent-qualifiedValueShape "
    "QualifiedMinCountConstraintComponent-qualifiedValueShapesDisjoint ResultAnnotation Rule SPARQLAskExecutable "
    "SPARQLAskValidator SPARQLConstraint SPARQLConstraintComponent SPARQLConstraintComponent-sparql SPARQLConstructExecutable "
    "SPARQLExecutable SPARQLFunction SPARQLRule SPARQLSelectExecutable SPARQLSelectValidator SPARQLTarget SPARQLTargetType "
    "SPARQLUpdateExecutable Severity Shape Target TargetType TripleRule UniqueLangConstraintComponent "
    "UniqueLangConstraintComponent-uniqueLang ValidationReport ValidationResult Validator Violation Warning "
    "XoneConstraintComponent XoneConstraintComponent-xone alternativePath and annotationProperty annotationValue "
    "annotationVarName ask class closed condition conforms construct datatype deactivated declare defaultValue description "
    "detail disjoint entailment equals expression filterShape flags focusNode group hasValue ignoredProperties in "
    "intersection inversePath js jsFunctionName jsLibrary jsLibraryURL labelTemplate languageIn lessThan lessThanOrEquals "
    "maxCount maxExclusive maxInclusive maxLength message minCount minExclusive minInclusive minLength name namespace node "
    "nodeKind nodeValidator nodes not object oneOrMorePath optional or order parameter path pattern predicate prefix prefixes "
    "property propertyValidator qualifiedMaxCount qualifiedMinCount qualifiedValueShape qualifiedValueShapesDisjoint result "
    "resultAnnotation resultMessage resultPath resultSeverity returnType rule select severity shapesGraph "
    "shapesGraphWellFormed sourceConstraint sourceConstraintComponent sourceShape sparql subject suggestedShapesGraph target "
    "targetClass targetNode targetObjectsOf targetSubjectsOf this union uniqueLang update validator value xone zeroOrMorePath "
    "zeroOrOnePath",
)
OA = Vocabulary(
    "http://www.w3.org/ns/oa#",
    "oa",
    "SpecificResource TextPositionSelector TextQuoteSelector end exact hasSelector hasSource prefix start suffix",
)
PROV = Vocabulary("http://www.w3.org/ns/prov#", "prov", "wasDerivedFrom")
# NIF 2.0 Core: the build's index of each span's words and offsets (see kgraph.evidence.span_index)
NIF = Vocabulary("http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#", "nif", "anchorOf beginIndex endIndex")
DCTERMS = Vocabulary("http://purl.org/dc/terms/", "dcterms", "date format identifier language source title")

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
    "nif": NIF,
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
    """The named graph of a file added to the workspace with ``kgraph add`` (its name percent-encoded
    where an IRI cannot hold it as it is).

    >>> workspace_graph_iri("20261129T101500-my facts")
    'https://w3id.org/kgraph/graph/workspace/20261129T101500-my%20facts'
    """
    from urllib.parse import quote

    return f"{GRAPH}workspace/{quote(stem, safe='-._~')}"


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


def expand_shown(shown: str) -> str:
    """The IRI of a term as :func:`kgraph.terms.show_term` shows it: ``<iri>`` or a prefixed name.

    >>> expand_shown("id:Kazakhstan"), expand_shown("<http://e/x>")
    ('https://w3id.org/kgraph/id/Kazakhstan', 'http://e/x')
    """
    if shown.startswith("<") and shown.endswith(">"):
        return shown[1:-1]
    return expand(shown) or shown


def expand(name: str) -> str | None:
    """Expand a prefixed name with a known prefix; None if it is not one.

    >>> expand("kg:hostedBy")
    'https://w3id.org/kgraph/ontology#hostedBy'
    """
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return None
