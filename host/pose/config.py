"""Settings of the video-to-skeleton pipeline, with the reasons for their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from firmware_bridge.errors import UserError


class PoseError(UserError, ValueError):
    """Bad input to the pose pipeline (unreadable video, bad ROI or option): what and where."""


class VideoExtraMissing(UserError, RuntimeError):
    """The optional `video` extra (MediaPipe, OpenCV) is not installed."""

    exit_code = 3

    def __init__(self, missing: str) -> None:
        super().__init__(
            f"pose from video needs the optional video extra ({missing} is not installed): "
            "pip install 'touchline[video]'"
        )


@dataclass(frozen=True)
class PoseConfig:
    """Tunable settings; the defaults are what docs/video.md was measured with."""

    # Most people tracked at once; a training drill rarely shows more in one camera.
    max_people: int = 6
    # MediaPipe's person-detector and landmark-presence thresholds.
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    # Search the whole frame (plus tiles for wide frames) for new people every N frames;
    # in between each known person is only followed in a crop around where it was.
    discover_every: int = 15
    # A crop around a track is its box grown by this factor (room for a fast movement);
    # what is found there counts only if it overlaps the track's last box this much, so a
    # crop reaching a neighbour does not hand the track to them.
    crop_scale: float = 1.6
    follow_iou: float = 0.3
    # Two detections are one person when more than this share of the smaller box lies
    # inside the other (so two players overlapping that much merge: see docs/video.md).
    duplicate_overlap: float = 0.6
    # A detection joins a track when their boxes overlap at least this much, or when its
    # centre lies within this many box-diagonals of the track's last centre.
    match_iou: float = 0.1
    match_centre_diagonals: float = 0.5
    # A track not seen for this long is closed; a person re-appearing later starts a new one.
    max_gap_s: float = 1.0
    # Partial results are checkpointed every N frames so a long video resumes.
    checkpoint_every: int = 100
