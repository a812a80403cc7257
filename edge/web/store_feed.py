"""Keeps a board up to date from the store, for `edge serve` on its own: a thread reads
the session's stored events and summaries every `every_s` and publishes when they change,
so a page served beside another process's recording still moves."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from edge.store import Store, StoreError
from edge.web.board import LiveBoard, stored_cards


class StoreFeed:
    def __init__(self, board: LiveBoard, store_path: Path, every_s: float = 1.0) -> None:
        self.board = board
        self.store_path = store_path
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-feed", daemon=True)

    def _run(self) -> None:
        from edge.marks import SessionMarks

        shown = None
        with Store(self.store_path) as store, SessionMarks(store) as marks:
            while not self._stop.is_set():
                try:
                    sid = self.board.session_id
                    running = marks.running_drill(sid)
                    state = {
                        "athletes": stored_cards(store, sid),
                        "rpe": marks.rpes(sid),
                        "drill": running.name if running else None,
                    }
                except StoreError:
                    state = None  # a write in progress elsewhere: try at the next tick
                text = json.dumps(state, sort_keys=True)
                if state is not None and text != shown:
                    shown = text
                    self.board.publish(**state)
                self._stop.wait(self.every_s)

    def __enter__(self) -> StoreFeed:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
