"""Clips prepared shard by shard as training, validation and evaluation ask for them,
instead of every clip prepared up front: the `ClipSource` of a streamed run.

A shard is read, checked and prepared (filter, resample, z-score: `prepare`, the same
function the in-memory path runs) the first time one of its clips is asked for, and its
prepared arrays are kept in a cache bounded in bytes, least recently used out first.
Prepared clips are about a sixth of the stored ones (model rates), so on the paper-size
squad a cache of a gigabyte holds every shard after the first epoch; a smaller cache
re-reads shards, which costs time, never memory. Each DataLoader worker keeps its own.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch

from host.data.shards import ShardIndex
from host.models.config import TrainConfig
from host.models.inputs import ClipArrays, InputStats, fit_stats, prepare

# Stored signals that fitting the normalisers reads (the skeleton is not z-scored).
STATS_KEYS = frozenset({"imu", "imu_valid", "gps", "gps_valid", "hr", "hr_valid"})
_FIELDS = ("imu", "gps", "hr", "skeleton", "present")


def streamed_stats(index: ShardIndex, train: np.ndarray, config: TrainConfig) -> InputStats:
    """The normalisers `fit_stats` gives on the training clips, reading only the signals
    they need, one shard at a time."""
    return fit_stats(index.gather(train, STATS_KEYS & index.keys), config)


class StreamedClips:
    """Prepared clips by index, read from their shards on demand (see the module doc)."""

    def __init__(
        self,
        index: ShardIndex,
        stats: InputStats,
        config: TrainConfig,
        cache_mb: float,
    ) -> None:
        self.index = index
        self.stats = stats
        self.config = config
        self.cache_bytes = int(cache_mb * 2**20)
        self._cache: OrderedDict[int, ClipArrays] = OrderedDict()
        self._cached_bytes = 0
        self.shard_reads = 0  # how many times a shard was read and prepared

    def __len__(self) -> int:
        return len(self.index)

    def prepared(self, shard: int) -> ClipArrays:
        """Shard `shard`'s clips at model rates, from the cache or read now."""
        if shard in self._cache:
            self._cache.move_to_end(shard)
            return self._cache[shard]
        arrays = prepare(self.index.read(shard), self.stats, self.config)
        self.shard_reads += 1
        size = sum(getattr(arrays, name).nbytes for name in _FIELDS)
        while self._cache and self._cached_bytes + size > self.cache_bytes:
            _, dropped = self._cache.popitem(last=False)
            self._cached_bytes -= sum(getattr(dropped, name).nbytes for name in _FIELDS)
        if size <= self.cache_bytes:
            self._cache[shard] = arrays
            self._cached_bytes += size
        return arrays

    def tensors(self, index: np.ndarray | slice | None = None) -> dict[str, torch.Tensor]:
        """The clips at `index` as `ClipArrays.tensors` gives them, in the order asked."""
        wanted = np.arange(len(self))[slice(None) if index is None else index]
        shards = self.index.shard_of(wanted)
        out: dict[str, np.ndarray] = {}
        for shard in np.unique(shards):
            rows = np.flatnonzero(shards == shard)
            arrays = self.prepared(int(shard))
            offsets = wanted[rows] - self.index.starts[shard]
            for name in _FIELDS:
                part = getattr(arrays, name)
                if name not in out:
                    out[name] = np.empty((len(wanted), *part.shape[1:]), part.dtype)
                out[name][rows] = part[offsets]
        if not out:  # no clips asked for: empty arrays of the prepared shapes
            first = self.prepared(0)
            out = {name: getattr(first, name)[:0] for name in _FIELDS}
        return {name: torch.from_numpy(out[name]) for name in _FIELDS}
