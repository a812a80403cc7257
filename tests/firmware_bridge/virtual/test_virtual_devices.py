"""Virtual devices: clock, sequence numbers, loss, reordering, disconnects, battery."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_bridge.config import StatusFlags
from firmware_bridge.frame import decode_frame
from firmware_bridge.samples import GpsSample, HrSample, ImuSamples, StatusSample
from firmware_bridge.standard.ble_gatt import decode_heart_rate_measurement
from firmware_bridge.standard.nmea import NmeaGpsDecoder
from firmware_bridge.virtual import (
    BatteryProfile,
    DeviceClock,
    LinkProfile,
    VirtualGpsDevice,
    VirtualHrDevice,
    VirtualImuDevice,
)


def _imu_device(seconds: float = 60.0, **kwargs) -> VirtualImuDevice:
    t = np.arange(0.0, seconds, 0.01)
    accel = np.stack([np.sin(t), np.cos(t), np.full_like(t, 1.0)], axis=1)
    gyro = np.stack([100 * np.sin(3 * t), np.zeros_like(t), 2500 * (t % 7 < 0.02)], axis=1)
    return VirtualImuDevice(sensor_id=21, t_s=t, accel_g=accel, gyro_dps=gyro, **kwargs)


def _decode_all(emissions):
    return [decode_frame(e.data) for e in emissions]


def test_perfect_link_replays_the_given_samples_exactly_once() -> None:
    device = _imu_device(10.0, battery=BatteryProfile(status_every_s=0))
    samples = _decode_all(device.emissions())
    assert all(isinstance(s, ImuSamples) for s in samples)
    assert [s.seq for s in samples] == list(range(100))
    accel = np.concatenate([s.accel_g for s in samples])
    np.testing.assert_allclose(accel, device.accel_g, atol=16 / 32768)
    gyro = np.concatenate([s.gyro_dps for s in samples])
    clipped = np.concatenate([s.clipped for s in samples])
    # 2500 deg/s bursts exceed the ±2000 deg/s range: saturated and flagged.
    assert clipped.sum() == (device.gyro_dps[:, 2] > 2000).sum() > 0
    assert gyro.max() == pytest.approx(2000.0, abs=0.1)


def test_device_clock_offset_and_drift_show_in_frame_timestamps() -> None:
    clock = DeviceClock(offset_us=7_000_000_000, drift_ppm=80.0)
    device = _imu_device(120.0, clock=clock, battery=BatteryProfile(status_every_s=0))
    samples = _decode_all(device.emissions())
    first, last = samples[0], samples[-1]
    assert first.t_device_us[0] == 7_000_000_000
    session_s = device.t_s[len(device.t_s) - 10]
    # 80 ppm over ~2 minutes: the device clock runs ~9.6 ms ahead of session time.
    assert last.t_device_us[0] - 7_000_000_000 == round(session_s * 1e6 * (1 + 80e-6))
    assert last.t_device_us[0] - 7_000_000_000 - session_s * 1e6 == pytest.approx(9600, abs=10)


def test_loss_bursts_leave_gaps_in_seq_and_drop_the_expected_share() -> None:
    device = _imu_device(
        300.0,
        link=LinkProfile(loss_prob=0.01, loss_burst_frames=5),
        battery=BatteryProfile(status_every_s=0),
        seed=3,
    )
    seqs = np.array([s.seq for s in _decode_all(device.emissions())])
    assert np.all(np.diff(seqs) > 0)
    gaps = np.diff(seqs)[np.diff(seqs) > 1] - 1
    lost = 3000 - seqs.size
    assert gaps.sum() == lost - (0 if seqs[0] == 0 else seqs[0]) - (2999 - seqs[-1])
    assert 0.02 < lost / 3000 < 0.09  # ~1 % bursts of mean 5 frames ≈ 4.8 %
    assert gaps.mean() > 2  # losses come in bursts, not singly


def test_reordering_swaps_neighbours_but_arrival_times_stay_sorted() -> None:
    device = _imu_device(
        60.0, link=LinkProfile(reorder_prob=0.05), seed=1, battery=BatteryProfile(status_every_s=0)
    )
    emissions = device.emissions()
    seqs = [e.seq for e in emissions]
    assert sorted(seqs) == list(range(600)) and seqs != sorted(seqs)
    assert all(a.t_s <= b.t_s for a, b in zip(emissions, emissions[1:], strict=False))
    assert [decode_frame(e.data).seq for e in emissions] == seqs


def test_disconnect_window_delivers_nothing_inside_it() -> None:
    device = _imu_device(
        30.0, link=LinkProfile(disconnects=((10.0, 4.0),)), battery=BatteryProfile(status_every_s=0)
    )
    times = np.array([e.t_s for e in device.emissions()])
    assert not np.any((times > 10.01) & (times < 14.0))
    assert times.max() > 29.0


def test_battery_drains_and_flags_low_battery_in_status_frames() -> None:
    battery = BatteryProfile(start_pct=20.0, drain_pct_per_hour=600.0, status_every_s=10.0)
    device = _imu_device(60.0, battery=battery)
    statuses = [s for s in _decode_all(device.emissions()) if isinstance(s, StatusSample)]
    # One STATUS every 10 s over 60 s of data; 600 %/h is 1.67 % per 10 s.
    assert [s.battery_pct for s in statuses] == [20, 18, 16, 15, 13, 11]
    assert [bool(s.flags & StatusFlags.LOW_BATTERY) for s in statuses] == [False] * 4 + [True] * 2
    # STATUS frames share the IMU's sequence numbers, in send order.
    all_seqs = [s.seq for s in _decode_all(device.emissions())]
    assert all_seqs == list(range(len(all_seqs)))


def test_gps_device_as_frames_and_as_nmea_agree() -> None:
    t = np.arange(0.0, 3.0, 0.1)
    fix = np.ones(t.size, bool)
    fix[10:14] = False
    device = VirtualGpsDevice(
        sensor_id=4,
        t_s=t,
        lat_deg=51.5 + t * 1e-5,
        lon_deg=-0.1,
        speed_mps=4.2,
        fix=fix,
        battery=BatteryProfile(status_every_s=0),
    )
    frames = [decode_frame(e.data) for e in device.emissions()]
    assert all(isinstance(f, GpsSample) for f in frames)
    decoder = NmeaGpsDecoder(sensor_id=4)
    fixes = [g for e in device.nmea_emissions() for g in decoder.feed(e.data)] + decoder.flush()
    assert [f.fix for f in fixes] == [f.fix for f in frames] == fix.tolist()
    good = fix
    np.testing.assert_allclose(
        [f.lat_deg for f in fixes if f.fix], (51.5 + t * 1e-5)[good], atol=2e-7
    )
    assert fixes[1].t_device_us - fixes[0].t_device_us == 100_000
    assert decoder.rejects == {}


def test_hr_device_as_frames_and_as_a_standard_strap() -> None:
    t = np.arange(0.0, 5.0, 1.0)
    device = VirtualHrDevice(
        sensor_id=9,
        t_s=t,
        bpm=np.array([60, 90, 120, 150, 180]),
        battery=BatteryProfile(status_every_s=0),
    )
    frames = [decode_frame(e.data) for e in device.emissions()]
    assert [f.bpm for f in frames] == [60, 90, 120, 150, 180]
    assert isinstance(frames[0], HrSample) and frames[0].rr_s[0] == pytest.approx(1.0, abs=1e-3)
    strap = [
        decode_heart_rate_measurement(e.data, sensor_id=9, seq=e.seq, t_us=0)
        for e in device.strap_emissions()
    ]
    assert [s.bpm for s in strap] == [60, 90, 120, 150, 180] and strap[0].contact is True


def test_bad_arrays_are_refused_with_the_shape_expected() -> None:
    with pytest.raises(ValueError, match=r"\(100, 3\)"):
        VirtualImuDevice(
            sensor_id=1,
            t_s=np.arange(100) / 100,
            accel_g=np.zeros((99, 3)),
            gyro_dps=np.zeros((100, 3)),
        )


def test_status_and_data_frames_sent_together_still_arrive_in_order() -> None:
    # STATUS every 0.1 s coincides with IMU frames; jitter must not invert arrivals.
    device = _imu_device(
        20.0, battery=BatteryProfile(status_every_s=0.1), link=LinkProfile(jitter_s=0.05), seed=4
    )
    emissions = device.emissions()
    assert all(a.t_s <= b.t_s for a, b in zip(emissions, emissions[1:], strict=False))
    assert [e.seq for e in emissions] == list(range(len(emissions)))
