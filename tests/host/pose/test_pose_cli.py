"""`touchline pose` through the CLI runner, and without the video extra."""

import ast
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from footage import GRAVITY, jump_height
from typer.testing import CliRunner

import host.cli.pose
import host.pose
from edge import taxonomy
from host.cli import app
from host.data.dataset import load_dataset

runner = CliRunner()


def test_without_the_video_extra_it_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if MediaPipe and OpenCV were not installed: importing them fails.
    for module in ("cv2", "mediapipe"):
        monkeypatch.setitem(sys.modules, module, None)
    video = tmp_path / "drill.mp4"
    video.write_bytes(b"\x00" * 64)
    result = runner.invoke(
        app, ["pose", str(video), "--out", str(tmp_path / "out"), "--athlete", "7"]
    )
    assert result.exit_code == 3
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install 'touchline[video]'" in lines[0]
    assert not (tmp_path / "out").exists()


def test_video_extra_is_imported_only_inside_the_pose_code_path() -> None:
    """Nothing imports cv2 or MediaPipe at module level, so `touchline` and the rest of
    the product load without the video extra; only `estimator.require` imports them."""
    package = Path(host.pose.__file__).parent
    for source in [*package.glob("*.py"), Path(host.cli.pose.__file__)]:
        tree = ast.parse(source.read_text())
        for node in tree.body:
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not {n.split(".")[0] for n in names} & {"cv2", "mediapipe"}, source.name


def test_bad_roi_is_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "pose",
            str(tmp_path / "x.mp4"),
            "--out",
            str(tmp_path),
            "--athlete",
            "7",
            "--roi",
            "1,2,3",
        ],
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: --roi '1,2,3': expected four whole numbers x,y,w,h (pixels)"
    ]


def test_folder_without_frame_rate_is_one_clear_line(cv2, cameraman, tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "0001.png"), cameraman)
    result = runner.invoke(
        app, ["pose", str(folder), "--out", str(tmp_path / "out"), "--athlete", "7"]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"error: {folder}: a folder of frames needs --fps (the rate they were taken at)"
    ]


def test_imu_csv_with_wrong_columns_is_named(tmp_path: Path) -> None:
    imu = tmp_path / "imu.csv"
    imu.write_text("time,acc\n0,1\n")
    result = runner.invoke(
        app,
        [
            "pose",
            str(tmp_path / "x.mp4"),
            "--out",
            str(tmp_path),
            "--athlete",
            "7",
            "--imu",
            str(imu),
        ],
    )
    assert result.exit_code == 1
    assert "imu.csv: missing column(s) t_s, waist_az" in result.output


def test_picked_person_becomes_clips_that_load(two_people_video: Path, tmp_path: Path) -> None:
    out = tmp_path / "club"
    base = ["pose", str(two_people_video), "--out", str(out), "--athlete", "11"]
    # A person number the video does not have: one line listing the tracks it does have.
    wrong = runner.invoke(app, [*base, "--person", "5"])
    assert wrong.exit_code == 1
    assert "--person 5: " in wrong.output and "has tracks [0, 1]" in wrong.output
    assert not (out / "clips").exists()
    checkpoint = out / "pose" / "pair.tracks.npz"
    written = checkpoint.stat().st_mtime_ns
    # The rerun takes its tracks from the checkpoint the first run left in OUT/pose/.
    options = [
        "--label",
        "header",
        "--scene",
        "small_sided_game",
        "--week",
        "2",
        "--date",
        "2026-03-02",
    ]
    result = runner.invoke(app, [*base, "--person", "1", *options])
    assert result.exit_code == 0, result.output
    assert "person 1 -> athlete 11" in result.output
    assert checkpoint.stat().st_mtime_ns == written  # no frame estimated again
    assert "pair.avi: 6 frames tracked (taken from the checkpoint)" in result.output
    assert "pair.avi: 6 frames tracked, 6 in this run at" in wrong.output
    clips = load_dataset(out).clips()
    assert clips.athlete_id.tolist() == ["11"]
    assert clips.label.tolist() == [taxonomy.LABELS.index("header")]
    assert clips.skeleton.shape == (1, 480, 13, 3)
    # Six frames at 10 fps: the first 0.6 s of the clip are seen, the rest is not.
    seen = clips.skeleton_conf[0].max(axis=1) > 0
    assert seen[:30].all() and not seen[40:].any()
    assert np.isfinite(clips.skeleton).all()
    # The astronaut (person 1) stands upright: head above hips in the body frame.
    nose, hip = taxonomy.JOINTS.index("nose"), taxonomy.JOINTS.index("left_hip")
    assert (clips.skeleton[0, :30, nose, 2] > clips.skeleton[0, :30, hip, 2] + 0.3).all()
    check = runner.invoke(app, ["data", "check", str(out)])
    assert check.exit_code == 0 and "valid" in check.output


def test_sync_jump_aligns_the_video_with_the_waist_imu(jump_video: Path, tmp_path: Path) -> None:
    # The waist IMU saw the same jump 7.3 s later on its own clock (take-off at 8.5 s).
    true_offset = 7.3
    fine = np.arange(0, 20, 0.001)
    acc = np.gradient(np.gradient(jump_height(fine, 1.2 + true_offset), fine), fine)
    imu_t = np.arange(0, 20, 0.01)
    waist = np.interp(imu_t, fine, 1 + acc / GRAVITY)
    csv = tmp_path / "waist.csv"
    np.savetxt(
        csv, np.column_stack([imu_t, waist]), delimiter=",", header="t_s,waist_az", comments=""
    )
    out = tmp_path / "club"
    result = runner.invoke(
        app, ["pose", str(jump_video), "--out", str(out), "--athlete", "7", "--imu", str(csv)]
    )
    assert result.exit_code == 0, result.output
    found = re.search(r"sensor time = video time ([+-][0-9.]+) s", result.output)
    assert found and abs(float(found.group(1)) - true_offset) < 1 / 15  # within one frame
    clips = load_dataset(out).clips()
    assert abs(clips.t_start_s[0] - true_offset) < 1 / 15  # the clip sits on the sensor timeline
