"""Virtual devices: sample arrays in, the frames a real sensor would deliver out.

A device samples on its own clock (offset + drift in ppm against session time), numbers
every frame it makes (IMU/GPS/HR and periodic STATUS share one `seq`), and its link
loses frames in bursts, delivers some late and out of order, and drops out entirely
during disconnects. Lost frames still used their seq, as on real hardware, so the edge
sees the gaps. Output is a list of `Emission`s sorted by arrival time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from firmware_bridge.config import (
    DEFAULT_ACCEL_RANGE_G,
    DEFAULT_GYRO_RANGE_DPS,
    IMU_SAMPLES_PER_FRAME,
    MAX_IMU_SAMPLES,
    StatusFlags,
)
from firmware_bridge.frame import (
    encode_gps,
    encode_hr,
    encode_imu_raw,
    encode_status,
    quantise_imu,
    range_code,
)
from firmware_bridge.standard.ble_gatt import encode_heart_rate_measurement
from firmware_bridge.standard.nmea import format_epoch


class Emission(NamedTuple):
    """One frame (or NMEA sentence, or BLE value) arriving at the host at session time t_s."""

    t_s: float
    data: bytes
    sensor_id: int
    seq: int


@dataclass(frozen=True)
class DeviceClock:
    """device_us = offset_us + session_us · (1 + drift_ppm·1e-6). Crystals: ±20-100 ppm."""

    offset_us: int = 0
    drift_ppm: float = 0.0

    def device_us(self, t_s: float) -> int:
        return self.offset_us + round(t_s * 1e6 * (1.0 + self.drift_ppm * 1e-6))


@dataclass(frozen=True)
class LinkProfile:
    """What the radio does to frames on their way to the sideline."""

    loss_prob: float = 0.0  # chance that a loss burst starts at any frame
    loss_burst_frames: float = 3.0  # mean burst length (geometric)
    reorder_prob: float = 0.0  # chance a frame arrives after its successor
    latency_s: float = 0.004
    jitter_s: float = 0.002  # uniform extra latency 0..jitter
    disconnects: tuple[tuple[float, float], ...] = ()  # (start_s, duration_s), session time

    def connected(self, t_s: float) -> bool:
        return not any(start <= t_s < start + length for start, length in self.disconnects)


@dataclass(frozen=True)
class BatteryProfile:
    """Battery drain reported in STATUS frames every `status_every_s` (0: no STATUS)."""

    start_pct: float = 100.0
    drain_pct_per_hour: float = 8.0
    status_every_s: float = 10.0
    temp_c: float = 31.0
    low_below_pct: float = 15.0

    def percent(self, t_s: float) -> int:
        return max(0, min(100, math.floor(self.start_pct - self.drain_pct_per_hour * t_s / 3600)))


# A frame waiting for its seq: (send time in session seconds, builder taking the seq).
_Pending = tuple[float, Callable[[int], bytes]]


def _fixed(data: bytes) -> Callable[[int], bytes]:
    """The builder of a frame whose bytes do not carry the seq (vendor layouts)."""
    return lambda _seq: data


@dataclass
class VirtualDevice:
    """Common clock, link and battery behaviour; subclasses say what frames they make."""

    sensor_id: int
    clock: DeviceClock = field(default_factory=DeviceClock)
    link: LinkProfile = field(default_factory=LinkProfile)
    battery: BatteryProfile = field(default_factory=BatteryProfile)
    seed: int = 0
    first_seq: int = 0

    def _data_frames(self) -> list[_Pending]:
        raise NotImplementedError

    def _end_s(self) -> float:
        """Session time of the last sample (every device replays samples at times `t_s`)."""
        t_s = self.t_s  # type: ignore[attr-defined]
        return float(t_s[-1]) if t_s.size else 0.0

    def _status_frames(self) -> list[_Pending]:
        every = self.battery.status_every_s
        if every <= 0:
            return []
        pending: list[_Pending] = []
        for t in np.arange(0.0, self._end_s() + 1e-9, every):
            pct = self.battery.percent(float(t))
            flags = StatusFlags.LOW_BATTERY if pct < self.battery.low_below_pct else 0
            device_t = self.clock.device_us(float(t))
            pending.append((float(t), self._status_builder(device_t, pct, int(flags))))
        return pending

    def _status_builder(self, t_us: int, pct: int, flags: int) -> Callable[[int], bytes]:
        return lambda seq: encode_status(self.sensor_id, seq, t_us, pct, self.battery.temp_c, flags)

    def emissions(self) -> list[Emission]:
        """Every frame that reaches the host, in arrival order."""
        pending = sorted(self._data_frames() + self._status_frames(), key=lambda p: p[0])
        frames = [
            (t, build((self.first_seq + i) & 0xFFFFFFFF), (self.first_seq + i) & 0xFFFFFFFF)
            for i, (t, build) in enumerate(pending)
        ]
        return self._through_link(frames)

    def _through_link(self, frames: list[tuple[float, bytes, int]]) -> list[Emission]:
        rng = np.random.default_rng(self.seed)
        link = self.link
        delivered: list[Emission] = []
        burst_left = 0
        for t, data, seq in frames:
            if burst_left == 0 and link.loss_prob and rng.random() < link.loss_prob:
                burst_left = int(rng.geometric(1.0 / max(link.loss_burst_frames, 1.0)))
            if burst_left:
                burst_left -= 1
                continue
            if not link.connected(t):
                continue
            arrival = t + link.latency_s + link.jitter_s * float(rng.random())
            if delivered:  # the link keeps order (reordering is applied below, on purpose)
                arrival = max(arrival, delivered[-1].t_s)
            delivered.append(Emission(arrival, data, self.sensor_id, seq))
        for i in range(len(delivered) - 1):
            if link.reorder_prob and rng.random() < link.reorder_prob:
                a, b = delivered[i], delivered[i + 1]
                delivered[i], delivered[i + 1] = b._replace(t_s=a.t_s), a._replace(t_s=b.t_s)
        return delivered


def _as_array(
    value: float | Sequence[float] | np.ndarray, n: int, dtype: npt.DTypeLike = float
) -> np.ndarray:
    array = np.asarray(value, dtype=dtype)
    return np.full(n, array, dtype=dtype) if array.ndim == 0 else array


@dataclass
class VirtualImuDevice(VirtualDevice):
    """A Touchline IMU replaying accel (g) and gyro (deg/s) sampled at session times t_s.

    Samples go out `samples_per_frame` at a time, each frame sent when its last sample is
    taken; trailing samples that do not fill a frame are not sent.
    """

    t_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    accel_g: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    gyro_dps: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    accel_range_g: float = DEFAULT_ACCEL_RANGE_G
    gyro_range_dps: float = DEFAULT_GYRO_RANGE_DPS
    samples_per_frame: int = IMU_SAMPLES_PER_FRAME

    def __post_init__(self) -> None:
        self.t_s = np.asarray(self.t_s, dtype=float)
        if self.t_s.size < 2 or not 1 <= self.samples_per_frame <= MAX_IMU_SAMPLES:
            raise ValueError("an IMU device needs ≥ 2 sample times and 1..18 samples per frame")
        if np.shape(self.accel_g) != (self.t_s.size, 3) or np.shape(self.gyro_dps) != (
            self.t_s.size,
            3,
        ):
            raise ValueError(f"accel_g and gyro_dps must be ({self.t_s.size}, 3)")

    def _data_frames(self) -> list[_Pending]:
        period_us = round(float(np.median(np.diff(self.t_s))) * 1e6)
        code = range_code(self.accel_range_g, self.gyro_range_dps)
        counts = quantise_imu(self.accel_g, self.gyro_dps, self.accel_range_g, self.gyro_range_dps)
        pending: list[_Pending] = []
        step = self.samples_per_frame
        for start in range(0, self.t_s.size - step + 1, step):
            t0 = self.clock.device_us(float(self.t_s[start]))
            block = counts[start : start + step]
            pending.append(
                (float(self.t_s[start + step - 1]), self._imu_builder(t0, block, code, period_us))
            )
        return pending

    def _imu_builder(
        self, t0_us: int, block: np.ndarray, code: int, period_us: int
    ) -> Callable[[int], bytes]:
        return lambda seq: encode_imu_raw(self.sensor_id, seq, t0_us, block, code, period_us)


@dataclass
class VirtualGpsDevice(VirtualDevice):
    """A GPS replaying fixes; as frame v1 (`emissions`) or as NMEA text (`nmea_emissions`)."""

    t_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lat_deg: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lon_deg: np.ndarray = field(default_factory=lambda: np.zeros(0))
    speed_mps: np.ndarray = field(default_factory=lambda: np.zeros(0))
    hdop: float | np.ndarray = 0.8
    sats: int | np.ndarray = 12
    fix: bool | np.ndarray = True
    utc_start_s: float = 15 * 3600.0  # time of day of session time 0, for NMEA

    def __post_init__(self) -> None:
        self.t_s = np.asarray(self.t_s, dtype=float)
        n = self.t_s.size
        self.lat_deg = _as_array(self.lat_deg, n)
        self.lon_deg = _as_array(self.lon_deg, n)
        self.speed_mps = _as_array(self.speed_mps, n)
        self.hdop = _as_array(self.hdop, n)
        self.sats = _as_array(self.sats, n, int)
        self.fix = _as_array(self.fix, n, bool)

    def _data_frames(self) -> list[_Pending]:
        return [(float(t), self._gps_builder(i)) for i, t in enumerate(self.t_s)]

    def _gps_builder(self, i: int) -> Callable[[int], bytes]:
        t_us = self.clock.device_us(float(self.t_s[i]))
        return lambda seq: encode_gps(self.sensor_id, seq, t_us, *self._fix(i))

    def _fix(self, i: int) -> tuple[float, float, float, float, int, bool]:
        """Fix i: latitude, longitude, speed, HDOP, satellites, valid (arrays since init)."""
        return (
            float(self.lat_deg[i]),
            float(self.lon_deg[i]),
            float(self.speed_mps[i]),
            float(np.asarray(self.hdop)[i]),
            int(np.asarray(self.sats)[i]),
            bool(np.asarray(self.fix)[i]),
        )

    def nmea_emissions(self, talker: str = "GN") -> list[Emission]:
        """The same fixes as a serial NMEA receiver sends them (CRLF-terminated lines)."""
        frames = []
        for i, t in enumerate(self.t_s):
            text = "".join(
                s + "\r\n"
                for s in format_epoch(self.utc_start_s + float(t), *self._fix(i), talker=talker)
            )
            frames.append((float(t), text.encode("ascii"), i))
        return self._through_link(frames)


@dataclass
class VirtualHrDevice(VirtualDevice):
    """A heart-rate sensor: frame v1 HR frames, or a standard strap's 0x2A37 values."""

    t_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bpm: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rr_s: Sequence[Sequence[float]] | None = None  # RR intervals per sample; None derives them

    def __post_init__(self) -> None:
        self.t_s = np.asarray(self.t_s, dtype=float)
        self.bpm = _as_array(self.bpm, self.t_s.size, int)
        if self.rr_s is None:
            self.rr_s = [(60.0 / b,) if b > 0 else () for b in self.bpm]
        self._rr: Sequence[Sequence[float]] = self.rr_s

    def _data_frames(self) -> list[_Pending]:
        return [(float(t), self._hr_builder(i)) for i, t in enumerate(self.t_s)]

    def _hr_builder(self, i: int) -> Callable[[int], bytes]:
        t_us = self.clock.device_us(float(self.t_s[i]))
        bpm, rr_s = int(self.bpm[i]), list(self._rr[i])
        return lambda seq: encode_hr(self.sensor_id, seq, t_us, bpm, rr_s)

    def strap_emissions(self, contact: bool = True) -> list[Emission]:
        """The values a standard strap notifies on Heart Rate Measurement (0x2A37)."""
        frames = [
            (
                float(t),
                encode_heart_rate_measurement(int(self.bpm[i]), self._rr[i], contact=contact),
                i,
            )
            for i, t in enumerate(self.t_s)
        ]
        return self._through_link(frames)
