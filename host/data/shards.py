"""A dataset's clip shards read lazily: what a run needs of every clip (ids, athlete,
session, label, scene, week) is read once, and a shard's signals only when a clip of it
is asked for, one shard at a time.

`Dataset.clips()` concatenates every shard's signals; on the paper-size squad that is
gigabytes per process before training starts (issue 18). The shard index holds a few
megabytes instead; `host.training.streaming` prepares shards on demand from it.
The checks are `host.data.dataset`'s own: identity columns when the index is built,
a whole shard when it is read.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from host.data.dataset import (
    CLIPS_DIR,
    REQUIRED_CLIP_KEYS,
    Clips,
    Dataset,
    DatasetError,
    _read_shard,
)
from host.data.manifest import Manifest


@dataclass(frozen=True)
class ShardIndex:
    """Where every clip lives (shard and row) and its identity columns."""

    root: Path
    manifest: Manifest
    paths: tuple[Path, ...]
    starts: np.ndarray  # (S + 1,) index of each shard's first clip; the last is the total
    identity: Clips  # identity columns of every clip, signals None
    keys: frozenset[str]  # the signal keys every shard holds

    def __len__(self) -> int:
        return int(self.starts[-1])

    @classmethod
    def of(cls, dataset: Dataset) -> ShardIndex:
        """Read the identity columns of every shard (not their signals) and check them as
        loading all clips would: same keys in every shard, labels and scenes in range,
        no clip id twice."""
        paths = tuple(dataset.clip_shards)
        if not paths:
            raise DatasetError(
                f"{dataset.root / CLIPS_DIR}: no clip shards (this dataset has no labelled clips)"
            )
        parts: dict[str, list[np.ndarray]] = {key: [] for key in REQUIRED_CLIP_KEYS}
        counts, present = [], None
        for path in paths:
            keys, columns = _identity(path)
            if present is None:
                present = keys
            elif keys != present:
                raise DatasetError(
                    f"{path}: holds keys {sorted(keys)} but earlier shards hold {sorted(present)}"
                )
            _check_ranges(path, columns, dataset.manifest)
            for key, value in columns.items():
                parts[key].append(value)
            counts.append(len(columns["clip_id"]))
        identity = Clips(**{key: np.concatenate(values) for key, values in parts.items()})
        _, first = np.unique(identity.clip_id, return_index=True)
        if len(first) != len(identity):
            duplicate = str(identity.clip_id[np.setdiff1d(np.arange(len(identity)), first)[0]])
            raise DatasetError(f"{CLIPS_DIR}/: clip_id {duplicate!r} appears more than once")
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        assert present is not None  # at least one shard
        signals = frozenset(present) - set(REQUIRED_CLIP_KEYS)
        return cls(dataset.root, dataset.manifest, paths, starts, identity, signals)

    def shard_of(self, index: np.ndarray) -> np.ndarray:
        """The shard number of each clip index."""
        return np.searchsorted(self.starts, np.asarray(index, np.int64), side="right") - 1

    def read(self, shard: int, keys: frozenset[str] | None = None) -> Clips:
        """Shard `shard`'s clips, checked whole; only `keys` of its signals are kept."""
        arrays = _read_shard(self.paths[shard], self.manifest)
        kept = {
            key: value
            for key, value in arrays.items()
            if key in REQUIRED_CLIP_KEYS or keys is None or key in keys
        }
        return Clips(**kept)

    def gather(self, index: np.ndarray, keys: frozenset[str]) -> Clips:
        """The clips at `index` (in that order) with only `keys` of their signals, read
        one shard at a time: what fitting statistics on the training clips needs."""
        index = np.asarray(index, np.int64)
        shards = self.shard_of(index)
        parts, order = [], []
        for shard in np.unique(shards):
            rows = np.flatnonzero(shards == shard)
            clips = self.read(int(shard), keys)
            parts.append(clips.subset(index[rows] - self.starts[shard]))
            order.append(rows)
        if not parts:
            return self.identity.subset(index)
        back = np.argsort(np.concatenate(order), kind="stable")
        return Clips(
            **{
                f.name: np.concatenate([getattr(p, f.name) for p in parts])[back]
                for f in fields(Clips)
                if getattr(parts[0], f.name) is not None
            }
        )


def _identity(path: Path) -> tuple[frozenset[str], dict[str, np.ndarray]]:
    """A shard's key names and identity columns; its signals stay compressed on disk."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            keys = frozenset(npz.files)
            columns = {key: npz[key] for key in REQUIRED_CLIP_KEYS if key in keys}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"{path}: not a readable .npz shard ({exc})") from None
    missing = [key for key in REQUIRED_CLIP_KEYS if key not in keys]
    if missing:
        raise DatasetError(f"{path}: missing key(s) {', '.join(missing)}")
    n = len(columns["clip_id"])
    for key, value in columns.items():
        if value.ndim != 1 or len(value) != n:
            raise DatasetError(f"{path}: '{key}' has shape {value.shape}, expected ({n},)")
    return keys, columns


def _check_ranges(path: Path, columns: dict[str, np.ndarray], manifest: Manifest) -> None:
    for key, names in (("label", manifest.labels), ("scene", manifest.scenes)):
        values = columns[key]
        if values.dtype.kind not in "iu":
            raise DatasetError(f"{path}: '{key}' has dtype {values.dtype}, expected kind 'i'")
        if len(values) and (values.min() < 0 or values.max() >= len(names)):
            raise DatasetError(f"{path}: '{key}' outside 0..{len(names) - 1} (manifest {key}s)")
