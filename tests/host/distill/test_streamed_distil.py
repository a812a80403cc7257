"""Distillation streamed shard by shard cuts the same student spans and reads the same
teacher soft labels and occlusion flags as with every clip in memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from edge import taxonomy
from host.data.dataset import load_dataset
from host.data.shards import ShardIndex
from host.distill.pipeline import student_clips
from host.models.config import TrainConfig
from host.models.run import load_run
from host.train import train
from tests.host.data.sharded_squad import write_sharded_squad


def test_streamed_student_clips_match_the_in_memory_ones(tmp_path: Path) -> None:
    torch.set_num_threads(1)
    squad = write_sharded_squad(tmp_path / "data")
    config = TrainConfig(max_epochs=1, batch_size=16)
    teacher = load_run(train(squad, tmp_path / "run", config, show_progress=False).run_dir)
    dataset = load_dataset(squad)
    labels, vocabulary, shifts = teacher.labels, taxonomy.LABELS, (0.0, -0.3, 0.3)
    memory = student_clips(dataset, teacher, labels, vocabulary, shifts, stream=False)
    streamed = student_clips(load_dataset(squad), teacher, labels, vocabulary, shifts, stream=True)
    assert len(ShardIndex.of(dataset).paths) > 1  # the spans are filled shard by shard
    for key in ("raw", "present", "imu_ok", "labels", "offsets"):
        np.testing.assert_array_equal(
            getattr(streamed.windows, key), getattr(memory.windows, key), err_msg=key
        )
    np.testing.assert_array_equal(streamed.athlete_id, memory.athlete_id)
    assert streamed.soft is not None and memory.soft is not None
    np.testing.assert_allclose(streamed.soft, memory.soft, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(streamed.video_occluded, memory.video_occluded)
    assert streamed.video_occluded.any() and not streamed.video_occluded.all()
