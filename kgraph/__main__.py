"""``python -m kgraph``: the same as the ``kgraph`` command."""

from kgraph.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
