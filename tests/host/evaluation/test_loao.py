"""Leave-one-athlete-out: one fold per athlete, each tested once, validation always on
athletes the fold neither trains nor tests on; per-fold and pooled macro-F1 with intervals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from host.data.dataset import load_dataset
from host.data.takes import import_takes
from host.evaluation.crossval import (
    AthleteFold,
    LeaveOneAthleteOut,
    PooledScores,
    leave_one_athlete_out_cv,
)
from host.evaluation.splits import SplitError, leave_one_athlete_out
from host.models.config import TrainConfig
from tests.host.data.takes_example import write_takes

ONE_EPOCH = TrainConfig(max_epochs=1, batch_size=4, learning_rate=3e-3)


def test_one_fold_per_athlete_and_validation_apart() -> None:
    clips = np.repeat(np.array(["a", "b", "c", "d", "e"]), 4)
    weeks = np.repeat(np.array(["a", "b", "c", "d", "e"]), 2)
    plans = leave_one_athlete_out(clips, weeks, seed=3)
    assert len(plans) == 5
    tested = []
    for plan in plans:
        test, val, train = (
            set(clips[i]) for i in (plan.actions.test, plan.actions.val, plan.actions.train)
        )
        assert len(test) == 1 and val and train
        assert not (test & val) and not (test & train) and not (val & train)
        assert set(weeks[plan.risk.test]) == test
        tested += sorted(test)
    assert tested == ["a", "b", "c", "d", "e"]
    with pytest.raises(SplitError, match="at least 3 athletes"):
        leave_one_athlete_out(np.array(["a", "b"]), np.array(["a"]), seed=0)


@pytest.fixture(scope="module")
def takes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("loao")
    return import_takes(
        write_takes(root / "club", athletes=("p1", "p2", "p3", "p4"), per_label=1), root / "takes"
    ).out


def test_loao_scores_every_athlete_once_with_pooled_interval(takes: Path, tmp_path: Path) -> None:
    report = leave_one_athlete_out_cv(takes, tmp_path, ONE_EPOCH, resamples=30, show_progress=False)
    assert [f.athlete for f in report.folds] == ["p1", "p2", "p3", "p4"]
    assert all(f.n == 3 for f in report.folds)  # that athlete's three takes
    pooled = report.pooled
    assert pooled.n == 12 and pooled.athletes == 4
    assert pooled.macro_f1_low <= pooled.macro_f1 <= pooled.macro_f1_high
    for fold in report.folds:
        splits = json.loads((tmp_path / f"athlete-{fold.fold:02d}" / "splits.json").read_text())
        athletes = load_dataset(takes).clips().athlete_id
        assert set(athletes[splits["actions"]["test"]]) == {fold.athlete}
        assert fold.athlete not in set(athletes[splits["actions"]["val"]])
    # the file holds the report, keyed as before
    text = (tmp_path / "loao.json").read_text()
    assert (
        LeaveOneAthleteOut.model_validate_json(text).model_dump_json() == report.model_dump_json()
    )
    written = json.loads(text)
    assert written["pooled"]["n"] == 12 and written["folds"][0]["macro_f1_low"] == pytest.approx(
        report.folds[0].macro_f1_low
    )


def test_evaluate_loao_prints_each_fold_and_the_pool(takes: Path, tmp_path: Path) -> None:
    from host.cli import app

    runner = CliRunner()
    run = tmp_path / "run"
    trained = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(takes),
            "--out",
            str(run),
            "--epochs",
            "1",
            "--test-athletes",
            "p4",
        ],
    )
    assert trained.exit_code == 0, trained.output
    result = runner.invoke(
        app, ["evaluate", str(run), "--loao", "--cv-epochs", "1", "--resamples", "20"]
    )
    assert result.exit_code == 0, result.output
    assert "leave-one-athlete-out" in result.output and "pooled" in result.output
    folds = json.loads((run / "crossval" / "loao.json").read_text())["folds"]
    assert [f["athlete"] for f in folds] == ["p1", "p2", "p3", "p4"]


def test_loao_on_a_ts_file_follows_its_groups_file(tmp_path: Path) -> None:
    from aeon.datasets import load_from_ts_file

    data = Path(load_from_ts_file.__code__.co_filename).parent / "data" / "BasicMotions"
    groups = tmp_path / "groups.txt"
    groups.write_text("\n".join(f"a{i % 4}" for i in range(80)) + "\n")
    report = leave_one_athlete_out_cv(
        data / "BasicMotions_TRAIN.ts",
        tmp_path / "cv",
        TrainConfig(max_epochs=1, batch_size=8),
        resamples=20,
        groups=groups,
        show_progress=False,
    )
    assert [f.athlete for f in report.folds] == ["a0", "a1", "a2", "a3"]
    assert all(f.n == 20 for f in report.folds) and report.pooled.n == 80


def test_grouped_folds_on_a_ts_file_pool_every_series_once(tmp_path: Path) -> None:
    from aeon.datasets import load_from_ts_file

    from host.evaluation.crossval import cross_validate

    data = Path(load_from_ts_file.__code__.co_filename).parent / "data" / "BasicMotions"
    groups = tmp_path / "groups.txt"
    groups.write_text("\n".join(f"a{i % 6}" for i in range(80)) + "\n")
    report = cross_validate(
        data / "BasicMotions_TRAIN.ts",
        tmp_path / "cv",
        TrainConfig(max_epochs=1, batch_size=8),
        folds=3,
        resamples=20,
        show_progress=False,
        groups=groups,
    )
    assert len(report.folds) == 3
    assert report.pooled.n == 80 and report.pooled.athletes == 6
    pooled = report.pooled
    assert pooled.macro_f1_low <= pooled.macro_f1 <= pooled.macro_f1_high


def test_loao_records_each_fold_teacher_companion_weight(tmp_path: Path) -> None:
    from host.models.config import ModelConfig
    from tests.host.distill.motions_data import write_motions

    data = write_motions(tmp_path, athletes_train=3, athletes_test=1)
    config = ONE_EPOCH.replace(model=ModelConfig(imu_companion="hydra+minirocket"))
    report = leave_one_athlete_out_cv(
        data,
        tmp_path / "cv",
        config,
        resamples=10,
        groups=data.with_name("Motions_groups.txt"),
        show_progress=False,
    )
    for fold in report.folds:
        run_dir = tmp_path / "cv" / f"athlete-{fold.fold:02d}"
        info = json.loads((run_dir / "run.json").read_text())
        assert fold.companion_weight == info["companion"]["weight"]
        # Each fold stopped on one half of its validation athletes' clips and chose w on
        # the other, both halves of those athletes only.
        actions = json.loads((run_dir / "splits.json").read_text())["actions"]
        assert set(actions["blend"]) < set(actions["val"])
    plain = leave_one_athlete_out_cv(
        data,
        tmp_path / "plain",
        ONE_EPOCH,
        resamples=10,
        groups=data.with_name("Motions_groups.txt"),
        show_progress=False,
    )
    assert all(fold.companion_weight is None for fold in plain.folds)


def _fold(fold: int, athlete: str, weight: float | None) -> AthleteFold:
    return AthleteFold(
        fold=fold,
        athlete=athlete,
        n=10,
        accuracy=0.5,
        macro_f1=0.5,
        macro_f1_low=0.4,
        macro_f1_high=0.6,
        companion_weight=weight,
    )


def _rendered(report: LeaveOneAthleteOut) -> str:
    from rich.console import Console

    from host.cli.evaluate import loao_table

    console = Console(width=160, record=True)
    console.print(loao_table(report))
    return console.export_text()


def test_loao_table_shows_each_folds_companion_weight_only_where_there_is_one() -> None:
    pooled = PooledScores(
        n=20, accuracy=0.5, macro_f1=0.5, macro_f1_low=0.4, macro_f1_high=0.6, athletes=2
    )
    common = {"pooled": pooled, "fold_macro_f1_mean": 0.5, "synthetic": False}
    blended = LeaveOneAthleteOut(
        folds=[_fold(1, "p1", 0.95), _fold(2, "p2", 0.0)], grouping="g", seed=0, **common
    )
    text = _rendered(blended)
    assert "companion w" in text
    rows = [line.split("│") for line in text.splitlines() if "│ p" in line]
    assert [(row[2].strip(), row[5].strip()) for row in rows] == [
        ("p1", "0.95"),
        ("p2", "0.00"),
        ("2 athletes", ""),
    ]
    alone = LeaveOneAthleteOut(
        folds=[_fold(1, "p1", None), _fold(2, "p2", None)], grouping="g", seed=0, **common
    )
    assert "companion" not in _rendered(alone)
