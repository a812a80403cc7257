"""What arrives from a sensor and how its bytes become samples.

A `Packet` is one frame as the radio or serial line delivered it; a `SensorRole` says whose
sensor sent it and where it is worn; a `PacketDecoder` turns the bytes into samples by the
sensor's protocol profile (`firmware_bridge.profiles`). Transports produce packets,
pairing checks roles and decoders, and the session processor (`edge.stream`) consumes all
three."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from firmware_bridge.profiles import get_profile, strap_id
from firmware_bridge.samples import Sample


@dataclass(frozen=True)
class Packet:
    """One frame as it arrived: who sent it, its bytes, when (session seconds)."""

    address: str
    data: bytes
    arrival_s: float


@dataclass(frozen=True)
class SensorRole:
    """What the pipeline needs to know about a paired sensor."""

    address: str
    athlete_id: str
    site: str
    protocol: str = "frame"  # a firmware_bridge.profiles name: "ble_hr", "nmea", "movesense"…


class PacketDecoder:
    """Bytes of one sensor → samples, by its protocol's profile (`firmware_bridge.profiles`:
    Touchline frame v1, a BLE heart-rate strap, NMEA GPS, WitMotion, Polar PMD, Movesense).
    Raises FrameError for a bad packet; stateful decoders count their own rejects."""

    def __init__(self, address: str, protocol: str = "frame") -> None:
        self.address = address
        self.protocol = protocol
        self.packets = 0
        self._decoder = get_profile(protocol).new_decoder(strap_id(address))

    @property
    def rejects(self) -> Counter[str]:
        """Rejects counted inside a stateful decoder (NMEA, PMD pairing…), by reason."""
        return self._decoder.rejects

    def decode(self, packet: Packet) -> list[Sample]:
        """The packet's samples; raises FrameError (with its reason) for a bad one."""
        self.packets += 1
        # Families without a clock of their own are stamped on arrival.
        return self._decoder.decode(packet.data, int(packet.arrival_s * 1e6))
