"""Typed errors. Each class maps to exactly one exit code, documented in the README.

Library code raises these; only the command line turns them into messages and exit codes.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_NONCONFORMING = 1
EXIT_USAGE = 2
EXIT_WORKSPACE = 3
EXIT_REMOTE = 4
EXIT_INTERRUPTED = 130


class KgraphError(Exception):
    """Base class of every error kgraph raises on purpose."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(KgraphError):
    """The command or call was given arguments that do not fit."""

    exit_code = EXIT_USAGE


class InputError(KgraphError):
    """An input file is missing, unreadable or in an unknown format."""

    exit_code = EXIT_USAGE


class ParseError(InputError):
    """An RDF or SPARQL text is malformed; carries the file, line and column."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, column: int | None = None, hint: str | None = None) -> None:
        where = ":".join(str(x) for x in (path, line, column) if x is not None)
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.path, self.line, self.column = path, line, column


class UnknownQueryError(KgraphError):
    """No canned query has the given name; carries the nearest names."""

    exit_code = EXIT_USAGE

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = ("did you mean: " + ", ".join(suggestions)) if suggestions else "run 'kgraph queries' for the list"
        super().__init__(f"no canned query named {name!r}", hint=hint)
        self.name, self.suggestions = name, suggestions


class ParameterError(KgraphError):
    """A query parameter is missing, unknown, badly typed, or names no single entity."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, candidates: list[str] | None = None, hint: str | None = None) -> None:
        self.candidates = candidates or []
        if self.candidates and hint is None:
            hint = "candidates: " + ", ".join(self.candidates)
        super().__init__(message, hint=hint)


class QueryRefusedError(KgraphError):
    """A SPARQL request kgraph will not run: an update, or a federated SERVICE call."""

    exit_code = EXIT_USAGE


class NonConformingError(KgraphError):
    """Data does not conform to the SHACL shapes; carries the validation report."""

    exit_code = EXIT_NONCONFORMING

    def __init__(self, message: str, report=None, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


class InconsistencyError(KgraphError):
    """The OWL RL closure found a contradiction (an owl:Nothing member or broken disjointness)."""

    exit_code = EXIT_NONCONFORMING

    def __init__(self, messages: list[str]) -> None:
        super().__init__(
            "the knowledge graph is inconsistent under OWL 2 RL:\n  " + "\n  ".join(messages),
            hint="fix the facts named above; owl:disjointWith and owl:AllDifferent axioms are in ontology/kgraph.ttl",
        )
        self.messages = messages


class WorkspaceError(KgraphError):
    """The workspace or its embedded store cannot be used (busy, damaged or not writable)."""

    exit_code = EXIT_WORKSPACE


class RemoteError(KgraphError):
    """A remote SPARQL server could not be reached or refused the request."""

    exit_code = EXIT_REMOTE
