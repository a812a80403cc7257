"""Table 3 rows share their splits; cross-validation folds test each athlete once
(fast mode: one epoch per model on a tiny squad)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from filelock import FileLock

from host.evaluation.ablation import (
    ABLATION_FILE,
    ABLATION_LOCK,
    AblationError,
    AblationRow,
    AblationTable,
    PaperRow,
    _merge_row,
    _merge_row_locked,
    paired_differences,
    run_ablations,
)
from host.evaluation.crossval import CrossValidation, cross_validate
from host.evaluation.evaluate import PREDICTIONS_FILE
from host.evaluation.results import Interval
from host.models.config import TrainConfig
from tests.host.models.squad_fixture import write_fixture_squad

ONE_EPOCH = TrainConfig(max_epochs=1, batch_size=16, learning_rate=3e-3)


@pytest.fixture(scope="module")
def squad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    return write_fixture_squad(
        tmp_path_factory.mktemp("abl") / "data", athletes=6, weeks=4, clips_per_week=3
    )


@pytest.mark.slow
def test_ablation_rows_train_on_identical_splits_and_sit_beside_the_paper(
    squad: Path, tmp_path: Path
) -> None:
    run_ablations(squad, tmp_path, ONE_EPOCH, ["no_video"], resamples=20, show_progress=False)
    report = run_ablations(squad, tmp_path, ONE_EPOCH, ["full"], resamples=20, show_progress=False)
    assert list(report.rows) == ["full", "no_video"]  # merged, in Table 3 order
    assert report.rows["full"].full_minus_row is None
    difference = report.rows["no_video"].full_minus_row
    assert difference is not None
    delta = difference.accuracy
    accuracy = {row: report.rows[row].accuracy.value for row in ("full", "no_video")}
    assert delta.value == pytest.approx(100 * (accuracy["full"] - accuracy["no_video"]))
    assert delta.low <= delta.value <= delta.high
    assert report.rows["no_video"].paper.accuracy == 89.2
    assert AblationTable.load(tmp_path / "ablation.json") == report  # what was written
    splits = [(tmp_path / row / "splits.json").read_text() for row in ("full", "no_video")]
    assert splits[0] == splits[1]
    no_video = json.loads((tmp_path / "no_video" / "config.json").read_text())
    assert no_video["model"]["use_skeleton"] is False
    assert json.loads((tmp_path / "ablation.json").read_text())["synthetic"] is True
    (tmp_path / "ablation.json").write_text('{"rows": {"full": {}}}')
    with pytest.raises(AblationError, match=r"ablation.json: not an ablation table .*rows.full"):
        run_ablations(squad, tmp_path, ONE_EPOCH, ["no_video"], resamples=0, show_progress=False)
    with pytest.raises(AblationError, match="no_voice"):
        run_ablations(squad, tmp_path, ONE_EPOCH, ["no_voice"])


@pytest.mark.slow
def test_grouped_cross_validation_tests_every_athlete_once(squad: Path, tmp_path: Path) -> None:
    report = cross_validate(squad, tmp_path, ONE_EPOCH, folds=3, resamples=10, show_progress=False)
    assert [row.fold for row in report.folds] == [1, 2, 3]
    tested: list[str] = []
    for fold in sorted(tmp_path.glob("fold-*")):
        plan = json.loads((fold / "splits.json").read_text())
        evaluation = json.loads((fold / "evaluation.json").read_text())
        tested += [fold.name] * len(plan["actions"]["test"])
        assert evaluation["actions"]["athletes"] == 2  # 6 athletes over 3 folds
    assert len(tested) == 6 * 4 * 3
    spread = report.summary["accuracy"]
    assert spread is not None and spread.min <= spread.mean <= spread.max
    text = (tmp_path / "crossval.json").read_text()  # the report, NaN where a fold had none
    assert CrossValidation.model_validate_json(text).model_dump_json() == report.model_dump_json()
    assert json.loads(text)["summary"]["accuracy"]["max"] == spread.max


def _predictions(directory: Path, predicted: np.ndarray, risk: np.ndarray) -> Path:
    directory.mkdir()
    np.savez(
        directory / PREDICTIONS_FILE,
        clip_index=np.arange(8),
        clip_label=np.array([0, 1, 2, 3] * 2),
        clip_predicted=predicted,
        clip_athlete=np.array(["a", "a", "b", "b", "c", "c", "d", "d"]),
        week_rows=np.arange(6),
        week_label=np.array([0, 1, 0, 1, 0, 1]),
        week_risk=risk,
        week_athlete=np.array(["a", "a", "b", "b", "c", "c"]),
    )
    return directory


def test_paired_difference_is_exact_when_one_model_is_always_right(tmp_path: Path) -> None:
    truth = np.array([0, 1, 2, 3] * 2)
    full = _predictions(tmp_path / "full", truth, np.array([0.1, 0.9] * 3))
    row = _predictions(tmp_path / "row", (truth + 1) % 4, np.array([0.9, 0.1] * 3))
    delta = paired_differences(full, row, resamples=200)
    assert delta.accuracy == Interval(value=100.0, low=100.0, high=100.0)
    assert delta.macro_f1.value == pytest.approx(100.0)
    assert delta.auc is not None and delta.auc.value == pytest.approx(1.0)  # AUC 1 against 0
    swapped = paired_differences(row, full, resamples=200)
    assert swapped.accuracy.high == -100.0


def _row(accuracy: float) -> AblationRow:
    score = Interval(value=accuracy, low=accuracy - 1, high=accuracy + 1)
    paper = PaperRow(accuracy=90.0, macro_f1=90.0, auc=0.9, high_risk_recall=80.0)
    return AblationRow(
        wall_s=1.0,
        cpu_s=1.0,
        accuracy=score,
        macro_f1=score,
        auc=None,
        high_risk_recall=None,
        oracle_auc=None,
        paper=paper,
    )


def test_rows_finishing_in_parallel_processes_both_land_in_the_table(tmp_path: Path) -> None:
    """A row's merge waits for the table's lock, so a merge in flight elsewhere is not lost."""
    result = SimpleNamespace(synthetic=True, split="grouped")
    for row in ("no_video", "no_load"):
        (tmp_path / row).mkdir()
        (tmp_path / row / "splits.json").write_text('{"same": "splits"}')
    other_process = FileLock(tmp_path / ABLATION_LOCK)
    other_process.acquire()
    merge = threading.Thread(
        target=_merge_row, args=(tmp_path, "no_video", _row(90.0), result), daemon=True
    )
    merge.start()
    merge.join(timeout=0.5)
    assert merge.is_alive() and not (tmp_path / ABLATION_FILE).exists()  # waiting its turn
    # The other process finishes its own row while holding the lock, then releases it.
    _merge_row_locked(tmp_path, "no_load", _row(80.0), result)
    other_process.release()
    merge.join(timeout=30)
    assert not merge.is_alive()
    rows = AblationTable.load(tmp_path / ABLATION_FILE).rows
    assert list(rows) == ["no_video", "no_load"]
    assert rows["no_load"].accuracy.value == 80.0


def test_paired_difference_refuses_runs_scored_on_other_items(tmp_path: Path) -> None:
    truth = np.array([0, 1, 2, 3] * 2)
    full = _predictions(tmp_path / "full", truth, np.full(6, 0.5))
    other = _predictions(tmp_path / "other", truth, np.full(6, 0.5))
    data = dict(np.load(other / PREDICTIONS_FILE))
    data["clip_index"] = data["clip_index"] + 1
    np.savez(other / PREDICTIONS_FILE, **data)
    with pytest.raises(AblationError, match="other test items"):
        paired_differences(full, other)


@pytest.mark.slow
def test_ablate_command_prints_the_paired_difference_beside_each_row(
    squad: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    config = tmp_path / "one.toml"
    config.write_text("max_epochs = 1\nbatch_size = 16\nlearning_rate = 3e-3\n")
    out = tmp_path / "table"
    args = ["ablate", "--data", str(squad), "--out", str(out), "--config", str(config)]
    result = CliRunner().invoke(
        app, [*args, "--only", "full,no_video", "--resamples", "20"], env={"COLUMNS": "240"}
    )
    assert result.exit_code == 0, result.output
    delta = json.loads((out / "ablation.json").read_text())["rows"]["no_video"]["full_minus_row"]
    shown = f"{delta['accuracy']['value']:.1f} [{delta['accuracy']['low']:.1f}"
    assert shown in next(line for line in result.output.splitlines() if "no_video" in line)


@pytest.mark.slow
def test_evaluate_folds_prints_each_metrics_spread_and_the_pooled_f1(
    squad: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    runner = CliRunner()
    run = tmp_path / "run"
    config = tmp_path / "one.toml"
    config.write_text("max_epochs = 1\nbatch_size = 16\nlearning_rate = 3e-3\n")
    args = ["--data", str(squad), "--out", str(run), "--config", str(config)]
    trained = runner.invoke(app, ["train", *args])
    assert trained.exit_code == 0, trained.output
    result = runner.invoke(
        app,
        ["evaluate", str(run), "--folds", "2", "--cv-epochs", "1", "--resamples", "10"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    report = CrossValidation.model_validate_json((run / "crossval" / "crossval.json").read_text())
    spread = report.summary["accuracy"]
    assert spread is not None
    row = next(
        line for line in result.output.splitlines() if line.strip("│ ").startswith("accuracy")
    )
    assert f"{spread.mean:.3f}" in row and f"{spread.max:.3f}" in row
    pooled = report.pooled
    assert f"pooled macro-F1 % over 2 folds: {100 * pooled.macro_f1:.1f}" in result.output
