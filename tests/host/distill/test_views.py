"""The students' views prepared per batch are the views prepared whole, value for value."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from signature_data import TEST_CONFIG

import host.distill.train_student as train_student_module
from edge import dsp
from edge.bundle import InputSpec, prepare_windows
from host.data.dataset import Dataset
from host.distill.augment import AugmentConfig, imu_sensors
from host.distill.pipeline import DistillResult
from host.distill.train_student import TrainingSet, train_student
from host.distill.trained import load_student
from host.distill.views import SelectedRows, ShiftedViews, StackedViews, ViewSource
from host.distill.windows import ShiftedWindows, clip_spans, clip_windows

SHIFTS = (0.0, -0.3, 0.3)
N_EXTRA = 5


def _spans(dataset: Dataset) -> ShiftedWindows:
    return clip_spans(dataset.clips(), dataset.manifest.labels, 100.0, 10.0, SHIFTS)


def _extra(spec: InputSpec) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.normal(size=(N_EXTRA, len(spec.channels), 600)).astype(np.float32)


def _stacked(dataset: Dataset, spec: InputSpec) -> np.ndarray:
    """Every view prepared whole, then the extra windows in each: the stack the students
    trained on before views were prepared per batch."""
    views = []
    for shift in SHIFTS:
        windows = clip_windows(dataset.clips(), dataset.manifest.labels, 100.0, 10.0, shift)
        prepared = prepare_windows(spec, windows.raw, windows.present)
        views.append(np.concatenate([prepared, _extra(spec)]))
    return np.stack(views)


@pytest.fixture(scope="module")
def sources(distilled: tuple[Dataset, DistillResult]) -> dict[str, ViewSource]:
    dataset, result = distilled
    spec = load_student(result.out_dir).spec
    return {
        "stacked": StackedViews(_stacked(dataset, spec)),
        "shifted": ShiftedViews(spec, _spans(dataset), _extra(spec)),
    }


def test_per_batch_views_equal_the_views_prepared_whole(
    sources: dict[str, ViewSource],
) -> None:
    stacked, shifted = sources["stacked"], sources["shifted"]
    assert (shifted.n_views, len(shifted)) == (stacked.n_views, len(stacked))
    rng = np.random.default_rng(0)
    for _ in range(4):  # batches as the training loop draws them, extra rows included
        rows = rng.permutation(len(shifted))[:64]
        views = rng.integers(0, shifted.n_views, size=64)
        assert shifted.batch(views, rows).tobytes() == stacked.batch(views, rows).tobytes()
    for number in range(shifted.n_views):
        assert shifted.view(number).tobytes() == stacked.view(number).tobytes()


@pytest.mark.parametrize("kind", ["stacked", "shifted"])
def test_a_batch_is_a_new_array_of_each_rows_view(
    sources: dict[str, ViewSource], kind: str
) -> None:
    source = sources[kind]
    rows = np.array([3, 0, len(source) - 1, 3])
    views = np.array([2, 0, 1, 1])
    batch = source.batch(views, rows)
    assert batch.dtype == np.float32
    for i, (view, row) in enumerate(zip(views, rows, strict=True)):
        np.testing.assert_array_equal(batch[i], source.view(int(view))[row])
    assert not np.array_equal(batch[0], batch[3])  # one clip, two shifts: two windows
    batch[:] = 0.0  # the loop hides GPS in place; the source stays as prepared
    assert source.batch(views, rows).any()


def test_views_that_fit_the_limit_are_held_prepared(sources: dict[str, ViewSource]) -> None:
    shifted = sources["shifted"]
    size_mb = shifted.n_views * len(shifted) * 13 * 600 * 4 / 2**20
    assert shifted.held(size_mb * 0.99) is shifted  # over the limit: prepared per batch
    held = shifted.held(size_mb)
    assert isinstance(held, StackedViews)
    for number in range(shifted.n_views):
        assert held.view(number).tobytes() == shifted.view(number).tobytes()
    stacked = sources["stacked"]
    assert stacked.held(0.0) is stacked  # already prepared


@pytest.mark.parametrize("kind", ["stacked", "shifted"])
def test_selected_rows_are_those_rows_of_the_source_in_every_view(
    sources: dict[str, ViewSource], kind: str
) -> None:
    source = sources[kind]
    rows = np.array([len(source) - 1, 2, 7, 0])  # an extra window first, then clips
    selected = SelectedRows(source, rows)
    assert (selected.n_views, len(selected)) == (source.n_views, 4)
    for number in range(source.n_views):
        np.testing.assert_array_equal(selected.view(number), source.view(number)[rows])
    views = np.array([1, 2, 0])
    np.testing.assert_array_equal(
        selected.batch(views, np.array([3, 1, 1])), source.batch(views, rows[[3, 1, 1]])
    )
    held = selected.held(1e6)
    assert isinstance(held, SelectedRows) and isinstance(held.source, StackedViews)
    np.testing.assert_array_equal(held.view(1), selected.view(1))


def test_a_student_learns_the_same_from_views_per_batch_as_from_held_views(
    distilled: tuple[Dataset, DistillResult],
    sources: dict[str, ViewSource],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dataset, result = distilled
    spec = load_student(result.out_dir).spec
    normaliser = dsp.Normaliser.from_dict(spec.normalisation.model_dump())
    labels = np.concatenate([_spans(dataset).labels, np.zeros(N_EXTRA, np.int64)])
    val = TrainingSet(sources["stacked"].view(0)[None, :40], labels[:40])
    config = dataclasses.replace(
        TEST_CONFIG, max_epochs=2, augment=AugmentConfig(rotation_deg=20.0, mixup_alpha=0.2)
    )
    monkeypatch.setattr(train_student_module, "HELD_VIEWS_MB", 0.0)  # never held
    weights = []
    for kind in ("shifted", "stacked"):
        train = TrainingSet(sources[kind], labels, None, 12, imu_sensors(2), normaliser)
        model = train_student(train, val, config, distil=False).model
        weights.append(b"".join(p.numpy().tobytes() for p in model.state_dict().values()))
    assert weights[0] == weights[1]
