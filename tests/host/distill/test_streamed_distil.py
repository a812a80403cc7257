"""Distillation streamed shard by shard reads the same student windows, the same teacher
soft labels and the same occlusion flags as with every clip in memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from edge import taxonomy
from host.data.dataset import load_dataset
from host.distill.pipeline import STUDENT_KEYS, clips_for_students
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
    labels, vocabulary = teacher.labels, taxonomy.LABELS
    memory = clips_for_students(dataset, teacher, labels, vocabulary, stream=False)
    streamed = clips_for_students(load_dataset(squad), teacher, labels, vocabulary, stream=True)
    clips, soft, occluded = streamed
    assert clips.skeleton is None and clips.hr is None  # the teacher's signals are not kept
    for key in (*STUDENT_KEYS, "label", "athlete_id", "clip_id"):
        np.testing.assert_array_equal(getattr(clips, key), getattr(memory[0], key), err_msg=key)
    assert soft is not None and memory[1] is not None
    np.testing.assert_allclose(soft, memory[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(occluded, memory[2])
    assert occluded.any() and not occluded.all()
