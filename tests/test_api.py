"""The public API: what ``kgraph.__all__`` promises is there, documented, and shown in use."""

from __future__ import annotations

import inspect

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
    assert set(kgraph.__all__) == {"__version__", *kgraph._OWNERS}
