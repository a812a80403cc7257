"""PlayerLoad, accelerations, speed zones and heart-rate zones from raw streams."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from edge.dsp import SignalError
from edge.load import (
    SpeedZones,
    accel_decel_counts,
    hr_zone_seconds,
    player_load,
    speed_zones,
)

accel_values = st.floats(min_value=-16, max_value=16, allow_nan=False)


@given(level=st.tuples(accel_values, accel_values, accel_values), n=st.integers(0, 500))
def test_player_load_of_a_still_sensor_is_zero_whatever_gravity_reads(level, n: int) -> None:
    assert player_load(np.tile(level, (n, 1)), 100.0) == 0.0


@given(
    accel=hnp.arrays(np.float64, st.tuples(st.integers(2, 200), st.just(3)), elements=accel_values),
    scale=st.floats(0.0, 10.0),
)
def test_player_load_scales_linearly_with_acceleration(accel: np.ndarray, scale: float) -> None:
    assert player_load(scale * accel, 100.0) == pytest.approx(
        scale * player_load(accel, 100.0), rel=1e-9, abs=1e-9
    )


def test_player_load_matches_the_catapult_formula_at_100_hz() -> None:
    accel = np.array([[0.0, 0.0, 1.0], [3.0, 4.0, 1.0], [3.0, 4.0, 1.0], [0.0, 0.0, 1.0]])
    assert player_load(accel, 100.0) == pytest.approx((5.0 + 0.0 + 5.0) / 100)


def test_player_load_is_on_a_100_hz_basis_for_other_rates() -> None:
    t100 = np.arange(0, 10, 0.01)
    t50 = np.arange(0, 10, 0.02)

    def motion(t: np.ndarray) -> np.ndarray:
        return np.stack([np.sin(t), np.cos(2 * t), 1 + 0.3 * np.sin(3 * t)], axis=1)

    assert player_load(motion(t50), 50.0) == pytest.approx(
        player_load(motion(t100[:-1]), 100.0), rel=1e-3
    )


def test_player_load_refuses_the_wrong_shape() -> None:
    with pytest.raises(SignalError, match=r"\(T, 3\)"):
        player_load(np.zeros((100, 6)), 100.0)


def _speed_from_accel(accel_mps2: np.ndarray, rate_hz: float, v0: float = 3.0) -> np.ndarray:
    return v0 + np.cumsum(accel_mps2) / rate_hz


def test_accel_and_decel_efforts_are_counted_when_held_long_enough() -> None:
    rate = 10.0
    accel = np.zeros(300)
    accel[20:30] = 4.0  # 1 s at 4 m/s^2: counts
    accel[60:63] = 4.0  # 0.3 s: too short
    accel[100:108] = -3.5  # 0.8 s braking: counts
    accel[150:160] = 2.5  # below threshold
    accel[200:210] = -5.0  # counts
    assert accel_decel_counts(_speed_from_accel(accel, rate), rate) == (1, 2)
    assert accel_decel_counts(_speed_from_accel(accel, rate), rate, threshold_mps2=2.0) == (2, 2)
    assert accel_decel_counts(_speed_from_accel(accel, rate), rate, min_duration_s=0.2) == (2, 2)


def test_constant_speed_has_no_efforts() -> None:
    assert accel_decel_counts(np.full(100, 6.0), 10.0) == (0, 0)
    assert accel_decel_counts(np.array([1.0]), 10.0) == (0, 0)


@given(
    speed=hnp.arrays(
        np.float64, st.integers(1, 300), elements=st.floats(0.0, 11.0, allow_nan=False)
    ),
    rate=st.sampled_from([1.0, 5.0, 10.0, 18.0]),
)
def test_speed_zone_distance_equals_the_integral_of_speed(speed: np.ndarray, rate: float) -> None:
    zones = speed_zones(speed, rate)
    t = np.arange(speed.size + 1) / rate
    held = np.append(speed, speed[-1])  # sample-and-hold: each sample lasts 1 / rate
    integral = float(np.sum(held[:-1] * np.diff(t)))
    assert zones.distance_m == pytest.approx(integral, rel=1e-9, abs=1e-9)
    assert 0.0 <= zones.hsr_m <= zones.distance_m + 1e-9
    assert zones.max_speed_mps == speed.max()
    # Chunks of a stream add up to the stream.
    half = speed.size // 2
    if half:
        first, rest = speed_zones(speed[:half], rate), speed_zones(speed[half:], rate)
        total = first.distance_m + rest.distance_m
        assert total == pytest.approx(zones.distance_m, rel=1e-9, abs=1e-9)


def test_high_speed_running_and_sprints() -> None:
    rate = 10.0
    speed = np.full(600, 3.0)
    speed[100:130] = 6.0  # 3 s of HSR, no sprint
    speed[200:215] = 7.5  # 1.5 s sprint
    speed[300:305] = 8.0  # 0.5 s above 7 m/s: too short for a sprint
    zones = speed_zones(speed, rate)
    assert zones == SpeedZones(
        distance_m=pytest.approx(speed.sum() / rate),
        hsr_m=pytest.approx(3 * 6.0 + 1.5 * 7.5 + 0.5 * 8.0),
        sprints=1,
        max_speed_mps=8.0,
    )


def test_negative_or_infinite_speed_is_refused() -> None:
    with pytest.raises(SignalError, match="non-negative"):
        speed_zones(np.array([1.0, -0.5]), 10.0)
    with pytest.raises(SignalError, match="infinite"):
        speed_zones(np.array([1.0, np.inf]), 10.0)


def test_unknown_speed_counts_as_unknown_time_never_as_standing_still() -> None:
    rate = 10.0
    speed = np.full(100, 4.0)
    speed[20:50] = np.nan  # 3 s the receiver sent no speed
    speed[60:75] = 7.5  # 1.5 s above sprint speed
    speed[67] = np.nan  # ...cut by one unknown sample: two runs of 0.7 s, no sprint
    zones = speed_zones(speed, rate)
    assert zones.unknown_s == pytest.approx(3.1)
    assert zones.distance_m == pytest.approx(np.nansum(speed) / rate)
    assert zones.sprints == 0 and zones.max_speed_mps == 7.5
    unknown = speed_zones(np.full(30, np.nan), rate)
    assert unknown.unknown_s == pytest.approx(3.0)
    assert math.isnan(unknown.distance_m) and math.isnan(unknown.max_speed_mps)


def test_accelerations_are_never_made_up_across_unknown_speed() -> None:
    rate = 10.0
    # 0 -> 6 m/s in 1.5 s (4 m/s^2): one acceleration, then steady running.
    speed = np.concatenate([np.linspace(0.0, 6.0, 16), np.full(30, 6.0)])
    assert accel_decel_counts(speed, rate) == (1, 0)
    # The same ramp with its middle unknown: neither side is held 0.5 s, so none.
    gappy = speed.copy()
    gappy[4:12] = np.nan
    assert accel_decel_counts(gappy, rate) == (0, 0)
    # Standing, an unknown stretch, running: the jump across the gap is not an effort.
    jump = np.concatenate([np.zeros(20), np.full(5, np.nan), np.full(20, 6.0)])
    assert accel_decel_counts(jump, rate) == (0, 0)
    assert accel_decel_counts(np.full(10, np.nan), rate) == (0, 0)


def test_hr_zone_seconds_split_at_60_70_80_90_percent_of_max() -> None:
    hr = np.array([100, 119, 120, 139, 140, 159, 160, 179, 180, 200, 0, np.nan])
    assert hr_zone_seconds(hr, 1.0, 200.0) == (2.0, 2.0, 2.0, 2.0, 2.0)
    assert hr_zone_seconds(np.full(30, 150.0), 2.0, 200.0) == (0.0, 0.0, 15.0, 0.0, 0.0)


def test_hr_zone_refuses_a_missing_hr_max() -> None:
    with pytest.raises(SignalError, match="hr_max"):
        hr_zone_seconds(np.array([150.0]), 1.0, 0.0)
