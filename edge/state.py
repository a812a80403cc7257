"""What a session keeps about each sensor and each athlete while it runs.

`SensorState` is one sensor's link health, clock fit and decoder; `AthleteState` holds an
athlete's ring buffers, event detector, window counts and running loads. The session
processor (`edge.stream`) owns one of each per sensor and athlete; the summary, the live
board and the sideline page read them."""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from edge import load, taxonomy
from edge.clock import ClockSync
from edge.events import ActionEvent, EventDetector
from edge.packets import PacketDecoder, SensorRole
from edge.ring_buffer import RingBuffer
from firmware_bridge.samples import ImuSamples


@dataclass
class SensorState:
    """One sensor's link health and clock as the session goes."""

    role: SensorRole
    clock: ClockSync | None = None
    frames: int = 0
    battery_pct: float | None = None
    last_arrival_s: float | None = None
    sensor_id: int | None = None
    # IMU frames waiting to be put on the timeline in one go at the next `advance`.
    pending_imu: list[ImuSamples] = field(default_factory=list)
    decoder: PacketDecoder = field(init=False)

    def __post_init__(self) -> None:
        self.decoder = PacketDecoder(self.role.address, self.role.protocol)

    @property
    def loss_pct(self) -> float:
        """Frames lost as a share of frames sent, from the sequence numbers seen."""
        if self.clock is None:
            return 0.0
        lost = self.clock.frames_lost
        return 100.0 * lost / max(1, lost + self.frames)


@dataclass
class AthleteState:
    """Buffers, detector and running totals of one athlete."""

    athlete_id: str
    detector: EventDetector
    imu: dict[str, RingBuffer]
    gps: RingBuffer  # speed over ground, m/s, for models that read it
    next_start_s: float | None = None
    windows_total: int = 0
    windows_dropped: int = 0
    drop_reasons: Counter[str] = field(default_factory=Counter)
    events: list[ActionEvent] = field(default_factory=list)
    player_load: float = 0.0
    last_waist_accel: np.ndarray | None = None
    pending_waist_accel: list[np.ndarray] = field(default_factory=list)
    # Whole-session series for the summary: 8 bytes a sample (0.6 MB for 2 h of 10 Hz GPS).
    speeds: array[float] = field(default_factory=lambda: array("d"))
    heart_rates: array[float] = field(default_factory=lambda: array("d"))
    first_t_s: float | None = None
    last_t_s: float | None = None

    def accumulate_load(self) -> None:
        """Add the waist samples received since the last call to PlayerLoad, in one go."""
        if not self.pending_waist_accel:
            return
        chunks = self.pending_waist_accel
        if self.last_waist_accel is not None:
            chunks = [self.last_waist_accel, *chunks]
        accel = np.concatenate(chunks)
        self.player_load += load.player_load(accel, taxonomy.IMU_RATE_HZ)
        self.last_waist_accel = accel[-1:]
        self.pending_waist_accel = []

    def note_time(self, t0: float, t1: float) -> None:
        """Widen the span of session time this athlete's IMU data covers."""
        self.first_t_s = t0 if self.first_t_s is None else min(self.first_t_s, t0)
        self.last_t_s = t1 if self.last_t_s is None else max(self.last_t_s, t1)
