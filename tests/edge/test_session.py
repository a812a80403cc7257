"""`record` end to end: a full disk stops it cleanly; the live table shows what happened."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from rich.console import Console

from edge.config import EdgeConfig
from edge.events import ActionEvent
from edge.infer import ActionModel
from edge.live import SHORT, session_table
from edge.session import close_session, record
from edge.store import Store
from edge.transports.virtual import SquadSpec, VirtualSquadTransport

SQUAD = "virtual://squad?athletes=2&duration_s=60&seed=6&loss=0.02"


def test_full_disk_stops_recording_with_a_clear_message_and_keeps_the_data(
    tmp_path: Path, trained_bundle
) -> None:
    config = EdgeConfig(data_dir=tmp_path)
    model = ActionModel.from_bundle(trained_bundle)
    roles = SquadSpec.from_address(SQUAD).roles()
    with Store(config.store_path, max_pages=40) as store:  # 160 KB: full well before the end
        result = asyncio.run(record(config, roles, [VirtualSquadTransport(SQUAD)], model, store))
        assert result.disk_full and "disk full, recording stopped" in result.stopped_by
        assert result.summaries == {}
        stored = store.frame_count(result.session_id)
        assert 0 < stored < result.packets
        assert store.session(result.session_id).status == "recording"
    with Store(config.store_path) as roomy:  # space freed: the session can be closed
        summaries = close_session(roomy, result.session_id, model, config)
        assert set(summaries) == {"V01", "V02"}
        assert roomy.frame_count(result.session_id) == stored


def test_live_table_shows_each_athlete_with_load_and_link_state(tmp_path, trained_bundle):
    config = EdgeConfig(data_dir=tmp_path)
    snapshots = []

    def observe(processor, statuses, session_s) -> None:
        snapshots.append((processor, statuses, session_s))

    with Store(config.store_path) as store:
        asyncio.run(
            record(
                config,
                SquadSpec.from_address(SQUAD).roles(),
                [VirtualSquadTransport(SQUAD)],
                ActionModel.from_bundle(trained_bundle),
                store,
                observer=observe,
                observe_every_s=0.0,
            )
        )
    processor, statuses, session_s = snapshots[-1]
    console = Console(width=160, record=True)
    console.print(session_table(processor, statuses, session_s))
    text = console.export_text()
    assert "session 0:01:00" in text
    rows = [line for line in text.splitlines() if line.lstrip("│ ").startswith(("V01", "V02"))]
    assert len(rows) == 2
    for athlete_id, row in zip(("V01", "V02"), rows, strict=True):
        load = f"{processor.athletes[athlete_id].player_load:.0f}"
        assert load in row and "%" in row  # PlayerLoad and battery/loss columns
    assert len(snapshots) > 10

    # A small Pi screen: 80 columns still show every column and every action count.
    labels = ("sprint", "change_of_direction", "pass", "shot", "header", "landing")
    for k, athlete in enumerate(processor.athletes.values()):
        athlete.events = [
            ActionEvent(labels[(i * (k + 1)) % 6], 5.0 + 6 * i, 0.9) for i in range(6 + 3 * k)
        ]
    narrow = Console(width=80, record=True)
    narrow.print(session_table(processor, statuses, session_s))
    text = narrow.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80 and "…" not in text
    for header in ("athlete", "links", "batt", "loss", "dist", "HSR", "spr", "PL", "actions"):
        assert header in text
    words = text.split()
    for athlete in processor.athletes.values():
        counts = Counter(SHORT[e.label] for e in athlete.events)
        for short, n in counts.items():
            assert words.count(f"{short}:{n}") >= 1
    assert "last head 0:00:53" in text  # V02's last action, 5 + 6·(9 - 1) s in
