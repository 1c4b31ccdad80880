"""Issue 10, atomic adds: SIGINT, SIGTERM and SIGHUP roll an add back; after kill -9 at any
moment, the next command finds the whole addition or none of it, and never a file that was not
reported as added (SIGTERM, SIGHUP, or kill -9 just after the file was written, had left it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import KGRAPH_AT_A_TERMINAL

from kgraph import journal
from kgraph.graph import KnowledgeGraph

ROOT = Path(__file__).resolve().parents[1]
FACT = """@prefix kg: <https://w3id.org/kgraph/ontology#> .
@prefix id: <https://w3id.org/kgraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
id:Killed a kg:Proposition ; rdfs:label "Killed"@en ; kg:text "conducted mine clearing in Iraq" ;
    kg:about id:Kazakhstan ; kg:evidence id:span-341-372 .
"""
# Moments across an add of the seed graph (about 1-2 s in a process of its own), for each signal
MOMENTS = [(signal.SIGKILL, d) for d in (0.2, 0.6, 1.0, 1.6)]
MOMENTS += [(signal.SIGTERM, d) for d in (0.4, 1.1)] + [(signal.SIGHUP, d) for d in (0.5, 1.3)] + [(signal.SIGINT, d) for d in (0.7, 1.5)]


def stopped_at(delay: float, signum: int, *args: str) -> tuple[subprocess.Popen, str, str]:
    """Run ``kgraph ARGS`` in a process of its own, send it ``signum`` after ``delay`` seconds, and
    wait for it: the process, and what it printed on standard output and error."""
    run = subprocess.Popen(
        [*KGRAPH_AT_A_TERMINAL, *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay)
    run.send_signal(signum)
    out, err = run.communicate(timeout=60)
    return run, out, err


def facts_of(workspace: Path) -> list[Path]:
    return sorted((workspace / "facts").glob("*.ttl")) if (workspace / "facts").is_dir() else []


@pytest.mark.parametrize(("signum", "delay"), MOMENTS, ids=[f"{signal.Signals(s).name}-{d}" for s, d in MOMENTS])
def test_an_add_stopped_at_any_moment_is_all_or_nothing(fresh_kg, tmp_path, signum, delay):
    fact = tmp_path / "killed.ttl"
    fact.write_text(FACT, encoding="utf-8")
    run, out, err = stopped_at(delay, signum, "add", str(fact), "--workspace", str(fresh_kg.workspace))
    # Reported: the success line was printed (a signal in the interpreter's last moments, after
    # the add, still ends the process with the signal's own default action).
    reported = any(line.startswith("added ") for line in out.splitlines())
    if run.returncode == -signum and not reported:  # uncaught: before kgraph had started (a loaded machine), or kill -9
        pass
    elif not reported:
        # a signal it could catch: rolled back in the process itself, and said so
        assert run.returncode == 128 + signum and "nothing was changed" in err and "Traceback" not in err, err
        assert facts_of(fresh_kg.workspace) == []
    # the next command (here: a fresh KnowledgeGraph) finds the whole addition or none of it
    kg = KnowledgeGraph(workspace=fresh_kg.workspace)
    found = kg.query("search", {"text": "Killed"}).rows
    assert bool(found) == reported, (out, err)
    assert len(facts_of(fresh_kg.workspace)) == (1 if reported else 0)
    assert not (fresh_kg.workspace / journal.JOURNAL).exists()
    assert kg.build().conforms


def test_a_journal_left_by_a_dead_add_is_undone_by_the_next_command(fresh_kg):
    ws = fresh_kg.workspace
    (ws / "facts").mkdir(exist_ok=True)
    orphan = ws / "facts" / "20260101T000000-orphan.ttl"
    orphan.write_text(FACT, encoding="utf-8")
    (ws / journal.JOURNAL).write_text(json.dumps({"pid": 1, "files": ["facts/20260101T000000-orphan.ttl", "../outside.txt"]}), encoding="utf-8")
    (ws.parent / "outside.txt").write_text("not the journal's to remove", encoding="utf-8")
    assert KnowledgeGraph(workspace=ws).query("search", {"text": "Killed"}).rows == []
    assert not orphan.exists() and not (ws / journal.JOURNAL).exists()
    assert (ws.parent / "outside.txt").exists()  # only facts/ and sources/ files are ever undone


def test_a_running_add_is_not_undone_by_a_reader(fresh_kg):
    """While the add holds the workspace lock, its journal is its own, not a dead one's."""
    from kgraph.lock import workspace_lock

    ws = fresh_kg.workspace
    (ws / "facts").mkdir(exist_ok=True)
    pending = ws / "facts" / "20260101T000000-pending.ttl"
    pending.write_text(FACT, encoding="utf-8")
    with workspace_lock(ws):
        journal.begin(ws, [pending])
        assert journal.recover(ws) == []
        assert pending.exists()
    assert journal.recover(ws) == [pending.resolve()]


