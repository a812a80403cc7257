"""int8 ships only where it helps and fits the bundle beside its fp32 reference."""

from __future__ import annotations

import numpy as np
import pytest

import host.export.quantize as quantize
from host.distill.config import StudentConfig
from host.distill.student import build_student
from host.export.onnx import onnx_session, run_onnx, to_onnx_bytes
from host.export.quantize import choose_variant, quantize_int8

CHANNELS, SAMPLES = 13, 600


@pytest.fixture(scope="module")
def pair_models() -> tuple[bytes, bytes, np.ndarray, np.ndarray]:
    """The default CNN student (two averaged) in fp32 and int8, and the windows on which
    both variants agree, labelled so: equally accurate, as a trained pair is."""
    model = build_student(StudentConfig(kind="cnn")).eval()
    windows = np.random.default_rng(0).standard_normal((64, CHANNELS, SAMPLES))
    windows = windows.astype(np.float32)
    fp32 = to_onnx_bytes(model, CHANNELS, SAMPLES)
    int8 = quantize_int8(fp32, windows)
    labels = run_onnx(onnx_session(fp32), windows).argmax(axis=1)
    agree = labels == run_onnx(onnx_session(int8), windows).argmax(axis=1)
    assert agree.sum() >= 16
    return fp32, int8, windows[agree], labels[agree]


@pytest.fixture
def int8_faster(monkeypatch: pytest.MonkeyPatch) -> None:
    """int8 takes half fp32's time, whatever this host's load (the rule, not the clock,
    is under test)."""

    def latency(model: bytes, window: np.ndarray, repeats: int = 0) -> float:
        return 0.05 if b"QuantizeLinear" in model else 0.1

    monkeypatch.setattr(quantize, "single_window_latency_ms", latency)


@pytest.mark.usefixtures("int8_faster")
def test_int8_that_fits_beside_its_reference_ships(
    pair_models: tuple[bytes, bytes, np.ndarray, np.ndarray],
) -> None:
    fp32, int8, windows, labels = pair_models
    choice = choose_variant(fp32, int8, windows, labels, budget_bytes=len(fp32) + len(int8))
    assert choice.default == "int8", choice.reason


@pytest.mark.usefixtures("int8_faster")
def test_int8_over_the_budget_beside_its_reference_gives_way_to_fp32(
    pair_models: tuple[bytes, bytes, np.ndarray, np.ndarray],
) -> None:
    fp32, int8, windows, labels = pair_models
    budget = len(fp32) + len(int8) - 1
    choice = choose_variant(fp32, int8, windows, labels, budget_bytes=budget)
    assert choice.default == "fp32"
    assert "over the bundle's" in choice.reason and "fp32 ships alone" in choice.reason
    assert choice.int8.latency_ms < choice.fp32.latency_ms  # the figures are still recorded
