"""The fast path gives the reference's answers.

- the compiled OWL 2 RL rules give exactly owlrl's inferred triples;
- pyshifty gives exactly pySHACL's results (focus node, path, value, constraint component, severity);
- validating a delta gives exactly what validating the whole graph with the delta gives, and
  nothing outside the nodes it re-validated changes;
- an add gives exactly the N-Quads that building the same files from scratch gives.

On the seed graph and on generated graphs: clean, with every shape broken, and with deltas
whose consequences reach far through transitive, inverse and chained properties.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import ROOT

from kgraph import synthetic
from kgraph.admission import check_files
from kgraph.graph import KnowledgeGraph
from kgraph.namespaces import GRAPH_INFERRED, GRAPH_META, GRAPH_ONTOLOGY, GRAPH_SHAPES, KG, SHAPES
from kgraph.reasoning import close_graph, reference_closure
from kgraph.validation import Shapes, validate

SHAPES_TTL = ROOT / "ontology" / "shapes.ttl"


def key(p) -> tuple:
    """What the fast path must reproduce of a validation result."""
    return (p.focus, p.path, p.value, p.component, p.severity)


def asserted_and_ontology(build) -> tuple[list[ox.Triple], list[ox.Triple]]:
    quads = build.quads(exclude={GRAPH_SHAPES, GRAPH_META, GRAPH_INFERRED})
    asserted = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    ontology = [ox.Triple(q.subject, q.predicate, q.object) for q in quads if q.graph_name.value == GRAPH_ONTOLOGY]
    return asserted, ontology


def shapes() -> Shapes:
    return Shapes(ox.parse(path=str(SHAPES_TTL), format=ox.RdfFormat.TURTLE))


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> KnowledgeGraph:
    """The seed graph plus about 1,500 generated triples from two documents, built the fast way."""
    ws = tmp_path_factory.mktemp("generated")
    synthetic.write_workspace(ws, 1500, seed=3)
    kg = KnowledgeGraph(workspace=ws)
    assert kg.build().conforms, kg.build().report().to_text()
    return kg


def copy_of(kg: KnowledgeGraph, tmp_path: Path) -> KnowledgeGraph:
    ws = tmp_path / "ws"
    shutil.copytree(kg.workspace, ws, ignore=shutil.ignore_patterns(".lock"))
    return KnowledgeGraph(workspace=ws)


# -- reasoning ----------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["seed", "generated"])
def test_compiled_rules_give_exactly_owlrls_closure(kg, generated, which):
    asserted, ontology = asserted_and_ontology((kg if which == "seed" else generated).build())
    fast = close_graph(asserted, ontology)
    assert fast.reasoner is not None, fast.note  # the fast path did the work
    assert set(fast.inferred) == set(reference_closure(asserted))


def test_the_build_stores_the_compiled_closure(generated):
    build = generated.build()
    assert build.manifest["reasoner"] == "compiled OWL 2 RL rules" and build.manifest["validator"] == "pyshifty"
    stored = {ox.Triple(q.subject, q.predicate, q.object) for q in build.quads() if q.graph_name.value == GRAPH_INFERRED}
    assert stored == set(reference_closure(asserted_and_ontology(build)[0]))


def test_schema_in_the_facts_falls_back_to_owlrl_or_recompiles(kg):
    asserted, ontology = asserted_and_ontology(kg.build())
    # a fact that types a property transitive changes the rules: the closure must follow
    part_of, located = ox.NamedNode(KG + "partOf"), ox.NamedNode(KG + "locatedIn")
    extra = [ox.Triple(ox.NamedNode(KG + "memberOf"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subPropertyOf"), part_of)]
    fast = close_graph(asserted + extra, ontology)
    assert set(fast.inferred) == set(reference_closure(asserted + extra))
    assert located != part_of


# -- validation ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def broken(generated):
    """The generated graph with every shape broken once, and its closure."""
    asserted, ontology = asserted_and_ontology(generated.build())
    triples, names = synthetic.inject_violations(asserted)
    closure = close_graph(triples, ontology)
    assert set(closure.inferred) == set(reference_closure(triples))
    return triples + closure.inferred, names


def test_every_shape_is_broken_by_the_generator(broken):
    _, names = broken
    declared = {
        t.subject.value.removeprefix(SHAPES)
        for t in ox.parse(path=str(SHAPES_TTL), format=ox.RdfFormat.TURTLE)
        if t.predicate.value.endswith("#type") and t.object.value.endswith("#NodeShape")
    }
    assert names == declared


def test_pyshifty_gives_exactly_pyshacls_results(broken):
    data, names = broken
    fast = validate(data, shapes(), engine="fast")
    reference = validate(data, shapes(), engine="reference")
    assert {key(p) for p in fast.problems} == {key(p) for p in reference.problems}
    assert {p.shape for p in fast.problems} == {f"kgsh:{n}" for n in names}
    assert fast.checked == reference.checked and not fast.conforms


def test_the_reference_prepares_each_query_once_with_the_same_results(broken):
    """pySHACL asks rdflib the same SHACL-SPARQL strings once per focus node; preparing each once
    (rdflib's prepareQuery) must not change a result. Checked on the nodes each SPARQL-constrained
    shape breaks and a few it does not, so that the unprepared run stays short."""
    from kgraph.terms import show_term
    from kgraph.validation import _run_pyshacl, problems_from_report

    data, _ = broken
    every = shapes()
    fast = validate(data, every, engine="fast")
    sparql_shapes = {t.subject for t in every.triples if t.predicate.value.endswith("#sparql")}
    focus_by_shape = {}
    for shape, nodes in every.targets(data, every.targeted(data)).items():
        if shape in sparql_shapes:
            broken_ones = {n for n in nodes if any(p.focus == show_term(n) for p in fast.problems)}
            focus_by_shape[shape] = broken_ones | set(sorted(nodes - broken_ones, key=str)[:3])
    assert len(focus_by_shape) >= 8 and all(focus_by_shape.values())

    def problems(prepared: bool) -> set[tuple]:
        report = _run_pyshacl(data, every, focus_by_shape, prepared=prepared)
        return {(*key(p), p.shape) for p in problems_from_report(report, every, label_of=lambda _n: None)}

    with_preparing = problems(True)
    assert with_preparing == problems(False)
    assert len({p[-1] for p in with_preparing}) >= 8  # results from most of the SPARQL-constrained shapes


@pytest.mark.parametrize("part_size", [7, 300])
def test_validation_in_parts_gives_the_whole_graphs_results(broken, part_size):
    """Each part holds only what its focus nodes' shapes read: the results must not change."""
    from kgraph.validation import validate_in_parts

    data, _ = broken
    ontology = [t for t in data if t.subject.value.startswith(KG)]  # enough of the class hierarchy for targets
    whole = validate(data, shapes(), engine="fast")
    parts = validate_in_parts(data, shapes(), ontology=ontology, part_size=part_size, whole_max=0)
    assert {key(p) for p in parts.problems} == {key(p) for p in whole.problems}
    assert parts.checked == whole.checked


def test_the_shapes_read_paths_include_every_sparql_chain():
    from kgraph.delta import read_paths

    oa = "http://www.w3.org/ns/oa#"
    named = {tuple(step.value if step is not None else None for step in path) for path in read_paths(shapes())}
    assert (KG + "evidence", oa + "hasSelector", oa + "exact") in named  # DerivationShape, inside NOT EXISTS
    assert (oa + "hasSelector", oa + "exact") in named and (oa + "hasSource", KG + "content") in named  # SpanShape
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    assert (rdf + "subject", None) in named  # BackgroundStatementShape: ?s ?p ?o


def test_pyshifty_gives_exactly_pyshacls_results_on_clean_graphs(generated):
    """On the generated graph, which holds the seed graph too."""
    asserted, _ = asserted_and_ontology(generated.build())
    assert any(t.subject == ox.NamedNode("https://w3id.org/kgraph/id/AstanaProcess") for t in asserted)  # the seed is in it
    inferred = [ox.Triple(q.subject, q.predicate, q.object) for q in generated.build().quads() if q.graph_name.value == GRAPH_INFERRED]
    fast = validate(asserted + inferred, shapes(), engine="fast")
    reference = validate(asserted + inferred, shapes(), engine="reference")
    assert fast.conforms and reference.conforms
    assert {key(p) for p in fast.problems} == {key(p) for p in reference.problems} == set()
    assert fast.checked == reference.checked > 400


# -- deltas -------------------------------------------------------------------------------------
def delta_files(tmp_path: Path, *, seed: int = 7, extra: str = "") -> list[Path]:
    """A generated delta (new document, about existing states; a region placed inside another) as files."""
    d = synthetic.delta(seed=seed)
    folder = tmp_path / "delta"
    d.write(folder / "delta.ttl", folder)
    if extra:
        with open(folder / "delta.ttl", "a", encoding="utf-8") as fh:
            fh.write(extra)
    return [folder / "delta.ttl", *(folder / name for name in d.texts)]


BAD = """
<https://w3id.org/kgraph/id/syn/synthetic-delta-7/d0-offer> <https://w3id.org/kgraph/ontology#claimedIn>
    <https://w3id.org/kgraph/id/syn/synthetic-doc-3-0/u0-quote> .
<https://w3id.org/kgraph/id/syn/synthetic-doc-3-0/u0-city> <https://w3id.org/kgraph/ontology#capitalOf> <https://w3id.org/kgraph/id/syn/state-1> .
<https://w3id.org/kgraph/id/syn/synthetic-doc-3-0/u0-city> <https://w3id.org/kgraph/ontology#capitalOf> <https://w3id.org/kgraph/id/syn/state-2> .
"""


def test_validating_a_delta_equals_validating_the_whole_graph(generated, tmp_path):
    """Fast: the delta's neighbourhood; reference: owlrl and pySHACL over everything. Same results,
    and outside the re-validated nodes the whole graph's results are those of the build."""
    files = delta_files(tmp_path, extra=BAD)
    checked = check_files(generated.resources, generated.workspace, files)
    assert checked.how == "delta" and checked.delta is not None
    focus = {ox.NamedNode(n.value) if isinstance(n, ox.NamedNode) else n for n in checked.delta.focus}
    asserted, _ = asserted_and_ontology(generated.build())
    parsed = [
        ox.Triple(q.subject, q.predicate, q.object) for f in files if f.suffix == ".ttl" for q in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)
    ]
    from kgraph.loading import source_text_triples

    texts = source_text_triples(parsed, [files[1].parent])
    everything = asserted + parsed + texts
    whole = validate(everything + reference_closure(everything), shapes(), engine="reference")
    before = generated.build().report()

    from kgraph.terms import show_term

    focus_shown = {show_term(n) for n in focus}
    fast = {key(p) for p in checked.report.problems if p.component != "kgraph:ProvenanceRequired"}
    assert fast == {key(p) for p in whole.problems if p.focus in focus_shown}
    assert {key(p) for p in whole.problems if p.focus not in focus_shown} == {key(p) for p in before.problems if p.focus not in focus_shown}
    # the breaks are found: a second claim source for the offer, a city capital of two states (an existing node)
    assert {(p.focus.strip("<>").rsplit("/", 1)[-1], p.component) for p in checked.report.violations} >= {
        ("d0-offer", "sh:MaxCountConstraintComponent"),
        ("u0-city", "sh:MaxCountConstraintComponent"),
    }


