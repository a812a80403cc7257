"""Decoded sensor samples in physical units, each with the device clock per sample.

Frame v1 and every standard-sensor decoder (BLE heart rate and battery, NMEA GPS,
WitMotion IMUs) produce these same types, so the edge never sees a wire format.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class ImuSamples:
    """A run of IMU samples from one sensor: acceleration in g, angular rate in deg/s.

    `t_device_us[i]` is the device clock of sample i; `clipped[i]` is True when any axis of
    sample i was at the sensor's full scale (the true value may be larger).
    """

    sensor_id: int
    seq: int
    t_device_us: np.ndarray  # int64 (n,)
    accel_g: np.ndarray  # float32 (n, 3)
    gyro_dps: np.ndarray  # float32 (n, 3)
    clipped: np.ndarray  # bool (n,)

    def __len__(self) -> int:
        return int(self.t_device_us.shape[0])


@dataclass(frozen=True)
class GpsSample:
    """One position fix. Without a fix (`fix` False) lat/lon may be NaN."""

    sensor_id: int
    seq: int
    t_device_us: int
    lat_deg: float
    lon_deg: float
    speed_mps: float
    hdop: float
    sats: int
    fix: bool


@dataclass(frozen=True)
class HrSample:
    """Heart rate in beats/min with the RR intervals (s) measured since the last sample.

    `contact` is None when the strap cannot tell; `energy_kj` is None when not sent.
    """

    sensor_id: int
    seq: int
    t_device_us: int
    bpm: int
    rr_s: tuple[float, ...] = ()
    contact: bool | None = None
    energy_kj: int | None = None


@dataclass(frozen=True)
class StatusSample:
    """Device health: battery %, temperature °C (NaN if unknown), StatusFlags bits."""

    sensor_id: int
    seq: int
    t_device_us: int
    battery_pct: int
    temp_c: float
    flags: int


Sample = ImuSamples | GpsSample | HrSample | StatusSample
