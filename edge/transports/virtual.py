"""A virtual squad: simulated players wearing waist and calf IMUs, GPS and HR straps.

`virtual://squad?athletes=4&loss=0.02&drift_ppm=50&duration_s=300&speed=0&seed=1`
simulates each player with `edge.sim` (physics-based motion, actions, sensor
imperfections) and transmits what their sensors would through `firmware_bridge.virtual`
devices: frame v1 bytes, each sensor with its own clock offset and drift, loss bursts on
the radio, frames reordered, disconnects and a STATUS frame with its draining battery
every 10 s. `speed=0` delivers as fast as the pipeline takes it; `speed=1` in real time;
`speed=10` ten times faster.

Knobs: `athletes` (1-99), `ids` (comma-separated athlete ids, one per athlete) or
`prefix` (ids `<prefix>01`, `<prefix>02`…; default `V`), `loss` (fraction of frames lost
on the radio, in bursts of `burst` frames on average), `reorder` (chance a frame arrives
after its successor), `disconnect=AT:SECONDS` (the first athlete's sensors go out of
range at session second AT and come back SECONDS later), `drift_ppm` (each clock drifts
by up to ± this), `drain_pct_h` (battery drain per hour), `duration_s`, `speed`, `seed`,
`scene`, `session_type`, `kit`.

`kit=touchline` (the default) gives every player Touchline sensors sending frame v1 on the
waist, calf, GPS and HR sites. `kit=mixed` gives every player what a club buys instead,
each sending its vendor's real byte layout (`firmware_bridge.virtual.vendors`): a WitMotion
WT901 on the waist (100 Hz), a Movesense on the calf (IMU6, 104 Hz), a Polar H10 on the
chest (PMD ACC only, 200 Hz, fed the waist's motion), a BLE heart-rate strap and an NMEA
GPS receiver.

It is not a test hack: the demo, `edge replay --simulate` and a club's first dry run use
it, through the same pipeline as the pitch. The true events of every player are kept,
so a run can be scored against the truth.

Sensor addresses are `virtual://squad/<athlete index>/<site>`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np

from edge.packets import Packet, SensorRole
from edge.sim import SimEvent, random_traits, simulate_session
from edge.sim.session import SESSION_TYPES
from edge.taxonomy import SCENES
from edge.transports.base import LinkStatus
from firmware_bridge.errors import UserError
from firmware_bridge.profiles import polar
from firmware_bridge.virtual import (
    BatteryProfile,
    DeviceClock,
    LinkProfile,
    VirtualGpsDevice,
    VirtualHrDevice,
    VirtualImuDevice,
)
from firmware_bridge.virtual.devices import Emission, VirtualDevice
from firmware_bridge.virtual.vendors import VirtualMovesense, VirtualPolar, VirtualWitMotion

SCHEME = "virtual://squad"
# Sensor family (firmware_bridge.profiles name) per site, for each kit.
KITS: dict[str, dict[str, str]] = {
    "touchline": {"waist": "frame", "calf": "frame", "gps": "frame", "hr": "frame"},
    "mixed": {
        "waist": "witmotion",
        "calf": "movesense",
        "chest": "polar_h10",
        "gps": "nmea",
        "hr": "ble_hr",
    },
}
UTC_START_S = 15 * 3600.0  # time of day of the virtual session's start, for NMEA
STATUS_EVERY_S = 10.0
SEGMENT_S = 600.0  # simulated in segments so memory stays flat over long sessions
LATENCY_S = 0.003  # radio latency: this much plus up to JITTER_S more
JITTER_S = 0.018
PITCH_ORIGIN = (51.5560, -0.2795)  # lat, lon of the virtual pitch's corner
METRES_PER_DEG = 111_320.0
ATHLETE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,32}$")  # what the summary schema accepts


class VirtualAddressError(UserError, ValueError):
    """A virtual address that cannot be understood."""

    exit_code = 2


@dataclass(frozen=True)
class SquadSpec:
    """The knobs of a virtual squad, parsed from its address."""

    athletes: int = 4
    ids: tuple[str, ...] = ()
    prefix: str = "V"
    loss: float = 0.0
    burst: float = 3.0
    reorder: float = 0.0
    disconnect: tuple[float, float] | None = None
    drift_ppm: float = 50.0
    drain_pct_h: float = 20.0
    duration_s: float = 300.0
    speed: float = 0.0
    seed: int = 0
    scene: str = "small_sided_game"
    session_type: str = "training"
    kit: str = "touchline"
    query: str = ""

    @classmethod
    def from_address(cls, address: str) -> SquadSpec:
        parts = urlsplit(address)
        if f"{parts.scheme}://{parts.netloc}" != SCHEME or parts.path not in ("", "/"):
            raise VirtualAddressError(f"{address}: expected {SCHEME}?athletes=N&…")
        known: dict[str, Callable[[str], object]] = {
            "athletes": int,
            "ids": _ids,
            "prefix": str,
            "loss": float,
            "burst": float,
            "reorder": float,
            "disconnect": _window,
            "drift_ppm": float,
            "drain_pct_h": float,
            "duration_s": float,
            "speed": float,
            "seed": int,
            "scene": str,
            "session_type": str,
            "kit": str,
        }
        values: dict[str, object] = {}
        for key, raw in parse_qsl(parts.query, strict_parsing=False):
            if key not in known:
                raise VirtualAddressError(
                    f"{address}: unknown knob {key!r} (knobs: {', '.join(known)})"
                )
            try:
                values[key] = known[key](raw)
            except ValueError as exc:
                kind = getattr(known[key], "__name__", "value").lstrip("_")
                raise VirtualAddressError(f"{address}: {key}={raw!r} is not a {kind}") from exc
        if "ids" in values and "athletes" not in values:
            values["athletes"] = len(values["ids"])  # type: ignore[arg-type]
        spec = cls(**values, query=parts.query)  # type: ignore[arg-type]
        spec._check(address)
        return spec

    def _check(self, address: str) -> None:
        if not 1 <= self.athletes <= 99:
            raise VirtualAddressError(f"{address}: athletes must be 1..99")
        if self.ids and len(self.ids) != self.athletes:
            raise VirtualAddressError(
                f"{address}: ids lists {len(self.ids)} athletes but athletes={self.athletes}"
            )
        if self.ids and "prefix=" in self.query:
            raise VirtualAddressError(f"{address}: give ids or prefix, not both")
        bad = [i for i in self.athlete_ids if not ATHLETE_ID.match(i)]
        if bad:
            raise VirtualAddressError(
                f"{address}: athlete id {bad[0]!r} must be 1-32 letters, digits or . _ : -"
            )
        if len(set(self.athlete_ids)) != self.athletes:
            raise VirtualAddressError(f"{address}: athlete ids must be different")
        if not 0 <= self.loss < 1 or not 0 <= self.reorder < 1 or self.burst < 1:
            raise VirtualAddressError(f"{address}: loss and reorder in [0, 1), burst ≥ 1 please")
        if self.duration_s < 10 or self.speed < 0 or self.drain_pct_h < 0:
            raise VirtualAddressError(
                f"{address}: duration_s ≥ 10, speed ≥ 0 and drain_pct_h ≥ 0 please"
            )
        if self.scene not in SCENES:
            raise VirtualAddressError(f"{address}: scene must be one of {', '.join(SCENES)}")
        if self.kit not in KITS:
            raise VirtualAddressError(f"{address}: kit must be one of {', '.join(KITS)}")
        if self.session_type not in SESSION_TYPES:
            raise VirtualAddressError(f"{address}: session_type must be one of {SESSION_TYPES}")

    @property
    def athlete_ids(self) -> tuple[str, ...]:
        """The ids the club would use: given by `ids`, else `<prefix>01`, `<prefix>02`…"""
        return self.ids or tuple(f"{self.prefix}{i + 1:02d}" for i in range(self.athletes))

    def athlete_id(self, index: int) -> str:
        return self.athlete_ids[index]

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(KITS[self.kit])

    def roles(self) -> list[SensorRole]:
        return [
            SensorRole(self.sensor_address(i, site), self.athlete_id(i), site, KITS[self.kit][site])
            for i in range(self.athletes)
            for site in self.sites
        ]

    @property
    def address(self) -> str:
        return f"{SCHEME}?{self.query}" if self.query else SCHEME

    def sensor_address(self, index: int, site: str) -> str:
        """One player's sensor; the knobs ride along so a paired config can rebuild the squad."""
        base = f"{SCHEME}/{index}/{site}"
        return f"{base}?{self.query}" if self.query else base

    def disconnected(self, index: int, t_s: float) -> bool:
        """Whether athlete `index`'s sensors are out of range at session time t_s."""
        if self.disconnect is None or index != 0:
            return False
        at, length = self.disconnect
        return at <= t_s < at + length


