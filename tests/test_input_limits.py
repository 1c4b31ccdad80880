"""Issue 10, inputs without limits: 180 KB of nested blank nodes took 110 s to validate (900 KB
more than 10 minutes); a named pipe or a link to /dev/zero among the added facts hung every query.
Now each is refused at once, with a message that names the limit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kgraph.errors import InputError, WorkspaceError
from kgraph.loading import MAX_LITERAL, MAX_NESTING

HEAD = "@prefix kg: <https://w3id.org/kgraph/ontology#> .\n@prefix id: <https://w3id.org/kgraph/id/> .\n"


def kgraph(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kgraph", *args], capture_output=True, text=True, timeout=timeout, check=False)


def test_deeply_nested_blank_nodes_are_refused_at_once(fresh_kg, tmp_path):
    depth = 14000  # about 180 KB, as in the finding
    path = tmp_path / "nested.ttl"
    path.write_text(HEAD + "id:Deep kg:about " + "[ kg:about " * depth + "id:Kazakhstan" + " ]" * depth + " .\n", encoding="utf-8")
    assert path.stat().st_size > 150_000
    started = time.monotonic()
    with pytest.raises(InputError, match=f"blank nodes nested more than {MAX_NESTING} deep"):
        fresh_kg.validate([path])
    assert time.monotonic() - started < 10


def test_nesting_within_the_limit_and_long_lists_are_fine(tmp_path):
    from kgraph.loading import check_limits, parse_rdf_file

    path = tmp_path / "ok.ttl"
    items = " ".join(f'"{i}"' for i in range(5000))  # a flat list of 5,000: rdf:rest links do not nest
    path.write_text(HEAD + "id:A kg:about " + "[ kg:about " * 10 + "id:B" + " ]" * 10 + f" .\nid:A kg:list ( {items} ) .\n", encoding="utf-8")
    check_limits(parse_rdf_file(path))


def test_a_huge_literal_is_refused(fresh_kg, tmp_path):
    path = tmp_path / "long.ttl"
    path.write_text(HEAD + f'id:Long kg:text "{"x" * (MAX_LITERAL + 1)}" .\n', encoding="utf-8")
    with pytest.raises(InputError, match="a literal of 1,000,001 characters"):
        fresh_kg.validate([path])


def test_a_named_pipe_given_to_add_is_refused_without_waiting(fresh_kg, tmp_path):
    fifo = tmp_path / "facts.ttl"
    os.mkfifo(fifo)
    done = kgraph("add", str(fifo), "--workspace", str(fresh_kg.workspace), timeout=30)
    assert done.returncode == 2 and "not a regular file" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("kind", ["named pipe", "link to /dev/zero"])
def test_a_non_file_among_the_added_facts_is_named_instead_of_hanging_every_query(fresh_kg, kind):
    facts = fresh_kg.workspace / "facts"
    facts.mkdir(exist_ok=True)
    odd = facts / "20260101T000000-odd.ttl"
    if kind == "named pipe":
        os.mkfifo(odd)
    else:
        odd.symlink_to("/dev/zero")
    done = kgraph("query", "timeline", "--workspace", str(fresh_kg.workspace), timeout=30)
    assert done.returncode == 3, done.stderr
    assert f"{odd}: not a regular file" in done.stderr and "remove it" in done.stderr
    with pytest.raises(WorkspaceError, match="not a regular file"):
        type(fresh_kg)(workspace=fresh_kg.workspace).build()


def test_a_file_bigger_than_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from kgraph import loading

    path = tmp_path / "big.ttl"
    path.write_text(HEAD + "id:A kg:about id:B .\n" * 100, encoding="utf-8")
    monkeypatch.setattr(loading, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InputError, match=r"bytes, more than the 1,000 kgraph reads from one file"):
        loading.read_regular(Path(path), limit=loading.MAX_FILE_BYTES)
