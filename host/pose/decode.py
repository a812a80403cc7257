"""Frames and their timestamps from a video file or a folder of still frames (OpenCV)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from host.pose.config import PoseError
from host.pose.estimator import require

FRAME_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its index in the source, time from the first frame, RGB pixels."""

    index: int
    t_s: float
    rgb: np.ndarray


class FrameSource:
    """A video file or a folder of frames, read in order from any starting frame.

    A folder's frames are its images in name order, `fps` apart. A video's timestamps
    come from the container when it has them, else from its frame rate.
    """

    def __init__(self, path: str | Path, fps: float | None = None) -> None:
        self.path = Path(path)
        self._cv2 = require("cv2")
        if self.path.is_dir():
            self.frames = sorted(
                p for p in self.path.iterdir() if p.suffix.lower() in FRAME_SUFFIXES
            )
            if not self.frames:
                raise PoseError(
                    f"{self.path}: folder holds no image frames ({', '.join(FRAME_SUFFIXES)})"
                )
            if fps is None or fps <= 0:
                raise PoseError(
                    f"{self.path}: a folder of frames needs --fps (the rate they were taken at)"
                )
            self.fps = float(fps)
            self.count = len(self.frames)
        elif self.path.is_file():
            capture = self._open_capture()
            self.fps = float(fps or capture.get(self._cv2.CAP_PROP_FPS) or 0.0)
            self.count = int(capture.get(self._cv2.CAP_PROP_FRAME_COUNT) or 0)
            capture.release()
            if self.fps <= 0:
                raise PoseError(f"{self.path}: the video does not state its frame rate; pass --fps")
        else:
            raise PoseError(f"{self.path}: no such video file or folder of frames")

    def _open_capture(self) -> Any:
        capture = self._cv2.VideoCapture(str(self.path))
        if not capture.isOpened():
            raise PoseError(f"{self.path}: not a video OpenCV can decode")
        return capture

    @property
    def identity(self) -> str:
        """What a checkpoint must match to be resumed: name, size and frame count."""
        size = (
            sum(p.stat().st_size for p in self.frames)
            if self.path.is_dir()
            else self.path.stat().st_size
        )
        return f"{self.path.name}:{size}:{self.count}:{self.fps:.6g}"

    def read(self, start: int = 0) -> Iterator[Frame]:
        """Frames from index `start` on; a frame that cannot be decoded ends a video with
        a PoseError naming its index (a folder's unreadable image is named too)."""
        if self.path.is_dir():
            for index in range(start, self.count):
                bgr = self._cv2.imread(str(self.frames[index]), self._cv2.IMREAD_COLOR)
                if bgr is None:
                    raise PoseError(f"{self.frames[index]}: not an image OpenCV can read")
                yield Frame(
                    index, index / self.fps, self._cv2.cvtColor(bgr, self._cv2.COLOR_BGR2RGB)
                )
            return
        capture = self._open_capture()
        try:
            if start:
                capture.set(self._cv2.CAP_PROP_POS_FRAMES, start)
            index = start
            while True:
                ok, bgr = capture.read()
                if not ok:
                    if self.count and index < self.count - 1:
                        raise PoseError(
                            f"{self.path}: frame {index} of {self.count} cannot be decoded "
                            "(truncated or corrupt file)"
                        )
                    return
                t_ms = capture.get(self._cv2.CAP_PROP_POS_MSEC)
                t_s = t_ms / 1000.0 if t_ms > 0 or index == 0 else index / self.fps
                yield Frame(index, t_s, self._cv2.cvtColor(bgr, self._cv2.COLOR_BGR2RGB))
                index += 1
        finally:
            capture.release()
