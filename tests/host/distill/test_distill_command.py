"""`touchline distill` trains with the real-motion recipe; `--no-augment` without it;
`--cnn-members` sizes the averaged CNN."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from host.cli import app
from host.distill import pipeline, report
from host.distill.augment import AugmentConfig
from host.distill.config import (
    PLAIN_PATIENCE,
    REAL_MOTION_AUGMENT,
    REAL_MOTION_MIN_STEPS,
    REAL_MOTION_PATIENCE,
    DistillConfig,
)


def _distil(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[DistillConfig, dict[str, object]]:
    """The recipe and options `touchline distill RUN ARGS` hands the pipeline."""
    seen: list[tuple[DistillConfig, dict[str, object]]] = []

    def record(run_dir, data_dir, config, kernels, **chosen):  # training is tested elsewhere
        seen.append((config, chosen))
        return SimpleNamespace(report={}, out_dir=tmp_path)

    monkeypatch.setattr(pipeline, "distill_run", record)
    monkeypatch.setattr(report, "report_markdown", lambda _: "")
    result = CliRunner().invoke(app, ["distill", str(tmp_path), *args])
    assert result.exit_code == 0, result.output
    (called,) = seen
    return called


@pytest.mark.parametrize("augment", [False, True])
def test_augment_flag_picks_the_recipe(
    augment: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["--epochs", "80", "--device", "cpu"] + ([] if augment else ["--no-augment"])
    config, chosen = _distil(args, tmp_path, monkeypatch)
    assert config.max_epochs == 80
    assert config.student.kind == "auto"  # the family chosen on athletes held out
    assert str(chosen["compute"].device) == "cpu" and chosen["stream"] is True
    if augment:
        assert config.augment == REAL_MOTION_AUGMENT
        assert config.early_stop_patience == REAL_MOTION_PATIENCE
        assert config.keep_weights == "last"  # the whole schedule, as measured
        assert config.min_steps == REAL_MOTION_MIN_STEPS
    else:
        assert config.augment == AugmentConfig() and not config.augment.active
        assert config.early_stop_patience == PLAIN_PATIENCE
        assert config.keep_weights == "best"
        assert config.min_steps == 0  # epochs only, as that recipe was measured


@pytest.mark.parametrize(
    ("args", "steps"), [(["--min-steps", "0"], 0), (["--min-steps", "300"], 300)]
)
def test_min_steps_reach_the_recipe(
    args: list[str], steps: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, _ = _distil(args, tmp_path, monkeypatch)
    assert config.min_steps == steps and config.max_epochs == 80


@pytest.mark.parametrize(("args", "members"), [([], 2), (["--cnn-members", "1"], 1)])
def test_cnn_members_reach_the_student(
    args: list[str], members: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, _ = _distil(["--student", "cnn", *args], tmp_path, monkeypatch)
    assert config.student.kind == "cnn" and config.student.cnn_members == members


def test_a_student_of_no_cnns_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["distill", str(tmp_path), "--cnn-members", "0"])
    assert result.exit_code == 2 and "--cnn-members" in result.output
