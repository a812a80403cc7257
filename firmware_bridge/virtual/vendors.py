"""Virtual off-the-shelf sensors that send the vendors' real byte layouts.

Each replays motion given in the taxonomy's sensor frame (x forward, y left, z up; g and
deg/s) the way the device would: turned into its own axes by its profile's axis map,
sampled at its own rate on its own clock, and packed as its notifications. The edge then
decodes them with the very decoders it uses on the pitch.

- `VirtualWitMotion`: one 20-byte 0x55 0x61 notification per sample (100 Hz).
- `VirtualMovesense`: GSP DATA notifications of 8 IMU6 samples (104 Hz), ms clock.
- `VirtualPolar`: the start response with its factor, then PMD frames: an H10 sends raw
  16-bit ACC (200 Hz); a Verity Sense sends delta-compressed ACC and GYR (52 Hz).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from firmware_bridge.profiles import movesense, polar, witmotion
from firmware_bridge.profiles.base import SensorProfile
from firmware_bridge.standard.witmotion import (
    ACCEL_FULL_SCALE_G,
    GYRO_FULL_SCALE_DPS,
    encode_ble_packet,
)
from firmware_bridge.virtual.devices import VirtualDevice, _fixed, _Pending

# 2026-01-01 in ns since Polar's epoch (2000-01-01): where virtual Polar clocks start.
POLAR_CLOCK_START_NS = 820_454_400 * 1_000_000_000


def _resampled(t_s: np.ndarray, values: np.ndarray, rate_hz: float) -> tuple[np.ndarray, ...]:
    """Motion at times t_s → the same motion sampled at `rate_hz` on [t_s[0], t_s[-1]]."""
    grid = np.arange(t_s[0], t_s[-1] + 1e-9, 1.0 / rate_hz)
    return grid, np.stack(
        [np.interp(grid, t_s, values[:, k]) for k in range(values.shape[1])], axis=1
    )


@dataclass
class _VendorImu(VirtualDevice):
    """Motion in, device-frame samples at the profile's rate; no frame v1 STATUS frames."""

    t_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    accel_g: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    gyro_dps: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))

    profile = witmotion.PROFILE

    def __post_init__(self) -> None:
        self.t_s = np.asarray(self.t_s, dtype=float)
        if self.t_s.size < 2:
            raise ValueError("a virtual IMU needs ≥ 2 sample times")
        axes = self.profile.axes
        motion = np.concatenate(
            [axes.to_device(self.accel_g), axes.to_device(self.gyro_dps)], axis=1
        )
        self._t, self._x = _resampled(self.t_s, motion, self.profile.rate_hz or 100.0)

    def _status_frames(self) -> list[_Pending]:
        return []


@dataclass
class VirtualWitMotion(_VendorImu):
    """A WT901BLECL at 100 Hz: each sample its own notification, stamped on arrival."""

    profile = witmotion.PROFILE

    def _data_frames(self) -> list[_Pending]:
        scale = np.array([32768 / ACCEL_FULL_SCALE_G] * 3 + [32768 / GYRO_FULL_SCALE_DPS] * 3)
        counts = np.clip(np.round(self._x * scale), -32768, 32767).astype(int)
        return [
            (float(t), _fixed(encode_ble_packet(c[:3].tolist(), c[3:].tolist(), (0, 0, 0))))
            for t, c in zip(self._t, counts, strict=True)
        ]


@dataclass
class VirtualMovesense(_VendorImu):
    """A Movesense streaming /Meas/IMU6/104 over GSP, 8 samples per notification."""

    profile = movesense.PROFILE
    samples_per_packet: int = 8

    def _data_frames(self) -> list[_Pending]:
        step = self.samples_per_packet
        pending: list[_Pending] = []
        for start in range(0, len(self._t) - step + 1, step):
            block = self._x[start : start + step]
            t0_ms = self.clock.device_us(float(self._t[start])) // 1000
            packet = movesense.encode_imu6(
                t0_ms, block[:, :3] * movesense.STANDARD_GRAVITY, block[:, 3:]
            )
            pending.append((float(self._t[start + step - 1]), _fixed(packet)))
        return pending


@dataclass
class VirtualPolar(_VendorImu):
    """A Polar device on PMD: its start answers (index 0), then data frames (index 1)."""

    profile: SensorProfile = polar.H10
    samples_per_frame: int = 36
    acc_factor: float = 1.0
    gyro_factor: float = 0.06103515625  # 2000 deg/s over 32768 counts, a power of two

    def _data_frames(self) -> list[_Pending]:
        profile = self.profile
        with_gyro = "gyro" in profile.measures
        kinds = [polar.MeasurementType.ACC] + ([polar.MeasurementType.GYRO] if with_gyro else [])
        factors = {
            polar.MeasurementType.ACC: self.acc_factor,
            polar.MeasurementType.GYRO: self.gyro_factor,
        }
        pending: list[_Pending] = [
            (
                float(self._t[0]),
                _fixed(
                    profile.framed(
                        polar.CP_INDEX,
                        polar.encode_response(
                            polar.OpCode.REQUEST_MEASUREMENT_START,
                            kind,
                            0,
                            bytes([polar.SettingType.FACTOR, 1])
                            + np.float32(factors[kind]).tobytes(),
                        ),
                    )
                ),
            )
            for kind in kinds
        ]
        step = self.samples_per_frame
        for start in range(0, len(self._t) - step + 1, step):
            last = float(self._t[start + step - 1])
            frame_ns = POLAR_CLOCK_START_NS + self.clock.device_us(last) * 1000
            mg = np.round(self._x[start : start + step, :3] * 1000).astype(np.int64)
            if with_gyro:
                acc = polar.encode_data(
                    polar.MeasurementType.ACC,
                    frame_ns,
                    0x81,
                    polar.encode_delta_frame(np.round(mg / self.acc_factor).astype(np.int64)),
                )
                counts = np.round(self._x[start : start + step, 3:] / self.gyro_factor)
                gyr = polar.encode_data(
                    polar.MeasurementType.GYRO,
                    frame_ns,
                    0x80,
                    polar.encode_delta_frame(counts.astype(np.int64)),
                )
                frames = [acc, gyr]
            else:
                frames = [
                    polar.encode_data(
                        polar.MeasurementType.ACC, frame_ns, 0x01, mg.astype("<i2").tobytes()
                    )
                ]
            pending += [(last, _fixed(profile.framed(polar.DATA_INDEX, f))) for f in frames]
        return pending
