"""A BLE link driven by each vendor's profile: it subscribes to the profile's
characteristics, writes its start commands, frames notifications by characteristic and
the profile's decoder turns them into samples; on letting go it writes the stop commands."""

from __future__ import annotations

import asyncio
import random

import numpy as np
import pytest

from edge.backoff import Backoff
from edge.packets import Packet, PacketDecoder
from edge.transports.base import LinkTransport
from edge.transports.ble import BleLink
from firmware_bridge.profiles import get_profile, movesense, polar, witmotion
from firmware_bridge.samples import ImuSamples
from firmware_bridge.virtual.ble import FakeRadio, profiled_sensor
from firmware_bridge.virtual.devices import BatteryProfile
from firmware_bridge.virtual.vendors import VirtualMovesense, VirtualPolar, VirtualWitMotion

T = np.arange(0, 4, 0.01)
ACCEL = np.tile([0.1, -0.2, 1.0], (len(T), 1))
GYRO = np.tile([10.0, 20.0, -30.0], (len(T), 1))


def _device(name: str):
    common = {
        "t_s": T,
        "accel_g": ACCEL,
        "gyro_dps": GYRO,
        "battery": BatteryProfile(start_pct=77, status_every_s=0),
    }
    if name == "polar_verity":
        return VirtualPolar(11, profile=polar.VERITY, **common)
    if name == "movesense":
        return VirtualMovesense(12, **common)
    return VirtualWitMotion(13, **common)


async def _record(name: str, packets_wanted: int) -> tuple[list[Packet], object]:
    peripheral = profiled_sensor(_device(name), get_profile(name))
    radio = FakeRadio([peripheral], speed=None)
    link = BleLink(
        peripheral.address,
        scanner_class=radio.scanner,
        client_class=radio.client,
        profile=get_profile(name),
    )
    transport = LinkTransport([link], Backoff(0.05, 0.2, 0.25, random.Random(1)))
    await transport.open()
    received: list[Packet] = []

    async def take() -> None:
        async for packet in transport.packets():
            received.append(packet)
            if len(received) >= packets_wanted:
                return

    await asyncio.wait_for(take(), timeout=20)
    await transport.close()
    return received, peripheral


@pytest.mark.parametrize(
    "name, wanted", [("polar_verity", 6), ("movesense", 20), ("witmotion", 150)]
)
def test_vendor_link_starts_streams_and_decodes(name: str, wanted: int) -> None:
    profile = get_profile(name)
    received, peripheral = asyncio.run(_record(name, wanted))
    assert peripheral.written[: len(profile.start_commands)] == [
        (profile.write_uuid, command) for command in profile.start_commands
    ]
    assert peripheral.written[len(profile.start_commands) :] == [
        (profile.write_uuid, command) for command in profile.stop_commands
    ]
    decoder = PacketDecoder(peripheral.address, name)
    samples = [s for p in received for s in decoder.decode(p)]
    imu = [s for s in samples if isinstance(s, ImuSamples)]
    assert imu and not decoder.rejects
    accel = np.concatenate([s.accel_g for s in imu])
    gyro = np.concatenate([s.gyro_dps for s in imu])
    # Back in the sensor frame whatever the device's own axes: the motion that was sent.
    np.testing.assert_allclose(np.median(accel, axis=0), [0.1, -0.2, 1.0], atol=0.01)
    np.testing.assert_allclose(np.median(gyro, axis=0), [10.0, 20.0, -30.0], atol=0.2)


def test_polar_link_frames_control_point_and_data_by_characteristic() -> None:
    received, _ = asyncio.run(_record("polar_verity", 4))
    assert {p.data[0] for p in received} <= {polar.CP_INDEX, polar.DATA_INDEX}
    assert received[0].data[0] == polar.CP_INDEX  # the start answer with its factor first
    assert received[0].data[1] == polar.RESPONSE_CODE


def test_witmotion_and_movesense_single_characteristic_is_not_framed() -> None:
    assert witmotion.PROFILE.framed(0, b"\x55\x61") == b"\x55\x61"
    assert movesense.PROFILE.framed(0, b"\x02\x63") == b"\x02\x63"
