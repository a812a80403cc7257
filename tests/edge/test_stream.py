"""The shared pipeline: drifting, lossy frames in → aligned windows → timed events out."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from linear_bundle import toy_windows, train_bundle

from edge.bundle import read_bundle
from edge.infer import ActionModel
from edge.packets import Packet, SensorRole
from edge.stream import SessionProcessor
from edge.summary import build_summary
from edge.taxonomy import IMU_CHANNELS
from firmware_bridge.frame import encode_gps, encode_imu
from firmware_bridge.profiles import polar
from firmware_bridge.standard.nmea import format_epoch
from firmware_bridge.virtual.devices import BatteryProfile
from firmware_bridge.virtual.vendors import VirtualPolar, VirtualWitMotion

RATE = 100.0


def _stream(
    duration_s: float,
    pulses: dict[float, str],
    drift_ppm: dict[str, float],
    rng: np.random.Generator,
    gap: tuple[str, float, float] | None = None,
) -> list[Packet]:
    """Waist and calf frames of one athlete: noise, gravity, and a 0.3 s pulse on the
    channel of each true action (what the test model was trained to see)."""
    n = int(duration_s * RATE)
    t = np.arange(n) / RATE
    signal = rng.normal(0, 0.3, (12, n)).astype(np.float32)
    signal[[2, 8]] += 1.0
    for at, channel in pulses.items():
        k = IMU_CHANNELS.index(channel)
        i = int(at * RATE)
        signal[k, i - 15 : i + 15] += np.hanning(30) * 4.0
    packets = []
    for sensor_id, site in ((1, "waist"), (2, "calf")):
        rows = signal[:6] if site == "waist" else signal[6:]
        offset_us = 1_000_000_000 * sensor_id
        for seq, first in enumerate(range(0, n, 10)):
            sent = t[first + 9]
            if gap and gap[0] == site and gap[1] <= sent < gap[2]:
                continue
            device_us = int(offset_us + t[first] * (1 + drift_ppm[site] * 1e-6) * 1e6)
            chunk = rows[:, first : first + 10].T
            data = encode_imu(sensor_id, seq, device_us, chunk[:, :3], chunk[:, 3:])
            arrival = sent + 0.003 + rng.exponential(0.01)
            packets.append(Packet(f"virtual://test/{site}", data, float(arrival)))
    return sorted(packets, key=lambda p: p.arrival_s)


ROLES = [
    SensorRole("virtual://test/waist", "7", "waist"),
    SensorRole("virtual://test/calf", "7", "calf"),
]


def _run(processor: SessionProcessor, packets: list[Packet]) -> list:
    events = []
    for i, packet in enumerate(packets):
        processor.feed(packet)
        if i % 50 == 0:
            events += processor.advance()
    return events + processor.advance(final=True)


def test_events_found_at_true_times_across_drifting_sensors(trained_bundle) -> None:
    # waist_gx is the "shot" channel and calf_ax the "confrontation" one for the test model
    truth = {40.0: "waist_gx", 75.3: "calf_ax", 110.6: "waist_gx"}
    packets = _stream(150, truth, {"waist": 100.0, "calf": -100.0}, np.random.default_rng(1))
    processor = SessionProcessor(ROLES, ActionModel.from_bundle(trained_bundle))
    events = [e for _, e in _run(processor, packets)]
    assert [e.label for e in events] == ["shot", "confrontation", "shot"]
    for event, true_t in zip(events, truth, strict=True):
        assert event.t_s == pytest.approx(true_t, abs=0.5)
    # impact is peak acceleration: the 4 g calf pulse scores about 0.5 of the 8 g full
    # scale; the shots were gyro pulses, so only accelerometer noise remains for them
    shot, duel, _ = events
    assert 0.4 < duel.impact < 0.7 and shot.impact < 0.25
    athlete = processor.athletes["7"]
    assert athlete.windows_total == pytest.approx((150 - 6) / 0.5 + 1, abs=2)
    assert athlete.windows_dropped == 0


def test_loss_over_three_seconds_drops_windows_and_says_why(trained_bundle) -> None:
    packets = _stream(
        60, {}, {"waist": 0.0, "calf": 0.0}, np.random.default_rng(2), gap=("calf", 20.0, 24.5)
    )
    processor = SessionProcessor(ROLES, ActionModel.from_bundle(trained_bundle))
    _run(processor, packets)
    athlete = processor.athletes["7"]
    # windows overlapping the 4.5 s calf gap by more than 3 s are dropped (about 5 of them)
    assert 3 <= athlete.windows_dropped <= 10
    assert set(athlete.drop_reasons) == {"imu_loss>3s"}
    calf = processor.sensors["virtual://test/calf"]
    assert calf.clock.gaps and calf.clock.gaps[0].frames_lost == 45
    summary = build_summary(
        processor,
        "7",
        session_id="s1",
        revision=1,
        started_at=datetime.now(UTC),
        session_type="training",
    )
    assert summary["quality"]["windows_dropped"] == athlete.windows_dropped
    assert summary["quality"]["gaps"] == 1
    assert summary["quality"]["longest_gap_s"] == pytest.approx(4.5, abs=0.15)


def test_gps_speed_reaches_a_model_that_reads_it(tmp_path) -> None:
    """A 13-channel model (IMU + GPS speed, like the sideline student) learns "sprint" from
    speed alone; a burst of 8 m/s in the GPS stream must come out as a sprint."""
    rng = np.random.default_rng(4)
    windows, labels = toy_windows(rng, n_per_class=30)
    speed = np.abs(rng.normal(2.0, 0.5, (len(windows), 1, windows.shape[2]))).astype(np.float32)
    sprinting = labels == 0
    windows[sprinting, 0] = rng.normal(0, 0.3, windows[sprinting, 0].shape)  # no IMU pulse
    speed[sprinting, 0, 270:330] = 8.0
    bundle = read_bundle(
        train_bundle(
            tmp_path / "b",
            np.concatenate([windows, speed], axis=1),
            labels,
            "speed-1",
            with_speed=True,
        )
    )

    packets = _stream(60, {}, {"waist": 0.0, "calf": 0.0}, np.random.default_rng(5))
    for k in range(600):  # 10 Hz GPS, 8 m/s between 30.0 and 30.6 s
        t = k / 10
        data = encode_gps(
            3,
            k,
            5_000_000 + k * 100_000,
            51.5,
            -0.28,
            8.0 if 30.0 <= t < 30.6 else 2.0,
            0.9,
            12,
            True,
        )
        packets.append(Packet("virtual://test/gps", data, t + 0.004))
    packets.sort(key=lambda p: p.arrival_s)
    roles = [*ROLES, SensorRole("virtual://test/gps", "7", "gps")]
    processor = SessionProcessor(roles, ActionModel.from_bundle(bundle))
    events = [e for _, e in _run(processor, packets)]
    assert [e.label for e in events] == ["sprint"]
    assert events[0].t_s == pytest.approx(30.3, abs=0.5)


def test_frames_reordered_on_the_radio_land_in_time_order(trained_bundle) -> None:
    packets = _stream(30, {15.0: "waist_gx"}, {"waist": 0.0, "calf": 0.0}, np.random.default_rng(8))
    swapped = list(packets)
    for i in range(10, len(swapped) - 1, 37):  # every 37th pair arrives the other way round
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
    processor = SessionProcessor(ROLES, ActionModel.from_bundle(trained_bundle))
    events = [e for _, e in _run(processor, swapped)]
    waist = processor.athletes["7"].imu["waist"]
    t, _ = waist.between(0, 100)
    assert np.all(np.diff(t) > 0) and len(t) == 2000  # the last 20 s, all samples kept
    assert [e.label for e in events] == ["shot"]


def test_the_bundles_tuned_nms_applies_unless_the_config_sets_one(trained_bundle) -> None:
    from edge.config import EventSettings

    model = ActionModel.from_bundle(trained_bundle)
    model.manifest.events.nms_s = tuned = 2.25  # as if tuned on validation streams
    by_bundle = SessionProcessor(ROLES, model)
    assert by_bundle.athletes["7"].detector.nms_s == tuned
    by_config = SessionProcessor(ROLES, model, events=EventSettings(nms_s=tuned + 0.7))
    assert by_config.athletes["7"].detector.nms_s == pytest.approx(tuned + 0.7)


def _nmea_gps(address: str, duration_s: float, speed_mps: float, speed_from_s: float):
    """A 10 Hz NMEA receiver, one sentence a packet; before `speed_from_s` it sends GGA and
    GSA only (no speed field at all), from then on RMC, VTG, GGA, GSA."""
    packets = []
    for k in range(int(duration_s * 10)):
        t = k / 10
        sentences = format_epoch(36_000 + t, 51.5, -0.28, speed_mps, 0.9, 12, True)
        if t < speed_from_s:
            sentences = [s for s in sentences if s[3:6] in ("GGA", "GSA")]
        packets += [Packet(address, s.encode(), t + 0.004) for s in sentences]
    return packets


def _session(tmp_path, speed_from_s: float) -> tuple[SessionProcessor, list[bool]]:
    rng = np.random.default_rng(6)
    windows, labels = toy_windows(rng, n_per_class=10)
    speed = np.full((len(windows), 1, windows.shape[2]), 2.0, dtype=np.float32)
    bundle = read_bundle(
        train_bundle(
            tmp_path / "b",
            np.concatenate([windows, speed], axis=1),
            labels,
            "speed-1",
            with_speed=True,
        )
    )
    packets = _stream(40, {}, {"waist": 0.0, "calf": 0.0}, rng)
    packets += _nmea_gps("virtual://test/gps", 40, 2.0, speed_from_s)
    packets.sort(key=lambda p: p.arrival_s)
    roles = [*ROLES, SensorRole("virtual://test/gps", "7", "gps", "nmea")]
    processor = SessionProcessor(roles, ActionModel.from_bundle(bundle))
    finite: list[bool] = []
    predict = processor.model.predict

    def spy(x: np.ndarray, present: np.ndarray) -> np.ndarray:
        finite.append(bool(np.isfinite(x).all()))
        return predict(x, present)

    processor.model.predict = spy  # type: ignore[method-assign]
    _run(processor, packets)
    return processor, finite


def _load(processor: SessionProcessor) -> dict:
    return build_summary(
        processor,
        "7",
        session_id="s1",
        revision=1,
        started_at=datetime.now(UTC),
        session_type="training",
    )


def test_a_receiver_without_speed_counts_as_unknown_never_as_standing_still(tmp_path) -> None:
    processor, finite = _session(tmp_path, speed_from_s=20.0)
    zones = processor.speed_zones("7")
    # 20 s at 2 m/s are known; the first 20 s are unknown, not 0 m/s.
    assert zones.unknown_s == pytest.approx(20.0, abs=0.2)
    assert zones.distance_m == pytest.approx(40.0, abs=0.5)
    assert processor.rejects["gps_speed_unknown"] == pytest.approx(200, abs=2)
    assert finite and all(finite)  # no NaN ever reaches the model
    summary = _load(processor)
    assert summary["load"]["distance_m"] == pytest.approx(40.0, abs=0.5)
    assert summary["quality"]["frames_rejected"]["gps_speed_unknown"] > 0


def test_a_session_with_no_known_speed_reports_no_distance(tmp_path) -> None:
    processor, finite = _session(tmp_path, speed_from_s=1e9)
    assert processor.speed_zones("7") is None and all(finite)
    load = _load(processor)["load"]
    assert load["distance_m"] is None and load["max_speed_mps"] is None
    assert (load["accels"], load["decels"]) == (0, 0)


def _h10_waist_packets(tone_hz: float) -> tuple[list[SensorRole], list[Packet]]:
    """An athlete with a 200 Hz Polar H10 on the waist, its z axis carrying gravity and a
    0.5 g tone, and a still 100 Hz WitMotion on the calf."""
    still = BatteryProfile(status_every_s=0)
    t = np.arange(0.0, 20.0, 0.001)
    accel = np.zeros((len(t), 3))
    accel[:, 2] = 1.0 + 0.5 * np.sin(2 * np.pi * tone_hz * t)
    waist = VirtualPolar(
        1, profile=polar.H10, t_s=t, accel_g=accel, gyro_dps=np.zeros_like(accel), battery=still
    )
    t_calf = np.arange(0.0, 20.0, 0.01)
    calf = VirtualWitMotion(
        2,
        t_s=t_calf,
        accel_g=np.tile([0.0, 0.0, 1.0], (len(t_calf), 1)),
        gyro_dps=np.zeros((len(t_calf), 3)),
        battery=still,
    )
    roles = [
        SensorRole("virtual://test/waist", "7", "waist", "polar_h10"),
        SensorRole("virtual://test/calf", "7", "calf", "witmotion"),
    ]
    packets = [
        Packet(role.address, emission.data, emission.t_s + 0.005)
        for role, device in zip(roles, (waist, calf), strict=True)
        for emission in device.emissions()
    ]
    return roles, sorted(packets, key=lambda p: p.arrival_s)


@pytest.mark.parametrize(("tone_hz", "low_g", "high_g"), [(70.0, 0.0, 0.05), (5.0, 0.45, 0.55)])
def test_a_200_hz_sensor_reaches_the_model_without_aliasing(
    trained_bundle, tone_hz: float, low_g: float, high_g: float
) -> None:
    # 70 Hz lies above the 100 Hz model grid's Nyquist: unfiltered, it would fold to 30 Hz
    # at its full 0.5 g. The model must see it at least 20 dB down, and 5 Hz untouched.
    roles, packets = _h10_waist_packets(tone_hz)
    model = ActionModel.from_bundle(trained_bundle)
    seen: list[np.ndarray] = []
    predict = model.predict

    def spy(windows: np.ndarray, present: np.ndarray) -> np.ndarray:
        seen.append(windows.copy())
        return predict(windows, present)

    model.predict = spy  # type: ignore[method-assign]
    processor = SessionProcessor(roles, model)
    _run(processor, packets)
    waist_az = np.concatenate(seen)[:, IMU_CHANNELS.index("waist_az"), 100:-100]
    assert len(waist_az) > 20 and not processor.rejects
    amplitude = np.sqrt(2 * np.mean((waist_az - waist_az.mean(axis=1, keepdims=True)) ** 2))
    assert low_g < amplitude < high_g
