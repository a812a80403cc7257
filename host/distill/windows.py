"""Cut the student's raw input windows out of dataset clips.

A stored clip is 8 s (6 s of action with 1 s of context either side); the student sees a
6 s window of waist + calf IMU at 100 Hz plus GPS speed interpolated onto the same grid,
in physical units. Filtering and z-scoring are not done here: they are the bundle's
`prepare_windows`, the same function the edge runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge import dsp, taxonomy
from firmware_bridge.errors import UserError
from host.data.dataset import Clips
from host.distill.config import (
    GPS_SPEED_CHANNEL,
    MAX_IMU_GAP_S,
    MIN_GPS_COVERAGE,
    STUDENT_RATE_HZ,
    WINDOW_S,
)


class StudentDataError(UserError, ValueError):
    """The dataset cannot feed the student (no IMU, unknown labels); says what is missing."""


@dataclass(frozen=True)
class StudentWindows:
    """Raw windows `(N, C, T)` float32, which channels were measured `(N, C)`, whether the
    IMU is complete enough to score (`imu_ok`, paper's 3 s loss rule) and labels in
    the student's label order (`student_labels`)."""

    raw: np.ndarray
    present: np.ndarray
    imu_ok: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.raw)

    def subset(self, index: np.ndarray) -> StudentWindows:
        return StudentWindows(
            self.raw[index], self.present[index], self.imu_ok[index], self.labels[index]
        )


