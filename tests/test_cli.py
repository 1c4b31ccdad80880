"""The command line, in-process and through the installed console script."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter

import pyoxigraph as ox
import pytest
from helpers import ROOT
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from kgraph.cli import main

EXAMPLES = ROOT / "examples"


@pytest.fixture
def ws(fresh_kg):
    return str(fresh_kg.workspace)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# -- queries ----------------------------------------------------------------------------------
def test_queries_lists_every_canned_query(capsys, ws, kg):
    code, out, _ = run(capsys, "queries", "--workspace", ws)
    assert code == 0
    for q in kg.list_queries():
        assert q.name in out and q.title in out
    assert "params: host=entity[id:Kazakhstan]" in out
    code, out, _ = run(capsys, "queries", "--format", "json", "--workspace", ws)
    assert {q["name"] for q in json.loads(out)} == set(kg.catalogue.names())


def test_query_prints_a_readable_table(capsys, ws):
    code, out, _ = run(capsys, "query", "hosted-talks", "--workspace", ws)
    assert code == 0
    assert "id:SyrianCrisis" in out and "Syrian crisis" in out and "(1 row)" in out


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv", "csv"])
def test_query_formats_follow_the_w3c_result_formats(capsys, ws, kg, fmt):
    code, out, _ = run(capsys, "query", "platforms", "--format", fmt, "--workspace", ws)
    assert code == 0
    expected = kg.query("platforms")
    if fmt == "csv":  # CSV keeps values only, and pyoxigraph rightly refuses to parse it back into terms
        import csv
        import io

        rows = list(csv.reader(io.StringIO(out, newline="")))
        assert out.endswith("\r\n") and rows[0] == expected.variables
        assert Counter(map(tuple, rows[1:])) == Counter(tuple("" if t is None else t.value for t in r) for r in expected.rows)
        return
    parsed = ox.parse_query_results(out.encode(), format=getattr(ox.QueryResultsFormat, fmt.upper()))
    assert [v.value for v in parsed.variables] == expected.variables
    rows = [tuple(s[v] for v in parsed.variables) for s in parsed]
    assert Counter(rows) == Counter(expected.rows)


def test_query_with_parameters(capsys, ws):
    code, out, _ = run(capsys, "query", "evidence", "--param", "entity=Iraq", "--format", "json", "--workspace", ws)
    assert code == 0
    rows = json.loads(out)["results"]["bindings"]
    assert {(b["property"]["value"], b["basis"]["value"], b["quote"]["value"]) for b in rows} == {
        ("https://w3id.org/kgraph/ontology#takesPlaceIn", "stated", "conducted mine clearing in Iraq")
    }


def test_query_output_file(capsys, ws, tmp_path):
    target = tmp_path / "out.csv"
    code, out, _ = run(capsys, "query", "timeline", "-f", "csv", "-o", str(target), "--workspace", ws)
    assert code == 0 and out == ""
    assert target.read_text(encoding="utf-8").startswith("when,point,event")


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["query", "hosted-talk"], 2, "did you mean: hosted-talks"),
        (["query", "evidence"], 2, "needs --param entity"),
        (["query", "evidence", "--param", "entity"], 2, "is not KEY=VALUE"),
        (["query", "evidence", "--param", "entity=Kazakstan"], 2, "Kazakhstan (id:Kazakhstan)"),
        (["query", "timeline", "--param", "year=2017"], 2, "has no parameter 'year'"),
        (["query", "describe", "--param", "entity=id:Nowhere"], 2, "not in the knowledge graph"),
        (["sparql", "DELETE WHERE { ?s ?p ?o }"], 2, "SPARQL Update (DELETE) is refused"),
        (["sparql", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"], 2, "SERVICE"),
        (["sparql", "SELECT ?s WHERE { ?s ?p }"], 2, "query:1:"),
        (["sparql"], 2, "give a query text or --file"),
        (["sparql", "--file", "/nonexistent/q.rq"], 2, "cannot read query"),
        (["sparql", "SELECT * WHERE { ?s ?p ?o }", "--format", "ttl"], 2, "does not fit a SELECT result"),
        (["span", "words that are not in the text"], 2, "does not occur in the text"),
        (["validate", "/nonexistent/facts.ttl"], 2, "no such file"),
        (["add", "/nonexistent/facts.ttl"], 2, "no such file"),
    ],
)
def test_errors_get_a_clear_message_and_the_documented_exit_code(capsys, ws, argv, code, message):
    got, _out, err = run(capsys, *argv, "--workspace", ws)
    assert got == code
    assert err.startswith("kgraph: error: ")
    assert message in err


def test_argparse_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["query"])
    assert exc.value.code == 2
    assert "required" in capsys.readouterr().err


def test_help_lists_every_command_and_each_command_has_its_own_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    listing = capsys.readouterr().out
    for name in ("queries", "query", "sparql", "build", "validate", "add", "export", "stats", "span", "load"):
        assert re.search(rf"^\s+{name}\s+\w", listing, re.M), name
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        assert f"usage: kgraph {name}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["qeury", "platforms"])
    assert exc.value.code == 2
    assert "invalid choice: 'qeury'" in capsys.readouterr().err


def test_internal_errors_have_no_traceback_unless_debug(capsys, ws, monkeypatch):
    from kgraph.graph import KnowledgeGraph

    def boom(*a, **k):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(KnowledgeGraph, "query", boom)
    code, _, err = run(capsys, "query", "timeline", "--workspace", ws)
    assert code == 70 and "internal error: RuntimeError: simulated failure" in err and "--debug" in err
    with pytest.raises(RuntimeError):
        main(["query", "timeline", "--workspace", ws, "--debug"])


def test_interrupt_exits_130(capsys, ws, monkeypatch):
    from kgraph.graph import KnowledgeGraph

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(KnowledgeGraph, "query", interrupt)
    code, _, err = run(capsys, "query", "timeline", "--workspace", ws)
    assert code == 130 and "interrupted" in err


@pytest.mark.parametrize("fmt", ["json", "turtle"])
def test_validate_machine_readable_reports(capsys, ws, fmt):
    code, out, _ = run(capsys, "validate", str(EXAMPLES / "bad-platform.ttl"), "--format", fmt, "--workspace", ws)
    assert code == 1
    if fmt == "json":
        report = json.loads(out)
        # 4 new nodes, and Kazakhstan, the North Korean crisis, the source document and kg:Offered they point at
        assert report["conforms"] is False and report["violations"] == 2 and report["checked"] == 8
        assert {p["component"] for p in report["problems"]} == {"sh:SPARQLConstraintComponent"}
    else:
        g = Graph().parse(data=out, format="turtle")
        sh = "http://www.w3.org/ns/shacl#"
        assert len(list(g.subjects(predicate=URIRef(sh + "resultSeverity")))) == 2


def test_validate_a_good_file_from_the_command_line(capsys, ws):
    code, out, _ = run(capsys, "validate", str(EXAMPLES / "safe-world.ttl"), "--workspace", ws)
    assert code == 0 and out.strip().endswith("conforms.")


def test_add_from_the_command_line(capsys, ws):
    code, out, _ = run(capsys, "add", str(EXAMPLES / "safe-world.ttl"), "--workspace", ws)
    assert code == 0 and "added 15 triple(s)" in out
    code, out, err = run(capsys, "add", str(EXAMPLES / "safe-world.ttl"), "--workspace", ws)
    assert code == 0 and "nothing to add" in out and "... and 5 more already present" in err
    code, out, err = run(capsys, "add", str(EXAMPLES / "bad-platform.ttl"), "--workspace", ws)
    assert code == 1 and "does not conform" in out and "nothing was added" in err


def test_an_unusable_workspace_is_a_workspace_error(capsys, tmp_path):
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "query", "timeline", "--workspace", str(a_file))
    assert code == 3 and "cannot use this folder as the workspace" in err and "KGRAPH_HOME" in err


def test_a_build_without_its_store_is_built_again(capsys, ws):
    import shutil as sh
    from pathlib import Path

    for store in Path(ws, "cache").glob("*/store"):
        sh.rmtree(store)
    code, out, err = run(capsys, "query", "timeline", "--workspace", ws)
    assert code == 0 and out.rstrip().endswith("rows)"), err  # built again, then answered
    assert any(Path(ws, "cache").glob("*/store"))


@pytest.mark.parametrize("damage", ["cut in half", "same size, other bytes"])
def test_a_damaged_snapshot_is_never_read(capsys, ws, damage):
    """Issue 10: the cache was trusted blindly. A snapshot cut short no longer has the size its
    manifest records: the build is made again. One of the right size but other bytes fails its
    digest: reported, with the way out."""
    from pathlib import Path

    run(capsys, "build", "--workspace", ws)
    (snapshot,) = Path(ws, "cache").glob("*/snapshot.nq")  # the seed graph is small enough to have one
    data = snapshot.read_bytes()
    if damage == "cut in half":
        snapshot.write_bytes(data[: len(data) // 2])
        code, out, err = run(capsys, "query", "timeline", "--workspace", ws)
        assert code == 0 and out.rstrip().endswith("rows)"), err  # built again, then answered
        assert any(p.stat().st_size == len(data) for p in Path(ws, "cache").glob("*/snapshot.nq"))
        return
    snapshot.write_bytes(data.replace(b"Astana", b"Astanb"))
    code, _, err = run(capsys, "query", "evidence", "--param", "entity=id:Astana", "--workspace", ws)  # a query that opens the store
    assert code == 3 and "cannot read the build's snapshot" in err and "digest differs" in err and "kgraph build --force" in err
    assert "Traceback" not in err
    assert run(capsys, "build", "--force", "--workspace", ws)[0] == 0
    assert run(capsys, "query", "timeline", "--workspace", ws)[0] == 0


def test_a_damaged_build_is_never_exported_in_part(capsys, ws, tmp_path):
    """Issue 10: with the cached quads cut in half, export and load --store wrote half the graph
    and exited 0. A snapshot cut at a line, its manifest made to match, still holds fewer quads
    than the manifest counts."""
    import hashlib
    import json
    from pathlib import Path

    run(capsys, "build", "--workspace", ws)
    (snapshot,) = Path(ws, "cache").glob("*/snapshot.nq")
    lines = snapshot.read_bytes().splitlines(keepends=True)
    half = b"".join(lines[: len(lines) // 2])
    snapshot.write_bytes(half)
    manifest_path = snapshot.parent / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"]["snapshot.nq"] = [len(half), hashlib.sha256(half).hexdigest()]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    out_file = tmp_path / "all.nq"
    code, _, err = run(capsys, "export", "-f", "nq", "-o", str(out_file), "--workspace", ws)
    assert code == 3 and "the build is damaged" in err and f"manifest says {manifest['triples']['total']:,}" in err
    assert not out_file.exists()
    code, _, err = run(capsys, "load", "--store", str(tmp_path / "store"), "--workspace", ws)
    assert code == 3 and "the build is damaged" in err
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())
    assert run(capsys, "build", "--force", "--workspace", ws)[0] == 0


# -- sparql -----------------------------------------------------------------------------------
def test_sparql_select_ask_construct_describe(capsys, ws, tmp_path):
    code, out, _ = run(
        capsys, "sparql", "PREFIX kg: <https://w3id.org/kgraph/ontology#> SELECT ?c WHERE { ?c a kg:CivilWar }", "--workspace", ws, "-f", "csv"
    )
    assert code == 0 and out.splitlines()[1] == "https://w3id.org/kgraph/id/TajikistaniCivilWar"
    code, out, _ = run(capsys, "sparql", "ASK { <https://w3id.org/kgraph/id/Kazakhstan> ?p ?o }", "--workspace", ws, "-f", "json")
    assert json.loads(out) == {"head": {}, "boolean": True}
    query = tmp_path / "q.rq"
    query.write_text(
        "PREFIX id: <https://w3id.org/kgraph/id/>\nCONSTRUCT { id:Iraq ?p ?o } WHERE { GRAPH <https://w3id.org/kgraph/graph/data/facts> "
        "{ id:Iraq ?p ?o } }\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "sparql", "--file", str(query), "--workspace", ws)
    g = Graph().parse(data=out, format="turtle")
    assert len(g) == 6  # type, three labels, exactMatch, evidence
    code, out, _ = run(capsys, "sparql", "DESCRIBE <https://w3id.org/kgraph/id/Iraq>", "--workspace", ws, "-f", "nt")
    assert code == 0 and "<https://w3id.org/kgraph/id/Iraq>" in out


def test_sparql_syntax_error_in_a_file_names_file_line_column(capsys, ws, tmp_path):
    query = tmp_path / "bad.rq"
    query.write_text("SELECT ?s\nWHERE {\n  ?s ?p\n}\n", encoding="utf-8")
    code, _, err = run(capsys, "sparql", "--file", str(query), "--workspace", ws)
    assert code == 2 and re.search(rf"{re.escape(str(query))}:[45]:\d+: ", err)


def test_both_engines_from_the_command_line(capsys, ws):
    outs = []
    for engine in ("oxigraph", "rdflib"):
        code, out, _ = run(capsys, "query", "supporters", "--engine", engine, "-f", "tsv", "--workspace", ws)
        assert code == 0
        outs.append(sorted(out.splitlines()))
    assert outs[0] == outs[1]


# -- build, stats, export, span ------------------------------------------------------------------
def test_build_reports_and_caches(capsys, ws):
    code, out, _ = run(capsys, "build", "--workspace", ws)
    assert code == 0 and "cached; inputs unchanged" in out and "0 violation(s)" in out
    code, out, _ = run(capsys, "build", "--format", "json", "--workspace", ws)
    manifest = json.loads(out)
    assert manifest["conforms"] is True and manifest["triples"]["inferred"] > 500


def test_stats(capsys, ws):
    code, out, _ = run(capsys, "stats", "--workspace", ws)
    assert code == 0 and "asserted" in out and "kg:State  8" in out
    code, out, _ = run(capsys, "stats", "--format", "json", "--workspace", ws)
    stats = json.loads(out)
    assert stats["entities_per_class"]["https://w3id.org/kgraph/ontology#Mediation"] == 3
    assert stats["queries"] >= 12 and stats["shapes"] >= 30


@pytest.mark.parametrize("fmt", ["ttl", "nt", "nq", "trig", "jsonld"])
def test_export_round_trips(capsys, ws, fmt, tmp_path, kg):
    target = tmp_path / f"kg.{fmt}"
    code, _out, _ = run(capsys, "export", "--format", fmt, "--output", str(target), "--workspace", ws)
    assert code == 0 and target.exists()
    from kgraph.loading import parse_rdf_file

    triples = {(t.subject, t.predicate, t.object) for t in parse_rdf_file(target).triples}
    expected = {
        (q.subject, q.predicate, q.object)
        for q in kg.build().quads()
        if not q.graph_name.value.endswith(("/shapes",)) and (fmt in ("nq", "trig", "jsonld") or not q.graph_name.value.endswith("/meta"))
    }
    assert triples == expected


def test_export_asserted_only_leaves_out_inferences(capsys, ws):
    everything = Graph().parse(data=_export(capsys, ws, []), format="nt")
    asserted = Graph().parse(data=_export(capsys, ws, ["--asserted-only"]), format="nt")
    assert 0 < len(asserted) < len(everything)
    assert not isomorphic(asserted, everything)
    nif = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
    assert {str(p) for p in everything.predicates() if str(p).startswith(nif)} == {nif + "anchorOf", nif + "beginIndex", nif + "endIndex"}
    assert not [p for p in asserted.predicates() if str(p).startswith(nif)]


def _export(capsys, ws, extra):
    code, out, _ = run(capsys, "export", "--format", "nt", *extra, "--workspace", ws)
    assert code == 0
    return out


def test_export_to_an_unwritable_place_leaves_nothing(capsys, ws, tmp_path):
    code, _, err = run(capsys, "export", "--output", str(tmp_path / "missing" / "kg.ttl"), "--workspace", ws)
    assert code == 2 and "cannot write" in err
    assert not (tmp_path / "missing").exists()


def test_span_prints_evidence_turtle_that_validates(capsys, ws):
    code, out, _ = run(capsys, "span", "conducted mine clearing in Iraq", "--workspace", ws)
    assert code == 0 and "oa:start 341 ; oa:end 372" in out
    Graph().parse(data=out, format="turtle")


# -- the installed console script -------------------------------------------------------------------
def console_script() -> str:
    found = shutil.which("kgraph", path=os.path.dirname(sys.executable)) or shutil.which("kgraph")
    if not found:
        pytest.skip("the kgraph console script is not installed in this environment")
    return found


def test_console_script_and_module_entry_point(fresh_kg):
    env = {**os.environ, "KGRAPH_HOME": str(fresh_kg.workspace)}
    out = subprocess.run([console_script(), "query", "hosted-talks", "-f", "csv"], capture_output=True, text=True, env=env, check=True)
    assert "https://w3id.org/kgraph/id/SyrianCrisis" in out.stdout
    bad = subprocess.run([console_script(), "query", "nope"], capture_output=True, text=True, env=env, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.startswith("kgraph: error:")
    version = subprocess.run([sys.executable, "-m", "kgraph", "--version"], capture_output=True, text=True, check=True, cwd="/")
    assert version.stdout.startswith("kgraph ")


def test_the_query_path_imports_no_reasoner_or_validator(fresh_kg):
    code = (
        "import sys; from kgraph.cli import main; main(['query', 'hosted-talks', '-f', 'tsv']); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rdflib', 'owlrl', 'pyshacl'}), file=sys.stderr)"
    )
    env = {**os.environ, "KGRAPH_HOME": str(fresh_kg.workspace), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stderr.strip() == "[]"


def test_query_pages(capsys, ws):
    code, out, _ = run(capsys, "query", "timeline", "--limit", "2", "--offset", "1", "-f", "csv", "--workspace", ws)
    code_all, everything, _ = run(capsys, "query", "timeline", "-f", "csv", "--workspace", ws)
    assert code == code_all == 0
    rows, all_rows = out.splitlines(), everything.splitlines()
    assert rows[0] == all_rows[0] and rows[1:] == all_rows[2:4]  # the header, then rows 2 and 3 in the query's order


@pytest.mark.parametrize(("option", "value"), [("--limit", "-1"), ("--limit", "99999999999999999999999"), ("--offset", str(2**63))])
def test_a_bad_page_is_a_usage_error(capsys, ws, option, value):
    """A number past what engines count rows with had ended as "internal error" (exit 70)."""
    code, _, err = run(capsys, "query", "timeline", option, value, "--workspace", ws)
    assert code == 2 and "--limit and --offset take whole numbers" in err and "Traceback" not in err


def test_the_exit_codes_are_written_once_and_shown_everywhere(capsys):
    from kgraph.errors import EXIT_CODES, exit_code_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert exit_code_table() in readme  # regenerate with: python -c "from kgraph.errors import *; print(exit_code_table())"
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for code, (short, _) in EXIT_CODES.items():
        assert f"{code} {short}" in shown


def test_every_command_describes_itself_shows_an_example_and_documents_every_option(capsys):
    from kgraph.cli import COMMANDS, build_parser

    for name in COMMANDS:
        parser = build_parser([name])
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
        undocumented = [a.dest for a in sub._actions if not a.help]
        assert undocumented == [], name
        with pytest.raises(SystemExit):
            main([name, "--help"])
        shown = capsys.readouterr().out
        assert "example:\n  kgraph " + name in shown, name


def test_a_query_process_does_not_read_the_ontology_for_its_vocabulary(kg):
    """kg: terms are read from the ontology on first use: a canned query must not need them (it
    costs a query process a twentieth of its time)."""
    code = """
