"""The version of kgraph: one line, read by the build backend and by the package."""

__version__ = "0.2.0"
