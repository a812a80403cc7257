"""The pty device is a real tty: pyserial opens it by path and reads real frames."""

from __future__ import annotations

import time

import numpy as np
import pytest
import serial

from firmware_bridge.samples import ImuSamples, StatusSample
from firmware_bridge.standard.nmea import NmeaGpsDecoder
from firmware_bridge.standard.witmotion import WitMotionSerialDecoder, encode_serial_packet
from firmware_bridge.stream import SerialFrameReader
from firmware_bridge.virtual import BatteryProfile, Emission, VirtualGpsDevice, VirtualImuDevice
from firmware_bridge.virtual.pty_serial import PtySerialDevice


def _imu(seconds: float) -> VirtualImuDevice:
    t = np.arange(0.0, seconds, 0.01)
    accel = np.stack([np.sin(5 * t), np.zeros_like(t), np.ones_like(t)], axis=1)
    return VirtualImuDevice(sensor_id=3, t_s=t, accel_g=accel, gyro_dps=np.zeros((t.size, 3)))


class HandClock:
    """A clock the test sets: the player waits for it, never for the wall clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _read_until(reader: SerialFrameReader, count: int, frames: list) -> list:
    """Poll until `count` frames have arrived; the deadline only ends a test that fails."""
    deadline = time.monotonic() + 10.0
    while len(frames) < count and time.monotonic() < deadline:
        frames += reader.poll()
    return frames


def test_pyserial_opens_the_pty_by_path_and_reads_every_frame() -> None:
    device = _imu(20.0)
    emissions = device.emissions()
    player = PtySerialDevice(emissions, speed=None)
    port = serial.Serial(player.open(), baudrate=921600, timeout=0.5)
    try:
        assert player.path.startswith("/dev/")
        player.start()
        reader = SerialFrameReader(port)
        frames = _read_until(reader, len(emissions), [])
    finally:
        port.close()
        player.stop()
    assert [d.raw for d in frames] == [e.data for e in emissions]
    imu = [d.sample for d in frames if isinstance(d.sample, ImuSamples)]
    assert len(imu) == 200 and any(isinstance(d.sample, StatusSample) for d in frames)
    np.testing.assert_allclose(np.concatenate([s.accel_g for s in imu]), device.accel_g, atol=1e-3)
    assert reader.rejects == {}


def test_accelerated_rate_follows_the_emission_times() -> None:
    emissions = _imu(3.0).emissions()  # 3 s of data, played ten times faster
    clock = HandClock()
    player = PtySerialDevice(emissions, speed=10.0, clock=clock)
    port = serial.Serial(player.open(), timeout=0.05)
    frames: list = []
    try:
        player.start()
        reader = SerialFrameReader(port)
        for now in (0.0, 0.1, 0.25, 0.3):
            clock.now = now
            due = sum(e.t_s / 10 <= now for e in emissions)
            # every frame due by now arrives, and not one that is due later
            assert len(_read_until(reader, due, frames)) == due, now
            frames += reader.poll()  # one more read (up to the port timeout): nothing early
            assert len(frames) == due, now
        assert 0 < sum(e.t_s / 10 <= 0.1 for e in emissions) < len(emissions)
        assert len(frames) == len(emissions)
    finally:
        port.close()
        player.stop()
    assert [d.raw for d in frames] == [e.data for e in emissions]


def test_nmea_receiver_on_a_pty_is_read_line_by_line() -> None:
    t = np.arange(0.0, 2.0, 0.1)
    gps = VirtualGpsDevice(
        sensor_id=5,
        t_s=t,
        lat_deg=-33.86,
        lon_deg=151.2,
        speed_mps=2.5,
        battery=BatteryProfile(status_every_s=0),
    )
    player = PtySerialDevice(gps.nmea_emissions(talker="GP"), framing="raw", speed=None)
    port = serial.Serial(player.open(), baudrate=9600, timeout=0.3)
    decoder = NmeaGpsDecoder(sensor_id=5)
    fixes = []
    try:
        player.start()
        deadline = time.monotonic() + 10.0  # only ends a test that fails
        # read until a read begun after the device sent its last byte comes back empty
        while time.monotonic() < deadline:
            finished = player.done.is_set()
            chunk = port.read(256)
            fixes += decoder.feed(chunk)
            if finished and not chunk:
                break
    finally:
        port.close()
        player.stop()
    fixes += decoder.flush()
    assert len(fixes) == 20 and all(f.fix for f in fixes) and decoder.rejects == {}
    assert fixes[0].lat_deg == pytest.approx(-33.86)


def test_witmotion_bytes_on_a_pty() -> None:
    packets = [
        Emission(
            i * 0.01,
            encode_serial_packet(0x51, (i, 0, 2048)) + encode_serial_packet(0x52, (0, 0, i)),
            1,
            i,
        )
        for i in range(50)
    ]
    player = PtySerialDevice(packets, framing="raw", speed=None)
    port = serial.Serial(player.open(), timeout=0.3)
    decoder = WitMotionSerialDecoder(sensor_id=1)
    samples = []
    try:
        player.start()
        deadline = time.monotonic() + 10.0  # only ends a test that fails
        while sum(len(s) for s in samples) < 50 and time.monotonic() < deadline:
            if (sample := decoder.feed(port.read(64), t_us=0)) is not None:
                samples.append(sample)
    finally:
        port.close()
        player.stop()
    gyro_z = np.concatenate([s.gyro_dps[:, 2] for s in samples]) * 32768 / 2000
    assert np.rint(gyro_z).tolist() == list(range(50))


def test_stop_ends_playback_even_when_nobody_reads() -> None:
    player = PtySerialDevice(_imu(300.0).emissions(), speed=None)  # ~440 kB, beyond any tty buffer
    player.start()
    deadline = time.monotonic() + 10.0  # only ends a test that fails
    while player.bytes_written == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    player.stop()
    assert player.done.is_set()  # the writer ended, though its buffer never emptied
    assert 0 < player.bytes_written < sum(len(e.data) for e in player.emissions)