@dataclass(frozen=True)
class ShiftedWindows:
    """The student's window of every clip at several shifts, stored once: a raw span
    `(N, C, S)` float32 that covers every shifted window, and per view `v` its start
    `offsets[v]` in the span, which channels were measured `present (N, views, C)` and
    whether the IMU is complete enough `imu_ok (N, views)`. The default views (6 s, and
    6 s moved 0.3 s either way) fit one 6.6 s span: 37 % of the three windows' memory."""

    raw: np.ndarray
    present: np.ndarray
    imu_ok: np.ndarray
    labels: np.ndarray
    offsets: tuple[int, ...]
    length: int

    def __len__(self) -> int:
        return len(self.raw)

    @property
    def n_views(self) -> int:
        return len(self.offsets)

    def raw_view(self, view: int, index: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Raw windows `(n, C, T)` of view `view` for the clips `index`, a new array; a
        channel a clip lacks in this view is 0, as `clip_windows` cuts it."""
        start = self.offsets[view]
        raw = self.raw[index, :, start : start + self.length]
        raw = raw.copy() if isinstance(index, slice) else raw  # fancy indexing copied already
        np.copyto(raw, 0.0, where=~self.present[index, view, :, None])
        return raw

    def view(self, view: int) -> StudentWindows:
        """Every clip's window at shift number `view`."""
        return StudentWindows(
            self.raw_view(view), self.present[:, view], self.imu_ok[:, view], self.labels
        )

    def subset(self, index: np.ndarray) -> ShiftedWindows:
        return ShiftedWindows(
            self.raw[index],
            self.present[index],
            self.imu_ok[index],
            self.labels[index],
            self.offsets,
            self.length,
        )

    @classmethod
    def allocate(cls, n: int, like: ShiftedWindows) -> ShiftedWindows:
        """Room for `n` clips cut as `like` was, to be filled part by part with `put` (a
        list of parts joined at the end would hold every window twice)."""

        def room(array: np.ndarray) -> np.ndarray:
            return np.empty((n, *array.shape[1:]), array.dtype)

        return cls(
            room(like.raw),
            room(like.present),
            room(like.imu_ok),
            room(like.labels),
            like.offsets,
            like.length,
        )

    def put(self, start: int, part: ShiftedWindows) -> None:
        """Write `part`'s clips (cut with the same shifts) from row `start` on."""
        rows = slice(start, start + len(part))
        self.raw[rows], self.present[rows] = part.raw, part.present
        self.imu_ok[rows], self.labels[rows] = part.imu_ok, part.labels


def student_channels(imu_cutoff_hz: float, gps_cutoff_hz: float) -> list[dict[str, object]]:
    """The manifest `channels` block: 12 IMU channels then optional GPS speed."""
    channels: list[dict[str, object]] = []
    for name in taxonomy.IMU_CHANNELS:
        axis = name.rsplit("_", 1)[1]
        channels.append(
            {"name": name, "unit": taxonomy.IMU_UNITS[axis[0]], "lowpass_hz": imu_cutoff_hz}
        )
    channels.append(
        {"name": GPS_SPEED_CHANNEL, "unit": "m/s", "optional": True, "lowpass_hz": gps_cutoff_hz}
    )
    return channels


def student_labels(dataset_labels: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The student's (and its bundle's) label order: the paper's actions + background for
    data that speaks them, else the dataset's own vocabulary (a club's takes)."""
    if set(dataset_labels) <= set(taxonomy.LABELS):
        return taxonomy.LABELS
    return tuple(dataset_labels)


def label_indices(
    dataset_labels: list[str],
    clip_labels: np.ndarray,
    vocabulary: tuple[str, ...] = taxonomy.LABELS,
) -> np.ndarray:
    """Dataset label ids → indices into `vocabulary` (the bundle's label order)."""
    unknown = sorted(set(dataset_labels) - set(vocabulary))
    if unknown:
        raise StudentDataError(f"dataset labels {unknown} are not in the student's labels")
    lookup = np.array([vocabulary.index(name) for name in dataset_labels], dtype=np.int64)
    return lookup[np.asarray(clip_labels, dtype=np.int64)]


def clip_windows(
    clips: Clips,
    dataset_labels: list[str],
    imu_rate_hz: float,
    gps_rate_hz: float,
    shift_s: float = 0.0,
    vocabulary: tuple[str, ...] | None = None,
) -> StudentWindows:
    """The student's window of every clip, centred on the action (moved by `shift_s`), with
    labels in `vocabulary` order (default `student_labels(dataset_labels)`)."""
    spans = clip_spans(clips, dataset_labels, imu_rate_hz, gps_rate_hz, (shift_s,), vocabulary)
    return spans.view(0)


def clip_spans(
    clips: Clips,
    dataset_labels: list[str],
    imu_rate_hz: float,
    gps_rate_hz: float,
    shifts_s: tuple[float, ...],
    vocabulary: tuple[str, ...] | None = None,
) -> ShiftedWindows:
    """One span per clip covering the student's window at every shift in `shifts_s`
    (`view(v)` is exactly `clip_windows` at `shifts_s[v]`), labels in `vocabulary` order
    (default `student_labels(dataset_labels)`)."""
    if clips.imu is None or clips.imu_valid is None:
        raise StudentDataError("the dataset has no IMU clips; the student reads waist + calf IMU")
    if imu_rate_hz != STUDENT_RATE_HZ:
        raise StudentDataError(f"IMU is {imu_rate_hz} Hz; the student runs at {STUDENT_RATE_HZ} Hz")
    if not shifts_s:
        raise StudentDataError("no window shifts given; the centred window is shift 0.0")
    n, _, stored = clips.imu.shape
    length = round(WINDOW_S * STUDENT_RATE_HZ)
    starts = [(stored - length) // 2 + round(shift * STUDENT_RATE_HZ) for shift in shifts_s]
    for shift, start in zip(shifts_s, starts, strict=True):
        if start < 0 or start + length > stored:
            raise StudentDataError(f"a {shift} s shift leaves the stored clip")
    span = slice(min(starts), max(starts) + length)
    views = [slice(start, start + length) for start in starts]
    raw = np.zeros((n, len(taxonomy.IMU_CHANNELS) + 1, span.stop - span.start), np.float32)
    raw[:, :12] = clips.imu[:, :, span]
    imu_ok = np.empty((n, len(views)), dtype=bool)
    for number, window in enumerate(views):
        missing = (~clips.imu_valid[:, :, window]).sum(axis=2)  # (N, sites)
        imu_ok[:, number] = (missing <= MAX_IMU_GAP_S * STUDENT_RATE_HZ).all(axis=1)
    present = np.ones((n, len(views), raw.shape[1]), dtype=bool)
    present[:, :, 12] = False
    if clips.gps is not None and clips.gps_valid is not None:
        speed, gps_present = _gps_speed(
            clips.gps[:, taxonomy.GPS_CHANNELS.index("speed_mps")],
            clips.gps_valid,
            gps_rate_hz,
            span,
            views,
        )
        raw[:, 12] = speed
        present[:, :, 12] = gps_present
    order = vocabulary or student_labels(dataset_labels)
    labels = label_indices(dataset_labels, clips.label, order)
    offsets = tuple(start - span.start for start in starts)
    return ShiftedWindows(raw, present, imu_ok, labels, offsets, length)


def _gps_speed(
    speed: np.ndarray, valid: np.ndarray, gps_rate_hz: float, span: slice, views: list[slice]
) -> tuple[np.ndarray, np.ndarray]:
    """GPS speed interpolated linearly onto the IMU samples of `span` from its valid fixes
    only, and whether each window in `views` has enough fixes `(N, views)`. A clip whose
    fixes cover no window is left at 0 (every view zeroes what it lacks)."""
    t_gps = np.arange(speed.shape[1]) / gps_rate_hz
    t_span = np.arange(span.start, span.stop) / STUDENT_RATE_HZ
    present = np.zeros((len(speed), len(views)), dtype=bool)
    for number, window in enumerate(views):
        t_window = np.arange(window.start, window.stop) / STUDENT_RATE_HZ
        in_window = (t_gps >= t_window[0]) & (t_gps <= t_window[-1])
        if in_window.any():
            present[:, number] = valid[:, in_window].mean(axis=1) >= MIN_GPS_COVERAGE
    out = np.zeros((len(speed), len(t_span)), dtype=np.float32)
    complete = valid.all(axis=1)
    if complete.any():
        out[complete] = dsp.resample_linear(t_gps, speed[complete], t_span)
    for row in np.flatnonzero(present.any(axis=1) & ~complete):
        keep = valid[row]
        out[row] = dsp.resample_linear(t_gps[keep], speed[row, keep], t_span)
    return out, present
