"""A virtual squad: simulated players wearing waist and calf IMUs, GPS and HR straps.

`virtual://squad?athletes=4&loss=0.02&drift_ppm=50&duration_s=300&speed=0&seed=1`
simulates each player with `edge.sim` (physics-based motion, actions, sensor
imperfections) and sends what their sensors would: frame v1 bytes, each sensor with its
own drifting device clock, radio delays, lost frames (the simulator's loss bursts plus
`loss` per frame) and a STATUS frame with battery every 10 s. `speed=0` delivers as fast
as the pipeline takes it; `speed=1` in real time; `speed=10` ten times faster.

It is not a test hack: the demo, `edge replay --simulate` and a club's first dry run use
it, through the same pipeline as the pitch. The true events of every player are kept,
so a run can be scored against the truth.

Sensor addresses are `virtual://squad/<athlete index>/<site>`; athlete ids `V01`, `V02`….
"""

from __future__ import annotations

import asyncio
import dataclasses
import heapq
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import numpy as np

from edge.sim import SimEvent, random_traits, simulate_session
from edge.sim.session import SESSION_TYPES
from edge.stream import Packet, SensorRole
from edge.taxonomy import SCENES
from edge.transports.base import LinkStatus
from firmware_bridge.frame import encode_gps, encode_hr, encode_imu, encode_status

SCHEME = "virtual://squad"
SITES = ("waist", "calf", "gps", "hr")
FRAME_SAMPLES = 10
STATUS_EVERY_S = 10.0
SEGMENT_S = 600.0  # simulated in segments so memory stays flat over long sessions
MEAN_DELAY_S = 0.012
MIN_DELAY_S = 0.003
PITCH_ORIGIN = (51.5560, -0.2795)  # lat, lon of the virtual pitch's corner
METRES_PER_DEG = 111_320.0


class VirtualAddressError(ValueError):
    """A virtual address that cannot be understood."""


@dataclass(frozen=True)
class SquadSpec:
    """The knobs of a virtual squad, parsed from its address."""

    athletes: int = 4
    loss: float = 0.0
    drift_ppm: float = 50.0
    duration_s: float = 300.0
    speed: float = 0.0
    seed: int = 0
    scene: str = "small_sided_game"
    session_type: str = "training"
    query: str = ""

    @classmethod
    def from_address(cls, address: str) -> SquadSpec:
        parts = urlsplit(address)
        if f"{parts.scheme}://{parts.netloc}" != SCHEME or parts.path not in ("", "/"):
            raise VirtualAddressError(f"{address}: expected {SCHEME}?athletes=N&…")
        known = {"athletes": int, "loss": float, "drift_ppm": float, "duration_s": float,
                 "speed": float, "seed": int, "scene": str, "session_type": str}
        values: dict[str, object] = {}
        for key, raw in parse_qsl(parts.query, strict_parsing=False):
            if key not in known:
                raise VirtualAddressError(
                    f"{address}: unknown knob {key!r} (knobs: {', '.join(known)})"
                )
            try:
                values[key] = known[key](raw)
            except ValueError as exc:
                kind = known[key].__name__
                raise VirtualAddressError(f"{address}: {key}={raw!r} is not a {kind}") from exc
        spec = cls(**values, query=parts.query)  # type: ignore[arg-type]
        if not 1 <= spec.athletes <= 99:
            raise VirtualAddressError(f"{address}: athletes must be 1..99")
        if not 0 <= spec.loss < 1:
            raise VirtualAddressError(f"{address}: loss must be in [0, 1)")
        if spec.duration_s < 10 or spec.speed < 0:
            raise VirtualAddressError(f"{address}: duration_s ≥ 10 and speed ≥ 0 please")
        if spec.scene not in SCENES:
            raise VirtualAddressError(f"{address}: scene must be one of {', '.join(SCENES)}")
        if spec.session_type not in SESSION_TYPES:
            raise VirtualAddressError(f"{address}: session_type must be one of {SESSION_TYPES}")
        return spec

    def roles(self) -> list[SensorRole]:
        return [
            SensorRole(self.sensor_address(i, site), athlete_id(i), site)
            for i in range(self.athletes)
            for site in SITES
        ]

    @property
    def address(self) -> str:
        return f"{SCHEME}?{self.query}" if self.query else SCHEME

    def sensor_address(self, index: int, site: str) -> str:
        """One player's sensor; the knobs ride along so a paired config can rebuild the squad."""
        base = f"{SCHEME}/{index}/{site}"
        return f"{base}?{self.query}" if self.query else base


def squad_address_of(sensor_address: str) -> str:
    """`virtual://squad/2/calf?athletes=4` → `virtual://squad?athletes=4`."""
    parts = urlsplit(sensor_address)
    return f"{SCHEME}?{parts.query}" if parts.query else SCHEME


def is_virtual(address: str) -> bool:
    return address.startswith(SCHEME)


def athlete_id(index: int) -> str:
    return f"V{index + 1:02d}"


@dataclass
class _Clock:
    offset_s: float
    drift_ppm: float

    def device_us(self, t_s: np.ndarray | float) -> np.ndarray:
        t = np.asarray(t_s, dtype=np.float64)
        return np.round((t + self.offset_s) * (1 + self.drift_ppm * 1e-6) * 1e6).astype(np.int64)


