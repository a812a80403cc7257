"""The fake BLE radio behaves like bleak against a sensor: scan, connect, notify, drop."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from bleak.exc import BleakCharacteristicNotFoundError, BleakDeviceNotFoundError, BleakError

from firmware_bridge.config import (
    BATTERY_LEVEL_UUID,
    HEART_RATE_MEASUREMENT_UUID,
    TOUCHLINE_FRAME_CHAR_UUID,
    TOUCHLINE_SERVICE_UUID,
)
from firmware_bridge.frame import decode_frame
from firmware_bridge.samples import ImuSamples
from firmware_bridge.standard.ble_gatt import decode_heart_rate_measurement
from firmware_bridge.virtual import BatteryProfile, LinkProfile, VirtualHrDevice, VirtualImuDevice
from firmware_bridge.virtual.ble import FakeRadio, heart_rate_strap, touchline_sensor


def _imu(seconds: float = 20.0, **kwargs) -> VirtualImuDevice:
    t = np.arange(0.0, seconds, 0.01)
    return VirtualImuDevice(
        sensor_id=0x21,
        t_s=t,
        accel_g=np.zeros((t.size, 3)),
        gyro_dps=np.zeros((t.size, 3)),
        **kwargs,
    )


def _run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, timeout=20))


def test_scan_finds_sensors_with_name_address_and_rssi() -> None:
    hr = VirtualHrDevice(sensor_id=2, t_s=np.arange(5.0), bpm=70)
    radio = FakeRadio([touchline_sensor(_imu()), heart_rate_strap(hr, rssi=-80)], speed=None)

    async def scan():
        return await radio.scanner.discover(timeout=1.0), await radio.scanner.discover(
            return_adv=True
        )

    devices, with_adv = _run(scan())
    assert {(d.name, d.rssi) for d in devices} == {("Touchline-0021", -60), ("HRM-Pro", -80)}
    touchline = next(d for d in devices if d.name.startswith("Touchline"))
    assert TOUCHLINE_SERVICE_UUID in with_adv[touchline.address][1].service_uuids


def test_one_frame_per_notification_in_order_with_mtu_and_battery() -> None:
    device = _imu(5.0, battery=BatteryProfile(start_pct=64.0))
    radio = FakeRadio([touchline_sensor(device)], speed=None)
    emitted = device.emissions()

    async def session():
        received = []
        client = radio.client(touchline_sensor(device).address)
        async with client:
            assert client.is_connected and client.mtu_size == 247
            battery = await client.read_gatt_char(BATTERY_LEVEL_UUID)
            await client.start_notify(
                TOUCHLINE_FRAME_CHAR_UUID,
                lambda char, data: received.append((char.uuid, bytes(data))),
            )
            while len(received) < len(emitted):
                await asyncio.sleep(0)
            await client.stop_notify(TOUCHLINE_FRAME_CHAR_UUID)
        return battery, received, client.is_connected

    battery, received, still_connected = _run(session())
    assert battery == bytearray([64]) and not still_connected
    assert [data for _, data in received] == [e.data for e in emitted]
    assert all(uuid == TOUCHLINE_FRAME_CHAR_UUID and len(data) <= 244 for uuid, data in received)
    assert isinstance(decode_frame(received[1][1]), ImuSamples)


def test_link_drops_in_the_disconnect_window_and_reconnect_fails_until_it_ends() -> None:
    device = _imu(20.0, link=LinkProfile(disconnects=((6.0, 3.0),)))
    peripheral = touchline_sensor(device)
    radio = FakeRadio([peripheral], speed=50.0)  # 20 s of session in 0.4 s

    async def session():
        lost = asyncio.Event()
        seqs = []
        client = radio.client(peripheral.address, disconnected_callback=lambda c: lost.set())
        await client.connect()
        await client.start_notify(
            TOUCHLINE_FRAME_CHAR_UUID, lambda _, data: seqs.append(decode_frame(bytes(data)).seq)
        )
        await lost.wait()
        dropped_at = radio.now_s()
        with pytest.raises(BleakDeviceNotFoundError):
            await client.connect()  # still out of range
        while radio.now_s() < 9.05:
            await asyncio.sleep(0.005)
        await client.connect()
        await client.start_notify(
            TOUCHLINE_FRAME_CHAR_UUID, lambda _, data: seqs.append(decode_frame(bytes(data)).seq)
        )
        while radio.now_s() < 20.5:
            await asyncio.sleep(0.01)
        await client.disconnect()
        return dropped_at, seqs

    dropped_at, seqs = _run(session())
    assert 6.0 <= dropped_at < 9.0  # inside the window (event-loop lag moves it later)
    assert peripheral.connections == 2
    gap = [b - a for a, b in zip(seqs, seqs[1:], strict=False) if b - a > 1]
    assert len(gap) == 1 and 25 <= gap[0] <= 60  # ≥ 3 s of frames (and STATUS) missing
    assert seqs == sorted(seqs) and seqs[-1] >= 195


def test_drop_connection_knob_calls_the_disconnected_callback() -> None:
    peripheral = touchline_sensor(_imu())
    radio = FakeRadio([peripheral], speed=None)

    async def session():
        calls = []
        client = radio.client(peripheral.address, disconnected_callback=calls.append)
        await client.connect()
        peripheral.drop_connection()
        with pytest.raises(BleakError, match="Not connected"):
            await client.read_gatt_char(BATTERY_LEVEL_UUID)
        peripheral.in_range = False
        with pytest.raises(BleakDeviceNotFoundError):
            await client.connect()
        assert await radio.scanner.discover() == []
        return calls, client

    calls, client = _run(session())
    assert calls == [client]


def test_heart_rate_strap_notifies_standard_measurements() -> None:
    hr = VirtualHrDevice(
        sensor_id=2, t_s=np.arange(0.0, 6.0), bpm=np.array([61, 75, 99, 130, 160, 171])
    )
    strap = heart_rate_strap(hr)
    radio = FakeRadio([strap], speed=None)

    async def session():
        got = []
        async with radio.client(strap.address) as client:
            await client.start_notify(
                HEART_RATE_MEASUREMENT_UUID, lambda _, d: got.append(bytes(d))
            )
            while len(got) < 6:
                await asyncio.sleep(0)
            with pytest.raises(BleakCharacteristicNotFoundError):
                await client.start_notify(TOUCHLINE_FRAME_CHAR_UUID, lambda *_: None)
        return got

    values = _run(session())
    bpm = [decode_heart_rate_measurement(v, sensor_id=2, seq=0, t_us=0).bpm for v in values]
    assert bpm == [61, 75, 99, 130, 160, 171]


def test_async_callbacks_are_awaited_and_unknown_addresses_fail() -> None:
    peripheral = touchline_sensor(_imu(1.0))
    radio = FakeRadio([peripheral], speed=None)

    async def session():
        got = []

        async def on_frame(_, data):
            await asyncio.sleep(0)
            got.append(len(data))

        async with radio.client(peripheral.address) as client:
            await client.start_notify(TOUCHLINE_FRAME_CHAR_UUID, on_frame)
            while len(got) < 5:
                await asyncio.sleep(0)
        with pytest.raises(BleakDeviceNotFoundError):
            await radio.client("AA:BB:CC:DD:EE:FF").connect()
        return got

    assert _run(session())[1:5] == [142] * 4


def test_unbound_client_says_how_to_get_one() -> None:
    from firmware_bridge.virtual.ble import FakeBleakClient

    with pytest.raises(TypeError, match="FakeRadio"):
        FakeBleakClient("AA:BB:CC:DD:EE:FF")
