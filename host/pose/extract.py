"""Video to per-person joint tracks, checkpointed so a long video resumes where it stopped.

Every `discover_every` frames the whole picture is searched for people (the full frame,
plus overlapping square tiles when the frame is wide, since a small player on a wide shot
is easier to find in a tile); in between, each known person is followed in a crop around
their last box. Detections go to the `Tracker`, which keeps one id per person.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from host.pose.config import PoseConfig, PoseError
from host.pose.decode import FrameSource
from host.pose.estimator import Detection, PoseEstimator
from host.pose.joints import select_joints, world_to_body_frame
from host.pose.tracking import Track, Tracker, box_iou, drop_duplicates

Region = tuple[int, int, int, int]
# A frame (or ROI) wider than this times its height is also searched in square tiles.
WIDE_FRAME = 1.5
RECORD_KEYS = ("frame", "t_s", "track", "image_xy", "joints", "confidence", "box")


@dataclass
class TrackRecords:
    """Per detection (one person in one frame): frame index, time, track id, the 13 joints
    in pixels and in the body frame (metres), their confidence, and the person's box."""

    frame: np.ndarray  # (K,) int64
    t_s: np.ndarray  # (K,) float64, seconds from the first frame
    track: np.ndarray  # (K,) int32
    image_xy: np.ndarray  # (K, 13, 2) float32 pixels
    joints: np.ndarray  # (K, 13, 3) float32 metres, body frame (x right, y away, z up)
    confidence: np.ndarray  # (K, 13) float32
    box: np.ndarray  # (K, 4) float32 x0, y0, x1, y1 pixels

    @classmethod
    def empty(cls) -> TrackRecords:
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0),
            np.zeros(0, np.int32),
            np.zeros((0, 13, 2), np.float32),
            np.zeros((0, 13, 3), np.float32),
            np.zeros((0, 13), np.float32),
            np.zeros((0, 4), np.float32),
        )

    def of_track(self, track: int) -> TrackRecords:
        keep = self.track == track
        return TrackRecords(*(getattr(self, key)[keep] for key in RECORD_KEYS))

    def track_ids(self) -> list[int]:
        return [int(t) for t in np.unique(self.track)]

    def extend(self, rows: list[tuple[int, float, int, Detection]]) -> TrackRecords:
        if not rows:
            return self
        new = TrackRecords(
            frame=np.array([r[0] for r in rows], np.int64),
            t_s=np.array([r[1] for r in rows], np.float64),
            track=np.array([r[2] for r in rows], np.int32),
            image_xy=np.stack([select_joints(r[3].image_xy) for r in rows]),
            joints=np.stack([world_to_body_frame(select_joints(r[3].world)) for r in rows]),
            confidence=np.stack([select_joints(r[3].confidence) for r in rows]),
            box=np.stack([r[3].box for r in rows]),
        )
        return TrackRecords(
            *(np.concatenate([getattr(self, k), getattr(new, k)]) for k in RECORD_KEYS)
        )


@dataclass
class VideoTracks:
    """All tracks of one video, and how far through it they go."""

    source: str
    fps: float
    frames_total: int
    next_frame: int
    complete: bool
    records: TrackRecords


def checkpoint_path(out_dir: str | Path, video: str | Path) -> Path:
    """Where the per-frame tracks of a video live under the output directory."""
    return Path(out_dir) / "pose" / f"{Path(video).stem}.tracks.npz"


def save_tracks(path: Path, tracks: VideoTracks) -> None:
    """Write atomically, so an interrupted run leaves the previous checkpoint intact."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.npz")
    np.savez_compressed(
        tmp,
        source=np.array(tracks.source),
        fps=np.array(tracks.fps),
        frames_total=np.array(tracks.frames_total),
        next_frame=np.array(tracks.next_frame),
        complete=np.array(tracks.complete),
        **{key: getattr(tracks.records, key) for key in RECORD_KEYS},
    )
    os.replace(tmp, path)


def load_tracks(path: Path) -> VideoTracks:
    """Read a tracks file written by `save_tracks`; a damaged one is a PoseError."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return VideoTracks(
                source=str(npz["source"]),
                fps=float(npz["fps"]),
                frames_total=int(npz["frames_total"]),
                next_frame=int(npz["next_frame"]),
                complete=bool(npz["complete"]),
                records=TrackRecords(*(npz[key] for key in RECORD_KEYS)),
            )
    except (OSError, KeyError, ValueError, EOFError) as exc:
        raise PoseError(
            f"{path}: not a readable tracks checkpoint ({exc}); delete it to start over"
        ) from None


def restore_tracker(records: TrackRecords, config: PoseConfig) -> Tracker:
    """The tracker state at the end of `records`: each track's last box and time."""
    tracker = Tracker(config)
    for track_id in records.track_ids():
        mine = records.of_track(track_id)
        tracker.tracks.append(
            Track(track_id, mine.box[-1], float(mine.t_s[-1]), frames=len(mine.t_s))
        )
    tracker.next_id = max(records.track_ids(), default=-1) + 1
    return tracker


