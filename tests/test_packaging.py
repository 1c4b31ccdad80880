"""The wheel ships the ontology, data and queries, and works from any directory in a fresh venv."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_answers_a_query(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)], check=True, capture_output=True, text=True
    )
    wheel = next(dist.glob("kgraph-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "kgraph/_resources/ontology/kgraph.ttl",
        "kgraph/_resources/ontology/shapes.ttl",
        "kgraph/_resources/data/facts.ttl",
        "kgraph/_resources/data/peacekeeping-activities-of-kazakhstan.txt",
        "kgraph/_resources/queries/hosted-talks.rq",
        "kgraph/py.typed",  # the package ships its types (PEP 561)
        "kgraph/static/yasgui/yasgui.min.js",  # kgraph serve's SPARQL editor, with its licence
        "kgraph/static/yasgui/LICENSE",
    ):
        assert shipped in names
    assert not any(n.startswith("tests/") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], check=True, capture_output=True, text=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["KGRAPH_HOME"] = str(tmp_path / "home")
    out = subprocess.run(
        [str(venv / "bin" / "kgraph"), "query", "hosted-talks", "-f", "csv"], cwd=elsewhere, env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert "https://w3id.org/kgraph/id/SyrianCrisis" in out.stdout
    # the workspace is where the user said, never inside the installed package
    assert (tmp_path / "home" / "cache").is_dir()
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import kgraph, pathlib; print(pathlib.Path(kgraph.__file__).parent)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    package = Path(site)
    assert package.is_relative_to(venv)
    assert not [p for p in package.rglob("*") if p.name in ("cache", "facts", ".lock")]
