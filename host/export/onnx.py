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
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from edge import taxonomy

INPUT_NAME = "window"
OUTPUT_NAME = "logits"
OPSET = 17
# Matrix-product weights of at least this many elements are what `halve_matrices` halves.
HALVED_MIN_ELEMENTS = 1024
# The operators whose weights it halves: smooth in their weights, unlike the convolutions
# whose winners the Hydra student counts, where a rounding can flip a count.
_MATRIX_PRODUCTS = {"Gemm", "MatMul"}


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


def halve_matrices(model: bytes) -> bytes:
    """The same graph with its large matrix-product weights stored in half precision, each
    cast back to float32 by a `Cast` onnxruntime folds when it opens the model, so windows
    still run in float32. The Hydra student's head holds most of its bytes and grows with
    the labels; this keeps it within the sideline budget for longer label lists."""
    proto = onnx.load_from_string(model)
    graph = proto.graph
    consumers: dict[str, set[str]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, set()).add(node.op_type)

    def halve(tensor: onnx.TensorProto, name: str) -> onnx.NodeProto | None:
        """`tensor` (the value of `name`) stored in half precision under a new name, and
        the cast that gives `name` back; None where it is left as it is."""
        if not (
            tensor.data_type == TensorProto.FLOAT
            and int(np.prod(tensor.dims)) >= HALVED_MIN_ELEMENTS
            and consumers.get(name, set()) & _MATRIX_PRODUCTS
        ):
            return None
        half = numpy_helper.from_array(numpy_helper.to_array(tensor).astype(np.float16))
        tensor.CopyFrom(half)
        tensor.name = f"{name}.half"
        return helper.make_node("Cast", [tensor.name], [name], to=TensorProto.FLOAT)

    nodes = [cast for init in graph.initializer if (cast := halve(init, init.name)) is not None]
    for node in graph.node:
        nodes.append(node)
        if node.op_type == "Constant" and node.attribute[0].name == "value":
            cast = halve(node.attribute[0].t, node.output[0])
            if cast is not None:
                node.output[0] = cast.input[0]
                nodes.append(cast)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(proto)
    return proto.SerializeToString()
