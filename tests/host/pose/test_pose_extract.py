"""Tracks through short videos made from real photographs."""

from pathlib import Path

import numpy as np
import pytest
from footage import VIDEO_FPS

from host.pose.config import PoseError
from host.pose.extract import checkpoint_path, extract_tracks, load_tracks


def test_one_person_gives_one_continuous_track_with_timestamps(
    estimator, one_person_video: Path, tmp_path: Path
) -> None:
    tracks = extract_tracks(one_person_video, tmp_path, estimator=estimator)
    records = tracks.records
    assert tracks.complete and tracks.fps == VIDEO_FPS
    assert records.track_ids() == [0]
    assert records.frame.tolist() == list(range(8))
    np.testing.assert_allclose(records.t_s, np.arange(8) / VIDEO_FPS, atol=1e-6)
    # The camera pans 10 px a frame and zooms 2 % a frame about the image centre, so the
    # trunk (x ~ 180 px) moves right about 8.5 px a frame: the joints follow it.
    trunk_x = records.image_xy[:, [1, 2, 7, 8], 0].mean(axis=1)
    slope = np.polyfit(records.frame, trunk_x, 1)[0]
    assert 6.0 < slope < 11.0
    assert load_tracks(checkpoint_path(tmp_path, one_person_video)).complete


def test_two_people_keep_separate_tracks(estimator, two_people_video: Path, tmp_path: Path) -> None:
    records = extract_tracks(two_people_video, tmp_path, estimator=estimator).records
    assert records.track_ids() == [0, 1]
    for track_id, (low, high) in ((0, (0, 532)), (1, (532, 1064))):
        mine = records.of_track(track_id)
        assert mine.frame.tolist() == list(range(6))  # followed in every frame
        centre_x = (mine.box[:, 0] + mine.box[:, 2]) / 2
        assert np.all((centre_x > low) & (centre_x < high))  # never swaps sides


def test_interrupted_run_resumes_from_its_checkpoint(
    estimator, one_person_video: Path, tmp_path: Path
) -> None:
    seen: list[int] = []
    first = extract_tracks(
        one_person_video,
        tmp_path,
        estimator=estimator,
        stop_after=3,
        on_frame=lambda done, total: seen.append(done),
    )
    assert not first.complete and first.next_frame == 3
    assert load_tracks(checkpoint_path(tmp_path, one_person_video)).next_frame == 3
    second = extract_tracks(
        one_person_video,
        tmp_path,
        estimator=estimator,
        on_frame=lambda done, total: seen.append(done),
    )
    assert seen == list(range(1, 9))  # frames 0-2 were not estimated twice
    assert second.complete and second.records.frame.tolist() == list(range(8))
    assert second.records.track_ids() == [0]


def test_truncated_video_names_the_file_and_keeps_what_was_done(
    cv2, estimator, one_person_video: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.avi"
    data = one_person_video.read_bytes()
    broken.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(PoseError, match="broken.avi"):
        extract_tracks(broken, tmp_path, estimator=estimator)
    # The frames decoded before the damage are kept for a rerun.
    kept = load_tracks(checkpoint_path(tmp_path, broken))
    assert not kept.complete and 0 < kept.next_frame < 8
    assert kept.records.frame.tolist() == list(range(kept.next_frame))


def test_folder_of_frames_needs_its_frame_rate(cv2, cameraman, tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "0001.png"), cameraman)
    with pytest.raises(PoseError, match="--fps"):
        extract_tracks(folder, tmp_path / "out")


def test_roi_keeps_only_the_athlete_inside_it(
    estimator, two_people_video: Path, tmp_path: Path
) -> None:
    records = extract_tracks(
        two_people_video, tmp_path, estimator=estimator, roi=(532, 0, 1064, 512)
    ).records
    assert records.track_ids() == [0]
    assert records.frame.tolist() == list(range(6))
    assert (records.box[:, 0] + records.box[:, 2]).min() / 2 > 532  # the astronaut
    # Another region is another search: the checkpoint is not reused for it.
    everyone = extract_tracks(two_people_video, tmp_path, estimator=estimator).records
    assert everyone.track_ids() == [0, 1]


def test_unreadable_frame_in_a_folder_is_named(cv2, cameraman, tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    cv2.imwrite(str(folder / "0001.png"), cameraman)
    (folder / "0002.png").write_bytes(b"not a png")
    with pytest.raises(PoseError, match="0002.png: not an image"):
        extract_tracks(folder, tmp_path / "out", fps=25.0)
