"""A distilled student read back from `RUN_DIR/student/`: the model, its input spec, the
tuned event thresholds, and the windows of each athlete split part, for export and checks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from edge import taxonomy
from edge.bundle import InputSpec, prepare_windows
from firmware_bridge.errors import UserError
from host.data.dataset import load_dataset
from host.distill.config import DistillConfig
from host.distill.student import build_student
from host.distill.windows import clip_windows

CHECKPOINT = "student.pt"
STATE = "distill.json"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"


class StudentRunError(UserError, ValueError):
    """A student directory is missing files or cannot be read; the message names the file."""


@dataclass(frozen=True)
class TrainedStudentRun:
    student_dir: Path
    model: nn.Module
    config: DistillConfig
    spec: InputSpec
    state: dict[str, Any]

    @property
    def thresholds(self) -> dict[str, float]:
        return dict(self.state["events"]["thresholds"])

    @property
    def labels(self) -> tuple[str, ...]:
        """The student's output order (students distilled before vocabularies: the paper's)."""
        return tuple(self.state.get("labels", taxonomy.LABELS))

    @property
    def nms_s(self) -> float:
        return float(self.state["events"]["nms_s"])

    def windows(
        self, part: str, data_dir: Path | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Raw windows, channel presence and labels of the clips of one split part
        ("train", "val", "test") with usable IMU, from the dataset the student learnt on."""
        dataset = load_dataset(data_dir or self.state["data_dir"])
        if dataset.content_hash != self.state["data_hash"]:
            raise StudentRunError(
                f"{dataset.root}: dataset changed since distillation (hash differs); "
                "distil again or pass the original data"
            )
        clips = dataset.clips()
        athletes = set(self.state["split_athletes"][part])
        keep = np.flatnonzero(np.isin(clips.athlete_id, list(athletes)))
        imu = dataset.manifest.modalities["imu"]
        gps = dataset.manifest.modalities.get("gps")
        windows = clip_windows(
            clips.subset(keep),
            dataset.manifest.labels,
            imu.rate_hz,
            gps.rate_hz if gps else 0.0,
            vocabulary=self.labels,
        )
        usable = windows.subset(np.flatnonzero(windows.imu_ok))
        return usable.raw, usable.present, usable.labels

    def prepared(self, part: str, data_dir: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Model inputs and labels of one split part (see `windows`)."""
        raw, present, labels = self.windows(part, data_dir)
        return prepare_windows(self.spec, raw, present), labels


def load_student(student_dir: str | Path) -> TrainedStudentRun:
    """Read a student directory written by `host.distill.pipeline.distill`."""
    root = Path(student_dir)
    state_path, weights = root / STATE, root / CHECKPOINT
    try:
        state = json.loads(state_path.read_text())
    except FileNotFoundError:
        raise StudentRunError(f"{state_path}: missing (run `touchline distill` first)") from None
    except json.JSONDecodeError as exc:
        raise StudentRunError(f"{state_path}: not valid JSON ({exc.msg})") from None
    try:
        config = DistillConfig.from_dict(state["config"])
        spec = InputSpec.model_validate(state["input_spec"])
        checkpoint = torch.load(weights, weights_only=True)
        model = build_student(config.student)
        model.load_state_dict(checkpoint["state_dict"])
    except FileNotFoundError:
        raise StudentRunError(f"{weights}: missing (run `touchline distill` first)") from None
    except (KeyError, TypeError, ValueError, RuntimeError, EOFError) as exc:
        raise StudentRunError(f"{root}: unreadable student ({str(exc).splitlines()[0]})") from None
    model.eval()
    return TrainedStudentRun(root, model, config, spec, state)
