"""Issue 10, bounded queries: a time limit and a memory limit on every query, and Ctrl-C that
stops any query at once (COUNT and ORDER BY queries had ignored it; a 3-way cross product with
ORDER BY reached 9.9 GB in 90 s)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from helpers import KGRAPH_AT_A_TERMINAL

from kgraph.engines import QueryLimits
from kgraph.errors import EXIT_INTERRUPTED, EXIT_LIMIT, QueryLimitError
from kgraph.graph import KnowledgeGraph

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ORDERED = "SELECT ?a ?c ?f ?i WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"


def kgraph(kg, *args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kgraph", *args, "--workspace", str(kg.workspace)], capture_output=True, text=True, timeout=120, check=False, **kwargs
    )


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_query_stops_at_its_time_limit(kg, engine):
    limited = KnowledgeGraph(workspace=kg.workspace, limits=QueryLimits(seconds=0.5, memory=None))
    started = time.monotonic()
    with pytest.raises(QueryLimitError, match=r"stopped after 0\.5 s, the time limit"):
        limited.sparql(COUNT, engine=engine)
    assert time.monotonic() - started < 5
    # and a query within the limit still answers
    assert limited.sparql("ASK { ?s ?p ?o }", engine=engine).boolean is True


def test_the_command_line_stops_a_query_at_its_time_limit(kg):
    started = time.monotonic()
    done = kgraph(kg, "sparql", COUNT, "--timeout", "1")
    assert done.returncode == EXIT_LIMIT, done.stderr
    assert "stopped after 1 s, the time limit" in done.stderr and "--timeout SECONDS" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert time.monotonic() - started < 30


def test_the_command_line_stops_a_query_at_its_memory_limit(kg):
    """The cross product sorted: it grows by tens of MB a second until stopped."""
    done = kgraph(kg, "sparql", ORDERED, "--max-memory", "300", "--timeout", "100")
    assert done.returncode == EXIT_LIMIT, done.stderr
    assert "stopped at 300 MB, the memory limit" in done.stderr and "--max-memory MB" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("query", [COUNT, ORDERED])
def test_ctrl_c_stops_a_count_or_an_order_by_at_once(kg, query):
    process = subprocess.Popen(
        [*KGRAPH_AT_A_TERMINAL, "sparql", query, "--workspace", str(kg.workspace), "--timeout", "100", "--max-memory", "8000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)  # well into the query (the process starts in about 0.1 s; the sort takes about 1 GB a second)
    assert process.poll() is None, process.communicate()
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    assert time.monotonic() - sent < 2
    assert process.returncode == EXIT_INTERRUPTED and "interrupted" in err and "Traceback" not in err


@pytest.mark.parametrize("value", ["0", "-5", "many", "1.5"])
def test_a_bad_memory_limit_is_a_usage_error(kg, value):
    done = kgraph(kg, "sparql", "ASK { ?s ?p ?o }", "--max-memory", value)
    assert done.returncode == 2 and "--max-memory" in done.stderr
