"""The sideline, with onnxruntime and no torch, finds the same events as the host."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from edge import taxonomy
from edge.bundle import prepare_windows, read_bundle
from edge.events import EventDetector
from host.data.dataset import Dataset
from host.distill.pipeline import DistillResult
from host.distill.trained import load_student
from host.export.bundle import ExportResult
from tests.host.export.sideline import run_without_torch

# What runs on the sideline: read the bundle, score raw windows, pick events. torch is
# made unimportable first, so any dependency on it fails the test.
EDGE_SCRIPT = """
import json, sys
import numpy as np
from edge.bundle import read_bundle
from edge.events import EventDetector
from edge.infer import ActionModel
bundle_path, windows_path = sys.argv[1:3]
bundle = read_bundle(bundle_path)
data = np.load(windows_path)
m = bundle.manifest
out = {}
for model_file in sys.argv[3:]:
    chosen = type(bundle)(
        bundle.source, m.model_copy(update={"default_model": model_file}), bundle.files
    )
    probs = ActionModel.from_bundle(chosen).predict(data["raw"], data["present"])
    detector = EventDetector(m.labels, m.events.thresholds, m.events.nms_s)
    events = []
    for t, p in zip(data["centres"], probs):
        events += detector.update(float(t), p)
    events += detector.flush()
    out[model_file] = [[e.label, e.t_s, e.score] for e in events]
assert "torch" not in sys.modules
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def session(distilled: tuple[Dataset, DistillResult], tmp_path_factory: pytest.TempPathFactory):
    """A continuous stream made of the test athletes' clips back to back, cut into 6 s
    windows every 0.5 s as the sideline does; GPS speed present throughout."""
    _, result = distilled
    raw, present, _ = load_student(result.out_dir).windows("test")
    keep = present[:, -1]
    stream = np.concatenate(list(raw[keep][:24]), axis=1)  # (C, 24 * 600)
    starts = np.arange(0, stream.shape[1] - 600 + 1, 50)
    windows = np.stack([stream[:, s : s + 600] for s in starts]).astype(np.float32)
    centres = (starts + 300) / taxonomy.IMU_RATE_HZ
    path = tmp_path_factory.mktemp("session") / "windows.npz"
    np.savez(path, raw=windows, present=np.ones(windows.shape[:2], bool), centres=centres)
    return path, windows, centres


def _host_events(result: DistillResult, windows: np.ndarray, centres: np.ndarray, manifest):
    student = load_student(result.out_dir)
    inputs = prepare_windows(manifest, windows, np.ones(windows.shape[:2], bool))
    with torch.inference_mode():
        probs = torch.softmax(student.model(torch.from_numpy(inputs)), dim=1).numpy()
    detector = EventDetector(manifest.labels, manifest.events.thresholds, manifest.events.nms_s)
    events = []
    for t, p in zip(centres, probs, strict=True):
        events += detector.update(float(t), p)
    events += detector.flush()
    return [[e.label, e.t_s, e.score] for e in events]


@pytest.fixture(scope="module")
def edge_events(exported: ExportResult, session) -> dict[str, list[list]]:
    """Events of the bundle's fp32 and default models (one file when fp32 is the default),
    found in a process without torch."""
    path, _, _ = session
    manifest = read_bundle(exported.archive).manifest
    models = sorted({manifest.fp32_model, manifest.default_model})
    return run_without_torch(EDGE_SCRIPT, str(exported.archive), str(path), *models)


def test_edge_fp32_events_equal_host_events(
    exported: ExportResult, distilled: tuple[Dataset, DistillResult], session, edge_events
) -> None:
    _, result = distilled
    _, windows, centres = session
    manifest = read_bundle(exported.archive).manifest
    host = _host_events(result, windows, centres, manifest)
    edge = edge_events[manifest.fp32_model]
    assert len(host) >= 10  # the session holds real actions, not an empty comparison
    assert [e[0] for e in edge] == [e[0] for e in host]
    np.testing.assert_allclose([e[1] for e in edge], [e[1] for e in host], atol=1e-6)
    np.testing.assert_allclose([e[2] for e in edge], [e[2] for e in host], atol=1e-5)


def test_edge_default_model_finds_the_host_events(
    exported: ExportResult, distilled: tuple[Dataset, DistillResult], session, edge_events
) -> None:
    """The shipped model.onnx (int8 where chosen, else the fp32 of the test above): every
    host event is found by the edge with the same label within one hop, and nothing extra
    beyond one in ten."""
    _, result = distilled
    _, windows, centres = session
    manifest = read_bundle(exported.archive).manifest
    host = _host_events(result, windows, centres, manifest)
    edge = edge_events[manifest.default_model]
    unmatched = list(edge)
    found = 0
    for label, t, _ in host:
        match = next(
            (e for e in unmatched if e[0] == label and abs(e[1] - t) <= manifest.hop_s), None
        )
        if match is not None:
            unmatched.remove(match)
            found += 1
    assert found >= 0.9 * len(host)
    assert len(unmatched) <= 0.1 * len(host)
