"""Streamed clips against the in-memory path: the same statistics, splits and tensors for
the same indices, a cache that stays inside its bound, and training that ends the same."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from host.data.dataset import load_dataset
from host.device import Compute
from host.models.config import ModelConfig, TrainConfig
from host.models.inputs import stored_imu
from host.train import train
from host.training.streaming import StreamedClips
from host.training.task import load_task_data
from tests.host.data.sharded_squad import write_sharded_squad

CONFIG = TrainConfig(max_epochs=2, batch_size=16, learning_rate=3e-3, seed=2)


@pytest.fixture(scope="module")
def squad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sharded_squad(tmp_path_factory.mktemp("stream") / "data")


def test_streamed_and_in_memory_give_the_same_tensors_for_the_same_indices(squad: Path) -> None:
    dataset = load_dataset(squad)
    memory = load_task_data(dataset, CONFIG)
    streamed = load_task_data(load_dataset(squad), CONFIG, cache_mb=0.05)  # a shard or two
    assert isinstance(streamed.arrays, StreamedClips)
    assert streamed.stats.to_dict() == memory.stats.to_dict()
    assert streamed.plan.to_dict() == memory.plan.to_dict()
    np.testing.assert_array_equal(streamed.weekly.clip_owner, memory.weekly.clip_owner)
    order = np.random.default_rng(0).permutation(len(memory.arrays))
    for index in (order[:40], order, np.array([5, 5, 120]), np.zeros(0, np.int64)):
        expected, got = memory.arrays.tensors(index), streamed.arrays.tensors(index)
        assert expected.keys() == got.keys()
        for key in expected:
            assert got[key].dtype == expected[key].dtype, key
            assert torch.equal(got[key], expected[key]), key
    source = streamed.arrays
    assert source._cached_bytes <= source.cache_bytes
    assert source.shard_reads > len(source.index.paths)  # evicted and read again


def test_the_companion_reads_the_stored_clips_whether_streamed_or_in_memory(
    squad: Path,
) -> None:
    # A teacher's IMU companion reads every clip's IMU at its stored rate; streamed, the
    # shards are read one at a time for it and give the same array.
    assert load_task_data(load_dataset(squad), CONFIG).companion_imu is None
    config = CONFIG.replace(model=ModelConfig(imu_companion="hydra+minirocket"))
    dataset = load_dataset(squad)
    memory = load_task_data(dataset, config)
    streamed = load_task_data(load_dataset(squad), config, cache_mb=0.05)
    assert memory.companion_imu is not None and streamed.companion_imu is not None
    clips = dataset.clips()
    assert memory.companion_imu.shape == (len(clips), 12, clips.imu.shape[2])
    np.testing.assert_array_equal(memory.companion_imu, stored_imu(clips, memory.stats))
    np.testing.assert_array_equal(streamed.companion_imu, memory.companion_imu)


def test_a_streamed_run_trains_exactly_as_an_in_memory_one(squad: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    memory = train(squad, tmp_path / "memory", CONFIG, show_progress=False)
    streamed = train(
        squad,
        tmp_path / "streamed",
        CONFIG,
        show_progress=False,
        compute=Compute.choose("cpu", workers=1),
        cache_mb=0.5,
    )
    assert streamed.history == memory.history
    compute = json.loads((tmp_path / "streamed" / "run.json").read_text())["compute"]
    assert compute["stream_cache_mb"] == 0.5 and compute["workers"] == 1
