"""What one training step sees: the action clips, a few clips of each risk week, and the
augmentations (time crop, pose jitter, modality dropout, IMU turns in physical units)."""

from __future__ import annotations

import numpy as np
import torch

from edge import dsp, taxonomy
from host.distill.augment import AugmentConfig, Augmenter, imu_sensors
from host.models.config import TrainConfig
from host.models.inputs import crop, drop_modalities, perturb_pose


def concat(
    first: dict[str, torch.Tensor], second: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Two batches as one, `first`'s clips first."""
    return {key: torch.cat([first[key], second[key]]) for key in first}


def risk_clip_sample(
    rows: np.ndarray, members: list[np.ndarray], per_week: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Up to `per_week` clips of each athlete-week in `rows`, and each clip's position in `rows`."""
    picked, owner = [], []
    for position, row in enumerate(rows):
        clips = members[row]
        if len(clips) > per_week:
            clips = rng.choice(clips, per_week, replace=False)
        picked.append(clips)
        owner.append(np.full(len(clips), position))
    return (
        np.concatenate(picked).astype(np.int64) if picked else np.zeros(0, np.int64),
        np.concatenate(owner).astype(np.int64) if owner else np.zeros(0, np.int64),
    )


def imu_augmenter(config: TrainConfig) -> Augmenter | None:
    """The IMU augmentations `config` asks for (waist + calf sensors), or None."""
    chosen = AugmentConfig(
        rotation_deg=config.imu_rotation_deg,
        magnitude_sigma=config.imu_magnitude_sigma,
        time_stretch=config.imu_time_stretch,
    )
    return Augmenter(chosen, imu_sensors(len(taxonomy.IMU_SITES))) if chosen.active else None


def augment_imu(
    batch: dict[str, torch.Tensor],
    augmenter: Augmenter,
    normaliser: dsp.Normaliser,
    rng: np.random.Generator,
) -> dict[str, torch.Tensor]:
    """Augment the z-scored IMU channels in physical units; missing samples stay zero."""
    imu = batch["imu"].numpy().copy()
    channels = len(taxonomy.IMU_CHANNELS)
    valid = np.repeat(imu[:, channels:] > 0.5, len(taxonomy.IMU_AXES), axis=1)
    imu[:, :channels] = augmenter.apply(imu[:, :channels], rng, normaliser) * valid
    return {**batch, "imu": torch.from_numpy(imu)}


def augment(
    batch: dict[str, torch.Tensor],
    config: TrainConfig,
    rates: dict[str, float],
    generator: torch.Generator,
) -> dict[str, torch.Tensor]:
    """A random time crop, pose jitter and modality dropout, drawn from `generator`."""
    offset = float(torch.rand((), generator=generator))
    batch = crop(batch, config.crop_s, offset, rates)
    batch["skeleton"] = perturb_pose(
        batch["skeleton"],
        generator,
        config.pose_rotation_deg,
        config.pose_scale,
        config.pose_noise_m,
    )
    batch["present"] = drop_modalities(batch["present"], config.modality_dropout, generator)
    return batch
