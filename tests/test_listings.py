"""Listings: the rows of the canned queries without parameters, kept by the build and paged from a file."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kgraph import listings
from kgraph.sparql import paged

EX = "http://example.org/"


def without_params(kg) -> list:
    return [q for q in kg.list_queries() if not q.params]


def test_the_build_keeps_a_listing_of_every_query_without_parameters(kg):
    """And of those whose parameters all have defaults, which their text carries: run as written,
    they answer the defaults (hosted-talks: Kazakhstan)."""
    kept = {p.stem.rsplit("-", 1)[0] for p in (kg.build().folder / "listings").iterdir()}
    assert kept == {q.name for q in without_params(kg)} | {"hosted-talks", "peacekeeping", "astana-outcomes"}
    assert {"platforms", "timeline", "memberships"} <= kept


def test_a_listing_gives_exactly_the_rows_of_the_query(kg):
    engine = kg.engine()
    for canned in without_params(kg):
        direct = engine.run(canned.text).rows
        assert direct, canned.name
        assert kg.query(canned.name).rows == direct, canned.name
        assert kg.query(canned.name, engine="rdflib").rows  # the other engines run the query itself


@pytest.mark.parametrize(("limit", "offset"), [(3, 0), (3, 2), (1, 9), (0, 0), (None, 4), (50, 10_000)])
def test_a_page_of_a_listing_is_the_page_sparql_gives(kg, limit, offset):
    engine = kg.engine()
    for name in ("platforms", "timeline"):
        text = kg.catalogue.get(name).text
        assert kg.query(name, limit=limit, offset=offset).rows == engine.run(paged(text, limit, offset)).rows


def test_a_query_recomputes_a_missing_listing_and_keeps_it(fresh_kg):
    folder = fresh_kg.build().folder
    path = listings.path_of(folder, fresh_kg.catalogue.get("platforms"))
    expected = fresh_kg.query("platforms").rows
    (kept,) = listings.kept_files(path)
    kept.unlink()
    assert fresh_kg.query("platforms", limit=2).rows == expected[:2]
    assert len(listings.kept_files(path)) == 1


def test_a_listing_that_cannot_be_written_is_answered_by_the_query(fresh_kg):
    folder = fresh_kg.build().folder
    expected = fresh_kg.query("timeline").rows
    listings.discard(folder)
    (folder / "listings").write_text("not a folder")  # the listing cannot be kept
    assert fresh_kg.query("timeline", limit=4, offset=1).rows == expected[1:5]


def test_every_kind_of_term_survives_a_listing(tmp_path):
    g = ox.NamedNode(EX + "g")
    terms = [
        ox.Literal('line one\nline two\twith a tab, a "quote" and a back\\slash'),
        ox.Literal("Астана", language="ru"),
        ox.Literal("Astana", language="en-GB"),
        ox.Literal("2017", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")),
        ox.Literal("42", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal("4.20", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
        ox.Literal("1.0E3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")),
        ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")),
        ox.Literal(""),
        ox.NamedNode(EX + "a#b?c=d"),
        ox.BlankNode("b0"),
    ]
    store = ox.Store()
    for i, term in enumerate(terms):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i:02d}"), ox.NamedNode(EX + "p"), term, g))
    query = f"SELECT ?s ?o ?missing WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?missing }} }} ORDER BY ?s"
    assert listings.keep(store, query, tmp_path / "x.tsv") == len(terms)
    variables, rows = listings.read(tmp_path / "x.tsv")
    assert variables == ["s", "o", "missing"]
    assert rows == [tuple(s) for s in store.query(query, use_default_graph_as_union=True)]
    assert len(rows) == len(terms) and all(r[2] is None for r in rows)
    assert [r[1] for r in rows][:4] == terms[:4]  # (the store writes numbers in canonical form)
    assert listings.read(tmp_path / "x.tsv", limit=2, offset=3)[1] == rows[3:5]


def test_a_damaged_listing_is_computed_again(fresh_kg):
    expected = fresh_kg.query("platforms").rows
    path = listings.path_of(fresh_kg.build().folder, fresh_kg.catalogue.get("platforms"))
    (kept,) = listings.kept_files(path)
    kept.write_bytes(b"?platform\t?status\n<not an iri\n")
    assert fresh_kg.query("platforms").rows == expected


def test_a_listing_cut_short_is_never_read_in_part(fresh_kg):
    """Issue 10: the cache was trusted blindly. A listing cut at a line boundary still parses;
    its name records its size, so it is computed again instead of answering with fewer rows."""
    expected = fresh_kg.query("timeline").rows
    path = listings.path_of(fresh_kg.build().folder, fresh_kg.catalogue.get("timeline"))
    (kept,) = listings.kept_files(path)
    lines = kept.read_bytes().splitlines(keepends=True)
    kept.write_bytes(b"".join(lines[: len(lines) // 2]))
    assert fresh_kg.query("timeline").rows == expected


def test_an_edited_query_is_not_answered_from_its_former_listing(fresh_kg, tmp_path):
    """Queries are not inputs of the build: a listing is kept under a digest of the query's text."""
    import shutil

    from kgraph.resources import Resources

    root = tmp_path / "root"
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(fresh_kg.resources.ontology.parent / folder if folder != "queries" else fresh_kg.resources.queries, root / folder)
    kg = type(fresh_kg)(workspace=fresh_kg.workspace, resources=Resources.at(root))
    before = kg.query("platforms").rows
    path = root / "queries" / "platforms.rq"
    path.write_text(
        path.read_text(encoding="utf-8").replace("ORDER BY ?statusLabel ?platformLabel", "ORDER BY DESC(?statusLabel) ?platformLabel"),
        encoding="utf-8",
    )
    after = type(fresh_kg)(workspace=fresh_kg.workspace, resources=Resources.at(root)).query("platforms").rows
    assert after == list(reversed(before)) != before
