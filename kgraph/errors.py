"""Typed errors and the exit codes they map to: the one source of both.

Library code raises these; only the command line turns them into messages and exit codes.
Each class maps to exactly one exit code; :data:`EXIT_CODES` says what each code means, and
the command line's help and the README's table are made from it (a test checks the README).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kgraph.validation import ValidationReport

EXIT_OK = 0
EXIT_NONCONFORMING = 1
EXIT_USAGE = 2
EXIT_WORKSPACE = 3
EXIT_REMOTE = 4
EXIT_LIMIT = 5
EXIT_INTERNAL = 70
EXIT_HANGUP = 129
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

EXIT_CODES: dict[int, tuple[str, str]] = {
    # code: (in a few words, for the command line's help; in full, for the README)
    EXIT_OK: ("ok", "success"),
    EXIT_NONCONFORMING: ("data does not conform or is inconsistent", "the data does not conform to the shapes, or is inconsistent under OWL 2 RL"),
    EXIT_USAGE: (
        "usage or input error",
        "usage or input error: bad arguments, unreadable or malformed file (`file:line:column: what`), unknown "
        "query (with the nearest names), missing, unknown or ambiguous parameter (with candidates), SPARQL "
        "Update or SERVICE refused, a network connection to a host nobody named",
    ),
    EXIT_WORKSPACE: ("workspace or store problem", "workspace or store problem: busy, damaged, not writable, or not a kgraph store"),
    EXIT_REMOTE: ("remote server problem", "remote server problem: unreachable, timeout, HTTP error"),
    EXIT_LIMIT: (
        "query stopped at a limit",
        "a query was stopped at its time limit (`--timeout`) or memory limit (`--max-memory`); nothing was printed",
    ),
    EXIT_INTERNAL: ("internal error", "internal error (a bug: please report it with the output of `--debug`)"),
    EXIT_HANGUP: ("hung up", "stopped by SIGHUP (the terminal closed); nothing was changed"),
    EXIT_INTERRUPTED: ("interrupted", "interrupted; nothing was changed"),
    EXIT_TERMINATED: ("terminated", "stopped by SIGTERM; nothing was changed"),
}


class KgraphError(Exception):
    """Base class of every error kgraph raises on purpose.

    >>> e = WorkspaceError("the workspace is busy", hint="wait for the other kgraph to finish")
    >>> print(e)
    the workspace is busy
      hint: wait for the other kgraph to finish
    >>> e.exit_code, isinstance(e, KgraphError)
    (3, True)
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(KgraphError):
    """The command or call was given arguments that do not fit.

    >>> UsageError("--limit takes a whole number").exit_code
    2
    """

    exit_code = EXIT_USAGE


class InputError(KgraphError):
    """An input file is missing, unreadable or in an unknown format.

    >>> InputError("new.ttl: no such file").exit_code
    2
    """

    exit_code = EXIT_USAGE


class ParseError(InputError):
    """An RDF or SPARQL text is malformed; carries the file, line and column.

    >>> str(ParseError("expected '.'", path="new.ttl", line=4, column=17))
    "new.ttl:4:17: expected '.'"
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, column: int | None = None, hint: str | None = None) -> None:
        where = ":".join(str(x) for x in (path, line, column) if x is not None)
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.path, self.line, self.column = path, line, column


class UnknownQueryError(KgraphError):
    """No canned query has the given name; carries the nearest names.

    >>> UnknownQueryError("timelne", ["timeline"]).hint
    'did you mean: timeline'
    """

    exit_code = EXIT_USAGE

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = ("did you mean: " + ", ".join(suggestions)) if suggestions else "run 'kgraph queries' for the list"
        super().__init__(f"no canned query named {name!r}", hint=hint)
        self.name, self.suggestions = name, suggestions


class ParameterError(KgraphError):
    """A query parameter is missing, unknown, badly typed, or names no single entity.

    >>> ParameterError("'Korea' names several entities", candidates=["North Korea (id:NorthKorea)"]).hint
    'candidates: North Korea (id:NorthKorea)'
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, candidates: list[str] | None = None, hint: str | None = None) -> None:
        self.candidates = candidates or []
        if self.candidates and hint is None:
            hint = "candidates: " + ", ".join(self.candidates)
        super().__init__(message, hint=hint)


