"""Filtering, normalisation and resampling behave as the paper's Eq. 1-2 and section 3 say."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import signal

from edge.dsp import (
    Normaliser,
    SignalError,
    fusion_grid,
    lowpass,
    lowpass_finite_runs,
    resample_linear,
    resample_to_grid,
    runs_of_true,
)

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


@given(level=finite, length=st.integers(min_value=2, max_value=400))
def test_lowpass_keeps_a_constant_signal(level: float, length: int) -> None:
    x = np.full(length, level)
    np.testing.assert_allclose(lowpass(x, 100.0, 20.0), x, atol=1e-9 * (1 + abs(level)))


@given(tone_hz=st.floats(min_value=35.0, max_value=45.0), phase=st.floats(0, 2 * np.pi))
@settings(max_examples=25)
def test_lowpass_removes_a_tone_above_cutoff_and_keeps_one_below(
    tone_hz: float, phase: float
) -> None:
    t = np.arange(2000) / 100.0
    slow = np.sin(2 * np.pi * 1.0 * t)
    fast = np.sin(2 * np.pi * tone_hz * t + phase)
    y = lowpass(slow + fast, 100.0, 20.0)
    core = slice(200, -200)  # away from the ends, where padding shapes the response
    assert np.max(np.abs(y[core] - slow[core])) < 0.05


def test_lowpass_has_zero_phase() -> None:
    # A symmetric pulse stays centred where it was: action peaks must not move in time.
    t = np.arange(1000)
    pulse = np.exp(-0.5 * ((t - 500) / 8.0) ** 2)
    assert int(np.argmax(lowpass(pulse, 100.0, 5.0))) == 500


def test_lowpass_filters_along_the_requested_axis_and_keeps_float32() -> None:
    rng = np.random.default_rng(0)
    batch = rng.normal(size=(4, 12, 800)).astype(np.float32)
    y = lowpass(batch, 100.0, 20.0, axis=-1)
    assert y.dtype == np.float32 and y.shape == batch.shape
    np.testing.assert_allclose(
        y[2, 5], lowpass(batch[2, 5].astype(np.float64), 100.0, 20.0), rtol=1e-4, atol=1e-5
    )
    time_first = np.moveaxis(batch, -1, 0)
    np.testing.assert_allclose(
        np.moveaxis(lowpass(time_first, 100.0, 20.0, axis=0), 0, -1), y, atol=1e-5
    )


@pytest.mark.parametrize("order", [1, 3, 4])
def test_lowpass_matches_scipy_defaults_when_the_signal_is_long_enough(order: int) -> None:
    x = np.random.default_rng(5).normal(size=300)
    sos = signal.butter(order, 20.0, fs=100.0, output="sos")
    np.testing.assert_allclose(lowpass(x, 100.0, 20.0, order=order), signal.sosfiltfilt(sos, x))


def test_lowpass_of_a_signal_shorter_than_the_padding_still_filters() -> None:
    # 8 samples of 1 Hz heart rate: shorter than the 15-sample default pad of order 4.
    hr = np.array([120, 122, 180, 124, 126, 128, 130, 131], dtype=float)
    y = lowpass(hr, 1.0, 0.2)
    assert y.shape == hr.shape
    assert y[2] < 170  # the spike is smoothed


@pytest.mark.parametrize(
    ("rate", "cutoff", "order", "message"),
    [
        (100.0, 50.0, 4, "Nyquist"),
        (100.0, 0.0, 4, "Nyquist"),
        (0.0, 1.0, 4, "rate_hz"),
        (100.0, 20.0, 0, "order"),
    ],
)
def test_lowpass_refuses_impossible_settings(
    rate: float, cutoff: float, order: int, message: str
) -> None:
    with pytest.raises(SignalError, match=message):
        lowpass(np.zeros(100), rate, cutoff, order=order)


def test_lowpass_refuses_an_empty_signal() -> None:
    with pytest.raises(SignalError, match="empty"):
        lowpass(np.zeros((3, 0)), 100.0, 20.0)


@given(
    x=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=3, max_dims=3, min_side=2, max_side=6),
        elements=finite,
    ),
)
def test_normaliser_round_trip_through_the_bundle_manifest(x: np.ndarray) -> None:
    norm = Normaliser.fit(x, axis=1)
    restored = Normaliser.from_dict(json.loads(json.dumps(norm.to_dict())))
    np.testing.assert_allclose(restored.invert(restored.apply(x)), x, atol=1e-6, rtol=1e-9)
    np.testing.assert_array_equal(restored.mean, norm.mean)


def test_normaliser_gives_zero_mean_unit_std_per_channel() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(loc=[[5.0], [-3.0], [100.0]], scale=[[2.0], [0.5], [10.0]], size=(50, 3, 200))
    z = Normaliser.fit(x).apply(x)
    np.testing.assert_allclose(z.mean(axis=(0, 2)), 0.0, atol=1e-9)
    np.testing.assert_allclose(z.std(axis=(0, 2)), 1.0, atol=1e-5)  # eps shrinks it a hair


def test_normaliser_uses_eps_of_eq_2_for_a_constant_channel() -> None:
    x = np.ones((4, 2, 10))
    norm = Normaliser.fit(x)
    assert np.all(np.isfinite(norm.apply(x + 1.0)))
    np.testing.assert_allclose(norm.apply(x + 1.0), 1.0 / norm.eps)


def test_normaliser_fit_skips_missing_samples() -> None:
    x = np.full((2, 1, 10), 4.0)
    valid = np.ones_like(x, dtype=bool)
    x[:, :, 5:] = 0.0  # missing samples are stored as zeros
    valid[:, :, 5:] = False
    norm = Normaliser.fit(x, axis=1, valid=valid)
    assert norm.mean.tolist() == [4.0] and norm.std.tolist() == [0.0]


def test_normaliser_applies_to_a_single_window_with_the_batch_statistics() -> None:
    rng = np.random.default_rng(2)
    batch = rng.normal(size=(8, 12, 50)).astype(np.float32)
    norm = Normaliser.fit(batch)
    np.testing.assert_allclose(norm.apply(batch[3]), norm.apply(batch)[3], rtol=1e-6)
    assert norm.apply(batch[3]).dtype == np.float32


def test_a_normaliser_fitted_on_a_batch_axis_also_applies_to_one_sample() -> None:
    rng = np.random.default_rng(4)
    batch = rng.normal(size=(6, 3, 40))
    norm = Normaliser.fit(batch, axis=1)
    np.testing.assert_allclose(norm.apply(batch[0]), norm.apply(batch)[0])
    features = rng.normal(size=(30, 5))  # (N, F) tables: features on the last axis
    np.testing.assert_allclose(
        Normaliser.fit(features, axis=1).apply(features[7]),
        Normaliser.fit(features, axis=1).apply(features)[7],
    )


def test_normaliser_refuses_the_wrong_channel_count_and_bad_manifests() -> None:
    norm = Normaliser(mean=np.zeros(12), std=np.ones(12))
    with pytest.raises(SignalError, match="11 channels"):
        norm.apply(np.zeros((11, 600)))
    with pytest.raises(SignalError, match="malformed"):
        Normaliser.from_dict({"std": [1.0]})
    with pytest.raises(SignalError, match="same length"):
        Normaliser.from_dict({"mean": [0.0, 1.0], "std": [1.0]})
    with pytest.raises(SignalError, match="non-negative"):
        Normaliser.from_dict({"mean": [0.0], "std": [-1.0]})
    with pytest.raises(SignalError, match="no valid samples"):
        Normaliser.fit(np.zeros((2, 3, 4)), valid=np.zeros((2, 3, 4), dtype=bool))


@given(
    slope=finite,
    offset=finite,
    times=st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=40, unique=True),
    new_times=st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=40),
)
def test_resampling_a_linear_signal_is_exact(
    slope: float, offset: float, times: list[float], new_times: list[float]
) -> None:
    t = np.sort(np.array(times))
    t_new = np.clip(np.array(new_times), t[0], t[-1])
    x = np.stack([slope * t + offset, -slope * t])
    y = resample_linear(t, x, t_new)
    np.testing.assert_allclose(y[0], slope * t_new + offset, atol=1e-6 * (1 + abs(slope) * 100))
    np.testing.assert_allclose(y[1], -slope * t_new, atol=1e-6 * (1 + abs(slope) * 100))


@given(
    x=hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 30)), elements=finite),
    new_times=st.lists(st.floats(-5, 40, allow_nan=False), min_size=1, max_size=30),
)
def test_resampling_matches_np_interp_channel_by_channel(
    x: np.ndarray, new_times: list[float]
) -> None:
    t = np.arange(x.shape[1]) * 1.1
    t_new = np.array(new_times)
    y = resample_linear(t, x.T, t_new, axis=0)  # time on axis 0 this time
    for channel in range(x.shape[0]):
        np.testing.assert_allclose(y[:, channel], np.interp(t_new, t, x[channel]), atol=1e-9)


def test_resampling_onto_the_fusion_grid_lines_up_modalities() -> None:
    # 10 Hz GPS speed and 100 Hz IMU land on the same 0.2 s points.
    grid = fusion_grid(0.0, 8.0)
    gps_t = np.arange(80) / 10.0
    imu_t = np.arange(800) / 100.0
    speed = resample_linear(gps_t, 2.0 * gps_t, grid)
    accel = resample_linear(imu_t, 2.0 * imu_t, grid)
    np.testing.assert_allclose(speed, accel, atol=1e-12)


def test_resampling_refuses_bad_time_vectors() -> None:
    with pytest.raises(SignalError, match="strictly increasing"):
        resample_linear(np.array([0.0, 1.0, 1.0]), np.zeros(3), np.array([0.5]))
    with pytest.raises(SignalError, match="3 samples"):
        resample_linear(np.arange(4.0), np.zeros(3), np.array([0.5]))


def _gain_db(y: np.ndarray) -> float:
    """Amplitude of a unit sine (root-mean-square times sqrt 2) in dB."""
    return float(20 * np.log10(np.sqrt(2 * np.mean(y**2))))


@pytest.mark.parametrize("rate_hz", [200.0, 208.0])
def test_resampling_a_fast_sensor_attenuates_tones_above_the_new_nyquist(rate_hz: float) -> None:
    # A 200 Hz Polar H10 (or a 208 Hz Movesense) onto the model's 100 Hz grid: 70 Hz lies
    # above the grid's 50 Hz Nyquist and would fold to 30 Hz at full strength unfiltered.
    t = 0.0013 + np.arange(0.0, 8.0, 1.0 / rate_hz)
    grid = 1.0 + np.arange(600) / 100.0
    for tone_hz, low_db, high_db in ((70.0, -200.0, -20.0), (5.0, -0.5, 0.5)):
        x = np.sin(2 * np.pi * tone_hz * t)[:, None] * np.ones((1, 3))
        y = resample_to_grid(t, x.astype(np.float32), grid, axis=0)
        assert y.shape == (600, 3) and y.dtype == np.float32
        assert low_db < _gain_db(y[:, 0]) < high_db, tone_hz
    # the in-band tone lands on the grid with its phase, not just its amplitude
    y = resample_to_grid(t, np.sin(2 * np.pi * 5.0 * t), grid, axis=0)
    np.testing.assert_allclose(y, np.sin(2 * np.pi * 5.0 * grid), atol=0.02)


def test_linear_resampling_alone_folds_the_tone_back() -> None:
    # What the filter prevents: interpolation keeps 70 Hz at full strength, aliased.
    t = np.arange(0.0, 8.0, 1.0 / 200.0)
    grid = 1.0 + np.arange(600) / 100.0
    assert _gain_db(resample_linear(t, np.sin(2 * np.pi * 70.0 * t), grid)) > -1.0


def test_a_sensor_at_the_grid_rate_or_slower_is_interpolated_as_before() -> None:
    grid = 1.0 + np.arange(600) / 100.0
    for rate_hz in (52.0, 100.0, 104.0):
        t = np.arange(0.0, 8.0, 1.0 / rate_hz)
        x = np.sin(2 * np.pi * 3.0 * t)
        np.testing.assert_array_equal(resample_to_grid(t, x, grid), resample_linear(t, x, grid))


def test_fusion_grid_is_half_open_at_0_2_s_without_drift() -> None:
    grid = fusion_grid(10.0, 18.0)
    assert grid.size == 40
    assert grid[0] == 10.0 and grid[-1] == pytest.approx(17.8)
    np.testing.assert_allclose(np.diff(grid), 0.2, atol=1e-12)
    assert fusion_grid(0.0, 6.0).size == 30
    assert fusion_grid(0.0, 6.1).size == 31
    assert fusion_grid(5.0, 5.0).size == 0
    with pytest.raises(SignalError, match="before"):
        fusion_grid(2.0, 1.0)


@given(mask=hnp.arrays(bool, st.integers(0, 60)))
def test_runs_of_true_cover_exactly_the_true_samples(mask: np.ndarray) -> None:
    rebuilt = np.zeros_like(mask)
    for start, end in runs_of_true(mask):
        assert end > start
        rebuilt[start:end] = True
    np.testing.assert_array_equal(rebuilt, mask)


def test_lowpass_of_a_series_with_unknown_stretches_filters_each_known_run() -> None:
    rng = np.random.default_rng(3)
    x = 5.0 + rng.normal(0.0, 1.0, 200)
    x[80:90] = np.nan
    x[150] = np.nan
    y = lowpass_finite_runs(x, 10.0, 2.0)
    # Unknown stays unknown, and nothing else becomes NaN (a plain lowpass gives all NaN).
    assert np.array_equal(np.isnan(y), np.isnan(x))
    assert np.isnan(lowpass(x, 10.0, 2.0)).all()
    assert np.allclose(y[:80], lowpass(x[:80], 10.0, 2.0))
    assert np.allclose(y[90:150], lowpass(x[90:150], 10.0, 2.0))
    assert np.array_equal(
        lowpass_finite_runs(np.full(5, np.nan), 10.0, 2.0), np.full(5, np.nan), equal_nan=True
    )
