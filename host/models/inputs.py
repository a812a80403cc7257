"""From stored clips to model inputs: filter, resample to the model rates, z-score.

Filtering, resampling and normalisation are the shared ones of `edge.dsp`, so the sideline
student sees what the teacher saw. Statistics are fitted on the training split only and
saved with the run. Also here: the training-time augmentations (time crop, pose
perturbation, modality dropout), which act on batches of tensors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from edge import dsp, taxonomy
from host.models.config import TrainConfig

# Fusion order of the clip branches; `present[:, i]` says whether branch i has data.
BRANCH_ORDER: tuple[str, ...] = ("skeleton", "imu", "gps", "hr")
_LOWER_BODY = [taxonomy.JOINTS.index(name) for name in taxonomy.OCCLUSION_JOINTS]
_HIPS = (taxonomy.JOINTS.index("left_hip"), taxonomy.JOINTS.index("right_hip"))
_CHUNK = 1024  # clips filtered at a time, to bound memory on the paper-size squad
ANTI_ALIAS_FRACTION = 0.4  # low-pass at most 0.4 × the rate resampled to (Nyquist is 0.5)


@dataclass(frozen=True)
class ClipArrays:
    """Model-rate arrays of N clips (numpy, float32), ready to become tensors."""

    imu: np.ndarray  # (N, 12 + 2 validity, T_imu)
    gps: np.ndarray  # (N, 3 + 1 validity, T_gps): vx, vy, speed
    hr: np.ndarray  # (N, 1 + 1 validity, T_hr)
    skeleton: np.ndarray  # (N, T_sk, J, 4): xyz + confidence
    present: np.ndarray  # (N, 4) bool in BRANCH_ORDER

    def __len__(self) -> int:
        return len(self.present)

    def tensors(self, index: np.ndarray | slice | None = None) -> dict[str, torch.Tensor]:
        pick = slice(None) if index is None else index
        return {
            "imu": torch.from_numpy(self.imu[pick]),
            "gps": torch.from_numpy(self.gps[pick]),
            "hr": torch.from_numpy(self.hr[pick]),
            "skeleton": torch.from_numpy(self.skeleton[pick]),
            "present": torch.from_numpy(self.present[pick]),
        }


@dataclass(frozen=True)
class InputStats:
    """Training-split normalisers for each sequence modality (travel with the run)."""

    imu: dsp.Normaliser
    gps: dsp.Normaliser
    hr: dsp.Normaliser
    rates: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "imu": self.imu.to_dict(),
            "gps": self.gps.to_dict(),
            "hr": self.hr.to_dict(),
            "rates": self.rates,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputStats:
        return cls(
            imu=dsp.Normaliser.from_dict(data["imu"]),
            gps=dsp.Normaliser.from_dict(data["gps"]),
            hr=dsp.Normaliser.from_dict(data["hr"]),
            rates=dict(data["rates"]),
        )


def _zeros_like_missing(n: int, channels: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((n, channels, length), np.float32), np.zeros((n, length), bool)


def _resample(x: np.ndarray, rate_in: float, rate_out: float, axis: int = -1) -> np.ndarray:
    length = x.shape[axis]
    t = np.arange(length) / rate_in
    t_new = np.arange(int(round(length * rate_out / rate_in))) / rate_out
    return dsp.resample_linear(t, x, t_new, axis=axis)


def _raw_imu(clips: Any, config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """IMU low-passed (Eq. 1) and resampled to the model rate, with per-sensor validity."""
    n = len(clips.label)
    length = int(round(taxonomy.STORED_CLIP_S * config.imu_rate_hz))
    if clips.imu is None:
        return np.zeros((n, 12, length), np.float32), np.zeros((n, 2, length), bool)
    rate = taxonomy.IMU_RATE_HZ
    # Eq. 1's cut-off, lowered below the model rate's Nyquist so resampling cannot alias.
    cutoff = min(config.imu_cutoff_hz, ANTI_ALIAS_FRACTION * config.imu_rate_hz)
    out = np.empty((n, clips.imu.shape[1], length), np.float32)
    valid = _resample(clips.imu_valid.astype(np.float32), rate, config.imu_rate_hz) > 0.5
    for start in range(0, n, _CHUNK):
        part = dsp.lowpass(clips.imu[start : start + _CHUNK], rate, cutoff)
        out[start : start + _CHUNK] = _resample(part, rate, config.imu_rate_hz)
    return out, valid


def stored_imu(clips: Any, stats: InputStats) -> np.ndarray:
    """The clips' IMU `(N, 12, T)` at its stored rate, unfiltered, z-scored with the run's
    IMU normaliser, invalid samples 0 and no validity channels: what the teacher's IMU
    companion reads (`host.models.companion`). Random-convolution features were designed
    for, and score best on, the series as recorded, not the model's 25 Hz grid."""
    n = len(clips.label)
    if clips.imu is None:
        length = int(round(taxonomy.STORED_CLIP_S * taxonomy.IMU_RATE_HZ))
        return np.zeros((n, len(stats.imu.mean), length), np.float32)
    valid = np.repeat(clips.imu_valid, 6, axis=1)
    return np.where(valid, stats.imu.apply(clips.imu), 0.0).astype(np.float32)