class QueryRefusedError(KgraphError):
    """A SPARQL request kgraph will not run: an update, or a federated SERVICE call.

    >>> QueryRefusedError("SPARQL Update is refused").exit_code
    2
    """

    exit_code = EXIT_USAGE


class NonConformingError(KgraphError):
    """Data does not conform to the SHACL shapes; carries the validation report.

    >>> NonConformingError("2 violations").exit_code
    1
    """

    exit_code = EXIT_NONCONFORMING

    def __init__(self, message: str, report: ValidationReport | None = None, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


class InconsistencyError(KgraphError):
    """The OWL RL closure found a contradiction (an owl:Nothing member or broken disjointness).

    >>> InconsistencyError(["id:X is a kg:State and a kg:Person"]).exit_code
    1
    """

    exit_code = EXIT_NONCONFORMING

    def __init__(self, messages: list[str]) -> None:
        super().__init__(
            "the knowledge graph is inconsistent under OWL 2 RL:\n  " + "\n  ".join(messages),
            hint="fix the facts named above; owl:disjointWith and owl:AllDifferent axioms are in ontology/kgraph.ttl",
        )
        self.messages = messages


class WorkspaceError(KgraphError):
    """The workspace or its embedded store cannot be used (busy, damaged or not writable).

    >>> WorkspaceError("the store is damaged").exit_code
    3
    """

    exit_code = EXIT_WORKSPACE


class RemoteError(KgraphError):
    """A remote SPARQL server could not be reached or refused the request.

    >>> RemoteError("http://localhost:7878: connection refused").exit_code
    4
    """

    exit_code = EXIT_REMOTE


class QueryLimitError(KgraphError):
    """A query ran past its time limit or needed more memory than its limit allows.

    >>> QueryLimitError("the query ran longer than 60 s").exit_code
    5
    """

    exit_code = EXIT_LIMIT


class NetworkBlockedError(KgraphError):
    """Something tried to reach a host the user did not name (see :mod:`kgraph.netguard`).

    >>> NetworkBlockedError("blocked a connection to example.org").exit_code
    2
    """

    exit_code = EXIT_USAGE


def error_classes(code: int) -> list[str]:
    """The names of the error classes that end a command with exit code ``code``, as defined.

    >>> error_classes(EXIT_WORKSPACE)
    ['WorkspaceError']
    """
    found, todo = [], list(KgraphError.__subclasses__())
    while todo:
        cls = todo.pop(0)
        todo[:0] = cls.__subclasses__()
        if cls.__module__ == __name__ and cls.exit_code == code:
            found.append(cls.__name__)
    return found


def exit_code_summary() -> str:
    """The exit codes in one line each of a few words, for the command line's help.

    >>> exit_code_summary().splitlines()[0]
    '0 ok, 1 data does not conform or is inconsistent, 2 usage or input error,'
    """
    items = [f"{code} {short}" for code, (short, _) in EXIT_CODES.items()]
    return "\n".join(", ".join(items[i : i + 3]) + ("," if i + 3 < len(items) else "") for i in range(0, len(items), 3))


def exit_code_table() -> str:
    """The README's table of exit codes, with the error classes raised for each."""
    lines = ["| code | meaning | raised as |", "|---|---|---|"]
    for code, (_, meaning) in EXIT_CODES.items():
        raised = ", ".join(f"`{name}`" for name in error_classes(code))
        lines.append(f"| {code} | {meaning} | {raised} |".replace("|  |", "| |"))
    return "\n".join(lines)
