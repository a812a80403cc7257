"""Contract 2: drifting device clocks land on one session timeline; seq trouble is recorded."""

from __future__ import annotations

import numpy as np
import pytest

from edge.clock import ClockSync

FRAME_US = 100_000  # ten samples at 100 Hz


def _feed(clock: ClockSync, ppm: float, seconds: float, rng: np.random.Generator, start_s=5.0):
    """Frames from a device whose crystal runs `ppm` fast, arriving with radio delays."""
    n = int(seconds * 10)
    true_host = start_s + np.arange(n) * 0.1
    device_us = (true_host - start_s) * (1 + ppm * 1e-6) * 1e6 + 123_456_789
    delay = rng.exponential(0.015, n) + 0.004
    stalls = rng.random(n) < 0.03  # connection-interval stalls: 0.2–0.5 s late
    delay[stalls] += rng.uniform(0.2, 0.5, stalls.sum())
    for seq, (d, t) in enumerate(zip(device_us.astype(np.int64), true_host + delay, strict=True)):
        clock.observe(seq, int(d), float(t), FRAME_US)
    return device_us.astype(np.int64), true_host


@pytest.mark.parametrize("ppm", [-100.0, 100.0])
def test_drift_of_100_ppm_is_corrected_to_well_under_one_sample(ppm: float) -> None:
    rng = np.random.default_rng(7)
    clock = ClockSync(sensor_id=1)
    device_us, true_host = _feed(clock, ppm, seconds=600, rng=rng)

    error_s = clock.to_session(device_us[-1500:]) - true_host[-1500:]
    # 100 ppm over 10 minutes is 60 ms; after correction the last 2.5 minutes sit within 10 ms
    # (one sample) of the truth. The floor of the delay (4 ms) is the only bias left.
    assert np.abs(error_s).max() < 0.010
    assert clock.drift_ppm == pytest.approx(ppm, abs=10)
    assert clock.residual_ms is not None and clock.residual_ms < 5


def test_without_the_fit_two_drifting_sensors_would_disagree() -> None:
    """Guard the test above: the drift really is large enough to matter uncorrected."""
    rng = np.random.default_rng(3)
    fast, slow = ClockSync(1), ClockSync(2)
    fast_us, host = _feed(fast, 100.0, 600, rng)
    slow_us, _ = _feed(slow, -100.0, 600, rng)
    naive_gap_s = ((fast_us[-1] - fast_us[0]) - (slow_us[-1] - slow_us[0])) / 1e6
    assert naive_gap_s > 0.1
    aligned = fast.to_session(fast_us[-1]) - slow.to_session(slow_us[-1])
    assert abs(aligned) < 0.010


def test_lost_frames_are_recorded_as_a_gap_with_its_span() -> None:
    clock = ClockSync(sensor_id=4)
    for seq in range(20):
        clock.observe(seq, seq * FRAME_US, 10.0 + seq * 0.1, FRAME_US)
    status = clock.observe(55, 55 * FRAME_US, 10.0 + 55 * 0.1, FRAME_US)
    assert status == "gap"
    (gap,) = clock.gaps
    assert gap.frames_lost == 35
    assert gap.kind == "loss"
    assert gap.duration_s == pytest.approx(3.5, abs=0.02)


def test_counter_wrap_is_not_a_gap_and_duplicate_is_flagged() -> None:
    clock = ClockSync(sensor_id=2)
    seqs = [2**32 - 2, 2**32 - 1, 0, 1]
    statuses = [clock.observe(s, i * FRAME_US, i * 0.1, FRAME_US) for i, s in enumerate(seqs)]
    assert statuses == ["ok", "ok", "wrap", "ok"]
    assert clock.observe(1, 3 * FRAME_US, 0.35, FRAME_US) == "duplicate"
    assert clock.gaps == [] and clock.wraps == 1 and clock.duplicates == 1


def test_sensor_reboot_is_a_reset_and_the_timeline_continues() -> None:
    clock = ClockSync(sensor_id=3)
    for seq in range(50):
        clock.observe(1000 + seq, 900_000_000 + seq * FRAME_US, 2.0 + seq * 0.1, FRAME_US)
    # The sensor reboots 2 s later: counter and device clock start again from zero.
    assert clock.observe(0, 0, 9.0, FRAME_US) == "reset"
    for seq in range(1, 30):
        clock.observe(seq, seq * FRAME_US, 9.0 + seq * 0.1, FRAME_US)
    assert clock.resets == 1 and clock.gaps[0].kind == "reset"
    assert float(clock.to_session(10 * FRAME_US)) == pytest.approx(10.0, abs=0.01)


def test_frame_reordered_on_the_radio_is_late_not_lost_nor_a_reset() -> None:
    clock = ClockSync(sensor_id=6)
    order = [0, 1, 2, 4, 3, 5, 6]
    statuses = [clock.observe(s, s * FRAME_US, 1.0 + s * 0.1, FRAME_US) for s in order]
    assert statuses == ["ok", "ok", "ok", "gap", "late", "ok", "ok"]
    assert clock.gaps == [] and clock.resets == 0 and clock.reordered == 1
