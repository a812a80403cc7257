"""tools/real_motion/convert.py on the Daily and Sports Activities layout (the torso and
right-leg units in product units at 100 Hz, each activity's segments resampled as one
signal, every fifth segment kept) and on UTD-MHAD's inertial trials (each resampled and
centred in the product's clip); copies of another shape are refused."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from scipy.io import savemat

from host.data.dataset import load_dataset
from host.data.takes import import_takes
from host.data.ts_file import read_groups
from host.distill.ucr import load_collection
from tests.tools.tool_module import load_tool

TOOL = Path(__file__).resolve().parents[3] / "tools" / "real_motion" / "convert.py"
SUBJECTS = ("p1", "p2", "p7")


def _write_copy(root: Path, convert: ModuleType, activities: int) -> None:
    """The release's layout: data/aNN/pN/sNN.txt, 125 rows of 45 comma-separated columns.
    The torso's x acceleration holds one standard gravity plus a slow sine running on
    across the segments (m/s²); its x rate of turn is π rad/s; the right leg's y
    acceleration holds the activity's number of g, the left leg (not read) a marker."""
    rows = convert.DSADS_SEGMENT_ROWS
    for number in range(1, activities + 1):
        for subject in SUBJECTS:
            folder = root / "data" / f"a{number:02d}" / subject
            folder.mkdir(parents=True)
            for k in range(convert.DSADS_SEGMENTS):
                segment = np.zeros((rows, 45))
                segment[:, 0] = convert.STANDARD_GRAVITY + _sway((k * rows + np.arange(rows)) / 25)
                segment[:, 3] = np.pi
                segment[:, 28] = number * convert.STANDARD_GRAVITY
                segment[:, 36:] = 99.0
                np.savetxt(folder / f"s{k + 1:02d}.txt", segment, delimiter=",", fmt="%.6f")


def _sway(t_s: np.ndarray) -> np.ndarray:
    """0.5 Hz, 2 m/s²: well inside the 25 Hz recording's band."""
    return 2.0 * np.sin(2 * np.pi * 0.5 * t_s)


def test_dsads_units_rate_and_segments(tmp_path: Path) -> None:
    convert = load_tool(TOOL)
    _write_copy(tmp_path / "copy", convert, activities=2)
    series = convert.dsads_series(tmp_path / "copy")
    kept = convert.DSADS_SEGMENTS // convert.DSADS_SEGMENT_STEP
    assert len(series) == 2 * len(SUBJECTS) * kept
    assert [s.label for s in series[:: len(SUBJECTS) * kept]] == ["sitting", "standing"]
    assert {s.athlete for s in series} == set(SUBJECTS)
    first = series[0].values
    assert first.shape == (12, 500)  # waist + calf, 5 s at 100 Hz
    # m/s² → g, rad/s → deg/s, from the recording's first sample on; the left leg's
    # columns are not read.
    assert np.allclose(first[3], 180.0, atol=0.5) and np.allclose(first[7], 1.0, atol=0.01)
    assert np.abs(first).max() < 200
    # The segments were joined before resampling: the sine carries on across the borders
    # of the 5 s segments (resampled one by one, each border would bend it).
    for n, segment in enumerate(series[1:kept], start=1):  # s06, s11, …: 25 s apart
        expected = 1 + _sway(25 * n + np.arange(500) / 100) / convert.STANDARD_GRAVITY
        assert np.allclose(segment.values[0], expected, atol=2e-3)


def test_dsads_written_as_ts_with_held_out_subjects(tmp_path: Path) -> None:
    convert = load_tool(TOOL)
    _write_copy(tmp_path / "copy", convert, activities=2)
    convert.main(["dsads", str(tmp_path / "copy"), "--out", str(tmp_path / "ts")])
    collection = load_collection(tmp_path / "ts" / "DailySportsIMU_TRAIN.ts")
    groups = read_groups(tmp_path / "ts" / "DailySportsIMU_groups.txt", 72, 48)
    assert collection.x_train.shape == (48, 12, 500) and len(collection.y_test) == 24
    assert sorted(collection.classes) == ["sitting", "standing"]
    assert list(groups) == ["p1"] * 12 + ["p2"] * 12 + ["p1"] * 12 + ["p2"] * 12 + ["p7"] * 24


