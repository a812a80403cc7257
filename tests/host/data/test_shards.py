"""The lazy shard index: identity columns without the signals, every clip placed in its
shard, signals gathered shard by shard in the order asked, bad shards named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from host.data.dataset import CLIPS_DIR, DatasetError, load_dataset
from host.data.shards import ShardIndex
from tests.host.data.sharded_squad import write_sharded_squad


@pytest.fixture(scope="module")
def squad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sharded_squad(tmp_path_factory.mktemp("shards") / "data")


def test_the_index_reads_identity_only_and_places_every_clip(squad: Path) -> None:
    dataset = load_dataset(squad)
    index = ShardIndex.of(dataset)
    clips = dataset.clips()
    assert len(index.paths) == 5 and len(index) == len(clips)
    assert index.identity.imu is None and index.identity.skeleton is None
    np.testing.assert_array_equal(index.identity.clip_id, clips.clip_id)
    np.testing.assert_array_equal(index.identity.label, clips.label)
    assert index.shard_of(np.array([0, 36, 37, 86, 87, 97, 98])).tolist() == [0, 0, 1, 1, 2, 2, 3]
    picked = np.array([140, 3, 60, 3, 99])
    gathered = index.gather(picked, frozenset({"imu", "imu_valid"}))
    np.testing.assert_array_equal(gathered.imu, clips.imu[picked])
    np.testing.assert_array_equal(gathered.clip_id, clips.clip_id[picked])
    assert gathered.skeleton is None


def test_a_bad_shard_is_named_when_the_index_is_built(squad: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in squad.iterdir():
        target = broken / item.name
        if item.is_dir():
            target.mkdir()
            for shard in item.iterdir():
                (target / shard.name).write_bytes(shard.read_bytes())
        else:
            target.write_bytes(item.read_bytes())
    (broken / CLIPS_DIR / "shard-00002.npz").write_bytes(b"not a zip")
    with pytest.raises(DatasetError, match="shard-00002.npz: not a readable .npz shard"):
        ShardIndex.of(load_dataset(broken))