def test_validate_changes_nothing(generated, tmp_path):
    kg = copy_of(generated, tmp_path)
    # Warm the caches first: the copy's files have new inodes (current.json learns them), and the
    # first delta check keeps the shapes' read paths in cache/rules. After that, nothing may change.
    kg.validate(delta_files(tmp_path, seed=8))

    def files() -> dict:
        return {p: p.read_bytes() for p in kg.workspace.rglob("*") if p.is_file() and p.name != ".lock"}

    before = files()
    report = kg.validate(delta_files(tmp_path))
    assert report.conforms, report.to_text()
    assert files() == before


def test_an_add_gives_the_n_quads_of_a_build_from_scratch(generated, tmp_path):
    kg = copy_of(generated, tmp_path)
    result = kg.add(delta_files(tmp_path))
    assert result.build is not None and result.build.manifest.get("updated_by_add")
    added = set(result.build.quads())
    # the far-reaching consequence: a city of a state in region 1 is now in region 0 too
    region0 = ox.NamedNode("https://w3id.org/kgraph/id/syn/region-0")
    located = ox.NamedNode(KG + "locatedIn")
    new_reach = {q.subject for q in added if q.predicate == located and q.object == region0} - {
        q.subject for q in generated.build().quads() if q.predicate == located and q.object == region0
    }
    assert any(s.value.endswith("-city") for s in new_reach)

    scratch = tmp_path / "scratch"
    for folder in ("facts", "sources"):
        shutil.copytree(kg.workspace / folder, scratch / folder)
    rebuilt = KnowledgeGraph(workspace=scratch).build()
    assert rebuilt.fresh and rebuilt.key == result.build.key
    assert set(rebuilt.quads()) == added
    assert set(ox.Store.read_only(str(rebuilt.store_path))) == set(ox.Store.read_only(str(result.build.store_path)))
    assert rebuilt.manifest["triples"] == result.build.manifest["triples"]
    assert rebuilt.manifest["checked"] == result.build.manifest["checked"]
    assert rebuilt.report().problems == result.build.report().problems
    # the listings kept by the build were removed by the add, and are kept again, with the new facts
    listed = [q.name for q in kg.list_queries() if not q.params]
    assert not (result.build.folder / "listings").exists()
    fresh = KnowledgeGraph(workspace=scratch)
    for name in listed:
        assert kg.query(name).rows == fresh.query(name).rows == fresh.engine().run(kg.catalogue.get(name).text).rows, name
    assert {p.stem.rsplit("-", 1)[0] for p in (result.build.folder / "listings").iterdir()} == set(listed)
    timeline = kg.query("timeline").rows
    assert any("synthetic-delta-7" in (row[2].value if row[2] else "") for row in timeline)


