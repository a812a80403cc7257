"""tools/bench/synth_gap.py --write-ts: a simulated squad as the `.ts` pair and groups file
that the real-data benchmark and `touchline student-check` read."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.taxonomy import LABELS
from host.distill.ucr import load_collection
from tests.tools.tool_module import load_tool

TOOL = Path(__file__).resolve().parents[3] / "tools" / "bench" / "synth_gap.py"


def test_a_simulated_squad_is_written_as_a_ts_pair_with_its_players(tmp_path: Path) -> None:
    tool = load_tool(TOOL)
    args = ["--variability", "wide", "--athletes", "4", "--per-label", "1"]
    tool.main([*args, "--write-ts", str(tmp_path)])
    data = load_collection(tmp_path / "SynthWide_TRAIN.ts")
    assert data.x_train.shape == (2 * len(LABELS), 12, 600)  # two players train, two test
    assert data.x_test.shape == (2 * len(LABELS), 12, 600)
    assert sorted(data.classes) == sorted(LABELS)
    assert data.groups_train is not None and data.groups_test is not None
    assert not set(data.groups_train) & set(data.groups_test)
    # The windows are the simulator's, player by player, as the gap is measured on.
    x, y, players = tool.simulate("wide", 4, 1, 0)
    first = players == data.groups_train[0]
    np.testing.assert_allclose(data.x_train[: len(LABELS)], x[first], atol=1e-5)
    assert [data.classes[i] for i in data.y_train[: len(LABELS)]] == [LABELS[i] for i in y[first]]
    assert tool.squad_name("configs/synth-hard.toml") == "SynthSynthHard"
