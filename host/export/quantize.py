"""int8 variant of the student through onnxruntime's static quantization, and the measured
choice between it and fp32.

int8 ships as `model.onnx` only where it is measurably better (faster, or at most half the
size) and loses at most one point of validation accuracy; otherwise fp32 does. The figures
behind the choice go into the bundle manifest and the export report.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from onnxruntime.quantization import (
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from host.export.onnx import onnx_session, run_onnx

# int8 must keep validation accuracy within this many points of fp32.
MAX_ACCURACY_LOSS = 0.01
# ...and be faster per window by at least this factor, or this much smaller.
MIN_SPEEDUP = 1.05
MAX_SIZE_RATIO = 0.5
CALIBRATION_WINDOWS = 256
_TIMING_REPEATS = 300


class _Windows(CalibrationDataReader):
    """Feeds calibration windows one at a time (what the sideline feeds, too)."""

    def __init__(self, input_name: str, windows: np.ndarray) -> None:
        self._items = iter([{input_name: w[None].astype(np.float32)} for w in windows])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._items, None)


def quantize_int8(fp32: bytes, calibration: np.ndarray) -> bytes:
    """Static int8 quantization (QDQ, per-channel weights) calibrated on prepared windows
    from the training athletes."""
    with tempfile.TemporaryDirectory() as tmp:
        src, pre, out = (Path(tmp) / name for name in ("fp32.onnx", "pre.onnx", "int8.onnx"))
        src.write_bytes(fp32)
        quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
        name = onnx_session(fp32).get_inputs()[0].name
        quantize_static(
            str(pre),
            str(out),
            _Windows(name, calibration[:CALIBRATION_WINDOWS]),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )
        return out.read_bytes()


@dataclass(frozen=True)
class VariantFigures:
    size_bytes: int
    latency_ms: float
    val_accuracy: float


@dataclass(frozen=True)
class Choice:
    """Which variant becomes `model.onnx`, with the figures that decided it."""

    default: str  # "int8" or "fp32"
    reason: str
    fp32: VariantFigures
    int8: VariantFigures

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def single_window_latency_ms(
    model: bytes, window: np.ndarray, repeats: int = _TIMING_REPEATS
) -> float:
    """Median single-thread latency of one window (median: the host is shared)."""
    session = onnx_session(model)
    x = window[None].astype(np.float32)
    for _ in range(20):
        run_onnx(session, x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run_onnx(session, x)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def choose_variant(
    fp32: bytes, int8: bytes, val_inputs: np.ndarray, val_labels: np.ndarray
) -> Choice:
    """Measure both on the validation windows and apply the rule of the module docstring."""
    figures = {}
    for name, model in (("fp32", fp32), ("int8", int8)):
        predictions = run_onnx(onnx_session(model), val_inputs).argmax(axis=1)
        figures[name] = VariantFigures(
            size_bytes=len(model),
            latency_ms=single_window_latency_ms(model, val_inputs[0]),
            val_accuracy=float(np.mean(predictions == val_labels)),
        )
    f32, i8 = figures["fp32"], figures["int8"]
    loss = f32.val_accuracy - i8.val_accuracy
    faster = f32.latency_ms / i8.latency_ms >= MIN_SPEEDUP
    smaller = i8.size_bytes <= MAX_SIZE_RATIO * f32.size_bytes
    detail = (
        f"int8 {i8.latency_ms:.3f} ms vs fp32 {f32.latency_ms:.3f} ms per window, "
        f"{i8.size_bytes} vs {f32.size_bytes} bytes, validation accuracy "
        f"{i8.val_accuracy:.3f} vs {f32.val_accuracy:.3f}"
    )
    if loss > MAX_ACCURACY_LOSS:
        return Choice("fp32", f"int8 loses {100 * loss:.1f} points: {detail}", f32, i8)
    if not (faster or smaller):
        return Choice("fp32", f"int8 neither faster nor half the size: {detail}", f32, i8)
    return Choice("int8", f"int8 {'faster' if faster else 'smaller'}: {detail}", f32, i8)