class VirtualSquad:
    """Generates the squad's packets in arrival order, segment by segment."""

    def __init__(self, spec: SquadSpec) -> None:
        self.spec = spec
        self._rng = np.random.default_rng(spec.seed)
        self.traits = [random_traits(self._rng, athlete_id(i)) for i in range(spec.athletes)]
        self.truth: dict[str, list[SimEvent]] = {athlete_id(i): [] for i in range(spec.athletes)}
        self._clocks = {
            (i, site): _Clock(
                float(self._rng.uniform(10, 5000)),
                float(self._rng.uniform(-spec.drift_ppm, spec.drift_ppm)),
            )
            for i in range(spec.athletes)
            for site in SITES
        }
        self._seq = {key: 0 for key in self._clocks}
        self.packets_sent = {spec.sensor_address(i, s): 0 for i, s in self._clocks}

    def sensor_id(self, index: int, site: str) -> int:
        return index * len(SITES) + SITES.index(site) + 1

    def packets(self) -> Iterator[Packet]:
        """Every packet of the session, ordered by arrival."""
        start = 0.0
        while start < self.spec.duration_s - 1e-9:
            length = min(SEGMENT_S, self.spec.duration_s - start)
            if length < 10.0:  # the simulator's shortest session; pad the tail segment
                length = 10.0
            streams = [
                self._athlete_segment(i, start, length) for i in range(self.spec.athletes)
            ]
            yield from heapq.merge(*streams, key=lambda p: p.arrival_s)
            start += length

    def _athlete_segment(self, index: int, start: float, length: float) -> list[Packet]:
        spec, rng = self.spec, self._rng
        signals = simulate_session(
            self.traits[index], rng, length, spec.scene, spec.session_type, with_skeleton=False
        )
        self.truth[athlete_id(index)] += [
            dataclasses.replace(e, t_s=e.t_s + start) for e in signals.events
        ]
        packets: list[Packet] = []
        t_imu = start + signals.imu_t_s
        status_times = list(np.arange(start, start + length, STATUS_EVERY_S))
        for site, values, valid in (
            ("waist", signals.waist, signals.waist_valid),
            ("calf", signals.calf, signals.calf_valid),
        ):
            for first in range(0, len(t_imu) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
                if site == "waist" and status_times and status_times[0] <= t_imu[first]:
                    # STATUS frames share the waist sensor's sequence counter, in time order.
                    packets.append(self._status(index, status_times.pop(0)))
                if not valid[first] or rng.random() < spec.loss:
                    self._seq[(index, site)] += 1  # sent by the device, lost on the way
                    continue
                frame_t = t_imu[first : first + FRAME_SAMPLES]
                chunk = values[first : first + FRAME_SAMPLES]
                data = encode_imu(
                    self.sensor_id(index, site), self._next_seq(index, site),
                    int(self._clocks[(index, site)].device_us(frame_t[0])),
                    chunk[:, :3], chunk[:, 3:],
                )
                packets.append(self._packet(index, site, data, frame_t[-1]))
        for k in np.flatnonzero(signals.gps_valid):
            t = start + float(signals.gps_t_s[k])
            x, y, speed = (float(v) for v in signals.gps[k])
            lat = PITCH_ORIGIN[0] + y / METRES_PER_DEG
            lon = PITCH_ORIGIN[1] + x / (METRES_PER_DEG * np.cos(np.radians(PITCH_ORIGIN[0])))
            data = encode_gps(
                self.sensor_id(index, "gps"), self._next_seq(index, "gps"),
                int(self._clocks[(index, "gps")].device_us(t)), lat, lon, speed, 0.9, 12, True,
            )
            packets.append(self._packet(index, "gps", data, t))
        for k in np.flatnonzero(signals.hr_valid):
            t = start + float(signals.hr_t_s[k])
            data = encode_hr(
                self.sensor_id(index, "hr"), self._next_seq(index, "hr"),
                int(self._clocks[(index, "hr")].device_us(t)), int(round(signals.hr[k])),
            )
            packets.append(self._packet(index, "hr", data, t))
        packets.sort(key=lambda p: p.arrival_s)
        return packets

    def _status(self, index: int, t: float) -> Packet:
        battery = int(max(5, 100 - t / 180))  # about 20 % an hour
        data = encode_status(
            self.sensor_id(index, "waist"), self._next_seq(index, "waist"),
            int(self._clocks[(index, "waist")].device_us(t)), battery, 31.5,
        )
        return self._packet(index, "waist", data, t)

    def _next_seq(self, index: int, site: str) -> int:
        seq = self._seq[(index, site)]
        self._seq[(index, site)] = seq + 1
        return seq & 0xFFFFFFFF

    def _packet(self, index: int, site: str, data: bytes, sent_s: float) -> Packet:
        delay = MIN_DELAY_S + float(self._rng.exponential(MEAN_DELAY_S - MIN_DELAY_S))
        address = self.spec.sensor_address(index, site)
        self.packets_sent[address] += 1
        return Packet(address, data, sent_s + delay)


class VirtualSquadTransport:
    """The `Transport` of a virtual squad, paced by `speed` (0 = as fast as possible)."""

    def __init__(self, address: str) -> None:
        self.spec = SquadSpec.from_address(address)
        self.squad = VirtualSquad(self.spec)
        self._closed = False
        self._open = False

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
            yield packet

    async def close(self) -> None:
        self._closed = True

    def status(self) -> list[LinkStatus]:
        return [
            LinkStatus(address, connected=self._open and not self._closed, connects=1,
                       packets=sent)
            for address, sent in self.squad.packets_sent.items()
        ]
