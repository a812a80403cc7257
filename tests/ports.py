"""A free TCP port for tests that start a server through a command taking a port number,
so that parallel test runs never collide on a fixed default such as the sideline's 8080."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port free on loopback now, picked by the OS (port 0); the caller binds it next."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
