"""The sideline page beside one `edge record`: the board the recorder feeds, the web
server, and the lines staff need to open it (address, PIN, staff code)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from edge.marks import MarkError
from edge.session import Observer
from edge.web.app import Access, create_app
from edge.web.board import LiveBoard
from edge.web.server import PageServer


class Sideline:
    """Serves `session_id`'s page from `store_path` on `host:port` while it records."""

    def __init__(
        self,
        store_path: Path,
        session_id: str,
        *,
        host: str = "0.0.0.0",
        port: int = 8080,
        synthetic: bool = False,
        access: Access | None = None,
    ) -> None:
        self.board = LiveBoard(session_id)
        self.access = access or Access()
        self._on_close: Callable[[], None] | None = None
        app = create_app(
            self.board,
            store_path,
            access=self.access,
            synthetic=synthetic,
            on_close=self._close_requested,
        )
        self.server = PageServer(app, host, port)  # raises WebError if the port is taken

    def _close_requested(self) -> None:
        if self._on_close is None:
            raise MarkError("session: recording has not started yet")
        self._on_close()

    def on_close(self, callback: Callable[[], None]) -> None:
        """What the page's "Close session" does (set the recording's stop event)."""
        self._on_close = callback

    def start(self) -> list[str]:
        """Start serving; the lines to print for staff."""
        self.server.start()
        url = self.server.url()
        return [
            f"sideline page: {url}?pin={self.access.pin}  (PIN {self.access.pin})",
            f"staff code for drills, RPE and closing: {self.access.staff_code}",
        ]

    def stop(self) -> None:
        self.board.close()
        self.server.stop()


def fan_out(*observers: Observer | None) -> Observer | None:
    """One observer calling each given one in turn (the terminal table, then the page)."""
    present = [observer for observer in observers if observer is not None]
    if len(present) <= 1:
        return present[0] if present else None

    def observe(*args: object) -> None:
        for observer in present:
            observer(*args)  # type: ignore[arg-type]

    return observe
