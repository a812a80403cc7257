"""The students' training inputs in several views, prepared a batch at a time.

A student learns every clip at a few time shifts (`DistillConfig.shift_views_s`). Held
prepared, the views of a paper-size squad's training clips take three times a view's
memory (1.4 GB of the 6.8 GB distillation peaked at); `ShiftedViews` keeps one raw span
per clip instead (`ShiftedWindows`, 37 % of that) and cuts, filters and z-scores the
view each row of a batch asks for, with the bundle's own `prepare_windows`: the batch is
the same, value for value, as the rows of views prepared whole. `StackedViews` serves
inputs that are already prepared, as a `(views, N, C, T)` array.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from edge.bundle import InputSpec, prepare_windows
from host.distill.windows import ShiftedWindows

# Windows prepared at a time when a whole view is wanted (bounds float64 temporaries).
PREPARE_CHUNK = 2048


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

    def _prepared(self, number: int, rows: np.ndarray) -> np.ndarray:
        present = self.windows.present[rows, number]
        return prepare_windows(self.spec, self.windows.raw_view(number, rows), present)