def _raw_gps(clips: Any, config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Velocity from positions, and filtered speed: where on the pitch says little of an action."""
    n = len(clips.label)
    length = int(round(taxonomy.STORED_CLIP_S * taxonomy.GPS_RATE_HZ))
    if clips.gps is None:
        return _zeros_like_missing(n, 3, length)
    rate = taxonomy.GPS_RATE_HZ
    smooth = dsp.lowpass(clips.gps, rate, config.gps_cutoff_hz).astype(np.float32)
    velocity = np.gradient(smooth[:, :2], axis=-1) * rate
    return np.concatenate([velocity, smooth[:, 2:3]], axis=1).astype(np.float32), clips.gps_valid


def _raw_hr(clips: Any) -> tuple[np.ndarray, np.ndarray]:
    n = len(clips.label)
    length = int(round(taxonomy.STORED_CLIP_S * taxonomy.HR_RATE_HZ))
    if clips.hr is None:
        return _zeros_like_missing(n, 1, length)
    return clips.hr.astype(np.float32), clips.hr_valid


def _skeleton(clips: Any, config: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Joints resampled to the model rate with confidence as a fourth channel; occluded → 0."""
    n = len(clips.label)
    length = int(round(taxonomy.STORED_CLIP_S * config.skeleton_rate_hz))
    if clips.skeleton is None:
        return np.zeros((n, length, len(taxonomy.JOINTS), 4), np.float32), np.zeros(n, bool)
    joints = _resample(clips.skeleton, taxonomy.SKELETON_RATE_HZ, config.skeleton_rate_hz, axis=1)
    conf = _resample(
        clips.skeleton_conf, taxonomy.SKELETON_RATE_HZ, config.skeleton_rate_hz, axis=1
    )
    visible = conf >= taxonomy.OCCLUSION_CONFIDENCE
    joints = np.where(visible[..., None], body_frame(joints, visible), 0.0)
    present = np.any(np.all(visible[:, :, _LOWER_BODY], axis=2), axis=1)
    return np.concatenate([joints, conf[..., None]], axis=-1).astype(np.float32), present


def body_frame(joints: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """Joints `(N, T, J, 3)` moved so each clip's mean hip centre is at x = y = 0 and its
    mean hip axis runs along y with the left hip at +y (x forward, as the simulator's
    skeletons are); heights are kept.

    Real capture (a suit's room coordinates, a camera's frame) puts players metres apart and
    facing anywhere; the model should see the movement, not where on the pitch it happened.
    Within a clip, translation and turning are kept. Clips without visible hips are left
    as they are.
    """
    left, right = _HIPS
    hips = visible[:, :, left] & visible[:, :, right]  # (N, T)
    weight = hips[..., None].astype(np.float64)
    count = np.maximum(weight.sum(axis=1), 1.0)  # (N, 1)
    centre = ((joints[:, :, left, :2] + joints[:, :, right, :2]) / 2 * weight).sum(1) / count
    axis = ((joints[:, :, right, :2] - joints[:, :, left, :2]) * weight).sum(1) / count
    # Turn the left → right hip axis onto -y.
    turn = np.where(hips.any(axis=1), -np.pi / 2 - np.arctan2(axis[:, 1], axis[:, 0]), 0.0)
    cos, sin = np.cos(turn)[:, None, None], np.sin(turn)[:, None, None]
    x = joints[..., 0] - centre[:, None, None, 0] * hips.any(axis=1)[:, None, None]
    y = joints[..., 1] - centre[:, None, None, 1] * hips.any(axis=1)[:, None, None]
    out = joints.copy()
    out[..., 0] = cos * x - sin * y
    out[..., 1] = sin * x + cos * y
    return out


def fit_stats(clips: Any, config: TrainConfig) -> InputStats:
    """Normalisers from the (training) clips given, over valid samples only."""
    imu, imu_valid = _raw_imu(clips, config)
    gps, gps_valid = _raw_gps(clips, config)
    hr, hr_valid = _raw_hr(clips)

    def fit(x: np.ndarray, valid: np.ndarray) -> dsp.Normaliser:
        """Fitted on each channel's valid samples; the identity on a channel that has none
        (a modality, or a sensor, absent from the data: a squad with a waist unit only)."""
        seen = np.broadcast_to(valid, x.shape).any(axis=(0, 2))
        mean, std = np.zeros(x.shape[1]), np.ones(x.shape[1])
        if seen.any():
            fitted = dsp.Normaliser.fit(
                x[:, seen], axis=1, valid=np.broadcast_to(valid, x.shape)[:, seen]
            )
            mean[seen], std[seen] = fitted.mean, fitted.std
        return dsp.Normaliser(mean=mean, std=std)

    imu_mask = np.repeat(imu_valid, 6, axis=1)
    return InputStats(
        imu=fit(imu, imu_mask),
        gps=fit(gps, gps_valid[:, None, :]),
        hr=fit(hr, hr_valid[:, None, :]),
        rates={
            "imu": config.imu_rate_hz,
            "gps": taxonomy.GPS_RATE_HZ,
            "hr": taxonomy.HR_RATE_HZ,
            "skeleton": config.skeleton_rate_hz,
        },
    )


def prepare(clips: Any, stats: InputStats, config: TrainConfig) -> ClipArrays:
    """Stored clips → model inputs; missing samples are zeros with a validity channel beside."""
    imu, imu_valid = _raw_imu(clips, config)
    imu = stats.imu.apply(imu) * np.repeat(imu_valid, 6, axis=1)
    gps, gps_valid = _raw_gps(clips, config)
    gps = stats.gps.apply(gps) * gps_valid[:, None, :]
    hr, hr_valid = _raw_hr(clips)
    hr = stats.hr.apply(hr) * hr_valid[:, None, :]
    skeleton, skeleton_present = _skeleton(clips, config)
    present = np.stack(
        [skeleton_present, imu_valid.any(axis=(1, 2)), gps_valid.any(axis=1), hr_valid.any(axis=1)],
        axis=1,
    )
    f32 = np.float32
    return ClipArrays(
        imu=np.concatenate([imu, imu_valid], axis=1).astype(f32),
        gps=np.concatenate([gps, gps_valid[:, None, :]], axis=1).astype(f32),
        hr=np.concatenate([hr, hr_valid[:, None, :]], axis=1).astype(f32),
        skeleton=skeleton,
        present=present,
    )


def crop(
    batch: dict[str, torch.Tensor], crop_s: float, offset_fraction: float, rates: dict[str, float]
) -> dict[str, torch.Tensor]:
    """Keep `crop_s` seconds of every modality, starting at `offset_fraction` of the slack.

    Training draws the offset at random (time-crop augmentation); evaluation uses 0.5.
    """
    out = dict(batch)
    slack = max(taxonomy.STORED_CLIP_S - crop_s, 0.0)
    start_s = slack * offset_fraction
    for name, axis in (("imu", 2), ("gps", 2), ("hr", 2), ("skeleton", 1)):
        rate = rates[name]
        start = int(math.floor(start_s * rate))
        length = max(int(round(crop_s * rate)), 1)
        out[name] = batch[name].narrow(axis, min(start, batch[name].shape[axis] - length), length)
    return out


def perturb_pose(
    skeleton: torch.Tensor,
    generator: torch.Generator,
    rotation_deg: float,
    scale: float,
    noise_m: float,
) -> torch.Tensor:
    """Random rotation about the vertical axis, body-size scaling and joint jitter per clip."""
    n = skeleton.shape[0]
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(rotation_deg)
    size = 1 + (torch.rand(n, generator=generator) * 2 - 1) * scale
    cos, sin = torch.cos(angle)[:, None, None], torch.sin(angle)[:, None, None]
    xyz, conf = skeleton[..., :3], skeleton[..., 3:]
    x = cos * xyz[..., 0] - sin * xyz[..., 1]
    y = sin * xyz[..., 0] + cos * xyz[..., 1]
    moved = torch.stack([x, y, xyz[..., 2]], dim=-1) * size[:, None, None, None]
    moved = moved + torch.randn(moved.shape, generator=generator) * noise_m
    visible = (conf >= taxonomy.OCCLUSION_CONFIDENCE).to(moved.dtype)
    return torch.cat([moved * visible, conf], dim=-1)


def drop_modalities(
    present: torch.Tensor, probability: float, generator: torch.Generator
) -> torch.Tensor:
    """Hide each present branch with `probability`, always leaving at least one present."""
    keep = torch.rand(present.shape, generator=generator) >= probability
    dropped = present & keep
    emptied = ~dropped.any(dim=1, keepdim=True)
    return torch.where(emptied, present, dropped)


@dataclass(frozen=True, kw_only=True)
class WeeklyInputs:
    """Athlete-weeks for the risk head: V_t rows, labels, and which clips belong to each."""

    athlete_id: np.ndarray  # (W,) str
    week: np.ndarray  # (W,) int
    features: np.ndarray  # (W, F) float64, raw units
    columns: tuple[str, ...]
    label: np.ndarray  # (W,) float, NaN where the next week is unknown
    clip_owner: np.ndarray  # (N,) row of each clip's athlete-week, -1 if none

    def __len__(self) -> int:
        return len(self.week)


def weekly_inputs(
    frame: Any,
    clip_athletes: np.ndarray,
    clip_weeks: np.ndarray,
    columns: tuple[str, ...],
    label_column: str,
) -> WeeklyInputs:
    """Rows of the weekly feature frame (index athlete_id, week) with a known label."""
    frame = frame[frame[label_column].notna()]
    athletes = frame.index.get_level_values("athlete_id").astype(str).to_numpy()
    weeks = frame.index.get_level_values("week").astype(int).to_numpy()
    row = {(a, w): i for i, (a, w) in enumerate(zip(athletes, weeks, strict=True))}
    owner = np.array(
        [row.get((str(a), int(w)), -1) for a, w in zip(clip_athletes, clip_weeks, strict=True)],
        dtype=np.int64,
    )
    return WeeklyInputs(
        athlete_id=athletes,
        week=weeks,
        features=frame[list(columns)].to_numpy(dtype=np.float64),
        columns=tuple(columns),
        label=frame[label_column].to_numpy(dtype=np.float64),
        clip_owner=owner,
    )
