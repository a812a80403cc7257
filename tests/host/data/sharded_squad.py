"""The fixture squad with its clips spread over shards of uneven sizes, for the lazy
shard index and the streamed clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from host.data.dataset import load_dataset, write_clip_shard
from tests.host.models.squad_fixture import write_fixture_squad

SHARD_SIZES = (37, 50, 11, 45)  # and the rest in a fifth shard


def write_sharded_squad(root: Path) -> Path:
    """The fixture squad at `root`, its one shard rewritten as shards of `SHARD_SIZES`."""
    write_fixture_squad(root)
    dataset = load_dataset(root)
    arrays = dataset.clips().as_dict()
    for path in dataset.clip_shards:
        path.unlink()
    total = len(arrays["clip_id"])
    bounds = np.minimum(np.cumsum([0, *SHARD_SIZES, total]), total)
    for number, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        part = {key: value[start:stop] for key, value in arrays.items()}
        write_clip_shard(root, number, part, dataset.manifest)
    return root
