"""The `.tflite` of the student: converted by litert-torch, run by LiteRT on the sideline.

The converter pins pydantic below the host's version, so it lives in a separate
environment: `python tools/check_litert.py` builds one and runs this file there. Where
litert-torch is not installed only the tests that need no converter run here; the rest
run in that environment through tests/tools/test_check_litert.py when .ci/litert.sh built
it, and otherwise skip (fail under CI). The `.tflite` of two CNNs averaged (the default
student) is over the 100 KB per model, so the conversion is checked on a student of one.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys

import numpy as np
import pytest
import torch
from torch import nn

from edge import taxonomy
from edge.bundle import FP32_MODEL_NAME, read_bundle, sha256_hex
from edge.infer import ActionModel, InferenceError
from host.data.dataset import Dataset
from host.distill.pipeline import DistillResult
from host.distill.trained import load_student
from host.export.bundle import (
    EXPORT_REPORT,
    MODEL_BUDGET_BYTES,
    ExportError,
    ExportResult,
    export_run,
)
from host.export.tflite import LiteRtUnavailable, to_tflite_bytes
from tests.capabilities import LITERT_VENV_ENV, missing_capability
from tests.host.export.sideline import run_without_torch

# Stated tolerances (docs/student.md): LiteRT reproduces torch's logits as closely as ONNX
# fp32 must (measured 2.9e-6), and the sideline finds onnxruntime's events with it: same
# labels, probabilities and scores to 1e-5 (measured 6e-7), times to 0.1 ms (measured 1e-6 s:
# the sub-hop peak refinement magnifies probability differences; a sample is 10 ms).
TFLITE_LOGIT_TOL = 1e-4
EVENT_TIME_TOL = 1e-4
EVENT_SCORE_TOL = 1e-5


def _needs(*modules: str) -> None:
    """Go on where `modules` import here; skip where the converter's environment runs this
    file instead (tests/tools/test_check_litert.py); otherwise the capability is missing."""
    absent = [name for name in modules if importlib.util.find_spec(name) is None]
    if not absent:
        return
    if os.environ.get(LITERT_VENV_ENV):
        pytest.skip(f"{', '.join(absent)} not here: run in {os.environ[LITERT_VENV_ENV]}")
    missing_capability(
        f"{', '.join(absent)} not installed here: python tools/check_litert.py runs these "
        "tests in an environment that has them"
    )


# Session-scoped, so that a missing module is found before the session fixtures train.
@pytest.fixture(scope="session")
def converter() -> None:
    _needs("litert_torch", "ai_edge_litert")


@pytest.fixture(scope="session")
def litert_runtime() -> None:
    _needs("ai_edge_litert")


# The sideline with torch made unimportable: the bundle's fp32 ONNX through onnxruntime
# and its model.tflite through LiteRT score the same raw windows; events of each come out.
EDGE_SCRIPT = """
import json, sys
import numpy as np
from edge.bundle import FP32_MODEL_NAME, read_bundle, sha256_hex
from edge.infer import ActionModel, InferenceError
from edge.events import EventDetector
from edge.infer import ActionModel
bundle = read_bundle(sys.argv[1])
data = np.load(sys.argv[2])
m = bundle.manifest
fp32 = type(bundle)(
    bundle.source, m.model_copy(update={"default_model": m.fp32_model}), bundle.files
)
out = {}
for model in (ActionModel.from_bundle(fp32), ActionModel.from_bundle(bundle, backend="litert")):
    probs = model.predict(data["raw"], data["present"])
    detector = EventDetector(m.labels, m.events.thresholds, m.events.nms_s)
    events = []
    for t, p in zip(data["centres"], probs):
        events += detector.update(float(t), p)
    events += detector.flush()
    out[model.backend] = {
        "probs": probs.tolist(),
        "events": [[e.label, e.t_s, e.score] for e in events],
    }
