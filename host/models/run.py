"""A trained run read back from its directory: the teacher other parts (distillation,
evaluation, reports) use without knowing how it was trained."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from edge import dsp
from firmware_bridge.errors import UserError
from host.models.companion import (
    COMPANION_FILE,
    MODEL_GRID,
    Companion,
    CompanionError,
    load_companion,
)
from host.models.config import TrainConfig
from host.models.inputs import ClipArrays, InputStats, crop, prepare, stored_imu
from host.models.network import MultimodalNet


class RunError(UserError, ValueError):
    """A run directory that is missing files or cannot be read; the message names the file."""


@dataclass
class LoadedRun:
    """A trained model in evaluation mode with everything needed to feed it."""

    run_dir: Path
    model: MultimodalNet
    config: TrainConfig
    stats: InputStats
    weekly_normaliser: dsp.Normaliser | None
    info: dict[str, Any]
    # The random-kernel IMU companion blended into the action probabilities, when the
    # run's config has one (host.models.companion).
    companion: Companion | None = None

    @property
    def model_config(self) -> Any:
        return self.config.model

    @property
    def labels(self) -> list[str]:
        return list(self.config.model.labels)

    @property
    def synthetic(self) -> bool:
        return bool(self.info.get("synthetic", False))

    @torch.no_grad()
    def embed(self, clips: Any, batch_size: int = 256) -> np.ndarray:
        """Fused clip features Z (N, width) for stored clips (any modality may be missing),
        computed on the device the model was moved to."""
        return self._fused(prepare(clips, self.stats, self.config), batch_size)

    def _fused(self, arrays: ClipArrays, batch_size: int) -> np.ndarray:
        device = next(self.model.parameters()).device
        parts = [np.zeros((0, self.config.model.shared_width), np.float32)]
        for start in range(0, len(arrays), batch_size):
            batch = crop(
                arrays.tensors(slice(start, start + batch_size)),
                self.config.crop_s,
                0.5,
                self.stats.rates,
            )
            batch = {key: value.to(device) for key, value in batch.items()}
            parts.append(self.model.encode(batch)[0].cpu().numpy())
        return np.concatenate(parts)

    @torch.no_grad()
    def predict_proba(self, clips: Any, batch_size: int = 256) -> np.ndarray:
        """Action probabilities (N, n_labels): the teacher's soft labels, the network's
        blended with its IMU companion's where the run has one."""
        arrays = prepare(clips, self.stats, self.config)
        fused = torch.from_numpy(self._fused(arrays, batch_size))
        device = next(self.model.parameters()).device
        network = torch.softmax(self.model.action_head(fused.to(device)), dim=1).cpu().numpy()
        if self.companion is None:
            return network
        # A format-1 companion reads the network's model-grid IMU, a newer one the stored.
        imu = arrays.imu if self.companion.reads == MODEL_GRID else stored_imu(clips, self.stats)
        return self.companion.blend(network, imu)


def load_run(run_dir: str | Path, checkpoint: str = "best.pt") -> LoadedRun:
    """Read a run directory written by `host.train.train`; the model comes back in eval mode."""
    root = Path(run_dir)

    def read(name: str) -> Any:
        path = root / name
        try:
            return json.loads(path.read_text())
        except FileNotFoundError:
            raise RunError(f"{path}: missing (is {root} a training run directory?)") from None
        except json.JSONDecodeError as exc:
            raise RunError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None

    config = TrainConfig.from_dict(read("config.json"), str(root / "config.json"))
    stats = read("stats.json")
    info = read("run.json")
    model = MultimodalNet(config.model)
    weights = root / checkpoint
    if not weights.exists():
        raise RunError(f"{weights}: missing (training stopped before its first epoch finished?)")
    try:
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    except (RuntimeError, EOFError, OSError) as exc:
        raise RunError(f"{weights}: cannot be loaded ({str(exc).splitlines()[0]})") from None
    model.eval()
    weekly = dsp.Normaliser.from_dict(stats["weekly"]) if stats.get("weekly") else None
    companion = None
    if config.model.imu_companion != "none":
        try:
            companion = load_companion(root / COMPANION_FILE)
        except CompanionError as exc:
            raise RunError(str(exc)) from None
    inputs = InputStats.from_dict(stats["inputs"])
    return LoadedRun(root, model, config, inputs, weekly, info, companion)
