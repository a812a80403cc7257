"""Run a verified model bundle on raw windows: the sideline's action classifier.

`ActionModel.from_bundle(bundle).predict(windows)` takes raw `(N, C, T)` windows in the
manifest's channel order and units, prepares them exactly as the host trained on
(`edge.bundle.prepare_windows`: low-pass, z-score, absent channels zeroed), runs the
model single-threaded and returns class probabilities `(N, labels)`. Two backends behind
one class: onnxruntime (default, `model.onnx`) and LiteRT (`model.tflite`, when the
`litert` extra is installed and asked for).
"""

from __future__ import annotations

from typing import Literal, Protocol

import numpy as np

from edge.bundle import Bundle, Manifest, prepare_windows
from firmware_bridge.errors import UserError

Backend = Literal["onnxruntime", "litert"]


class InferenceError(UserError):
    """The bundle cannot be run here (backend missing, model file absent or unreadable)."""


class _Runner(Protocol):
    def run(self, x: np.ndarray) -> np.ndarray: ...


class _OnnxRunner:
    def __init__(self, model: bytes) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        # The sideline runs one model per athlete stream on a small CPU: one thread each,
        # so parallel athletes do not fight over cores.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        try:
            self._session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise InferenceError(f"onnxruntime cannot load the model: {exc}") from exc
        model_input = self._session.get_inputs()[0]
        self._input = model_input.name
        self._fixed_batch = model_input.shape[0] if isinstance(model_input.shape[0], int) else None

    def run(self, x: np.ndarray) -> np.ndarray:
        if self._fixed_batch == 1 and len(x) != 1:
            return np.concatenate([self.run(x[i : i + 1]) for i in range(len(x))])
        return np.asarray(self._session.run(None, {self._input: x})[0])


class _LiteRtRunner:
    def __init__(self, model: bytes) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise InferenceError(
                "LiteRT backend asked for but ai-edge-litert is not installed "
                "(pip install 'touchline[litert]')"
            ) from exc
        try:
            self._interpreter = Interpreter(model_content=model, num_threads=1)
        except ValueError as exc:
            raise InferenceError(f"LiteRT cannot load model.tflite: {exc}") from exc
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        # `touchline export --tflite` writes a batch-of-one model (the converter cannot
        # lower a dynamic batch), and such a model cannot be resized: it is run one window
        # at a time. A model with a dynamic batch (-1) is resized to each call's batch.
        self._batch = int(self._input["shape"][0])
        self._fixed_batch = int(self._input["shape_signature"][0]) != -1
        if self._fixed_batch and self._batch != 1:
            raise InferenceError(
                f"model.tflite takes a fixed batch of {self._batch} windows; the sideline "
                "runs a batch of one or a dynamic batch"
            )
        self._interpreter.allocate_tensors()

    def run(self, x: np.ndarray) -> np.ndarray:
        if self._fixed_batch:
            return np.concatenate([self._invoke(x[i : i + 1]) for i in range(len(x))])
        if len(x) != self._batch:
            self._interpreter.resize_tensor_input(self._input["index"], [len(x), *x.shape[1:]])
            self._interpreter.allocate_tensors()
            self._batch = len(x)
        return self._invoke(x)

    def _invoke(self, x: np.ndarray) -> np.ndarray:
        self._interpreter.set_tensor(self._input["index"], x)
        self._interpreter.invoke()
        return np.array(self._interpreter.get_tensor(self._output["index"]))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    probabilities: np.ndarray = exp / exp.sum(axis=-1, keepdims=True)
    return probabilities


class ActionModel:
    """A bundle's student model ready to score windows."""

    def __init__(self, manifest: Manifest, runner: _Runner, backend: Backend) -> None:
        self.manifest = manifest
        self.backend = backend
        self._runner = runner

    @classmethod
    def from_bundle(cls, bundle: Bundle, backend: Backend = "onnxruntime") -> ActionModel:
        """Load the bundle's model for the chosen backend (LiteRT needs `model.tflite`)."""
        if backend == "onnxruntime":
            runner: _Runner = _OnnxRunner(bundle.default_model_bytes)
        elif backend == "litert":
            if "model.tflite" not in bundle.files:
                raise InferenceError(
                    f"{bundle.source}: bundle {bundle.manifest.version} has no model.tflite "
                    'for the LiteRT backend; use model_backend = "onnxruntime"'
                )
            runner = _LiteRtRunner(bundle.files["model.tflite"])
        else:
            raise InferenceError(f"unknown backend {backend!r}: onnxruntime or litert")
        return cls(bundle.manifest, runner, backend)

    @property
    def labels(self) -> list[str]:
        return self.manifest.labels

    @property
    def version(self) -> str:
        return self.manifest.version

    def predict(self, windows: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
        """Raw windows `(N, C, T)` → class probabilities `(N, len(labels))`."""
        x = prepare_windows(self.manifest, windows, present)
        if len(x) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        logits = self._runner.run(np.ascontiguousarray(x, dtype=np.float32))
        return softmax(logits.astype(np.float64)).astype(np.float32)