assert "torch" not in sys.modules
print(json.dumps(out))
"""


def test_conversion_without_the_converter_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "litert_torch", None)  # import now raises ImportError
    with pytest.raises(LiteRtUnavailable, match="pip install litert-torch"):
        to_tflite_bytes(nn.Sequential(nn.Flatten(), nn.Linear(13 * 600, 9)), 13, 600)


@pytest.mark.usefixtures("litert_runtime")
def test_edge_refuses_an_unreadable_tflite_with_a_clear_error(exported: ExportResult) -> None:
    bundle = read_bundle(exported.archive)
    files = {**bundle.files, "model.tflite": b"not a flatbuffer"}
    with pytest.raises(InferenceError, match="LiteRT cannot load model.tflite"):
        ActionModel.from_bundle(type(bundle)(bundle.source, bundle.manifest, files), "litert")


@pytest.fixture(scope="module")
def tflite_exported(
    one_cnn: tuple[Dataset, DistillResult], tmp_path_factory: pytest.TempPathFactory, club_key
) -> ExportResult:
    _, result = one_cnn
    out = tmp_path_factory.mktemp("tflite") / "tflite-1"
    return export_run(
        result.out_dir.parent, out, tflite=True, version="tflite-1", signing_key=club_key
    )


@pytest.mark.usefixtures("converter")
def test_bundle_carries_a_verified_tflite_beside_the_onnx_models(
    tflite_exported: ExportResult,
) -> None:
    bundle = read_bundle(tflite_exported.archive)  # checks every file's sha256
    onnx = (
        {"model.onnx", FP32_MODEL_NAME}
        if tflite_exported.choice.default == "int8"
        else {"model.onnx"}
    )
    assert set(bundle.files) == onnx | {"model.tflite"}
    assert bundle.files["model.tflite"][4:8] == b"TFL3"  # the flatbuffer's identifier
    assert bundle.manifest.default_model == "model.onnx"
    report = tflite_exported.bundle_dir.parent / f"tflite-1.{EXPORT_REPORT}"
    assert json.loads(report.read_text())["tflite"] is True


@pytest.mark.usefixtures("converter")
def test_bundle_with_tflite_fits_the_budget_carrying_each_model_once(
    tflite_exported: ExportResult,
) -> None:
    """export_run raises past the budget; checked here on the models it wrote as well."""
    assert tflite_exported.archive.stat().st_size == tflite_exported.archive_bytes
    assert all(size <= MODEL_BUDGET_BYTES for size in tflite_exported.model_bytes.values())
    assert "model.tflite" in tflite_exported.model_bytes
    bundle = read_bundle(tflite_exported.archive)
    digests = {name: sha256_hex(data) for name, data in bundle.files.items()}
    assert len(set(digests.values())) == len(digests), digests


@pytest.mark.usefixtures("converter")
def test_tflite_matches_torch_logits_on_real_windows(
    tflite_exported: ExportResult, one_cnn: tuple[Dataset, DistillResult]
) -> None:
    from ai_edge_litert.interpreter import Interpreter

    _, result = one_cnn
    student = load_student(result.out_dir)
    inputs, _ = student.prepared("test")
    with torch.inference_mode():
        expected = student.model(torch.from_numpy(inputs)).numpy()
    interpreter = Interpreter(
        model_content=read_bundle(tflite_exported.archive).files["model.tflite"], num_threads=1
    )
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    out = interpreter.get_output_details()[0]
    assert list(inp["shape"]) == [1, len(student.spec.channels), student.spec.window_samples]
    logits = []
    for window in inputs:
        interpreter.set_tensor(inp["index"], window[None])
        interpreter.invoke()
        logits.append(interpreter.get_tensor(out["index"])[0].copy())
    assert len(inputs) >= 4 * len(taxonomy.LABELS)  # every test athlete's clips
    np.testing.assert_allclose(np.stack(logits), expected, atol=TFLITE_LOGIT_TOL)


@pytest.fixture(scope="module")
def session(one_cnn: tuple[Dataset, DistillResult], tmp_path_factory: pytest.TempPathFactory):
    """Test athletes' clips back to back, cut into 6 s windows every 0.5 s as the sideline
    does (the same stream as tests/host/export/test_edge_parity.py)."""
    _, result = one_cnn
    raw, present, _ = load_student(result.out_dir).windows("test")
    stream = np.concatenate(list(raw[present[:, -1]][:24]), axis=1)
    starts = np.arange(0, stream.shape[1] - 600 + 1, 50)
    windows = np.stack([stream[:, s : s + 600] for s in starts]).astype(np.float32)
    path = tmp_path_factory.mktemp("tflite-session") / "windows.npz"
    centres = (starts + 300) / taxonomy.IMU_RATE_HZ
    np.savez(path, raw=windows, present=np.ones(windows.shape[:2], bool), centres=centres)
    return path


@pytest.mark.usefixtures("converter")
def test_edge_litert_finds_exactly_the_onnxruntime_events(
    tflite_exported: ExportResult, session
) -> None:
    by_backend = run_without_torch(EDGE_SCRIPT, str(tflite_exported.archive), str(session))
    onnx, litert = by_backend["onnxruntime"], by_backend["litert"]
    assert len(onnx["probs"]) > 200  # a batch of windows, scored through the batch-of-one model
    np.testing.assert_allclose(litert["probs"], onnx["probs"], atol=EVENT_SCORE_TOL)
    assert len(onnx["events"]) >= 10  # the session holds real actions
    assert [e[0] for e in litert["events"]] == [e[0] for e in onnx["events"]]
    np.testing.assert_allclose(
        [e[1] for e in litert["events"]], [e[1] for e in onnx["events"]], atol=EVENT_TIME_TOL
    )
    np.testing.assert_allclose(
        [e[2] for e in litert["events"]], [e[2] for e in onnx["events"]], atol=EVENT_SCORE_TOL
    )


@pytest.mark.usefixtures("converter")
def test_the_default_pairs_tflite_over_the_budget_is_refused_saying_what_fits(
    distilled: tuple[Dataset, DistillResult], tmp_path_factory: pytest.TempPathFactory, club_key
) -> None:
    _, result = distilled  # two CNNs averaged, the default
    out = tmp_path_factory.mktemp("pair-tflite") / "pair-1"
    with pytest.raises(ExportError, match=r"model\.tflite \(\d+\.\d KB\).*--cnn-members 1"):
        export_run(result.out_dir.parent, out, tflite=True, version="pair-1", signing_key=club_key)
    assert "model.onnx" in read_bundle(out).files  # written whole, for inspection