import sys
from kgraph import namespaces
from kgraph.cli import main
assert main(["query", "hosted-talks", "--wide", "--workspace", sys.argv[1]]) == 0
print(namespaces.KG._terms is None, file=sys.stderr)
"""
    out = subprocess.run([sys.executable, "-c", code, str(kg.workspace)], capture_output=True, text=True, check=True)
    assert "Syrian crisis" in out.stdout
    assert out.stderr.strip() == "True"


def test_completion_offers_commands_query_names_parameters_and_choices():
    from kgraph.cli import COMMANDS, completions

    assert set(COMMANDS) <= set(completions([]))
    assert "hosted-talks" in completions(["query"]) and "evidence" in completions(["query"])
    assert completions(["query", "evidence", "--param"]) == ["entity="]
    assert "csv" in completions(["query", "evidence", "--format"])
    assert "PeaceProcess" in completions(["template"])
    assert "--wide" in completions(["query", "evidence"])


def test_the_bash_completion_script_completes_a_query_name(tmp_path):
    bash = shutil.which("bash")
    assert bash, "bash is needed to test the completion script"
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ.get('PATH', '')}"}
    script = 'eval "$(kgraph completion bash)"; COMP_WORDS=(kgraph query hos); COMP_CWORD=2; _kgraph; echo "${COMPREPLY[@]}"'
    done = subprocess.run([bash, "-c", script], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.stdout.split() == ["hosted-talks"], done.stderr
    zsh = subprocess.run([sys.executable, "-m", "kgraph", "completion", "zsh"], capture_output=True, text=True, check=True).stdout
    assert "bashcompinit" in zsh and "complete -o default -F _kgraph kgraph" in zsh


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "soon"])
def test_a_timeout_must_be_a_finite_number_of_seconds(capsys, value):
    with pytest.raises(SystemExit) as caught:
        main(["query", "platforms", "--endpoint", "http://127.0.0.1:9/query", "--timeout", value])
    assert caught.value.code == 2 and "--timeout" in capsys.readouterr().err


def test_output_replaces_only_regular_files_and_keeps_their_mode(capsys, kg, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["query", "platforms", "--format", "csv", "--output", str(fifo), "--workspace", str(kg.workspace)]) == 2
    assert "not a regular file" in capsys.readouterr().err and fifo.is_fifo()
    private = tmp_path / "rows.csv"
    private.write_text("old")
    private.chmod(0o600)
    assert main(["query", "platforms", "--format", "csv", "--output", str(private), "--workspace", str(kg.workspace)]) == 0
    assert private.read_text().startswith("platform,") and (private.stat().st_mode & 0o777) == 0o600
    assert main(["query", "platforms", "--format", "csv", "--output", "-", "--workspace", str(kg.workspace)]) == 0
    assert capsys.readouterr().out.startswith("platform,")


def test_minus_capital_v_prints_the_version(capsys):
    from kgraph._version import __version__

    with pytest.raises(SystemExit) as caught:
        main(["-V"])
    assert caught.value.code == 0 and capsys.readouterr().out.strip() == f"kgraph {__version__}"


def test_base_resolves_the_relative_iris_of_new_facts(capsys, ws, tmp_path):
    """Issue 10: relative IRIs resolve against the file's own file: URI, or the IRI given with --base."""
    path = tmp_path / "rel.ttl"
    path.write_text("@prefix kg: <https://w3id.org/kgraph/ontology#> .\n<Rel> a kg:Proposition .\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(path), "--base", "https://w3id.org/kgraph/id/", "--format", "json", "--workspace", ws)
    assert code == 1 and {p["focus"] for p in json.loads(out)["problems"]} == {"id:Rel"}
    code, out, _ = run(capsys, "validate", str(path), "--format", "json", "--workspace", ws)
    assert code == 1 and {p["focus"] for p in json.loads(out)["problems"]} == {f"<{tmp_path.as_uri()}/Rel>"}
    with pytest.raises(SystemExit) as stopped:
        main(["validate", str(path), "--base", "no-scheme", "--workspace", ws])
    assert stopped.value.code == 2 and "is not an absolute IRI" in capsys.readouterr().err
