"""One contract every transport passes: open, deliver frame v1 packets in arrival order
with their sender's address, report one status per sensor, close and stop."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from edge.backoff import Backoff
from edge.packets import Packet
from edge.transports.base import LinkTransport, Transport
from edge.transports.ble import BleLink
from edge.transports.serial import SerialLink
from edge.transports.virtual import VirtualSquadTransport
from firmware_bridge.cobs import cobs_encode
from firmware_bridge.frame import decode_frame, encode_imu
from firmware_bridge.virtual.ble import FakeRadio, touchline_sensor
from firmware_bridge.virtual.devices import BatteryProfile, VirtualImuDevice

N = 30


def _imu_frames(sensor_id: int) -> list[bytes]:
    accel = np.tile([0.0, 0.0, 1.0], (10, 1))
    return [encode_imu(sensor_id, s, s * 100_000, accel, np.zeros((10, 3))) for s in range(N)]


def _virtual(tmp_path: Path) -> tuple[Transport, Callable[[], None]]:
    return VirtualSquadTransport("virtual://squad?athletes=1&duration_s=10&seed=1"), lambda: None


def _serial(tmp_path: Path) -> tuple[Transport, Callable[[], None]]:
    master, slave = os.openpty()
    link = tmp_path / "tty"
    link.symlink_to(os.ttyname(slave))
    os.close(slave)
    transport = LinkTransport([SerialLink(str(link))], Backoff(0.05, 0.2, 0.25, random.Random(0)))

    def talk() -> None:
        for frame in _imu_frames(3):
            os.write(master, cobs_encode(frame))

    return transport, talk


def _ble(tmp_path: Path) -> tuple[Transport, Callable[[], None]]:
    t = np.arange(0, N * 0.1 + 0.05, 0.01)
    device = VirtualImuDevice(
        sensor_id=4,
        t_s=t,
        accel_g=np.tile([0.0, 0.0, 1.0], (len(t), 1)),
        gyro_dps=np.zeros((len(t), 3)),
        battery=BatteryProfile(status_every_s=0),
    )
    sensor = touchline_sensor(device)
    radio = FakeRadio([sensor], speed=2.0)
    link = BleLink(sensor.address, scanner_class=radio.scanner, client_class=radio.client)
    return LinkTransport([link], Backoff(0.05, 0.2, 0.25, random.Random(0))), lambda: None


@pytest.mark.parametrize("make", [_virtual, _serial, _ble], ids=["virtual", "serial", "ble"])
def test_transport_contract(make, tmp_path: Path) -> None:
    transport, talk = make(tmp_path)

    async def run() -> list[Packet]:
        await transport.open()
        await asyncio.sleep(0.3)
        talk()
        received: list[Packet] = []

        async def take() -> None:
            async for packet in transport.packets():
                received.append(packet)
                if len(received) >= N:
                    return

        await asyncio.wait_for(take(), timeout=20)
        await transport.close()
        return received

    packets = asyncio.run(run())
    assert len(packets) >= N
    arrivals = [p.arrival_s for p in packets]
    assert arrivals == sorted(arrivals)
    statuses = {s.address: s for s in transport.status()}
    assert {p.address for p in packets} <= set(statuses)
    assert all(decode_frame(p.data).seq >= 0 for p in packets)  # frame v1, CRC checked
    assert not any(s.connected for s in statuses.values())  # closed means closed
