"""The outbox posts each summary until acknowledged, survives restarts, never posts twice."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from edge.config import SyncSettings
from edge.outbox import Outbox, SyncError
from edge.store import Store


class FakeHost:
    """A loopback HTTP host that stores summaries by key, as contract 6 says.

    `script` lists what to do with the next requests: "503" answers 503, "drop" stores the
    summary but closes the connection before answering (the acknowledgement is lost).
    """

    def __init__(self, token: str = "tok") -> None:
        self.token = token
        self.script: list[str] = []
        self.stored: dict[str, dict] = {}
        self.posts: Counter[str] = Counter()
        self.posts_after_ack: Counter[str] = Counter()
        self._acked: set[str] = set()
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                key = self.headers["Idempotency-Key"]
                host.posts[key] += 1
                if key in host._acked:
                    host.posts_after_ack[key] += 1
                action = host.script.pop(0) if host.script else "ok"
                if self.headers["Authorization"] != f"Bearer {host.token}":
                    return self._answer(401, {"detail": "unknown device token"})
                if action == "503":
                    return self._answer(503, {"detail": "database busy"})
                summary = json.loads(body)
                if "athlete_id" not in summary:
                    return self._answer(422, {"detail": "athlete_id: field required"})
                created = key not in host.stored
                host.stored.setdefault(key, summary)
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                host._acked.add(key)
                return self._answer(201 if created else 200, {"stored": created})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        # polled every 20 ms rather than 0.5 s, so leaving the `with` block is quick
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> FakeHost:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _store_with_summaries(path: Path, n: int) -> Store:
    store = Store(path)
    store.begin_session("s1", "training", None)
    for i in range(n):
        store.save_summary("s1", f"a{i}", 1, json.dumps({"athlete_id": f"a{i}", "n": i}))
    return store


SETTINGS = SyncSettings(timeout_s=2, backoff_initial_s=2, backoff_max_s=60)


def test_retries_with_backoff_then_delivers_each_summary_once(tmp_path: Path) -> None:
    clock = Clock()
    with FakeHost() as host, _store_with_summaries(tmp_path / "e.sqlite", 3) as store:
        outbox = Outbox(store, host.url, "tok", SETTINGS, now=clock, rng=random.Random(1))
        host.script = ["503", "503", "drop"]
        first = outbox.sync()
        # two refused, one stored by the host but its answer lost: all three stay pending
        assert (first.sent, first.retrying, first.pending) == (0, 3, 3)
        assert outbox.sync().sent == 0  # not due yet: backoff holds them
        retry_times = [item.next_attempt_at - clock.t for item in store.outbox_items()]
        assert all(1.5 <= delay <= 2.5 for delay in retry_times)  # 2 s ± 25 % jitter
        clock.t += 3
        second = outbox.sync()
        assert (second.sent, second.pending) == (3, 0)
        assert outbox.sync().sent == 0
        assert sorted(host.stored) == ["s1/a0/1", "s1/a1/1", "s1/a2/1"]
        assert host.posts_after_ack == Counter()
        outbox.close()


def test_outbox_survives_restart_and_never_reposts(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "e.sqlite"
    with FakeHost() as host:
        host.server.server_close()  # nothing listening: the network is down
        down_url = host.url
    store = _store_with_summaries(path, 2)
    outbox = Outbox(store, down_url, "tok", SETTINGS, now=clock)
    assert outbox.sync().retrying == 2
    outbox.close()
    store.close()  # the sideline is switched off

    clock.t += 10
    with FakeHost() as host, Store(path) as store:
        restarted = Outbox(store, host.url, "tok", SETTINGS, now=clock)
        assert restarted.sync().sent == 2
        restarted.close()
    with FakeHost() as later, Store(path) as store:  # and once more after another restart
        clock.t += 1000
        again = Outbox(store, later.url, "tok", SETTINGS, now=clock)
        assert again.sync().sent == 0
        assert later.posts == Counter()
        again.close()


def test_unacceptable_body_is_set_aside_with_the_hosts_reason(tmp_path: Path) -> None:
    with FakeHost() as host, Store(tmp_path / "e.sqlite") as store:
        store.begin_session("s1", "training", None)
        store.save_summary("s1", "a0", 1, json.dumps({"n": 1}))
        outbox = Outbox(store, host.url, "tok", SETTINGS)
        report = outbox.sync()
        assert (report.rejected, report.pending) == (1, 0)
        (item,) = store.outbox_items()
        assert item.state == "rejected" and "athlete_id: field required" in item.last_error
        outbox.close()


def test_refused_token_stops_sync_and_keeps_items_pending(tmp_path: Path) -> None:
    with FakeHost(token="right") as host, _store_with_summaries(tmp_path / "e.sqlite", 2) as store:
        outbox = Outbox(store, host.url, "wrong", SETTINGS)
        with pytest.raises(SyncError, match="refused the device token"):
            outbox.sync()
        assert store.outbox_counts()["pending"] == 2
        assert [item.attempts for item in store.outbox_items()] == [0, 0]
        outbox.close()


def test_no_host_configured_is_a_clear_error(tmp_path: Path) -> None:
    with Store(tmp_path / "e.sqlite") as store, pytest.raises(SyncError, match="edge pair"):
        Outbox(store, None, None)
