"""The students' training inputs in several views, prepared a batch at a time.

A student learns every clip at a few time shifts (`DistillConfig.shift_views_s`). Held
prepared, the views of a paper-size squad's training clips take three times a view's
memory (1.4 GB of the 6.8 GB distillation peaked at); `ShiftedViews` keeps one raw span
per clip instead (`ShiftedWindows`, 37 % of that) and cuts, filters and z-scores the
view each row of a batch asks for, with the bundle's own `prepare_windows`: the batch is
the same, value for value, as the rows of views prepared whole. That costs compute
(filtering a batch takes about as long as a training step), so a training set whose
views fit in `HELD_VIEWS_MB` is prepared whole once instead (`held`). `StackedViews`
serves inputs that are already prepared, as a `(views, N, C, T)` array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from edge.bundle import InputSpec, prepare_windows
from host.distill.windows import ShiftedWindows

# Windows prepared at a time when a whole view is wanted (bounds float64 temporaries).
PREPARE_CHUNK = 2048
# Prepared views up to this size are held in memory: a squad of up to ≈ 8 000 clips
# (≈ 5 500 training windows in three views) trains as fast as before views were cut per
# batch; a bigger one prepares each batch (docs/host.md, distillation's memory).
HELD_VIEWS_MB = 512.0


class ViewSource(Protocol):
    """Prepared model inputs `(C, T)` of N examples in `n_views` views."""

    @property
    def n_views(self) -> int: ...

    def __len__(self) -> int: ...

    def batch(self, views: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """A new float32 array `(len(rows), C, T)`: example `rows[i]` in view `views[i]`."""
        ...

    def view(self, number: int) -> np.ndarray:
        """Every example in view `number`, `(N, C, T)`."""
        ...

    def held(self, limit_mb: float) -> ViewSource:
        """The same views, prepared whole in memory if they take at most `limit_mb`."""
        ...


@dataclass(frozen=True)
class StackedViews:
    """Views prepared in advance, `inputs (views, N, C, T)`."""

    inputs: np.ndarray

    @property
    def n_views(self) -> int:
        return int(self.inputs.shape[0])

    def __len__(self) -> int:
        return int(self.inputs.shape[1])

    def batch(self, views: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.inputs[views, rows]  # fancy indexing: a new array

    def view(self, number: int) -> np.ndarray:
        return self.inputs[number]

    def held(self, limit_mb: float) -> ViewSource:
        return self


@dataclass(frozen=True)
class ShiftedViews:
    """The clips of `windows` prepared with `spec` in the view each row asks for, then
    `extra`: prepared windows `(M, C, T)` that look the same in every view (the continuous
    sessions' windows, which have no shifted copies)."""

    spec: InputSpec
    windows: ShiftedWindows
    extra: np.ndarray

    @property
    def n_views(self) -> int:
        return self.windows.n_views

    def __len__(self) -> int:
        return len(self.windows) + len(self.extra)

    def batch(self, views: np.ndarray, rows: np.ndarray) -> np.ndarray:
        n_clips = len(self.windows)
        out = np.empty((len(rows), len(self.spec.channels), self.windows.length), np.float32)
        clip = rows < n_clips
        out[~clip] = self.extra[rows[~clip] - n_clips]
        for number in np.unique(views[clip]):
            chosen = np.flatnonzero(clip & (views == number))
            out[chosen] = self._prepared(int(number), rows[chosen])
        return out

    def view(self, number: int) -> np.ndarray:
        n_clips = len(self.windows)
        out = np.empty((len(self), len(self.spec.channels), self.windows.length), np.float32)
        for start in range(0, n_clips, PREPARE_CHUNK):
            rows = np.arange(start, min(start + PREPARE_CHUNK, n_clips))
            out[rows] = self._prepared(number, rows)
        out[n_clips:] = self.extra
        return out

    def held(self, limit_mb: float) -> ViewSource:
        shape = (self.n_views, len(self), len(self.spec.channels), self.windows.length)
        if np.prod(shape) * 4 > limit_mb * 2**20:  # float32
            return self
        stacked = np.empty(shape, np.float32)
        for number in range(self.n_views):
            stacked[number] = self.view(number)
        return StackedViews(stacked)

    def _prepared(self, number: int, rows: np.ndarray) -> np.ndarray:
        present = self.windows.present[rows, number]
        return prepare_windows(self.spec, self.windows.raw_view(number, rows), present)


@dataclass(frozen=True)
class SelectedRows:
    """The examples `rows` of `source`, in its views: the training set of a family fitted
    without some athletes (host.distill.family), without copying what `source` holds."""

    source: ViewSource
    rows: np.ndarray

    @property
    def n_views(self) -> int:
        return self.source.n_views

    def __len__(self) -> int:
        return len(self.rows)

    def batch(self, views: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.source.batch(views, self.rows[rows])

    def view(self, number: int) -> np.ndarray:
        return self.source.batch(np.full(len(self.rows), number), self.rows)

    def held(self, limit_mb: float) -> ViewSource:
        return SelectedRows(self.source.held(limit_mb), self.rows)
