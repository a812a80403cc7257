"""`touchline distill` trains with the real-motion recipe; `--no-augment` without it."""

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
    REAL_MOTION_PATIENCE,
    DistillConfig,
)


@pytest.mark.parametrize("augment", [False, True])
def test_augment_flag_picks_the_recipe(
    augment: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[DistillConfig] = []
    options: list[dict[str, object]] = []

    def record(run_dir, data_dir, config, kernels, **chosen):  # training is tested elsewhere
        seen.append(config)
        options.append(chosen)
        return SimpleNamespace(report={}, out_dir=tmp_path)

    monkeypatch.setattr(pipeline, "distill_run", record)
    monkeypatch.setattr(report, "report_markdown", lambda _: "")
    args = ["distill", str(tmp_path), "--epochs", "80", "--device", "cpu"]
    args += [] if augment else ["--no-augment"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    (config,) = seen
    assert config.max_epochs == 80
    assert config.student.kind == "auto"  # the family chosen on athletes held out
    assert str(options[0]["compute"].device) == "cpu" and options[0]["stream"] is True
    if augment:
        assert config.augment == REAL_MOTION_AUGMENT
        assert config.early_stop_patience == REAL_MOTION_PATIENCE
    else:
        assert config.augment == AugmentConfig() and not config.augment.active
        assert config.early_stop_patience == PLAIN_PATIENCE
