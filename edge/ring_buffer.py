"""A fixed-size store of one sensor's latest timed samples.

The session processor keeps one per sensor site and athlete, sized to `buffer_s` seconds at
the sensor's rate, so memory stays bounded whatever the session length; windows and impact
peaks read back the span they need with `between`."""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """The last `capacity` timed samples of one sensor, oldest overwritten first."""

    def __init__(self, capacity: int, width: int) -> None:
        self._t = np.zeros(capacity)
        self._x = np.zeros((capacity, width), dtype=np.float32)
        self._head = 0  # next write position
        self._count = 0

    @property
    def capacity(self) -> int:
        return len(self._t)

    @property
    def latest_t(self) -> float | None:
        return float(self._t[self._head - 1]) if self._count else None

    def append(self, t: np.ndarray, x: np.ndarray) -> None:
        """Add samples; any not later than the newest held (a clock refit overlap) is dropped."""
        latest = self.latest_t
        if latest is not None and t[0] <= latest:
            keep = t > latest
            t, x = t[keep], x[keep]
        n = len(t)
        if n == 0:
            return
        if n >= self.capacity:
            t, x, n = t[-self.capacity :], x[-self.capacity :], self.capacity
        end = self._head + n
        if end <= self.capacity:
            self._t[self._head : end] = t
            self._x[self._head : end] = x
        else:
            split = self.capacity - self._head
            self._t[self._head :], self._t[: n - split] = t[:split], t[split:]
            self._x[self._head :], self._x[: n - split] = x[:split], x[split:]
        self._head = end % self.capacity
        self._count = min(self.capacity, self._count + n)

    def between(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Samples with t0 ≤ t ≤ t1, oldest first (copies only what is asked for)."""
        if self._count == 0:
            return np.zeros(0), np.zeros((0, self._x.shape[1]), dtype=np.float32)
        start = (self._head - self._count) % self.capacity
        if start + self._count <= self.capacity:
            segments = [(start, start + self._count)]
        else:
            segments = [(start, self.capacity), (0, self._head)]
        times, values = [], []
        for lo_index, hi_index in segments:
            t = self._t[lo_index:hi_index]
            lo, hi = np.searchsorted(t, [t0, t1 + 1e-9])
            if hi > lo:
                times.append(t[lo:hi])
                values.append(self._x[lo_index + lo : lo_index + hi])
        if not times:
            return np.zeros(0), np.zeros((0, self._x.shape[1]), dtype=np.float32)
        if len(times) == 1:
            return times[0], values[0]
        return np.concatenate(times), np.concatenate(values)
