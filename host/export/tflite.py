"""Optional `.tflite` of the student for the LiteRT backend on the sideline.

Conversion needs the `litert-torch` package (extra `litert-convert`), kept out of the host
install: it adds ~0.9 GB (jax, transformers, torchao) and its converter pins
typing-extensions<4.13, which takes pydantic back to 2.11. The host's tests pass with
those versions, so a host environment with the converter works; `tools/check_litert.py`
builds one apart and checks the path there. Running a `.tflite` needs only
`ai-edge-litert` (extra `litert`).

The model has a fixed batch of one window: litert-torch cannot lower a dynamic batch
through the student's convolutions, so the edge's LiteRT runner scores one window per
call. On real windows its logits match torch to ~3e-6 (tests/host/export/test_tflite.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch
from torch import nn

from firmware_bridge.errors import UserError


class LiteRtUnavailable(UserError, RuntimeError):
    """The LiteRT converter (litert-torch) is not installed here."""

    exit_code = 3


def to_tflite_bytes(model: nn.Module, channels: int, samples: int) -> bytes:
    """Convert the student (batch of one window) to a `.tflite` flatbuffer."""
    try:
        import litert_torch
    except ImportError as exc:
        raise LiteRtUnavailable(
            "a .tflite needs the litert-torch converter (pip install litert-torch, best in a "
            "separate environment: it takes pydantic back to 2.11; tools/check_litert.py builds "
            "one); the ONNX bundle is complete without it"
        ) from exc
    model.eval()
    converted = litert_torch.convert(model, (torch.zeros(1, channels, samples),))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.tflite"
        converted.export(str(path))
        return path.read_bytes()
