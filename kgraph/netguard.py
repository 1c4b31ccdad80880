"""A process-wide guard that keeps Python code off the network unless a remote store is named.

It is an audit hook (PEP 578) on ``socket.connect`` and ``socket.getaddrinfo``: any attempt to
reach a host that was not allowed raises NetworkBlockedError. The command line installs it at
start-up and allows exactly the host of an ``--endpoint`` the user gives. Native code that
opens sockets itself is not seen by audit hooks, which is why kgraph also refuses SPARQL
SERVICE clauses (see :mod:`kgraph.sparql`), parses RDF with pyoxigraph, which never fetches,
and, before it runs a query on its own store, seals the process with a seccomp filter that
the kernel applies to native code too (:func:`seal`).
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


# -- the native seal ----------------------------------------------------------------------------
# Audit hooks see Python's sockets only. Oxigraph's SERVICE client is native code: a check that
# misread a query would let it connect. Sealing the process with a seccomp filter (Linux) makes
# the kernel refuse every new internet socket, from Python or native code alike; the check in
# kgraph.sparql stays the first line, this one holds if it were wrong (issue 10).
_sealed = False
_seal_on_query = False


def seal() -> bool:
    """Forbid this process, every thread of it, from opening IPv4 or IPv6 sockets, for good.

    Returns True once sealed; False where the system cannot (not Linux, no libseccomp, or the
    kernel refuses), in which case nothing changed. Local files, pipes and Unix sockets still work,
    and so do sockets opened before. For a program that runs untrusted queries and needs no
    network afterwards (the command line seals itself before it runs a query on its own store).
    """
    global _sealed  # noqa: PLW0603 - a seccomp filter is per process, and so is this flag
    if _sealed:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        import errno
        import socket

        import pyseccomp as sc

        rules = sc.SyscallFilter(defaction=sc.ALLOW)
        for family in (socket.AF_INET, socket.AF_INET6):
            rules.add_rule(sc.ERRNO(errno.EACCES), "socket", sc.Arg(0, sc.EQ, family))
        rules.set_attr(sc.Attr.CTL_TSYNC, 1)  # every thread, the engine's too
        rules.load()
    except Exception:  # no libseccomp, an old kernel, a sandbox that forbids it: not sealed
        return False
    _sealed = True
    return True


def seal_before_queries() -> None:
    """Seal the process (see :func:`seal`) just before it first runs a query on the embedded engine,
    not before: a command answered from a kept listing never pays for loading libseccomp."""
    global _seal_on_query  # noqa: PLW0603 - per process, like the seal itself
    _seal_on_query = True


def before_native_query() -> None:
    """Called by the embedded engine before each query; seals the process if that was asked for."""
    if _seal_on_query and not _sealed:
        seal()


def sealed() -> bool:
    """Whether this process is sealed off the network."""
    return _sealed