def _ids(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(","))


def _window(raw: str) -> tuple[float, float]:
    """`AT:SECONDS` → (AT, SECONDS), both ≥ 0 and SECONDS > 0."""
    at, _, length = raw.partition(":")
    window = (float(at), float(length))
    if window[0] < 0 or window[1] <= 0:
        raise ValueError(raw)
    return window


def squad_address_of(sensor_address: str) -> str:
    """`virtual://squad/2/calf?athletes=4` → `virtual://squad?athletes=4`."""
    parts = urlsplit(sensor_address)
    return f"{SCHEME}?{parts.query}" if parts.query else SCHEME


def is_virtual(address: str) -> bool:
    return address.startswith(SCHEME)


@dataclass
class _Sensor:
    """What one virtual sensor keeps between segments: its clock, battery and seq."""

    clock: DeviceClock
    battery_pct: float
    next_seq: int = 0


def _runs_of(invalid: np.ndarray, t_s: np.ndarray, period_s: float) -> list[tuple[float, float]]:
    """(start, duration) of every run of invalid samples: the simulator's sensor dropouts."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], invalid.astype(np.int8), [0]])))
    return [
        (float(t_s[a]), float(t_s[b - 1] - t_s[a]) + period_s)
        for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]


def _frames_made(device: VirtualDevice, data_frames: int) -> int:
    """Frames the device numbered (sent or lost): its data frames and its STATUS frames."""
    every = device.battery.status_every_s
    end = float(device.t_s[-1]) if device.t_s.size else 0.0  # type: ignore[attr-defined]
    return data_frames + (len(np.arange(0.0, end + 1e-9, every)) if every > 0 else 0)


def _emitted(device: VirtualDevice, mixed: bool) -> list[Emission]:
    """What a device sends: frame v1, or in the mixed kit NMEA text and 0x2A37 values."""
    if mixed and isinstance(device, VirtualGpsDevice):
        return device.nmea_emissions()
    if mixed and isinstance(device, VirtualHrDevice):
        return device.strap_emissions()
    return device.emissions()


class VirtualSquad:
    """Generates the squad's packets in arrival order, segment by segment."""

    def __init__(self, spec: SquadSpec) -> None:
        self.spec = spec
        self._rng = np.random.default_rng(spec.seed)
        ids = spec.athlete_ids
        self.traits = [random_traits(self._rng, ids[i]) for i in range(spec.athletes)]
        self.truth: dict[str, list[SimEvent]] = {athlete: [] for athlete in ids}
        self.sensors = {
            (i, site): _Sensor(
                DeviceClock(
                    int(self._rng.uniform(10, 5000) * 1e6),
                    float(self._rng.uniform(-spec.drift_ppm, spec.drift_ppm)),
                ),
                float(self._rng.uniform(80, 100)),
            )
            for i in range(spec.athletes)
            for site in spec.sites
        }
        self.packets_sent = {spec.sensor_address(i, s): 0 for i, s in self.sensors}

    def sensor_id(self, index: int, site: str) -> int:
        return index * len(self.spec.sites) + self.spec.sites.index(site) + 1

    def packets(self) -> Iterator[Packet]:
        """Every packet of the session, ordered by arrival."""
        start = 0.0
        while start < self.spec.duration_s - 1e-9:
            length = min(SEGMENT_S, self.spec.duration_s - start)
            if length < 10.0:  # the simulator's shortest session; pad the tail segment
                length = 10.0
            streams = [self._athlete_segment(i, start, length) for i in range(self.spec.athletes)]
            yield from heapq.merge(*streams, key=lambda p: p.arrival_s)
            start += length

    def _athlete_segment(self, index: int, start: float, length: float) -> list[Packet]:
        """One athlete's sensors over [start, start + length), as devices send them.

        The devices run on segment time (0 = `start`): each clock's offset, each battery
        level and each seq counter carry over from the segment before, so the edge sees
        one continuous device per sensor.
        """
        spec = self.spec
        signals = simulate_session(
            self.traits[index],
            self._rng,
            length,
            spec.scene,
            spec.session_type,
            with_skeleton=False,
        )
        self.truth[spec.athlete_id(index)] += [
            dataclasses.replace(e, t_s=e.t_s + start) for e in signals.events
        ]
        period = float(np.median(np.diff(signals.imu_t_s)))
        mixed = spec.kit == "mixed"
        devices: dict[str, tuple[VirtualDevice, int]] = {}
        imu_sites = [
            ("waist", signals.waist, signals.waist_valid, VirtualWitMotion),
            ("calf", signals.calf, signals.calf_valid, VirtualMovesense),
        ]
        if mixed:
            imu_sites.append(("chest", signals.waist, signals.waist_valid, VirtualPolar))
        for site, values, valid, vendor in imu_sites:
            common = {
                **self._device_state(index, site, start, length),
                "link": self._link(index, start, length, _runs_of(~valid, signals.imu_t_s, period)),
                "t_s": signals.imu_t_s,
                "accel_g": values[:, :3],
                "gyro_dps": values[:, 3:],
            }
            sensor_id = self.sensor_id(index, site)
            if not mixed:
                imu = VirtualImuDevice(sensor_id, **common)
                devices[site] = (imu, signals.imu_t_s.size // imu.samples_per_frame)
            elif vendor is VirtualPolar:
                devices[site] = (VirtualPolar(sensor_id, **common, profile=polar.H10), 0)
            else:
                devices[site] = (vendor(sensor_id, **common), 0)
        fixes = np.flatnonzero(signals.gps_valid)
        x, y, speed = (signals.gps[fixes, k].astype(float) for k in range(3))
        devices["gps"] = (
            VirtualGpsDevice(
                self.sensor_id(index, "gps"),
                **self._device_state(index, "gps", start, length),
                link=self._link(index, start, length, []),
                t_s=signals.gps_t_s[fixes],
                lat_deg=PITCH_ORIGIN[0] + y / METRES_PER_DEG,
                lon_deg=PITCH_ORIGIN[1]
                + x / (METRES_PER_DEG * np.cos(np.radians(PITCH_ORIGIN[0]))),
                speed_mps=speed,
                hdop=0.9,
                sats=12,
                fix=True,
                utc_start_s=UTC_START_S + start,
            ),
            fixes.size,
        )
        beats = np.flatnonzero(signals.hr_valid)
        devices["hr"] = (
            VirtualHrDevice(
                self.sensor_id(index, "hr"),
                **self._device_state(index, "hr", start, length),
                link=self._link(index, start, length, []),
                t_s=signals.hr_t_s[beats],
                bpm=np.round(signals.hr[beats]).astype(int),
            ),
            beats.size,
        )
        packets: list[Packet] = []
        for site, (device, data_frames) in devices.items():
            address = spec.sensor_address(index, site)
            emitted = _emitted(device, mixed)
            self.packets_sent[address] += len(emitted)
            packets += [Packet(address, e.data, start + e.t_s) for e in emitted]
            self.sensors[(index, site)].next_seq += _frames_made(device, data_frames)
        packets.sort(key=lambda p: p.arrival_s)
        return packets

    def _device_state(self, index: int, site: str, start: float, length: float) -> dict[str, Any]:
        """Clock, battery, seq and seed of a sensor for the segment starting at `start`."""
        sensor = self.sensors[(index, site)]
        clock = sensor.clock
        battery = sensor.battery_pct - self.spec.drain_pct_h * start / 3600
        return {
            "clock": DeviceClock(clock.device_us(start), clock.drift_ppm),
            "battery": BatteryProfile(max(battery, 0.0), self.spec.drain_pct_h, STATUS_EVERY_S),
            "first_seq": sensor.next_seq & 0xFFFFFFFF,
            "seed": int(self._rng.integers(2**32)),
        }

    def _link(
        self, index: int, start: float, length: float, dropouts: list[tuple[float, float]]
    ) -> LinkProfile:
        """The radio of one segment: loss bursts, reordering, dropouts and disconnects."""
        spec = self.spec
        # A burst starts with probability p and lasts `burst` frames on average, so the
        # fraction lost is p·burst / (1 + p·burst): solve for the `loss` asked for.
        start_prob = spec.loss / (spec.burst * (1 - spec.loss))
        windows = list(dropouts)
        if spec.disconnect is not None and index == 0:
            at, seconds = spec.disconnect
            if at < start + length and at + seconds > start:
                windows.append((at - start, seconds))
        return LinkProfile(
            loss_prob=start_prob,
            loss_burst_frames=spec.burst,
            reorder_prob=spec.reorder,
            latency_s=LATENCY_S,
            jitter_s=JITTER_S,
            disconnects=tuple(windows),
        )


class VirtualSquadTransport:
    """The `Transport` of a virtual squad, paced by `speed` (0 = as fast as possible).

    Its link status follows the squad's session clock: a sensor inside a `disconnect`
    window shows as not connected, and counts a reconnect when it comes back.
    """

    def __init__(self, address: str) -> None:
        self.spec = SquadSpec.from_address(address)
        self.squad = VirtualSquad(self.spec)
        self._closed = False
        self._open = False
        self._now_s = 0.0
        self._delivered = {role.address: 0 for role in self.spec.roles()}
        self._index = {role.address: int(role.address.split("/")[3]) for role in self.spec.roles()}

    async def open(self) -> None:
        self._open = True

    async def packets(self) -> AsyncIterator[Packet]:
        started = time.monotonic()
        for count, packet in enumerate(self.squad.packets()):
            if self._closed:
                return
            delay = 0.0
            if self.spec.speed > 0:
                delay = started + packet.arrival_s / self.spec.speed - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif count % 256 == 0:
                await asyncio.sleep(0)  # behind or unpaced: still let signals and sync run
            self._now_s = packet.arrival_s
            self._delivered[packet.address] += 1
            yield packet

    async def close(self) -> None:
        self._closed = True

    def status(self) -> list[LinkStatus]:
        return [self._status_of(address) for address in self._delivered]

    def _status_of(self, address: str) -> LinkStatus:
        index, window = self._index[address], self.spec.disconnect
        out_of_range = self.spec.disconnected(index, self._now_s)
        came_back = window is not None and index == 0 and self._now_s >= sum(window)
        return LinkStatus(
            address,
            connected=self._open and not self._closed and not out_of_range,
            connects=1 + came_back,
            reconnects=int(came_back),
            packets=self._delivered[address],
            last_error="out of range" if out_of_range or came_back else None,
        )
