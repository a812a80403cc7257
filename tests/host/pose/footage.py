"""Helpers that turn real photographs into footage for the pose tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

VIDEO_FPS = 10.0
GRAVITY = 9.80665


def jump_height(t: np.ndarray, take_off_s: float) -> np.ndarray:
    """Hip height (m) of a standing two-footed jump: a crouch, 0.45 s of flight, a landing dip."""
    flight = 0.45
    v0 = GRAVITY * flight / 2
    tau = t - take_off_s
    height = 1.0 - 0.12 * np.exp(-(((tau + 0.25) / 0.12) ** 2))  # counter-movement crouch
    airborne = (tau > 0) & (tau < flight)
    height = height + np.where(airborne, v0 * tau - GRAVITY * tau**2 / 2, 0.0)
    return height - 0.15 * np.exp(-(((tau - flight - 0.12) / 0.08) ** 2))  # absorb the landing


def write_video(cv2, path: Path, frames: list[np.ndarray], fps: float = VIDEO_FPS) -> Path:
    """Frames (RGB) into an MJPEG .avi, which every OpenCV build can write and read."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    for frame in frames:
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def moving_person(cv2, photo: np.ndarray, frames: int) -> list[np.ndarray]:
    """The photo panned 10 px a frame and zoomed 2 % a frame, as a camera following a player."""
    out = []
    for i in range(frames):
        zoom = 1 + 0.02 * i
        warp = np.float32([[zoom, 0, 10 * i - 256 * (zoom - 1)], [0, zoom, -256 * (zoom - 1)]])
        out.append(cv2.warpAffine(photo, warp, (512, 512), borderMode=cv2.BORDER_REPLICATE))
    return out
