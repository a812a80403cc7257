"""tools/real_motion/benchmark.py's teacher row: the product's teacher trained on exactly
the fold's test and validation athletes, scored on the fold's test athletes, paired with
the other rows on the same athlete resamples, and leaving the other rows as they were."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from host.data.ts_file import read_groups
from tests.host.distill.motions_data import write_motions

TOOL = Path(__file__).resolve().parents[3] / "tools" / "real_motion" / "benchmark.py"
TEACHER = """max_epochs = 2
batch_size = 8
learning_rate = 3e-3
early_stop_on = "action_loss"

[model]
imu_companion = "hydra+minirocket"
"""


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_motion_benchmark", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_teacher_row_trains_on_the_benchmarks_own_folds(tmp_path: Path) -> None:
    benchmark = _tool()
    data = write_motions(tmp_path)
    config = tmp_path / "teacher.toml"
    config.write_text(TEACHER)
    # A six-epoch CNN student beside the baselines: its row would move if training the
    # teacher disturbed the process's random state.
    plain = benchmark.run(data, ["default"], 3, 1, 6, True)
    runs = tmp_path / "runs"
    result = benchmark.run(data, ["default"], 3, 1, 6, True, teacher=config, teacher_runs=runs)
    rows = {row["model"]: row for row in result["rows"]}

    def scores(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [(r["model"], r["macro_f1"], r["ci"], r["fold_macro_f1"]) for r in rows]

    # The other rows are exactly what they are without the teacher.
    assert scores(result["rows"][:-1]) == scores(plain["rows"])
    assert result["rows"][-1]["model"].startswith("teacher")
    name = f"teacher ({config})"
    assert len(rows[name]["fold_macro_f1"]) == 3
    assert [w.startswith("w = ") for w in rows[name]["chosen_per_fold"]] == [True] * 3
    # Each fold's teacher tested on that fold's athletes and stopped on the next fold's.
    groups = read_groups(data.with_name("Motions_groups.txt"), 72, 48)
    folds = benchmark.folds_of(groups, 3, seed=0)
    for k in range(3):
        actions = json.loads((runs / f"fold-{k + 1:02d}" / "splits.json").read_text())["actions"]
        assert set(groups[actions["test"]]) == set(folds[k])
        assert set(groups[actions["val"]]) == set(folds[(k + 1) % 3])
    # Paired: the difference's estimate is the difference of the two pooled scores.
    paired = {pair["model"]: pair for pair in result["paired"]}
    assert set(paired) == set(rows) - {name}
    for model, pair in paired.items():
        expected = rows[name]["macro_f1"] - rows[model]["macro_f1"]
        assert pair["difference"] == pytest.approx(expected)
        low, high = pair["ci"]
        assert low <= high
    # The row's pooled score is the teacher's fold predictions scored together.
    assert 0 <= rows[name]["macro_f1"] <= 1
