"""Benchmark: video-to-skeleton throughput in frames per second, against plain per-frame
pose estimation in the same run.

    python tools/bench/pose.py [--frames 60] [--repeats 2]

Two clips are made from photographs that ship with scikit-image (so anyone can rerun
this): one person (the cameraman, a panning and zooming 512x512 shot) and two people
(cameraman and astronaut side by side, 1064x512). On each:
  plain     PoseLandmarker on every full frame, nothing else (the baseline)
  touchline host.pose.extract.extract_tracks: decode, follow each person in a crop,
            search the whole frame (and tiles when wide) every 15 frames, track, and
            checkpoint
Prints frames/s (best of the repeats), the ratio to plain, and people found per frame.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from host.pose.decode import FrameSource  # noqa: E402
from host.pose.estimator import PoseEstimator, require  # noqa: E402
from host.pose.extract import extract_tracks  # noqa: E402
from tests.host.pose.footage import write_video  # noqa: E402  (the pose tests' writer)

BENCH_FPS = 25.0  # a broadcast-like frame rate for the clips the benchmark writes


def one_person(cv2, count: int) -> list[np.ndarray]:
    from skimage import data

    photo = np.repeat(data.camera()[:, :, None], 3, axis=2)
    frames = []
    for i in range(count):
        zoom = 1 + 0.1 * np.sin(i / 10)
        shift = 40 * np.sin(i / 7)
        warp = np.float32([[zoom, 0, shift - 256 * (zoom - 1)], [0, zoom, -256 * (zoom - 1)]])
        frames.append(cv2.warpAffine(photo, warp, (512, 512), borderMode=cv2.BORDER_REPLICATE))
    return frames


def two_people(count: int) -> list[np.ndarray]:
    from skimage import data

    cameraman = np.repeat(data.camera()[:, :, None], 3, axis=2)
    astronaut = data.astronaut()
    frames = []
    for i in range(count):
        drift = int(8 * np.sin(i / 6))
        canvas = np.full((512, 1064, 3), 90, np.uint8)
        canvas[:, 8 + drift : 520 + drift] = cameraman
        canvas[:, 544 - drift : 1056 - drift] = astronaut
        frames.append(canvas)
    return frames


def plain(video: Path, estimator: PoseEstimator) -> tuple[float, float]:
    """Frames/s and people per frame of full-frame estimation on every decoded frame."""
    start, people, frames = time.perf_counter(), 0, 0
    for frame in FrameSource(video).read():
        people += len(estimator.detect(frame.rgb))
        frames += 1
    return frames / (time.perf_counter() - start), people / frames


def touchline(video: Path, estimator: PoseEstimator, out: Path) -> tuple[float, float]:
    start = time.perf_counter()
    tracks = extract_tracks(video, out, estimator=estimator)
    elapsed = time.perf_counter() - start
    return tracks.next_frame / elapsed, len(tracks.records.t_s) / tracks.next_frame


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=60, help="frames per clip")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each; the best counts")
    args = parser.parse_args()
    cv2 = require("cv2")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"OpenCV {cv2.__version__}, {args.frames} frames per clip, best of {args.repeats}"
    )
    with tempfile.TemporaryDirectory() as tmp, PoseEstimator() as estimator:
        clips = {
            "one person 512x512": write_video(
                cv2, Path(tmp) / "one.avi", one_person(cv2, args.frames), fps=BENCH_FPS
            ),
            "two people 1064x512": write_video(
                cv2, Path(tmp) / "two.avi", two_people(args.frames), fps=BENCH_FPS
            ),
        }
        print(f"{'clip':22} {'method':10} {'frames/s':>9} {'x plain':>8} {'people/frame':>13}")
        for name, video in clips.items():
            base = max((plain(video, estimator) for _ in range(args.repeats)), key=lambda r: r[0])
            ours = max(
                (touchline(video, estimator, Path(tmp) / f"out{k}") for k in range(args.repeats)),
                key=lambda r: r[0],
            )
            print(f"{name:22} {'plain':10} {base[0]:9.1f} {1.0:8.2f} {base[1]:13.2f}")
            print(
                f"{name:22} {'touchline':10} {ours[0]:9.1f} "
                f"{ours[0] / base[0]:8.2f} {ours[1]:13.2f}"
            )


if __name__ == "__main__":
    main()
