"""Student → ONNX, and the onnxruntime session every host-side check runs it in.

The TorchScript exporter (`dynamo=False`) is used on purpose: for this small Conv1d/GRU
network it writes a graph with BatchNorm folded into the convolutions (≈ 40 KB against
≈ 60 KB from the dynamo exporter) in about a second instead of twenty, and onnxruntime
gives the same outputs as torch to ~1e-6 (tests/host/export/test_onnx.py).
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnxruntime as ort
import torch
from torch import nn

from edge import taxonomy

INPUT_NAME = "window"
OUTPUT_NAME = "logits"
OPSET = 17


def to_onnx_bytes(
    model: nn.Module, channels: int = len(taxonomy.IMU_CHANNELS) + 1, samples: int = 600
) -> bytes:
    """Export `model` (eval mode) with a dynamic batch axis; input `window` (N, C, T) float32,
    output `logits` (N, labels)."""
    model.eval()
    example = torch.zeros(1, channels, samples)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter announces its deprecation; see the module docstring.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (example,),
            # The TorchScript exporter writes to any binary file object; torch's hint
            # names only paths.
            buffer,  # type: ignore[arg-type]
            dynamo=False,
            opset_version=OPSET,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
        )
    return buffer.getvalue()


def onnx_session(model: bytes, threads: int = 1) -> ort.InferenceSession:
    """A CPU session with `threads` intra-op threads (1 = what the sideline runs)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def run_onnx(session: ort.InferenceSession, inputs: np.ndarray) -> np.ndarray:
    """Logits for prepared windows `(N, C, T)`."""
    name = session.get_inputs()[0].name
    return np.asarray(session.run(None, {name: np.ascontiguousarray(inputs, np.float32)})[0])