# -- readers beside writers -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def on_disk(tmp_path_factory) -> Path:
    """A workspace whose build is too big for an in-memory snapshot: queries read RocksDB."""
    from kgraph import synthetic
    from kgraph.stores import SNAPSHOT

    ws = tmp_path_factory.mktemp("on-disk")
    synthetic.write_workspace(ws, 30000, seed=5)
    build = KnowledgeGraph(workspace=ws).build()
    assert build.conforms and not (build.folder / SNAPSHOT).exists()
    return ws


def test_queries_beside_a_build_force_never_fail(on_disk):
    """Issue 10: 1 of 512 queries run beside 'kgraph build --force' failed with exit 70
    ("Corruption"): the build replaced the folder the query was reading. Reproduced before the fix
    with ten rebuilds: 1 of 426 queries failed ("Corruption: Mismatch in unique ID on table file").
    Since a build never rewrites a folder in place, every rebuild takes the same path; three
    keep this test short (the reader test below checks the folders themselves)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = (
        "import subprocess, sys\n"
        "for _ in range(3):\n"
        "    subprocess.run([sys.executable, '-m', 'kgraph', 'build', '--force', '--quiet', '--workspace', sys.argv[1]], check=True)\n"
    )
    builder = subprocess.Popen([sys.executable, "-c", script, str(on_disk)], env=env, stderr=subprocess.PIPE, text=True)
    answered, failures = 0, []
    while builder.poll() is None:
        try:
            kg = KnowledgeGraph(workspace=on_disk)
            assert kg.query("hosted-talks", {"host": "id:Kazakhstan"}).rows
            kg.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
            answered += 1
        except Exception as e:
            failures.append(repr(e))
    assert builder.returncode == 0, builder.stderr.read() if builder.stderr else ""
    assert failures == [] and answered >= 20, (answered, failures[:3])


def test_a_reader_keeps_its_build_while_an_add_and_a_rebuild_replace_it(on_disk, tmp_path):
    """A build folder in use is never removed nor changed: the reader's answers stay the same."""
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(on_disk, ws, ignore=shutil.ignore_patterns(".lock", ".readers"))
    reader = KnowledgeGraph(workspace=ws)
    engine = reader.engine()  # a query under way: its store stays open on the build it started with
    before = engine.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
    held = reader.build().folder
    fact = tmp_path / "killed.ttl"
    fact.write_text(FACT, encoding="utf-8")
    writer = KnowledgeGraph(workspace=ws)
    writer.add([fact])
    writer.build(force=True)
    writer.build(force=True)
    assert held.is_dir() and writer.build().folder != held
    assert engine.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows == before  # undisturbed, on its own build
    assert reader.query("search", {"text": "Killed"}).rows  # its next query reads the new build
    assert KnowledgeGraph(workspace=ws).query("search", {"text": "Killed"}).rows
    del reader, engine
    import gc

    gc.collect()
    writer.build(force=True)  # nobody holds the old folder now: pruned
    assert not held.exists()


def test_a_damaged_store_file_is_a_workspace_error(on_disk, tmp_path):
    """Issue 10: a damaged store ended as "internal error" (exit 70). RocksDB checks every block
    it reads; kgraph names the fault and the way out (exit 3)."""
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(on_disk, ws, ignore=shutil.ignore_patterns(".lock", ".readers"))
    folder = KnowledgeGraph(workspace=ws).build().folder
    for sst in (folder / "store").glob("*.sst"):
        data = bytearray(sst.read_bytes())
        for i in range(len(data) // 4, len(data) * 3 // 4, 997):  # scribble over the middle of every table file
            data[i] ^= 0xFF
        sst.write_bytes(bytes(data))
    done = subprocess.run(
        [sys.executable, "-m", "kgraph", "sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--workspace", str(ws)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3, (done.returncode, done.stderr)
    assert "damaged" in done.stderr and "kgraph build --force" in done.stderr and "Traceback" not in done.stderr


BUILD_MOMENTS = [(signal.SIGKILL, 0.4), (signal.SIGKILL, 1.2), (signal.SIGTERM, 0.7), (signal.SIGHUP, 1.0), (signal.SIGINT, 0.9)]


@pytest.mark.parametrize(("signum", "delay"), BUILD_MOMENTS, ids=[f"{signal.Signals(s).name}-{d}" for s, d in BUILD_MOMENTS])
def test_a_build_stopped_at_any_moment_leaves_a_usable_workspace(fresh_kg, signum, delay):
    """A build killed at any moment leaves the last good build, or none: never a half one that a
    query would read."""
    before = fresh_kg.query("hosted-talks").rows
    run, _out, err = stopped_at(delay, signum, "build", "--force", "--workspace", str(fresh_kg.workspace))
    assert "Traceback" not in err
    if run.returncode not in (0, -signum):
        assert run.returncode == 128 + signum and "nothing was changed" in err, err
    kg = KnowledgeGraph(workspace=fresh_kg.workspace)
    assert kg.query("hosted-talks").rows == before
    assert kg.build().conforms
