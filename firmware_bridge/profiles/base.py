"""What every sensor family states about itself, and the decoder interface it implements.

A `SensorProfile` is the whole of a device family for the sideline: how to recognise it
in a scan (advertised name patterns, service UUIDs), which characteristics to subscribe
to and which commands start and stop its stream, what it measures and at which rates and
ranges, where its clock comes from, how its battery is read, and how its axes map onto the
taxonomy's sensor frame (x forward, y left, z up; acceleration in g with gravity, angular
rate in deg/s). Its `new_decoder` turns notification bytes into the package's sample
types, raising `FrameError` for a bad message and counting what it drops in `rejects`.

A BLE link that subscribes to more than one characteristic of a profile puts the index of
the characteristic (its place in `notify_uuids`) in front of each notification, so one
stored packet says where it came from and a replay decodes it the same way.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from firmware_bridge.errors import UserError
from firmware_bridge.samples import ImuSamples, Sample

Modality = Literal["accel", "gyro", "mag", "hr", "gps"]
Clock = Literal["device", "arrival"]


class ProfileError(UserError, ValueError):
    """A sensor profile name or setting that the registry does not know."""

    exit_code = 2


class Decoder(Protocol):
    """Bytes of one sensor's packets to samples; one instance per sensor and session."""

    @property
    def rejects(self) -> Counter[str]:
        """Packets refused so far, by reason (a decoder counts rather than raises)."""

    def decode(self, data: bytes, t_us: int) -> list[Sample]:
        """One packet received at host time `t_us`; FrameError when it is not valid."""


@dataclass(frozen=True)
class AxisMap:
    """Device axes to the taxonomy's sensor frame for one mounting.

    `rows[i]` is `(device axis index, sign)` giving taxonomy axis i (x forward, y left,
    z up) for the mounting described in `mounting`.
    """

    mounting: str
    rows: tuple[tuple[int, int], tuple[int, int], tuple[int, int]] = ((0, 1), (1, 1), (2, 1))

    @property
    def matrix(self) -> npt.NDArray[np.float32]:
        out = np.zeros((3, 3), dtype=np.float32)
        for axis, (device_axis, sign) in enumerate(self.rows):
            out[axis, device_axis] = sign
        return out

    def apply(self, xyz: np.ndarray) -> np.ndarray:
        """(n, 3) device-frame vectors → (n, 3) taxonomy-frame vectors."""
        index = [device_axis for device_axis, _ in self.rows]
        signs = np.array([sign for _, sign in self.rows], dtype=np.float32)
        return (np.asarray(xyz, dtype=np.float32)[:, index] * signs).astype(np.float32)

    def to_device(self, xyz: np.ndarray) -> np.ndarray:
        """(n, 3) taxonomy-frame vectors → device frame (what a virtual device sends)."""
        return (np.asarray(xyz, dtype=np.float32) @ self.matrix).astype(np.float32)

    def imu(self, samples: ImuSamples) -> ImuSamples:
        """The same samples with accel and gyro in the taxonomy frame."""
        return ImuSamples(
            samples.sensor_id,
            samples.seq,
            samples.t_device_us,
            self.apply(samples.accel_g),
            self.apply(samples.gyro_dps),
            samples.clipped,
        )


IDENTITY = AxisMap("already in the sensor frame (x forward, y left, z up)")


@dataclass(frozen=True)
class SensorProfile:
    """One device family: discovery, commands, decoder, rates, ranges, clock, battery, axes."""

    name: str  # the protocol name stored in edge.toml and the session store
    family: str  # what staff read in `edge pair`
    transport: Literal["ble", "serial"]
    measures: frozenset[str]  # Modality values this family's stream delivers
    new_decoder: Callable[[int], Decoder] = field(repr=False)  # sensor id -> decoder
    name_patterns: tuple[str, ...] = ()  # regexes on the advertised local name
    service_uuids: tuple[str, ...] = ()  # any of these advertised: this family
    notify_uuids: tuple[str, ...] = ()  # characteristics to subscribe to, in this order
    write_uuid: str | None = None  # where start/stop commands go
    start_commands: tuple[bytes, ...] = ()
    stop_commands: tuple[bytes, ...] = ()
    rates_hz: tuple[float, ...] = ()  # rates the family offers; the first is what we ask for
    accel_range_g: float | None = None
    gyro_range_dps: float | None = None
    clock: Clock = "device"
    battery: str = "none"  # how its battery level reaches the sideline
    axes: AxisMap = IDENTITY
    sites: tuple[str, ...] = ()  # body sites it is made for

    @property
    def rate_hz(self) -> float | None:
        """The rate the start commands ask for (None: not an IMU or rate set by the device)."""
        return self.rates_hz[0] if self.rates_hz else None

    def matches(self, local_name: str | None, service_uuids: tuple[str, ...] = ()) -> bool:
        """Whether an advertisement (name and service UUIDs) is this family's."""
        uuids = {u.lower() for u in service_uuids}
        if any(u.lower() in uuids for u in self.service_uuids):
            return True
        return bool(local_name) and any(
            re.search(pattern, local_name or "") for pattern in self.name_patterns
        )

    def framed(self, index: int, data: bytes) -> bytes:
        """A notification as the link hands it on (index byte first when several chars)."""
        return bytes([index]) + data if len(self.notify_uuids) > 1 else data


def strap_id(address: str) -> int:
    """A stable 16-bit id for a sensor that sends none (every off-the-shelf family)."""
    return zlib.crc32(address.encode()) & 0xFFFF
