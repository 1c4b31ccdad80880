"""Benchmarks: rerun with `python benchmarks/run.py [--repeat N]`.

Every figure is printed with a ratio against a baseline measured in the same run, on this
machine, so that results from different machines can be compared by their ratios:

- a whole `kgraph query` process on a cached build, against a bare `python -c pass`;
- each canned query on rdflib's engine, against the same query on the embedded Oxigraph store;
- validating one new file (the delta's neighbourhood), against owlrl and pySHACL over everything;
- the first build (parse, reason, validate, store), by stage;
- importing the query path, against importing the build path (rdflib, owlrl, pyshacl).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(fn, repeat: int) -> float:
    """Median wall time of ``repeat`` calls, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_process(args, env) -> None:
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from kgraph.graph import KnowledgeGraph

    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "KGRAPH_HOME": home, "PYTHONPATH": str(ROOT)}
        kg = KnowledgeGraph(workspace=home)
        build = kg.build(force=True)
        s = build.manifest["seconds"]
        print(
            f"first build: {s['total']:.2f} s = parse {s['parse']:.2f} + reason {s['reason']:.2f} + validate {s['validate']:.2f}"
            f" (the store written meanwhile, {s['materialise']:.2f}) (triples: {build.manifest['triples']})"
        )

        base = timed(lambda: run_process([sys.executable, "-c", "pass"], env), args.repeat)
        whole = timed(lambda: run_process([sys.executable, "-m", "kgraph", "query", "hosted-talks"], env), args.repeat)
        print(f"`kgraph query hosted-talks` as a process: {whole * 1000:.0f} ms; bare python start {base * 1000:.0f} ms; ratio {whole / base:.1f}x")

        imports = "import kgraph.cli, kgraph.graph, pyoxigraph"
        heavy = "import rdflib, owlrl, pyshacl"
        t_light = timed(lambda: run_process([sys.executable, "-c", imports], env), args.repeat)
        t_heavy = timed(lambda: run_process([sys.executable, "-c", heavy], env), args.repeat)
        print(
            f"import query path {t_light * 1000:.0f} ms vs build path (rdflib+owlrl+pyshacl) {t_heavy * 1000:.0f} ms: ratio {t_heavy / t_light:.1f}x"
        )

        print("\ncanned query            oxigraph ms   rdflib ms   rdflib/oxigraph")
        ratios = []
        params = {"evidence": {"entity": "Astana process"}, "describe": {"entity": "Kazakhstan"}, "search": {"text": "crisis"}}
        kg.engine("rdflib")
        for q in kg.list_queries():
            p = params.get(q.name, {})
            t_ox = timed(lambda q=q, p=p: kg.query(q.name, p), args.repeat)
            t_rd = timed(lambda q=q, p=p: kg.query(q.name, p, engine="rdflib"), args.repeat)
            ratios.append(t_rd / t_ox)
            print(f"{q.name:22s} {t_ox * 1000:11.1f} {t_rd * 1000:11.1f} {t_rd / t_ox:13.1f}x")
        print(f"{'geometric mean':22s} {'':11s} {'':11s} {statistics.geometric_mean(ratios):13.1f}x")

        example = ROOT / "examples" / "safe-world.ttl"
        t_focus = timed(lambda: kg.validate([example]), max(1, args.repeat // 2))
        from kgraph.inputs import collect_inputs
        from kgraph.pipeline import run_pipeline

        inputs = collect_inputs(kg.resources, kg.workspace)
        t_full = timed(lambda: run_pipeline(inputs, [kg.resources.data], reference=True), 1)
        print(f"\nvalidate one new file in context: {t_focus:.2f} s; owlrl + pySHACL over everything: {t_full:.2f} s; ratio {t_full / t_focus:.1f}x")


if __name__ == "__main__":
    main()