def search_regions(width: int, height: int, roi: Region | None) -> list[Region]:
    """Where to look for new people: the frame (or ROI), plus square tiles if it is wide."""
    x0, y0, x1, y1 = roi if roi is not None else (0, 0, width, height)
    regions = [(x0, y0, x1, y1)]
    side = y1 - y0
    if x1 - x0 > WIDE_FRAME * side:
        starts = np.arange(x0, x1 - side + 1, side // 2).tolist()
        if starts[-1] != x1 - side:
            starts.append(x1 - side)
        regions += [(int(s), y0, int(s + side), y1) for s in starts]
    return regions


def follow_region(
    box: np.ndarray, scale: float, roi: Region | None, width: int, height: int
) -> Region:
    """A square crop around a track's last box, grown by `scale`, no larger than the frame
    (or ROI) and shifted to lie inside it: the detector finds people best in square,
    uncut pictures, which a crop clipped at the frame edge is not."""
    x0, y0, x1, y1 = roi if roi is not None else (0, 0, width, height)
    inside = np.clip(box, [x0, y0, x0, y0], [x1, y1, x1, y1])
    side = min(max(inside[2] - inside[0], inside[3] - inside[1], 32.0) * scale, x1 - x0, y1 - y0)
    left = np.clip((inside[0] + inside[2] - side) / 2, x0, x1 - side)
    top = np.clip((inside[1] + inside[3] - side) / 2, y0, y1 - side)
    return (int(left), int(top), int(left + side), int(top + side))


def follow(found: list[Detection], track: Track, min_iou: float) -> list[Detection]:
    """Of the people found in a track's crop, the one that overlaps its last box most (if
    enough): a neighbour reaching into the crop is not taken for the tracked person."""
    if not found:
        return []
    overlap = box_iou(track.box, np.stack([d.box for d in found]))[0]
    best = int(np.argmax(overlap))
    return [found[best]] if overlap[best] >= min_iou else []


def extract_tracks(
    video: str | Path,
    out_dir: str | Path,
    *,
    fps: float | None = None,
    roi: Region | None = None,
    config: PoseConfig | None = None,
    estimator: PoseEstimator | None = None,
    on_frame: Callable[[int, int], None] | None = None,
    stop_after: int | None = None,
) -> VideoTracks:
    """Track every person in `video`, resuming from its checkpoint under `out_dir`.

    `on_frame(done, total)` is called after each frame (for a progress bar);
    `stop_after` ends the run after that many new frames (the checkpoint is kept), which
    is how a long video is done in parts.
    """
    config = config or PoseConfig()
    source = FrameSource(video, fps=fps)
    path = checkpoint_path(out_dir, video)
    # A checkpoint is resumed only for the same file searched in the same region.
    identity = (
        source.identity if roi is None else f"{source.identity}:roi={','.join(map(str, roi))}"
    )
    state = VideoTracks(identity, source.fps, source.count, 0, False, TrackRecords.empty())
    if path.exists():
        previous = load_tracks(path)
        if previous.source == identity:
            state = previous
    if state.complete:
        return state
    tracker = restore_tracker(state.records, config)
    own_estimator = estimator is None
    estimator = estimator or PoseEstimator(config)
    rows: list[tuple[int, float, int, Detection]] = []
    done = 0
    try:
        for frame in source.read(state.next_frame):
            height, width = frame.rgb.shape[:2]
            if roi is not None and (roi[2] > width or roi[3] > height):
                raise PoseError(f"--roi reaches outside the {width}x{height} frame of {video}")
            active = tracker.active(frame.t_s)
            discover = frame.index % config.discover_every == 0 or not active
            detections: list[Detection] = []
            for track in active:
                region = follow_region(track.box, config.crop_scale, roi, width, height)
                followed = follow(estimator.detect(frame.rgb, region), track, config.follow_iou)
                discover = discover or not followed  # lost in its crop: search everywhere
                detections += followed
            if discover:
                for region in search_regions(width, height, roi):
                    detections += estimator.detect(frame.rgb, region)
            detections = drop_duplicates(detections, config.duplicate_overlap)
            for track_id, detection in tracker.update(frame.t_s, detections, allow_new=discover):
                rows.append((frame.index, frame.t_s, track_id, detection))
            state.next_frame = frame.index + 1
            done += 1
            if on_frame is not None:
                on_frame(state.next_frame, source.count)
            if done % config.checkpoint_every == 0:
                state.records = state.records.extend(rows)
                rows = []
                save_tracks(path, state)
            if stop_after is not None and done >= stop_after:
                break
        else:
            state.complete = True
        if state.next_frame == 0:
            raise PoseError(f"{video}: no frame could be decoded")
    finally:
        state.records = state.records.extend(rows)
        if state.next_frame:
            save_tracks(path, state)
        if own_estimator:
            estimator.close()
    return state
