"""host/export/onnx.py: the export matches torch, and `halve_matrices` halves only the
matrix-product weights, keeping the outputs and the float32 arithmetic."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, numpy_helper

from host.distill.config import StudentConfig
from host.distill.hydra_student import HydraConfig, HydraStudent
from host.distill.student import build_student
from host.export.onnx import (
    HALVED_MIN_ELEMENTS,
    halve_matrices,
    onnx_session,
    run_onnx,
    to_onnx_bytes,
)

CHANNELS, SAMPLES = 13, 600


def _hydra(labels: int) -> HydraStudent:
    torch.manual_seed(0)
    model = HydraStudent(CHANNELS, SAMPLES, labels, HydraConfig(groups=16, pool=8)).eval()
    torch.nn.init.normal_(model.head.weight, std=0.05)
    return model


def _windows(n: int = 32) -> np.ndarray:
    return np.random.default_rng(1).standard_normal((n, CHANNELS, SAMPLES)).astype(np.float32)


def _stored(model: bytes) -> dict[str, int]:
    """Element type of every stored tensor (initializers and constants), by name."""
    graph = onnx.load_from_string(model).graph
    types = {init.name: init.data_type for init in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant":
            types[node.output[0]] = node.attribute[0].t.data_type
    return types


@pytest.mark.parametrize("labels", [9, 20])
def test_halved_hydra_student_keeps_its_logits_and_fits_more_labels_in_the_budget(
    labels: int,
) -> None:
    full = to_onnx_bytes(_hydra(labels), CHANNELS, SAMPLES)
    halved = halve_matrices(full)
    x = _windows()
    expected, got = run_onnx(onnx_session(full), x), run_onnx(onnx_session(halved), x)
    # Half precision keeps ~3 decimal digits of each weight: logits move by parts in 10⁴
    # of their range and no window changes class.
    assert np.abs(got - expected).max() <= 1e-3 * np.abs(expected).max()
    assert np.array_equal(got.argmax(1), expected.argmax(1))
    # The head is most of the bytes: at 20 labels the graph is 148 KB whole, 94 KB halved.
    assert len(halved) < (0.75 if labels == 9 else 0.65) * len(full)
    if labels == 20:
        assert len(full) > 100 * 1024 >= len(halved)


def test_only_large_matrix_weights_are_halved_and_cast_back_to_float() -> None:
    full = to_onnx_bytes(_hydra(9), CHANNELS, SAMPLES)
    halved = halve_matrices(full)
    graph = onnx.load_from_string(halved).graph
    consumers: dict[str, set[str]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, set()).add(node.op_type)
    half = {name for name, kind in _stored(halved).items() if kind == TensorProto.FLOAT16}
    # The head's matrix and the summaries' Fourier basis; never the counted convolutions.
    assert half and all(consumers[name] == {"Cast"} for name in half)
    casts = [node for node in graph.node if node.op_type == "Cast" and node.input[0] in half]
    assert len(casts) == len(half)
    for cast in casts:
        assert cast.attribute[0].i == TensorProto.FLOAT
        assert consumers[cast.output[0]] & {"Gemm", "MatMul"}
    convolution_weights = {
        name for node in graph.node if node.op_type == "Conv" for name in node.input[1:]
    }
    assert not convolution_weights & half
    small = [init for init in graph.initializer if np.prod(init.dims) < HALVED_MIN_ELEMENTS]
    assert all(init.data_type == TensorProto.FLOAT for init in small)
    # Stored values are the float32 ones rounded to half precision.
    head = next(init for init in graph.initializer if init.data_type == TensorProto.FLOAT16)
    whole = {init.name: init for init in onnx.load_from_string(full).graph.initializer}
    original = numpy_helper.to_array(whole[head.name.removesuffix(".half")])
    np.testing.assert_array_equal(numpy_helper.to_array(head), original.astype(np.float16))


def test_the_cnn_student_halves_its_dense_layers_and_keeps_its_predictions() -> None:
    model = build_student(StudentConfig(kind="cnn")).eval()
    full = to_onnx_bytes(model, CHANNELS, SAMPLES)
    x = _windows()
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    # The whole graph gives torch's logits; halved, they move in the third decimal.
    np.testing.assert_allclose(run_onnx(onnx_session(full), x), expected, atol=1e-5)
    got = run_onnx(onnx_session(halve_matrices(full)), x)
    np.testing.assert_allclose(got, expected, atol=1e-2)
    assert np.array_equal(got.argmax(1), expected.argmax(1))
