"""Shared fixtures: one build of the knowledge graph per session, and cheap copies of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import SOURCE

from kgraph.graph import KnowledgeGraph
from kgraph.namespaces import GRAPH_INFERRED, GRAPH_META, GRAPH_SHAPES


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory):
    """Keep every test away from the user's real workspace and terminal."""
    mp = pytest.MonkeyPatch()
    mp.setenv("KGRAPH_HOME", str(tmp_path_factory.mktemp("home")))
    # Tables are fitted to $COLUMNS where it is set (pytest-xdist's workers set it): the tests
    # compare whole tables, as a script or a file would receive them.
    mp.delenv("COLUMNS", raising=False)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def session_workspace(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("workspace")
    KnowledgeGraph(workspace=ws).build()
    return ws


@pytest.fixture(scope="session")
def kg(session_workspace) -> KnowledgeGraph:
    return KnowledgeGraph(workspace=session_workspace)


@pytest.fixture
def fresh_kg(session_workspace, tmp_path) -> KnowledgeGraph:
    """A workspace of its own, starting from a copy of the session's build (no rebuild needed)."""
    ws = tmp_path / "workspace"
    shutil.copytree(session_workspace / "cache", ws / "cache")
    return KnowledgeGraph(workspace=ws)


@pytest.fixture(scope="session")
def source_text() -> str:
    return SOURCE.read_text(encoding="utf-8")


def _graph(kg: KnowledgeGraph, *, inferred: bool):
    from kgraph.terms import triples_to_rdflib

    return triples_to_rdflib(kg.build().quads(exclude={GRAPH_SHAPES, GRAPH_META} | (set() if inferred else {GRAPH_INFERRED})))


@pytest.fixture(scope="session")
def closure(kg):
    """The OWL RL closure (asserted + inferred, with source texts) as an rdflib Graph."""
    return _graph(kg, inferred=True)


@pytest.fixture(scope="session")
def asserted(kg):
    """The asserted triples only (ontology, facts, background, texts) as an rdflib Graph."""
    return _graph(kg, inferred=False)