# -- the defects the growth issue measured --------------------------------------------------------
class CountingList(list):
    """A list that counts how often it is iterated over."""

    passes = 0

    def __iter__(self):
        CountingList.passes += 1
        return super().__iter__()


def test_source_texts_are_attached_in_one_pass_whatever_the_number_of_documents(tmp_path):
    from kgraph.loading import source_text_triples

    generated = synthetic.generate(3000, seed=1)  # several documents
    generated.write(tmp_path / "facts.ttl", tmp_path / "sources")
    triples = CountingList(
        ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(tmp_path / "facts.ttl"), format=ox.RdfFormat.TURTLE)
    )
    CountingList.passes = 0
    texts = source_text_triples(triples, [tmp_path / "sources"])
    assert len(texts) == len(generated.texts) > 2
    assert CountingList.passes == 1  # it scanned every triple once per document before


def test_a_query_finds_its_build_without_reading_the_inputs(kg, monkeypatch):
    import kgraph.build

    kg.build()

    def no_hashing(*args, **kwargs):
        raise AssertionError("the inputs were hashed again")

    def no_inputs(*args, **kwargs):
        raise AssertionError("an input was made of each file")

    monkeypatch.setattr(kgraph.build, "content_key", no_hashing)
    monkeypatch.setattr(kgraph.build, "collect_inputs", no_inputs)
    assert KnowledgeGraph(workspace=kg.workspace).query("hosted-talks").rows


