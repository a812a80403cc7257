"""Validation during training: early stopping reads the validation clips that stop, never
the half a run with an IMU companion sets aside for the companion's blend."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from host.data.ts_file import ts_task
from host.evaluation.splits import SplitPlan, halve_validation
from host.models.config import TrainConfig
from host.models.network import MultimodalNet
from host.training.objective import validate
from host.training.task import TaskData
from tests.host.distill.motions_data import write_motions


def test_validation_metrics_read_only_the_stopping_half(tmp_path: Path) -> None:
    motions = write_motions(tmp_path)
    config, whole, _ = ts_task(
        motions, TrainConfig(batch_size=8), groups=motions.with_name("Motions_groups.txt")
    )
    actions = halve_validation(whole.plan.actions, whole.labels, whole.clip_athletes)
    halved = dataclasses.replace(whole, plan=SplitPlan(actions, whole.plan.risk, "halved"))
    stop_only = dataclasses.replace(
        whole,
        plan=SplitPlan(
            dataclasses.replace(actions, val=actions.stop, blend=np.zeros(0, np.int64)),
            whole.plan.risk,
            "stop half alone",
        ),
    )
    torch.manual_seed(0)
    net = MultimodalNet(config.model).eval()
    weights = torch.ones(config.model.n_labels)

    def metrics(task: TaskData) -> dict[str, float]:
        return validate(net, task, config, "val", weights, 1.0)

    assert len(actions.blend) > 0
    assert metrics(halved) == pytest.approx(metrics(stop_only))
    # The blend half's clips are not read: changing their labels changes nothing ...
    relabelled = whole.labels.copy()
    relabelled[actions.blend] = (relabelled[actions.blend] + 1) % config.model.n_labels
    assert metrics(dataclasses.replace(halved, labels=relabelled)) == pytest.approx(metrics(halved))
    # ... while without a blend half every validation clip counts.
    assert metrics(dataclasses.replace(whole, labels=relabelled)) != pytest.approx(metrics(whole))
