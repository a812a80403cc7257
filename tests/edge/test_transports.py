"""Transports: a serial sensor unplugged mid-session is reopened with backoff, and the
virtual squad is a transport like any other."""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import numpy as np
import pytest

from edge.backoff import Backoff
from edge.config import ReconnectSettings
from edge.infer import ActionModel
from edge.packets import Packet, SensorRole
from edge.stream import SessionProcessor
from edge.transports import build_transports, kind_of
from edge.transports.base import LinkTransport
from edge.transports.serial import SerialLink
from edge.transports.virtual import SquadSpec, VirtualAddressError, VirtualSquadTransport
from firmware_bridge.cobs import cobs_encode
from firmware_bridge.frame import decode_frame, encode_imu
from firmware_bridge.standard.nmea import format_epoch


class PtySensor:
    """A serial sensor on a pseudo-terminal, reached through a stable symlink the way
    udev's /dev/serial/by-id links are: unplugging removes the tty, replugging makes a
    new one and the link follows it."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master: int | None = None
        self.seq = 0

    def plug(self) -> None:
        self.master, slave = os.openpty()
        name = os.ttyname(slave)
        os.close(slave)
        tmp = self.link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(name)
        os.replace(tmp, self.link)

    def unplug(self) -> None:
        assert self.master is not None
        os.close(self.master)
        self.master = None

    def send(self, n: int) -> None:
        assert self.master is not None
        for _ in range(n):
            accel = np.tile([0.0, 0.0, 1.0], (10, 1))
            frame = encode_imu(9, self.seq, self.seq * 100_000, accel, np.zeros((10, 3)))
            os.write(self.master, cobs_encode(frame))
            self.seq += 1


async def _collect(transport: LinkTransport, sink: list[Packet], until: int, timeout: float):
    async def take() -> None:
        async for packet in transport.packets():
            sink.append(packet)
            if len(sink) >= until:
                return

    await asyncio.wait_for(take(), timeout)


def test_unplugged_serial_sensor_is_reopened_and_the_stream_goes_on(tmp_path: Path) -> None:
    sensor = PtySensor(tmp_path / "ttyTouchline")
    sensor.plug()

    async def session() -> tuple[list[Packet], LinkTransport]:
        transport = LinkTransport(
            [SerialLink(str(sensor.link))], Backoff(0.05, 0.2, 0.25, random.Random(0))
        )
        await transport.open()
        received: list[Packet] = []
        await asyncio.sleep(0.3)  # let the port open before the sensor talks
        sensor.send(20)
        await _collect(transport, received, 20, timeout=10)
        sensor.unplug()
        await asyncio.sleep(0.5)  # the link notices and starts retrying with backoff
        status = transport.status()[0]
        # lost, and every reopen fails while the tty is gone; the next try is scheduled
        assert not status.connected and status.next_retry_s is not None
        assert "No such file" in status.last_error
        sensor.plug()
        for _ in range(100):  # wait for the reopen
            await asyncio.sleep(0.05)
            if transport.status()[0].connected:
                break
        await asyncio.sleep(0.2)
        sensor.send(20)
        await _collect(transport, received, 40, timeout=10)
        await transport.close()
        return received, transport

    received, transport = asyncio.run(session())
    seqs = [decode_frame(p.data).seq for p in received]
    assert seqs == list(range(40))
    (status,) = transport.status()
    assert status.reconnects == 1 and status.packets == 40
    if sensor.master is not None:
        os.close(sensor.master)


def test_virtual_squad_is_a_transport_with_status_per_sensor() -> None:
    transport = VirtualSquadTransport("virtual://squad?athletes=2&duration_s=12&seed=5")

    async def run() -> list[Packet]:
        await transport.open()
        packets = [p async for p in transport.packets()]
        await transport.close()
        return packets

    packets = asyncio.run(run())
    arrivals = [p.arrival_s for p in packets]
    assert arrivals == sorted(arrivals) and arrivals[-1] == pytest.approx(12, abs=0.2)
    statuses = {s.address: s for s in transport.status()}
    assert len(statuses) == 8
    assert sum(s.packets for s in statuses.values()) == len(packets)
    by_sensor = {decode_frame(p.data).sensor_id for p in packets}
    assert by_sensor == set(range(1, 9))


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("virtual://squad?athletes=0", "athletes must be 1..99"),
        ("virtual://squad?athletes=two", "is not a int"),
        ("virtual://squad?scene=beach", "scene must be one of"),
        ("virtual://team?athletes=2", "expected virtual://squad"),
    ],
)
def test_bad_virtual_address_says_what_is_wrong(address: str, words: str) -> None:
    with pytest.raises(VirtualAddressError, match=words):
        SquadSpec.from_address(address)


def test_transport_is_chosen_from_the_address() -> None:
    assert kind_of("virtual://squad/0/waist?athletes=2") == "virtual"
    assert kind_of("/dev/serial/by-id/usb-touchline-calf") == "serial"
    assert kind_of("loop://") == "serial"
    assert kind_of("C4:7F:51:0A:12:EE") == "ble"
    roles = SquadSpec.from_address("virtual://squad?athletes=3").roles()
    (transport,) = build_transports(roles, ReconnectSettings())
    assert isinstance(transport, VirtualSquadTransport) and transport.spec.athletes == 3


def test_serial_nmea_gps_receiver_feeds_speed(tmp_path: Path, trained_bundle) -> None:
    """A plain GPS receiver on a serial port talks NMEA 0183 (checksummed sentences)."""
    sensor = PtySensor(tmp_path / "ttyGPS")
    sensor.plug()
    speeds = [3.0 + 0.1 * k for k in range(30)]

    async def session() -> list[Packet]:
        transport = LinkTransport(
            [SerialLink(str(sensor.link), protocol="nmea")],
            Backoff(0.05, 0.2, 0.25, random.Random(0)),
        )
        await transport.open()
        await asyncio.sleep(0.3)
        assert sensor.master is not None
        os.write(sensor.master, b"$GNGGA,garbage*00\r\n")  # a bad checksum is counted, skipped
        for k, speed in enumerate(speeds):
            for sentence in format_epoch(36000 + k * 0.1, 51.5, -0.28, speed, 0.9, 12, True):
                os.write(sensor.master, sentence.encode() + b"\r\n")
        received: list[Packet] = []

        async def take() -> None:
            async for packet in transport.packets():
                received.append(packet)
                if len(received) >= 1 + 4 * len(speeds):
                    return

        await asyncio.wait_for(take(), timeout=10)
        await transport.close()
        return received

    packets = asyncio.run(session())
    processor = SessionProcessor(
        [SensorRole(str(sensor.link), "7", "gps", "nmea")], ActionModel.from_bundle(trained_bundle)
    )
    for packet in packets:
        processor.feed(packet)
    # each epoch's fix is complete when the next epoch starts: all but the last one
    assert list(processor.athletes["7"].speeds) == pytest.approx(speeds[:-1], abs=0.01)
    assert processor.rejects == {"bad_checksum": 1}
    os.close(sensor.master)
