"""Contract 2: put every sensor's device clock on one session timeline.

Each sensor's crystal drifts (tens of ppm) and every frame reaches the host late by a
variable radio/USB delay. The delay is never negative, so the *lower envelope* of
(arrival − device time) traces the clock offset: we keep the smallest offset seen in each
one-second chunk of device time and fit a line through those minima by least squares,
refitted once without the chunks that sit far above the line (chunks where every frame
was stalled). The fit is refreshed as
chunks close, so drift is followed through a session.

The same object watches frame sequence numbers: gaps (lost frames), wraps of the u32
counter, duplicates and resets (a sensor that rebooted) are recorded, never raised.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

SEQ_MODULUS = 2**32
# A forward jump larger than this is not a run of lost frames but a restarted counter.
MAX_SEQ_JUMP = 2**20
CHUNK_S = 1.0
HISTORY_CHUNKS = 300
REFIT_EVERY = 5
# Device time running backwards by more than this means the sensor restarted.
RESET_TOLERANCE_S = 0.5

SeqStatus = Literal["ok", "gap", "wrap", "duplicate", "reset", "late"]
# A frame this many behind the newest one is a late arrival (reordered on the radio).
MAX_REORDER = 64


@dataclass(frozen=True)
class Gap:
    """Frames a sensor should have sent and did not, on the session timeline."""

    sensor_id: int
    start_s: float
    end_s: float
    frames_lost: int
    kind: Literal["loss", "reset"]

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class ClockSync:
    """Online device→host time fit and sequence bookkeeping for one sensor."""

    def __init__(
        self,
        sensor_id: int,
        chunk_s: float = CHUNK_S,
        history_chunks: int = HISTORY_CHUNKS,
    ) -> None:
        self.sensor_id = sensor_id
        self.chunk_s = chunk_s
        self.gaps: list[Gap] = []
        self.wraps = 0
        self.duplicates = 0
        self.resets = 0
        self.reordered = 0
        self._history: deque[tuple[float, float]] = deque(maxlen=history_chunks)
        self._epoch_us: int | None = None  # device time of the first frame of this epoch
        self._chunk_index: int | None = None
        self._chunk_min: tuple[float, float] | None = None
        self._closed_chunks = 0
        self._slope = 0.0  # offset drift: host ≈ d + slope·d + intercept
        self._intercept = 0.0
        self._residual_s: float | None = None
        self._last_seq: int | None = None
        self._last_device_us: int | None = None
        self._last_end_s: float | None = None

    # -- observing frames ---------------------------------------------------------------

    def observe(
        self, seq: int, t_device_us: int, arrival_s: float, frame_span_us: int = 0
    ) -> SeqStatus:
        """Take one frame's sequence number, device time and host arrival time.

        `frame_span_us` is the device time the frame covers (n_samples · period), used to
        say where a gap starts. Returns what the sequence number showed; a duplicate
        should be dropped by the caller.
        """
        status = self._check_sequence(seq, t_device_us, arrival_s)
        if status == "duplicate":
            return status
        if status == "late":
            self._add_point(t_device_us, arrival_s)
            return status
        if self._epoch_us is None:
            self._epoch_us = t_device_us
            self._intercept = arrival_s
        self._add_point(t_device_us, arrival_s)
        self._last_seq = seq
        self._last_device_us = t_device_us
        self._last_end_s = self._session_s(t_device_us + frame_span_us)
        return status

    def would_reset(self, seq: int, t_device_us: int) -> bool:
        """Whether this frame shows a restarted sensor (and so starts a new fit)."""
        if self._last_seq is None or self._last_device_us is None:
            return False
        step = (seq - self._last_seq) % SEQ_MODULUS
        went_back = t_device_us < self._last_device_us - RESET_TOLERANCE_S * 1e6
        return went_back or (step > MAX_SEQ_JUMP and not self._is_late(seq))

    def _is_late(self, seq: int) -> bool:
        assert self._last_seq is not None
        return 0 < (self._last_seq - seq) % SEQ_MODULUS <= MAX_REORDER

    def _check_sequence(self, seq: int, t_device_us: int, arrival_s: float) -> SeqStatus:
        if self._last_seq is None or self._last_device_us is None:
            return "ok"
        step = (seq - self._last_seq) % SEQ_MODULUS
        if self.would_reset(seq, t_device_us):
            self.resets += 1
            start = self._last_end_s if self._last_end_s is not None else arrival_s
            self.gaps.append(Gap(self.sensor_id, start, arrival_s, 0, "reset"))
            self._restart_fit()
            return "reset"
        if step == 0:
            self.duplicates += 1
            return "duplicate"
        if self._is_late(seq):
            # Reordered: it was counted lost when its successor came; it was not.
            self.reordered += 1
            for index in range(len(self.gaps) - 1, -1, -1):
                gap = self.gaps[index]
                if gap.kind == "loss" and gap.frames_lost > 0:
                    self.gaps[index] = replace(gap, frames_lost=gap.frames_lost - 1)
                    if self.gaps[index].frames_lost == 0:
                        del self.gaps[index]
                    break
            return "late"
        wrapped = seq < self._last_seq
        if wrapped:
            self.wraps += 1
        if step > 1:
            start = self._last_end_s if self._last_end_s is not None else arrival_s
            end = self._session_s(t_device_us)
            self.gaps.append(Gap(self.sensor_id, start, max(start, end), step - 1, "loss"))
            return "gap"
        return "wrap" if wrapped else "ok"

    def _restart_fit(self) -> None:
        """A rebooted sensor has a new clock origin: forget the old fit."""
        self._history.clear()
        self._epoch_us = None
        self._chunk_index = None
        self._chunk_min = None
        self._closed_chunks = 0
        self._slope = 0.0
        self._last_seq = None
        self._last_device_us = None

    def _add_point(self, t_device_us: int, arrival_s: float) -> None:
        assert self._epoch_us is not None
        device_s = (t_device_us - self._epoch_us) / 1e6
        offset = arrival_s - device_s
        chunk = int(device_s // self.chunk_s)
        if self._chunk_index is None:
            self._chunk_index = chunk
        if chunk != self._chunk_index and self._chunk_min is not None:
            self._history.append(self._chunk_min)
            self._chunk_min = None
            self._chunk_index = chunk
            self._closed_chunks += 1
            # Drift changes slowly: refit every chunk while the fit is young, then every 5.
            if self._closed_chunks <= REFIT_EVERY * 2 or self._closed_chunks % REFIT_EVERY == 0:
                self._refit()
        if self._chunk_min is None or offset < self._chunk_min[1]:
            self._chunk_min = (device_s, offset)
        if not self._history:
            # Until one chunk has closed, the best offset estimate is the smallest seen.
            self._intercept = self._chunk_min[1]

    def _refit(self) -> None:
        points = np.asarray(self._history)
        if len(points) < 3:
            self._slope = 0.0
            self._intercept = float(points[:, 1].min())
            return
        device_s, offset = points[:, 0], points[:, 1]
        slope, intercept = np.polyfit(device_s, offset, 1)
        residual = offset - (slope * device_s + intercept)
        spread = 1.4826 * np.median(np.abs(residual - np.median(residual)))
        keep = residual <= np.median(residual) + max(3 * spread, 1e-4)
        if keep.sum() >= 3 and not keep.all():
            slope, intercept = np.polyfit(device_s[keep], offset[keep], 1)
            residual = offset[keep] - (slope * device_s[keep] + intercept)
        self._slope = float(slope)
        self._intercept = float(intercept)
        self._residual_s = float(np.sqrt(np.mean(residual**2)))

    # -- mapping ------------------------------------------------------------------------

    def to_session(self, t_device_us: np.ndarray | int) -> np.ndarray:
        """Device clock (µs) → session time (s) with the current fit."""
        if self._epoch_us is None:
            raise RuntimeError(f"sensor {self.sensor_id}: no frame observed yet")
        device_s = (np.asarray(t_device_us, dtype=np.int64) - self._epoch_us) / 1e6
        return device_s + self._slope * device_s + self._intercept

    def _session_s(self, t_device_us: int) -> float:
        """`to_session` for one time, without numpy overhead (called for every frame)."""
        assert self._epoch_us is not None
        device_s = (t_device_us - self._epoch_us) / 1e6
        return device_s + self._slope * device_s + self._intercept

    @property
    def drift_ppm(self) -> float:
        """Fitted device-clock drift relative to the host, parts per million."""
        return -self._slope * 1e6

    @property
    def residual_ms(self) -> float | None:
        """RMS distance of the chunk minima from the fitted line: how well the fit holds."""
        return None if self._residual_s is None else self._residual_s * 1e3

    @property
    def frames_lost(self) -> int:
        return sum(gap.frames_lost for gap in self.gaps)