def test_a_label_given_as_written_is_found_without_reading_every_label(kg, monkeypatch):
    from kgraph.params import EntityResolver

    def every_label(self):
        raise AssertionError("every label of the graph was read")

    monkeypatch.setattr(EntityResolver, "labels", every_label)
    rows = kg.query("evidence", {"entity": "Astana process"}).rows
    assert rows and all(r[0].value.endswith("/AstanaProcess") for r in rows)


def test_slow_steps_say_what_they_do_and_fast_ones_say_nothing():
    import io
    import time

    from kgraph.cli import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    progress = Progress(delay=0.05, stream=screen)
    progress("parsing 5 files")
    progress("reasoning over 10 triples")  # the first stage ended quickly: nothing said about it
    time.sleep(0.3)
    progress.done()
    assert "reasoning over 10 triples" in screen.getvalue() and "parsing" not in screen.getvalue()
    piped = io.StringIO()  # not a terminal: never a word
    quiet = Progress(delay=0.0, stream=piped)
    quiet("validating")
    time.sleep(0.05)
    quiet.done()
    assert piped.getvalue() == ""


def test_asserting_a_triple_that_was_only_inferred_keeps_asserted_and_inferred_apart(fresh_kg, tmp_path):
    """Kazakhstan kg:hasHosted id:AstanaProcess is inferred (the inverse of kg:hostedBy); stated with its own
    evidence it is added, and it is then asserted only, as a build from scratch would have it."""
    path = tmp_path / "hosts.ttl"
    path.write_text(
        """@prefix kg: <https://w3id.org/kgraph/ontology#> .
@prefix id: <https://w3id.org/kgraph/id/> .
id:Kazakhstan kg:hasHosted id:AstanaProcess ; kg:evidence id:span-1401-1529 .
""",
        encoding="utf-8",
    )
    hosts = ox.Triple(
        ox.NamedNode("https://w3id.org/kgraph/id/Kazakhstan"), ox.NamedNode(KG.hasHosted), ox.NamedNode("https://w3id.org/kgraph/id/AstanaProcess")
    )
    before = {ox.Triple(q.subject, q.predicate, q.object) for q in fresh_kg.build().quads() if q.graph_name.value == GRAPH_INFERRED}
    assert hosts in before
    result = fresh_kg.add([path])
    assert result.added == 2 and not result.duplicates  # the triple and its evidence link
    quads = result.build.quads()
    graphs = {q.graph_name.value for q in quads if ox.Triple(q.subject, q.predicate, q.object) == hosts}
    assert GRAPH_INFERRED not in graphs and any("/workspace/" in g for g in graphs)
