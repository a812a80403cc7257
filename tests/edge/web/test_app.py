"""The sideline page's app: the PIN guards watching, the staff code guards acting, and the
staff actions land in the session's store as `edge drill` / `edge rpe` put them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import segno
from starlette.testclient import TestClient

from edge.marks import SessionMarks
from edge.store import SensorRow, Store
from edge.web.app import MAX_TRIES, Access, create_app
from edge.web.board import LiveBoard


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "edge.sqlite"
    with Store(path) as store:
        store.begin_session("S1", "training", "m1")
        for athlete in ("V01", "V02"):
            store.add_sensor("S1", SensorRow(f"virtual://{athlete}", athlete, "calf", 1))
    return path


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def access() -> Access:
    return Access(pin="123456", staff_code="87654321", clock=Clock())


def _client(store_path: Path, access: Access, **kwargs) -> tuple[TestClient, LiveBoard]:
    board = LiveBoard("S1")
    return TestClient(create_app(board, store_path, access=access, poll_s=0.01, **kwargs)), board


def test_the_pin_opens_the_page_and_nothing_else_does(store_path, access) -> None:
    client, _ = _client(store_path, access)
    first = client.get("/")
    assert "Session PIN" in first.text and "S1" not in first.text
    for path in ("/state", "/events"):
        refused = client.get(path)
        assert refused.status_code == 401
        assert refused.json()["message"] == "pin: open the page with the session PIN first"
    wrong = client.get("/?pin=000000")
    assert wrong.status_code == 401 and "pin: wrong PIN for this session" in wrong.text
    opened = client.get("/?pin=123456", follow_redirects=False)
    assert opened.status_code == 303 and "httponly" in opened.headers["set-cookie"].lower()
    page = client.get("/")
    assert "Touchline · session S1" in page.text and 'id="cards"' in page.text
    assert json.loads(client.get("/state").text)["session_id"] == "S1"


def _qr_modules(svg: str, border: int = 2) -> np.ndarray:
    """The dark modules drawn by the page's QR path (segno's runs: M/m moves, h dark runs)."""
    path = re.search(r' d="([^"]+)"', svg)
    assert path is not None, "no QR path in the page"
    cells: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, numbers in re.findall(r"([Mmh])([-\d. ]+)", path.group(1)):
        values = [float(v) for v in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            cells.update((int(y) - border, int(x) - border + i) for i in range(int(values[0])))
            x += values[0]
    size = max(max(cell) for cell in cells) + 1
    modules = np.zeros((size, size), dtype=bool)
    for row, column in cells:
        modules[row, column] = True
    return modules


def test_the_page_offers_a_qr_code_of_its_address_with_the_pin(store_path, access) -> None:
    client, _ = _client(store_path, access)
    client.get("/?pin=123456")
    page = client.get("/").text
    url = "http://testserver/?pin=123456"
    assert f"<code>{url}</code>" in page
    qr = re.search(r'<svg[^>]*class="qr".*?</svg>', page)
    assert qr is not None, "no QR code on the page"
    svg = qr.group(0)
    expected = np.array(segno.make(url, error="m").matrix, dtype=bool)
    assert np.array_equal(_qr_modules(svg), expected)
    other = np.array(segno.make("http://testserver/?pin=000000", error="m").matrix, dtype=bool)
    assert not np.array_equal(_qr_modules(svg), other)


def test_guessing_the_pin_is_slowed_down(store_path, access) -> None:
    client, _ = _client(store_path, access)
    for _ in range(MAX_TRIES):
        assert client.get("/?pin=000000").status_code == 401
    blocked = client.get("/?pin=123456")
    assert blocked.status_code == 429 and "pin: too many tries; wait 60 s" in blocked.text
    access.clock.now += 61
    assert client.get("/?pin=123456", follow_redirects=False).status_code == 303


def test_events_stream_the_board_until_the_session_closes(store_path, access) -> None:
    client, board = _client(store_path, access)
    client.get("/?pin=123456")
    board.publish(session_s=12.0, athletes=[{"athlete_id": "V01"}])
    board.close()
    with client.stream("GET", "/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        messages = [line for line in stream.iter_lines() if line.startswith("data: ")]
    (message,) = messages
    state = json.loads(message.removeprefix("data: "))
    assert state["session_s"] == 12.0 and state["closed"] is True


def test_staff_mark_drills_and_rpe_into_the_store(store_path, access) -> None:
    closed = []
    client, board = _client(store_path, access, on_close=lambda: closed.append(True))
    client.get("/?pin=123456")
    refused = client.post("/drill/start", json={"name": "rondo"})
    assert refused.status_code == 401
    assert refused.json()["message"] == "staff: log in with the staff code first"
    wrong = client.post("/staff", json={"code": "1"})
    assert wrong.status_code == 401 and wrong.json()["field"] == "code"
    assert client.post("/staff", json={"code": "87654321"}).status_code == 200

    assert (
        client.post("/drill/start", json={"name": "rondo 4v2"}).json()["message"]
        == "drill: 'rondo 4v2' started"
    )
    assert json.loads(board.read()[1])["drill"] == "rondo 4v2"
    busy = client.post("/drill/start", json={"name": "again"})
    assert busy.status_code == 422 and busy.json()["field"] == "drill"
    assert client.post("/drill/end").status_code == 200
    assert client.post("/rpe", json={"athlete_id": "V02", "rpe": 6}).status_code == 200
    for body, field in (
        ({"athlete_id": "V02", "rpe": "hard"}, "rpe"),
        ({"athlete_id": "V02", "rpe": True}, "rpe"),
        ({"athlete_id": "X", "rpe": 5}, "athlete_id"),
    ):
        answer = client.post("/rpe", json=body)
        assert answer.status_code == 422 and answer.json()["field"] == field, body
    garbled = client.post("/rpe", content=b"{not json")
    assert garbled.status_code == 422 and garbled.json()["message"] == "body: not valid JSON"
    assert json.loads(board.read()[1])["rpe"] == {"V02": 6.0}
    assert client.post("/close").json()["message"].startswith("session: closing")
    assert closed == [True]

    with Store(store_path) as store, SessionMarks(store) as marks:
        assert [(d.name, d.ended_at is not None) for d in marks.drills("S1")] == [
            ("rondo 4v2", True)
        ]
        assert marks.rpes("S1") == {"V02": 6.0}


def test_a_page_served_without_recording_cannot_close(store_path, access) -> None:
    client, _ = _client(store_path, access)
    client.post("/staff", json={"code": "87654321"})
    answer = client.post("/close")
    assert answer.status_code == 422 and "`edge close`" in answer.json()["message"]
