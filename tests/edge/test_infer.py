"""The bundle's model scores windows; events come out at the right time with NMS."""

from __future__ import annotations

import numpy as np
import pytest
from linear_bundle import toy_windows

from edge.bundle import BundleError
from edge.events import EventDetector, impact_score
from edge.infer import ActionModel, InferenceError
from edge.taxonomy import ACTIONS, LABELS


def test_trained_model_recognises_held_out_windows(trained_bundle) -> None:
    model = ActionModel.from_bundle(trained_bundle)
    windows, labels = toy_windows(np.random.default_rng(99), n_per_class=10)
    probs = model.predict(windows)
    assert probs.shape == (len(windows), len(LABELS))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    accuracy = float((probs.argmax(axis=1) == labels).mean())
    assert accuracy > 0.9  # chance is 1/9


def test_predict_refuses_windows_of_the_wrong_shape(trained_bundle) -> None:
    model = ActionModel.from_bundle(trained_bundle)
    with pytest.raises(BundleError, match=r"expects \(N, 12, 600\)"):
        model.predict(np.zeros((2, 12, 500), dtype=np.float32))


def test_litert_without_tflite_file_is_a_clear_error(trained_bundle) -> None:
    with pytest.raises(InferenceError, match="no model.tflite"):
        ActionModel.from_bundle(trained_bundle, backend="litert")


def _scores(label: str, peaks: dict[float, float], times: np.ndarray) -> np.ndarray:
    """Window scores of a Gaussian bump per true event (height, centre)."""
    k = LABELS.index(label)
    scores = np.full((len(times), len(LABELS)), 0.01)
    for centre, height in peaks.items():
        scores[:, k] = np.maximum(scores[:, k], height * np.exp(-(((times - centre) / 0.6) ** 2)))
    scores[:, LABELS.index("background")] = 1 - scores[:, k]
    return scores


def test_detector_keeps_one_peak_per_action_and_refines_its_time() -> None:
    times = np.arange(0, 30, 0.5) + 3.0  # window centres every hop
    scores = _scores("shot", {10.2: 0.9, 20.7: 0.8}, times)
    detector = EventDetector(LABELS, {"shot": 0.5}, nms_s=1.5)
    events = [e for t, p in zip(times, scores, strict=True) for e in detector.update(t, p)]
    events += detector.flush()
    assert [e.label for e in events] == ["shot", "shot"]
    # refined between window centres: within 0.1 s of the truth, not just the 0.5 s grid
    assert events[0].t_s == pytest.approx(10.2, abs=0.1)
    assert events[1].t_s == pytest.approx(20.7, abs=0.1)
    assert 0.75 < events[0].score <= 0.9  # the best window score, not the refined peak


def test_detector_threshold_is_per_action_and_background_never_fires() -> None:
    times = np.arange(0, 20, 0.5)
    scores = _scores("header", {8.0: 0.55}, times)
    strict = EventDetector(LABELS, {"header": 0.6}, nms_s=1.5)
    loose = EventDetector(LABELS, {"header": 0.5}, nms_s=1.5)
    fired_strict = [e for t, p in zip(times, scores, strict=True) for e in strict.update(t, p)]
    fired_loose = [e for t, p in zip(times, scores, strict=True) for e in loose.update(t, p)]
    assert fired_strict + strict.flush() == []
    assert [e.label for e in fired_loose + loose.flush()] == ["header"]


def test_two_actions_of_one_kind_closer_than_nms_merge() -> None:
    times = np.arange(0, 20, 0.5)
    scores = _scores("pass", {8.0: 0.7, 9.0: 0.9}, times)
    detector = EventDetector(ACTIONS + ("background",), {}, nms_s=1.5, default_threshold=0.5)
    events = [e for t, p in zip(times, scores, strict=True) for e in detector.update(t, p)]
    events += detector.flush()
    assert len(events) == 1 and events[0].t_s == pytest.approx(9.0, abs=0.15)


def test_impact_is_peak_dynamic_acceleration_over_full_scale() -> None:
    still = np.tile([0.0, 0.0, 1.0], (100, 1))
    landing = still.copy()
    landing[50] = [0.0, 0.0, 5.0]  # 4 g above gravity
    assert impact_score(still, 8.0) == pytest.approx(0.0)
    assert impact_score(np.hstack([still, landing]), 8.0) == pytest.approx(0.5)
    landing[50] = [0.0, 0.0, 30.0]
    assert impact_score(landing, 8.0) == 1.0