def test_a_copy_of_another_shape_is_refused(tmp_path: Path) -> None:
    convert = load_tool(TOOL)
    with pytest.raises(convert.ConvertError, match="not the DSADS dataset"):
        convert.dsads_series(tmp_path)
    _write_copy(tmp_path / "copy", convert, activities=1)
    short = tmp_path / "copy" / "data" / "a01" / "p2" / "s07.txt"
    short.write_text("\n".join(short.read_text().splitlines()[:-1]))
    with pytest.raises(convert.ConvertError, match=r"a01/p2: a segment is not 125 rows"):
        convert.dsads_series(tmp_path / "copy")


def _write_utd_trial(folder: Path, action: int, subject: int, trial: int, rows: int) -> None:
    """One UTD-MHAD inertial trial: 50 Hz rows of acceleration (g) then angular rate
    (deg/s); x acceleration holds the action's number, y a slow sine, z angular rate the
    subject's number."""
    folder.mkdir(parents=True, exist_ok=True)
    t_s = np.arange(rows) / 50
    recorded = np.zeros((rows, 6))
    recorded[:, 0] = action
    recorded[:, 1] = np.sin(2 * np.pi * 0.5 * t_s)
    recorded[:, 5] = 10.0 * subject
    savemat(folder / f"a{action}_s{subject}_t{trial}_inertial.mat", {"d_iner": recorded})


def test_utd_trials_resampled_and_centred_in_the_clip(tmp_path: Path) -> None:
    convert = load_tool(TOOL)
    inertial = tmp_path / "copy" / "data" / "Inertial"
    _write_utd_trial(inertial, action=12, subject=3, trial=1, rows=150)  # 3 s: padded
    _write_utd_trial(inertial, action=2, subject=1, trial=2, rows=400)  # 8 s: cropped
    (inertial / "notes.mat").write_bytes(b"not a trial")
    first, second = convert.utd_series(tmp_path / "copy")
    # Sorted by action, then subject and trial; labels named, athletes as s<N>.
    assert (first.label, first.athlete) == ("swipe_right", "s1")
    assert (second.label, second.athlete) == ("bowling", "s3")
    assert first.values.shape == second.values.shape == (6, 600)  # 6 s at 100 Hz
    # Units as recorded; the 8 s trial's centre 6 s, its sine resampled in step.
    assert np.allclose(first.values[0], 2.0, atol=0.01)
    assert np.allclose(first.values[5], 10.0, atol=0.05)
    expected = np.sin(2 * np.pi * 0.5 * (1.0 + np.arange(600) / 100))
    assert np.allclose(first.values[1], expected, atol=0.02)
    # The 3 s trial sits in the middle, its ends held flat at the recording's edges.
    sine = second.values[1]
    assert np.allclose(sine[:150], sine[150]) and np.allclose(sine[450:], sine[449])
    # (the filter's own edges aside, within 0.1 s of each end of the trial)
    assert np.allclose(sine[160:440], np.sin(np.pi * np.arange(10, 290) / 100), atol=0.02)


def test_utd_written_as_ts_and_bad_trials_refused(tmp_path: Path) -> None:
    convert = load_tool(TOOL)
    with pytest.raises(convert.ConvertError, match="not UTD-MHAD"):
        convert.utd_series(tmp_path)
    inertial = tmp_path / "copy" / "Inertial"
    for subject in (1, 7):
        for action in (1, 27):
            _write_utd_trial(inertial, action, subject, trial=1, rows=120)
    convert.main(["utd-mhad", str(tmp_path / "copy"), "--out", str(tmp_path / "ts")])
    collection = load_collection(tmp_path / "ts" / "UtdActionsIMU_TRAIN.ts")
    assert collection.x_train.shape == (2, 6, 600) and len(collection.y_test) == 2
    assert sorted(collection.classes) == ["squat", "swipe_left"]
    groups = read_groups(tmp_path / "ts" / "UtdActionsIMU_groups.txt", 4, 2)
    assert list(groups) == ["s1", "s1", "s7", "s7"]
    savemat(inertial / "a28_s1_t1_inertial.mat", {"d_iner": np.zeros((100, 6))})
    with pytest.raises(convert.ConvertError, match=r"a28_s1_t1_inertial.mat: action 28"):
        convert.utd_series(tmp_path / "copy")
    savemat(inertial / "a28_s1_t1_inertial.mat", {"d_iner": np.zeros((100, 9))})
    with pytest.raises(convert.ConvertError, match="no d_iner of 6 columns"):
        convert.utd_series(tmp_path / "copy")


