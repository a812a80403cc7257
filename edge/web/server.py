"""Runs the sideline page beside a recording: uvicorn in a thread of its own, so Ctrl-C
and systemd's stop still reach `edge record` (uvicorn installs no signal handlers off the
main thread) and a slow browser never holds up the recording loop."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.applications import Starlette

from firmware_bridge.errors import UserError


class WebError(UserError, OSError):
    """The page cannot be served (the port is taken, the address is not this machine's)."""


def lan_address() -> str:
    """This machine's address on its network (no packet is sent), else loopback."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        address: str = probe.getsockname()[0]  # (host, port) for AF_INET
        return address
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


class PageServer:
    """The app on `host:port` (0: any free port) until `stop()`."""

    def __init__(self, app: Starlette, host: str = "0.0.0.0", port: int = 8080) -> None:
        self.host = host
        try:
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._socket.bind((host, port))
        except OSError as exc:
            self._socket.close()
            raise WebError(
                f"--web-port: cannot serve the page on {host}:{port} ({exc.strerror})"
            ) from None
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app, log_level="warning", timeout_graceful_shutdown=2, lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="sideline-page",
            daemon=True,
        )

    def url(self) -> str:
        """The address staff open: the machine's network address when serving on all."""
        shown = lan_address() if self.host in ("0.0.0.0", "") else self.host
        return f"http://{shown}:{self.port}/"

    def start(self, timeout_s: float = 10.0) -> PageServer:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise WebError(f"--web-port: the page did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._socket.close()

    def __enter__(self) -> PageServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
