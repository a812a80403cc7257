"""Table 3 rows share their splits; cross-validation folds test each athlete once
(fast mode: one epoch per model on a tiny squad)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from host.evaluation.ablation import AblationError, run_ablations
from host.evaluation.crossval import cross_validate
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
    report = run_ablations(
        squad, tmp_path, ONE_EPOCH, ["full", "no_video"], resamples=20, show_progress=False
    )
    assert list(report["rows"]) == ["full", "no_video"]
    assert report["rows"]["no_video"]["paper"]["accuracy"] == 89.2
    splits = [(tmp_path / row / "splits.json").read_text() for row in ("full", "no_video")]
    assert splits[0] == splits[1]
    no_video = json.loads((tmp_path / "no_video" / "config.json").read_text())
    assert no_video["model"]["use_skeleton"] is False
    assert json.loads((tmp_path / "ablation.json").read_text())["synthetic"] is True
    with pytest.raises(AblationError, match="no_voice"):
        run_ablations(squad, tmp_path, ONE_EPOCH, ["no_voice"])


@pytest.mark.slow
def test_grouped_cross_validation_tests_every_athlete_once(squad: Path, tmp_path: Path) -> None:
    report = cross_validate(squad, tmp_path, ONE_EPOCH, folds=3, resamples=10, show_progress=False)
    assert [row["fold"] for row in report["folds"]] == [1, 2, 3]
    tested: list[str] = []
    for fold in sorted(tmp_path.glob("fold-*")):
        plan = json.loads((fold / "splits.json").read_text())
        evaluation = json.loads((fold / "evaluation.json").read_text())
        tested += [fold.name] * len(plan["actions"]["test"])
        assert evaluation["actions"]["athletes"] == 2  # 6 athletes over 3 folds
    assert len(tested) == 6 * 4 * 3
    summary = report["summary"]["accuracy"]
    assert summary["min"] <= summary["mean"] <= summary["max"]
