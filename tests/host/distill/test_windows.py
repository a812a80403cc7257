"""Student windows: the centred 6 s of each stored clip, GPS speed on the IMU grid."""

from __future__ import annotations

import numpy as np
import pytest

from edge import taxonomy
from host.data.dataset import Dataset
from host.distill.pipeline import DistillResult
from host.distill.windows import (
    ShiftedWindows,
    StudentDataError,
    clip_spans,
    clip_windows,
    label_indices,
)


def _windows(dataset: Dataset, shift_s: float = 0.0):
    return clip_windows(dataset.clips(), dataset.manifest.labels, 100.0, 10.0, shift_s)


def test_window_is_the_central_six_seconds_of_the_stored_clip(
    distilled: tuple[Dataset, DistillResult],
) -> None:
    dataset, _ = distilled
    clips = dataset.clips()
    windows = _windows(dataset)
    assert windows.raw.shape == (len(clips), 13, 600)
    np.testing.assert_array_equal(windows.raw[:, :12], clips.imu[:, :, 100:700])
    shifted = _windows(dataset, shift_s=0.3)
    np.testing.assert_array_equal(shifted.raw[:, :12], clips.imu[:, :, 130:730])


def test_gps_speed_is_interpolated_onto_the_imu_grid(
    distilled: tuple[Dataset, DistillResult],
) -> None:
    dataset, _ = distilled
    clips = dataset.clips()
    windows = _windows(dataset)
    row = int(np.flatnonzero(clips.gps_valid.all(axis=1))[0])
    # Every 10th IMU sample sits on a GPS fix: it carries that fix's speed exactly.
    np.testing.assert_allclose(windows.raw[row, 12, ::10], clips.gps[row, 2, 10:70], atol=1e-5)
    between = windows.raw[row, 12, 5]
    assert min(clips.gps[row, 2, 10:12]) <= between <= max(clips.gps[row, 2, 10:12])


def test_clips_without_gps_mark_speed_absent(distilled: tuple[Dataset, DistillResult]) -> None:
    dataset, _ = distilled
    clips = dataset.clips()
    windows = _windows(dataset)
    no_gps = ~clips.gps_valid.any(axis=1)
    assert no_gps.any()
    assert not windows.present[no_gps, 12].any()
    assert windows.present[~no_gps, 12].all() and windows.present[:, :12].all()


def test_imu_loss_over_three_seconds_marks_the_window_unusable(
    distilled: tuple[Dataset, DistillResult],
) -> None:
    dataset, _ = distilled
    clips = dataset.clips().subset(np.arange(3))
    valid = clips.imu_valid.copy()
    valid[1, 1, 150:460] = False  # calf lost 3.1 s inside the window
    valid[2, 0, 150:400] = False  # waist lost 2.5 s: still usable
    lossy = type(clips)(**{**clips.as_dict(), "imu_valid": valid})
    windows = clip_windows(lossy, dataset.manifest.labels, 100.0, 10.0)
    assert windows.imu_ok.tolist() == [True, False, True]


def test_shift_leaving_the_stored_clip_is_refused(
    distilled: tuple[Dataset, DistillResult],
) -> None:
    dataset, _ = distilled
    with pytest.raises(StudentDataError, match="leaves the stored clip"):
        _windows(dataset, shift_s=1.5)


def test_labels_map_by_name_into_the_bundle_order() -> None:
    dataset_labels = ["landing", "sprint"]  # a dataset with its own order and no background
    mapped = label_indices(dataset_labels, np.array([0, 1, 1]))
    assert [taxonomy.LABELS[i] for i in mapped] == ["landing", "sprint", "sprint"]
    with pytest.raises(StudentDataError, match="dribble"):
        label_indices(["dribble"], np.array([0]))


def test_each_view_of_the_spans_is_the_window_at_its_shift(
    distilled: tuple[Dataset, DistillResult],
) -> None:
    dataset, _ = distilled
    clips = dataset.clips()
    assert clips.gps_valid is not None
    gps_valid = clips.gps_valid.copy()
    # GPS fixes from 4.2 s on: enough for the window moved +0.3 s (31 of its 60), not for
    # the centred one (28) or the one moved -0.3 s (25).
    gps_valid[0], gps_valid[0, 42:] = False, True
    gps_valid[2, 10:20] = False  # gaps inside every window, still covered enough
    clips = type(clips)(**{**clips.as_dict(), "gps_valid": gps_valid})
    shifts = (0.0, -0.3, 0.3)
    spans = clip_spans(clips, dataset.manifest.labels, 100.0, 10.0, shifts)
    assert spans.raw.shape == (len(clips), 13, 660)
    assert spans.present[0, :, 12].tolist() == [False, False, True]
    for number, shift in enumerate(shifts):
        view = spans.view(number)
        alone = clip_windows(clips, dataset.manifest.labels, 100.0, 10.0, shift)
        for key in ("raw", "present", "imu_ok", "labels"):
            assert getattr(view, key).tobytes() == getattr(alone, key).tobytes(), (shift, key)


def test_spans_filled_part_by_part_equal_the_spans_cut_whole(
    distilled: tuple[Dataset, DistillResult],
) -> None:
    dataset, _ = distilled
    clips = dataset.clips()
    shifts = (0.0, -0.3, 0.3)
    whole = clip_spans(clips, dataset.manifest.labels, 100.0, 10.0, shifts)
    first = clip_spans(clips.subset(np.arange(10)), dataset.manifest.labels, 100.0, 10.0, shifts)
    joined = ShiftedWindows.allocate(len(clips), first)
    joined.put(0, first)
    rest = clips.subset(np.arange(10, len(clips)))
    joined.put(10, clip_spans(rest, dataset.manifest.labels, 100.0, 10.0, shifts))
    for key in ("raw", "present", "imu_ok", "labels"):
        np.testing.assert_array_equal(getattr(joined, key), getattr(whole, key), err_msg=key)
