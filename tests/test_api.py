"""The public API: what ``kgraph.__all__`` promises is there, documented, and shown in use."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

from helpers import ROOT

import kgraph


def test_every_public_class_shows_an_example_that_runs():
    """The public API is kgraph.__all__; each class in it carries a doctest (run by pytest's --doctest-modules)."""
    classes = [getattr(kgraph, name) for name in kgraph.__all__ if inspect.isclass(getattr(kgraph, name))]
    assert len(classes) >= 25
    assert [c.__name__ for c in classes if ">>>" not in (c.__doc__ or "")] == []


def test_every_public_name_is_importable_from_the_package_and_owned_by_one_module():
    for name in kgraph.__all__:
        obj = getattr(kgraph, name)
        if inspect.isclass(obj):
            assert obj.__module__.startswith("kgraph.") and name in vars(inspect.getmodule(obj)), name
    assert set(kgraph._OWNERS) <= set(kgraph.__all__)


def layers() -> dict[str, int]:
    """Each module's layer, from the README's architecture table (the one place it is written)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| layer | modules |") :].split("\n\n")[0]
    out = {}
    for row in table.splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for module in re.findall(r"`(\w+)`", cells[1]):
            out[module] = int(cells[0].split()[0])
    return out


def kgraph_imports(path: Path) -> set[str]:
    """The kgraph modules a module imports at run time (imports for type checking only aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING" for n in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "kgraph":
            found |= {node.module.split(".")[1]} if "." in node.module else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("kgraph.")}
    return found


def test_every_module_has_a_layer_and_imports_no_higher_one():
    layer = layers()
    modules = {p.stem: p for p in (ROOT / "kgraph").glob("*.py") if p.stem != "__init__"}
    assert set(modules) == set(layer), "every module of kgraph/ is in the README's architecture table, and only those"
    upward = [
        f"{name} (layer {layer[name]}) imports {dep} (layer {layer[dep]})"
        for name, path in modules.items()
        for dep in kgraph_imports(path) - {name}
        if dep in layer and layer[dep] > layer[name]
    ]
    assert upward == []


def test_the_layer_check_would_catch_an_upward_import(tmp_path):
    bad = tmp_path / "stores.py"
    bad.write_text("from kgraph.engines import OxigraphEngine\n", encoding="utf-8")
    assert kgraph_imports(bad) == {"engines"} and layers()["engines"] > layers()["stores"]
