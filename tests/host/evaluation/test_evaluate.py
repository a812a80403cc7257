"""Evaluation streams like training: a run scored with its clips streamed from their
shards gives the same evaluation and predictions as one scored with every clip in memory."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from host.device import Compute
from host.evaluation.evaluate import PREDICTIONS_FILE, evaluate_run
from host.models.config import TrainConfig
from host.train import train
from tests.host.data.sharded_squad import write_sharded_squad


def test_streamed_evaluation_equals_the_in_memory_one(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    squad = write_sharded_squad(tmp_path / "data")
    config = TrainConfig(max_epochs=1, batch_size=16, seed=4)
    run = train(squad, tmp_path / "run", config, show_progress=False).run_dir
    memory = evaluate_run(run, resamples=30).model_dump()
    in_memory = dict(np.load(run / PREDICTIONS_FILE))
    streamed = evaluate_run(run, resamples=30, compute=Compute.choose("cpu"), cache_mb=0.05)
    assert json.dumps(streamed.model_dump(), default=str) == json.dumps(memory, default=str)
    for key, value in np.load(run / PREDICTIONS_FILE).items():
        np.testing.assert_array_equal(value, in_memory[key], err_msg=key)
