"""Window summaries: each number means what its docstring says, and ONNX agrees."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from host.distill.config import DistillConfig, StudentConfig
from host.distill.hydra_student import HydraConfig, HydraStudent
from host.distill.summaries import BAND_EDGES_PER_600, WindowSummaries
from host.export.onnx import onnx_session, run_onnx, to_onnx_bytes

CHANNELS, SAMPLES, POOL = 3, 600, 8
BANDS = len(BAND_EDGES_PER_600) - 1


def _summaries(x: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Moments `(N, 3, 2C)`, mean squares `(N, 2C)`, power above the averaged band
    `(N, C)` and band powers `(N, C, bands)`, logged where they are powers."""
    module = WindowSummaries(CHANNELS, SAMPLES, POOL)
    with torch.no_grad():
        out = module(x, F.avg_pool1d(x, POOL, POOL)).numpy()
    n, both = len(x), 2 * CHANNELS
    assert module.size == out.shape[1]
    moments = out[:, : 3 * both].reshape(n, 3, both)
    mean_squares = out[:, 3 * both : 4 * both]
    above = out[:, 4 * both : 4 * both + CHANNELS]
    return moments, mean_squares, above, out[:, 4 * both + CHANNELS :].reshape(n, CHANNELS, -1)


def _sine(cycles: float, channels: int = CHANNELS) -> torch.Tensor:
    t = np.arange(SAMPLES)
    wave = np.sin(2 * np.pi * cycles * t / SAMPLES + 0.3)
    return torch.tensor(np.tile(wave, (1, channels, 1)), dtype=torch.float32)


def test_moments_are_those_of_the_series_and_its_difference() -> None:
    x = torch.randn(2, CHANNELS, SAMPLES)
    moments, mean_squares, _, _ = _summaries(x)
    series = x.numpy()
    difference = np.concatenate([np.diff(series, axis=2), np.zeros((2, CHANNELS, 1))], axis=2)
    both = np.concatenate([series, difference], axis=1)
    np.testing.assert_allclose(moments[:, 0], both.max(2), rtol=1e-6)
    np.testing.assert_allclose(moments[:, 1], both.min(2), rtol=1e-6)
    np.testing.assert_allclose(moments[:, 2], both.mean(2), atol=1e-6)
    expected = np.log((both**2).mean(2))
    np.testing.assert_allclose(mean_squares, expected, atol=1e-4)


@pytest.mark.parametrize("band", range(BANDS))
def test_a_slow_sine_puts_its_power_in_its_own_band(band: int) -> None:
    low, high = BAND_EDGES_PER_600[band], BAND_EDGES_PER_600[band + 1]
    cycles = float(np.ceil(low)) if np.ceil(low) < high else (low + high) / 2
    _, _, above, bands = _summaries(_sine(cycles))
    assert np.all(bands.argmax(axis=2) == band)
    # Averaging 8 samples keeps a slow sine: almost none of its power is above the band.
    assert np.all(above < bands.max(axis=2) - 4)


def test_a_fast_sine_is_power_above_the_averaged_band_not_in_the_bands() -> None:
    slow_above = _summaries(_sine(4.0))[2]
    _, _, above, bands = _summaries(_sine(150.0))  # 25 Hz at 100 Hz: averaged away
    assert np.all(above > slow_above + 4)
    assert np.all(above > bands.max(axis=2) + 4)


def test_a_flat_channel_has_floored_powers_not_minus_infinity() -> None:
    x = torch.ones(1, CHANNELS, SAMPLES)
    _, _, above, bands = _summaries(x)
    assert np.isfinite(above).all() and np.isfinite(bands).all()


def test_short_windows_resolve_fewer_bands() -> None:
    short = WindowSummaries(CHANNELS, 128, POOL)
    full = WindowSummaries(CHANNELS, SAMPLES, POOL)
    assert short.size < full.size
    x = torch.randn(2, CHANNELS, 128)
    with torch.no_grad():
        assert short(x, F.avg_pool1d(x, POOL, POOL)).shape == (2, short.size)


def test_the_student_with_summaries_exports_with_the_same_logits() -> None:
    torch.manual_seed(0)
    model = HydraStudent(12, 600, 9, HydraConfig(groups=8, summaries=True)).eval()
    torch.nn.init.normal_(model.head.weight)
    model.summary_sigma.fill_(3.0)
    x = np.random.default_rng(0).normal(size=(3, 12, 600)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    got = run_onnx(onnx_session(to_onnx_bytes(model, 12, 600)), x)
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-3)


def test_students_saved_before_summaries_read_back_without_them() -> None:
    saved = DistillConfig(student=StudentConfig(kind="hydra")).to_dict()
    del saved["student"]["hydra_summaries"]
    assert DistillConfig.from_dict(saved).student.hydra_summaries is False
    assert DistillConfig.from_dict(DistillConfig().to_dict()).student.hydra_summaries is True
