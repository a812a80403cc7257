"""Every setting of the paper model and its training, in one place with documented defaults.

`ModelConfig` holds the architecture; its boolean fields are the rows of the paper's Table 3
(no video, no IMU-GPS, no load, no attention, no multitask), so an ablation is a config,
never a copy of the model. `TrainConfig` holds the recipe of section 3 (AdamW 2e-4, batch 32,
up to 80 epochs, early stop after 8) and the preprocessing rates.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from edge import taxonomy
from firmware_bridge.errors import UserError

# What `[model] imu_companion` may name (host.models.companion fits them): MiniRocket +
# Hydra ridges, or those two with the Hydra student's recipe as a third member.
PAIR_COMPANION = "hydra+minirocket"
STUDENT_COMPANION = "hydra+minirocket+student"
IMU_COMPANIONS = ("none", PAIR_COMPANION, STUDENT_COMPANION)


class ConfigError(UserError, ValueError):
    """A config file or value that cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of the multimodal model; the `use_*` fields are the Table 3 switches."""

    labels: tuple[str, ...] = taxonomy.LABELS
    # Table 3 switches.
    use_skeleton: bool = True  # "without video skeleton branch" when False
    use_imu_gps: bool = True  # "without IMU-GPS motion branch" when False
    use_load: bool = True  # "without training load branch": drops HR branch and load part of V_t
    use_attention: bool = True  # False: present modalities are averaged with equal weight
    multitask: bool = True  # False: the risk loss does not reach the shared encoders
    use_gps: bool = True  # False for IMU-only sets (UCR/UEA files); not a Table 3 row
    # Widths. The shared width is what every branch is projected to before fusion.
    shared_width: int = 64
    gru_hidden: int = 32
    stgcn_channels: tuple[int, ...] = (16, 32, 32)
    # Channels each sequence branch sees (data channels + one validity channel per sensor).
    imu_channels: int = len(taxonomy.IMU_CHANNELS) + len(taxonomy.IMU_SITES)
    gps_channels: int = len(taxonomy.GPS_CHANNELS) + 1
    hr_channels: int = len(taxonomy.HR_CHANNELS) + 1
    joints: int = len(taxonomy.JOINTS)
    # Weekly risk vector V_t width (set from the data at training time) and its load columns.
    risk_features: tuple[str, ...] = ()
    history_features: tuple[str, ...] = ()
    dropout: float = 0.2
    # Random-kernel IMU companion blended into the teacher's action probabilities
    # (host.models.companion): "hydra+minirocket", "hydra+minirocket+student" (the Hydra
    # student's recipe a third member), or "none" for the network alone.
    imu_companion: str = "none"

    @property
    def n_labels(self) -> int:
        return len(self.labels)

    @property
    def branches(self) -> tuple[str, ...]:
        """Clip-level branches this configuration builds, in fusion order."""
        names: list[str] = []
        if self.use_skeleton:
            names.append("skeleton")
        if self.use_imu_gps:
            names += ["imu", "gps"] if self.use_gps else ["imu"]
        if self.use_load:
            names.append("hr")
        return tuple(names)

    @property
    def risk_inputs(self) -> tuple[str, ...]:
        """Columns of V_t the risk head reads: all of them, or history only without load."""
        return self.risk_features if self.use_load else self.history_features


@dataclass(frozen=True)
class TrainConfig:
    """The training recipe (paper section 3) and preprocessing rates."""

    model: ModelConfig = field(default_factory=ModelConfig)
    seed: int = 0
    learning_rate: float = 2e-4
    weight_decay: float = 1e-2
    batch_size: int = 32
    max_epochs: int = 80
    early_stop_patience: int = 8
    # Validation quantity early stopping watches: "loss" (the paper: L_action + λ·L_risk)
    # or "action_loss" (when a small risk split makes the risk half noisy).
    early_stop_on: str = "loss"
    # Wall-clock cap on training in minutes (0: none). An epoch starts only when the mean
    # epoch time so far says it will end inside the cap; the best checkpoint is kept.
    time_budget_min: float = 0.0
    risk_weight: float = 0.5  # λ in L = L_action + λ·L_risk (Eq. 8)
    risk_clips_per_week: int = 4  # clips pooled into one athlete-week embedding per risk step
    # Augmentation: random crop of this many seconds out of the stored clip (centre at test).
    crop_s: float = 7.0
    pose_rotation_deg: float = 15.0
    pose_scale: float = 0.1
    pose_noise_m: float = 0.02
    modality_dropout: float = 0.15  # chance per present branch to be hidden in a training clip
    # IMU augmentation for players the model never saw (host.distill.augment; 0 = off): a
    # random turn of each sensor's frame up to this many degrees (straps sit differently),
    # a smooth random gain with this spread (strength), a random speed of ± this share.
    imu_rotation_deg: float = 0.0
    imu_magnitude_sigma: float = 0.0
    imu_time_stretch: float = 0.0
    # Epochs that fuse the branches with equal weights before attention switches on. On a
    # small squad attention otherwise locks onto the branch that fits first (the skeleton)
    # and the others stop learning (docs/results.md, Table 3). Checkpoints and early
    # stopping count only epochs with attention on.
    attention_warmup_epochs: int = 0
    # Model rates after preprocessing (downsampling early keeps CPU training fast).
    imu_rate_hz: float = 25.0  # then a stride-4 stem: the GRU runs at ≈ 6 Hz
    skeleton_rate_hz: float = 5.0  # the paper's 0.2 s fusion grid
    imu_cutoff_hz: float = 20.0
    gps_cutoff_hz: float = 2.0
    # Splits: fractions for train/validation/test; risk split "time" (earlier weeks train)
    # or "random" (the paper's 7:1.5:1.5 over athlete-weeks).
    split_fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    risk_split: str = "time"
    threads: int = 1  # torch threads per process; more thrash on a shared 2-core host

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> TrainConfig:
        """Build from a nested dict (a run's config.json or a TOML file), naming bad fields."""
        model_data = dict(data.get("model", {}))
        try:
            model = _build(ModelConfig, model_data, f"{source}: [model]")
            top = {k: v for k, v in data.items() if k != "model"}
            config = _build(cls, top, source, model=model)
        except TypeError as exc:  # wrong value types surface here
            raise ConfigError(f"{source}: {exc}") from exc
        if config.model.imu_companion not in IMU_COMPANIONS:
            raise ConfigError(
                f"{source}: [model] imu_companion must be one of "
                f"{', '.join(repr(k) for k in IMU_COMPANIONS)}, not {config.model.imu_companion!r}"
            )
        if config.early_stop_on not in ("loss", "action_loss"):
            raise ConfigError(
                f"{source}: early_stop_on must be 'loss' or 'action_loss', "
                f"not {config.early_stop_on!r}"
            )
        if config.risk_split not in ("time", "random"):
            raise ConfigError(
                f"{source}: risk_split must be 'time' or 'random', not {config.risk_split!r}"
            )
        if not 0 <= config.attention_warmup_epochs < config.max_epochs:
            raise ConfigError(
                f"{source}: attention_warmup_epochs must be 0 or more and below max_epochs "
                f"({config.max_epochs}), so some epochs train with attention"
            )
        if config.time_budget_min < 0:
            raise ConfigError(f"{source}: time_budget_min must be 0 (none) or positive")
        if abs(sum(config.split_fractions) - 1.0) > 1e-6 or min(config.split_fractions) <= 0:
            raise ConfigError(
                f"{source}: split_fractions must be three positive numbers summing to 1"
            )
        return config


def _build(cls: type, data: dict[str, Any], source: str, **extra: Any) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{source}: unknown field(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, value in data.items():
        default = getattr(cls(), name) if name != "model" else None
        if isinstance(default, tuple) and isinstance(value, list):
            value = tuple(value)
        if isinstance(default, bool) and not isinstance(value, bool):
            raise ConfigError(f"{source}: field {name} must be true or false, not {value!r}")
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ConfigError(f"{source}: field {name} must be a number, not {value!r}")
        values[name] = value
    return cls(**values, **extra)


def load_config(path: Path) -> TrainConfig:
    """Read a TOML (or JSON) training config; fields left out keep their defaults."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc.strerror})") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(
            f"{path}: not valid {'JSON' if path.suffix == '.json' else 'TOML'}: {exc}"
        ) from exc
    return TrainConfig.from_dict(data, source=str(path))


# The rows of the paper's Table 3, as config switches, with the paper's reported figures
# (accuracy %, macro-F1 %, injury AUC, high-risk recall %) for side-by-side reporting.
class Ablation(TypedDict, total=False):
    """The ModelConfig switches one ablation row turns off."""

    use_skeleton: bool
    use_imu_gps: bool
    use_load: bool
    use_attention: bool
    multitask: bool


ABLATIONS: dict[str, Ablation] = {
    "full": {},
    "no_video": {"use_skeleton": False},
    "no_imu_gps": {"use_imu_gps": False},
    "no_load": {"use_load": False},
    "no_attention": {"use_attention": False},
    "no_multitask": {"multitask": False},
}
PAPER_TABLE3: dict[str, tuple[float, float, float, float]] = {
    "full": (94.6, 93.8, 0.921, 88.7),
    "no_video": (89.2, 87.5, 0.874, 81.6),
    "no_imu_gps": (90.1, 88.4, 0.862, 80.9),
    "no_load": (93.1, 91.9, 0.846, 78.3),
    "no_attention": (91.4, 89.6, 0.879, 82.5),
    "no_multitask": (92.0, 90.7, 0.861, 79.8),
}
