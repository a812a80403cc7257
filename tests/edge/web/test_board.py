"""The board the sideline page reads is fed by the same observer call as the terminal's
live table, and shows the same numbers."""

from __future__ import annotations

import asyncio
import json

from rich.console import Console

from edge.config import EdgeConfig
from edge.events import ActionEvent
from edge.infer import ActionModel
from edge.live import session_table
from edge.session import record
from edge.store import Store
from edge.transports.virtual import SquadSpec, VirtualSquadTransport
from edge.web.board import LiveBoard, stored_cards
from edge.web.sideline import fan_out

SQUAD = "virtual://squad?athletes=2&duration_s=30&seed=2&loss=0.03"


def test_board_and_live_table_take_the_same_observer_calls(tmp_path, trained_bundle) -> None:
    config = EdgeConfig(data_dir=tmp_path)
    board = LiveBoard("S1")
    calls = []
    versions = []

    def table(processor, statuses, session_s) -> None:
        calls.append((processor, statuses, session_s))
        versions.append(board.read()[0])

    with Store(config.store_path) as store:
        asyncio.run(
            record(
                config,
                SquadSpec.from_address(SQUAD).roles(),
                [VirtualSquadTransport(SQUAD)],
                ActionModel.from_bundle(trained_bundle),
                store,
                session_id="S1",
                observer=fan_out(table, board),
                observe_every_s=0.0,
            )
        )
        processor, statuses, session_s = calls[-1]
        processor.athletes["V02"].events.append(ActionEvent("header", 12.5, 0.9))
        board(processor, statuses, session_s)
        state = json.loads(board.read()[1])
        cards = {card["athlete_id"]: card for card in state["athletes"]}
        console = Console(width=160, record=True)
        console.print(session_table(processor, statuses, session_s))
        text = console.export_text()
        from_store = {card["athlete_id"]: card for card in stored_cards(store, "S1")}
    # The page updates on every call the table gets (the table runs first, then the board).
    assert versions == list(range(len(calls)))
    assert state["session_s"] == round(session_s, 1) and set(cards) == {"V01", "V02"}
    for athlete_id, card in cards.items():
        row = next(line for line in text.splitlines() if line.lstrip("│ ").startswith(athlete_id))
        assert f"{card['player_load']}" in row and f"{card['loss_pct']:.1f}%" in row
        assert [link["site"] for link in card["links"]] == ["waist", "calf", "gps", "hr"]
        assert card["battery_pct"] is not None
    assert cards["V02"]["last"] == {"label": "header", "t_s": 12.5}
    assert cards["V02"]["actions"]["header"] >= 1
    # `edge serve` on its own shows the stored loads and actions of the closed session.
    assert from_store["V01"]["player_load"] == cards["V01"]["player_load"]
    assert from_store["V01"]["distance_m"] == cards["V01"]["distance_m"]


def test_closing_the_board_is_a_new_version_pages_see() -> None:
    board = LiveBoard("S1")
    version, _ = board.read()
    board.close()
    newer, text = board.read()
    assert newer == version + 1 and json.loads(text)["closed"] is True and board.closed
