"""Optional `.tflite` of the student for the LiteRT backend on the sideline.

Conversion needs the `litert-torch` package. It is not part of any Touchline extra: it
pulls transformers, torchao and a LiteRT converter and pins pydantic below the version the
host uses, so installing it into the host environment would downgrade a shared dependency.
Install it in a separate environment to convert; running a `.tflite` needs only
`ai-edge-litert` (the `litert` extra).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch
from torch import nn


class LiteRtUnavailable(RuntimeError):
    """The LiteRT converter (litert-torch) is not installed here."""


def litert_converter_available() -> bool:
    try:
        import litert_torch  # noqa: F401
    except ImportError:
        return False
    return True


def to_tflite_bytes(model: nn.Module, channels: int, samples: int) -> bytes:
    """Convert the student (batch of one window) to a `.tflite` flatbuffer."""
    try:
        import litert_torch
    except ImportError as exc:
        raise LiteRtUnavailable(
            "a .tflite needs the litert-torch converter (pip install litert-torch, best in a "
            "separate environment: it pins pydantic<2.12); the ONNX bundle is complete without it"
        ) from exc
    model.eval()
    converted = litert_torch.convert(model, (torch.zeros(1, channels, samples),))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.tflite"
        converted.export(str(path))
        return path.read_bytes()
