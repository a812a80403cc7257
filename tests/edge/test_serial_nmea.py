"""A real receiver that mixes u-blox UBX binary packets with NMEA, read off a serial line
in reads of any size: the sideline gets every fix the decoder finds in the whole capture."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.packets import Packet, PacketDecoder
from edge.transports.serial import SerialLink
from firmware_bridge.standard.nmea import NmeaGpsDecoder

# gpsd regression capture (BSD-2-Clause, see tests/firmware_bridge/data/gpsd/README.md).
CAPTURE = Path(__file__).resolve().parents[1] / "firmware_bridge/data/gpsd/ublox8-uniqid-monhw.log"


def _receiver_bytes() -> bytes:
    data = CAPTURE.read_bytes()
    while data.startswith(b"#"):  # gpsd's header, not the receiver's output
        data = data[data.index(b"\n") + 1 :]
    return data


@pytest.mark.parametrize("read_size", [16, 61, 400, 4096])
def test_fixes_between_ubx_packets_survive_any_serial_read_size(read_size: int) -> None:
    data = _receiver_bytes()
    expected = NmeaGpsDecoder(1).feed(data)  # every fix completed within the capture
    assert len(expected) >= 5
    link = SerialLink("loop://", protocol="nmea")  # never opened: only its line splitting
    decoder = PacketDecoder("loop://", "nmea")
    lines = [
        line
        for at in range(0, len(data), read_size)
        for line in link._sentences(data[at : at + read_size])
    ]
    fixes = [f for line in lines for f in decoder.decode(Packet("loop://", line, 0.0))]
    assert [(f.t_device_us, f.lat_deg, f.speed_mps) for f in fixes] == [
        (f.t_device_us, f.lat_deg, f.speed_mps) for f in expected
    ]
