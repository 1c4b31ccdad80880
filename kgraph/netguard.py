"""A process-wide guard that keeps Python code off the network unless a remote store is named.

It is an audit hook (PEP 578) on ``socket.connect`` and ``socket.getaddrinfo``: any attempt to
reach a host that was not allowed raises NetworkBlockedError. The command line installs it at
start-up and allows exactly the host of an ``--endpoint`` the user gives. Native code that
opens sockets itself is not seen by audit hooks, which is why kgraph also refuses SPARQL
SERVICE clauses (see :mod:`kgraph.sparql`) and parses RDF with pyoxigraph, which never fetches.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kgraph.errors import NetworkBlockedError

_allowed_hosts: set[str] = set()
_installed = False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect":
        import socket  # already imported by whoever opened the socket: free here, and not at start-up

        sock, address = args[0], args[1]
        if getattr(sock, "family", None) == getattr(socket, "AF_UNIX", None):
            return
        host = address[0] if isinstance(address, tuple) else str(address)
    elif event == "socket.getaddrinfo":
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
    else:
        return
    if host is None or str(host) in _allowed_hosts:
        return
    raise NetworkBlockedError(
        f"blocked a network connection to {host}: kgraph reaches the network only for a remote store you name",
        hint="pass --endpoint URL to use a remote SPARQL server",
    )


def install() -> None:
    """Install the guard (once per process; audit hooks cannot be removed)."""
    global _installed  # noqa: PLW0603 - an audit hook is per process, and so is this flag
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True


@contextmanager
def allow(host: str) -> Iterator[None]:
    """Let connections to ``host`` (and the addresses it resolves to) through, for this block."""
    import socket

    new = {host} - _allowed_hosts
    _allowed_hosts.update(new)
    try:
        try:
            resolved = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
        except OSError:
            resolved = set()
        more = resolved - _allowed_hosts
        _allowed_hosts.update(more)
        new |= more
        yield
    finally:
        _allowed_hosts.difference_update(new)