def _write_utd_skeleton(folder: Path, name: str, frames: int) -> None:
    """A Kinect skeleton of `frames` frames: joint j (1-based) at x = j, y (up) = 0.1·j,
    z (away from the camera) = 2 + the frame's share of the trial."""
    folder.mkdir(parents=True, exist_ok=True)
    joints = np.arange(1, 21, dtype=float)
    skeleton = np.zeros((20, 3, frames))
    skeleton[:, 0] = joints[:, None]
    skeleton[:, 1] = 0.1 * joints[:, None]
    skeleton[:, 2] = 2.0 + np.linspace(0.0, 1.0, frames)[None, :]
    savemat(folder / name, {"d_skel": skeleton})


def test_utd_takes_carry_the_kinect_skeleton_turned_z_up_and_import(tmp_path: Path) -> None:
    convert = load_tool(TOOL)
    copy = tmp_path / "copy" / "data"
    for subject in (1, 7):
        for action in (5, 12):
            _write_utd_trial(copy / "Inertial", action, subject, trial=1, rows=150)
            _write_utd_skeleton(copy / "Skeleton", f"a{action}_s{subject}_t1_skeleton.mat", 45)
    series, takes = convert.utd_takes(tmp_path / "copy")
    assert [s.label for s in series] == ["throw", "throw", "bowling", "bowling"]
    assert list(takes) == ["s1_a05_t1", "s7_a05_t1", "s1_a12_t1", "s7_a12_t1"]
    imu, skeleton = takes["s1_a05_t1"]
    assert imu.shape == (6, 300) and skeleton.shape == (39, 300)  # 3 s at 100 Hz, both
    nose, right_wrist = skeleton[0:3], skeleton[3 * 6 : 3 * 7]  # taxonomy order
    # The head (joint 1) and the right wrist (joint 11); camera y up becomes z, depth −y.
    assert np.allclose(nose[0], 1.0) and np.allclose(nose[2], 0.1)
    assert np.allclose(right_wrist[0], 11.0) and np.allclose(right_wrist[2], 1.1)
    # The frames are spread over the trial: depth runs from 2 to 3 m across it.
    assert np.allclose(-nose[1], 2.0 + np.linspace(0.0, 1.0, 300))
    convert.main(
        [
            "utd-mhad",
            str(tmp_path / "copy"),
            "--out",
            str(tmp_path / "ts"),
            "--takes",
            str(tmp_path / "takes"),
        ]
    )
    header = (tmp_path / "takes" / "imu" / "s1_a05_t1.csv").read_text().splitlines()[0]
    assert header == "t_s,waist_ax,waist_ay,waist_az,waist_gx,waist_gy,waist_gz"
    report = import_takes(tmp_path / "takes" / "TAKES.csv", tmp_path / "dataset")
    assert sorted(report.labels) == ["bowling", "throw"] and report.athletes == ["s1", "s7"]
    clips = load_dataset(report.out).clips()
    assert clips.skeleton is not None and clips.skeleton_conf is not None
    # Every joint seen through the take at the stored clip's centre; its 3 s leave the
    # clip's edges empty.
    middle = clips.skeleton_conf.shape[1] // 2
    assert clips.skeleton.shape[0] == 4 and (clips.skeleton_conf[:, middle] > 0).all()
    assert (clips.skeleton_conf[:, 0] == 0).all()


def test_takes_are_refused_for_recordings_without_a_skeleton(tmp_path: Path) -> None:
    convert = load_tool(TOOL)
    with pytest.raises(SystemExit):
        convert.main(
            ["dsads", str(tmp_path), "--out", str(tmp_path / "ts"), "--takes", str(tmp_path)]
        )
