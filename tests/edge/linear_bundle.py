"""A small but genuinely trained model bundle for tests of the sideline pipeline.

Softmax regression on the per-channel peak magnitude of prepared windows, weighted by a
taper centred in the window (so a window scores highest when the action sits in its
middle, as clips are cut), fitted with numpy and written as ONNX
(Abs → Mul taper → ReduceMax → MatMul → Add) with `onnx.helper`, then packed as a
contract-4 bundle by `edge.bundle.write_bundle`, signed with the tests' host key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from edge import dsp, taxonomy
from edge.bundle import Manifest, prepare_windows, write_bundle

RATE_HZ = taxonomy.IMU_RATE_HZ
WINDOW_S = taxonomy.CLIP_S


def toy_windows(rng: np.random.Generator, n_per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """Labelled raw windows (N, 12, 600): action k puts a 0.3 s pulse on channel k at the
    centre; background has none. Gravity on waist_az/calf_az, noise everywhere."""
    t_samples = int(WINDOW_S * RATE_HZ)
    labels = np.repeat(np.arange(len(taxonomy.LABELS)), n_per_class)
    x = rng.normal(0.0, 0.3, (len(labels), 12, t_samples)).astype(np.float32)
    x[:, [2, 8]] += 1.0
    pulse = np.hanning(30).astype(np.float32) * 4.0
    centre = t_samples // 2
    for i, label in enumerate(labels):
        if label < len(taxonomy.ACTIONS):
            x[i, label, centre - 15 : centre + 15] += pulse
    return x, labels


TAPER_S = 0.75


def _taper(n_samples: int) -> np.ndarray:
    t = (np.arange(n_samples) - n_samples / 2) / RATE_HZ
    return np.exp(-((t / TAPER_S) ** 2)).astype(np.float32)


def _features(prepared: np.ndarray) -> np.ndarray:
    return (np.abs(prepared) * _taper(prepared.shape[2])).max(axis=2)


def fit_softmax(features: np.ndarray, labels: np.ndarray, n_classes: int) -> tuple:
    """Multinomial logistic regression by gradient descent with a little L2."""
    n, d = features.shape
    w = np.zeros((d, n_classes))
    b = np.zeros(n_classes)
    onehot = np.eye(n_classes)[labels]
    for _ in range(500):
        logits = features @ w + b
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        grad = (p - onehot) / n
        w -= 0.5 * (features.T @ grad + 1e-3 * w)
        b -= 0.5 * grad.sum(0)
    return w.astype(np.float32), b.astype(np.float32)


def _onnx_model(w: np.ndarray, b: np.ndarray, n_channels: int, n_samples: int) -> bytes:
    graph = helper.make_graph(
        [
            helper.make_node("Abs", ["x"], ["absx"]),
            helper.make_node("Mul", ["absx", "taper"], ["tapered"]),
            helper.make_node("ReduceMax", ["tapered"], ["peak"], axes=[2], keepdims=0),
            helper.make_node("MatMul", ["peak", "w"], ["wx"]),
            helper.make_node("Add", ["wx", "b"], ["logits"]),
        ],
        "peak_softmax",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", n_channels, n_samples])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", w.shape[1]])],
        [
            numpy_helper.from_array(w, "w"),
            numpy_helper.from_array(b, "b"),
            numpy_helper.from_array(_taper(n_samples), "taper"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def train_bundle(
    out_dir: Path,
    windows: np.ndarray,
    labels: np.ndarray,
    version: str = "linear-1",
    with_speed: bool = False,
    sign: Callable[[bytes], bytes] | None = None,
    label_names: tuple[str, ...] = taxonomy.LABELS,
) -> Path:
    """Fit on (windows, labels) and write a verified bundle directory, signed by `sign`
    (edge.signing.sign_manifest with a key). With `with_speed` the windows carry a 13th
    row, GPS speed (m/s), as the sideline student does. `label_names` is the bundle's
    vocabulary, one name per label index (a club's own words, say)."""
    channels = [
        {
            "name": name,
            "unit": "g" if name.split("_")[1].startswith("a") else "deg/s",
            "lowpass_hz": dsp.IMU_CUTOFF_HZ,
        }
        for name in taxonomy.IMU_CHANNELS
    ]
    if with_speed:
        channels.append(
            {"name": "speed_mps", "unit": "m/s", "optional": True, "lowpass_hz": dsp.GPS_CUTOFF_HZ}
        )
    cutoffs = np.array([c["lowpass_hz"] for c in channels])
    filtered = np.array(windows, dtype=np.float32)
    for cutoff in np.unique(cutoffs):
        filtered[:, cutoffs == cutoff] = dsp.lowpass(windows[:, cutoffs == cutoff], RATE_HZ, cutoff)
    mean = filtered.mean(axis=(0, 2))
    std = filtered.std(axis=(0, 2)) + 1e-3
    fields = {
        "version": version,
        "channels": channels,
        "normalisation": {"mean": mean.tolist(), "std": std.tolist()},
        "labels": list(label_names),
        "events": {
            "thresholds": {a: 0.5 for a in taxonomy.action_labels(label_names)},
            "nms_s": 1.5,
        },
        "data_hash": "toy-" + version,
        "synthetic": True,
        "default_model": "model.onnx",
    }
    # Normalise with the same code the edge runs, then fit on the features the graph computes.
    probe = Manifest.model_validate({**fields, "files": {"model.onnx": "0" * 64}})
    prepared = prepare_windows(probe, windows)
    w, b = fit_softmax(_features(prepared), labels, len(label_names))
    model = _onnx_model(w, b, windows.shape[1], windows.shape[2])
    return write_bundle(out_dir, fields, {"model.onnx": model}, sign=sign)


def simulated_windows(
    rng: np.random.Generator, n_per_class: int, athletes: int = 12
) -> tuple[np.ndarray, np.ndarray]:
    """Labelled 6 s windows (N, 12, 600) cut from the centre of simulator clips
    (`edge.sim.simulate_clip`: the action's key instant sits mid-window), background
    included, spread over several simulated athletes and scenes."""
    from edge.sim import random_traits, simulate_clip

    players = [random_traits(rng, f"T{i:02d}") for i in range(athletes)]
    t_samples = int(WINDOW_S * RATE_HZ)
    windows, labels = [], []
    for label_index, label in enumerate(taxonomy.LABELS):
        for k in range(n_per_class):
            scene = taxonomy.SCENES[k % 4]
            clip = simulate_clip(players[k % athletes], rng, label, scene)
            middle = (len(clip.waist) - t_samples) // 2
            imu = np.concatenate([clip.waist, clip.calf], axis=1)[middle : middle + t_samples]
            windows.append(imu.T)
            labels.append(label_index)
    return np.asarray(windows, dtype=np.float32), np.asarray(labels)


if __name__ == "__main__":
    # Build the simulator-trained baseline bundle used for the event-level figures in
    # docs/results.md (read directly, never installed, so unsigned):
    #   python tests/edge/linear_bundle.py OUT_DIR [N_PER_CLASS] [SEED]
    import sys

    out = Path(sys.argv[1])
    per_class = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 11
    x, y = simulated_windows(np.random.default_rng(seed), per_class)
    print(train_bundle(out, x, y, version=f"linear-sim-{seed}"))
