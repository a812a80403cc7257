"""Every setting of the sideline student and its distillation, with documented defaults."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

from edge import dsp, taxonomy
from host.distill.augment import AugmentConfig

# The student reads waist + calf IMU (12 channels) and, where present, GPS speed
# resampled onto the IMU grid: a sprint is easier to tell from a jog with speed.
GPS_SPEED_CHANNEL = "speed_mps"
STUDENT_RATE_HZ = taxonomy.IMU_RATE_HZ
WINDOW_S = taxonomy.CLIP_S
HOP_S = 0.5  # contract 3: windows every 0.5 s on the sideline
# A window whose IMU is missing for more than the paper's 3 s is not scored.
MAX_IMU_GAP_S = taxonomy.MAX_SENSOR_GAP_S
# GPS speed counts as present when at least this share of its fixes in the window exist.
MIN_GPS_COVERAGE = 0.5
# MiniRocket baseline (Dempster et al. 2021 defaults): 10 000 features; ridge alphas
# 10^-3 .. 10^3.
MINIROCKET_KERNELS = 10_000
RIDGE_ALPHAS: tuple[float, ...] = tuple(
    float(a) for a in (10.0 ** (i / 1.5 - 3) for i in range(10))
)


# Augmentation for real bodies, measured leave-subject-out on two public recordings
# (docs/student.md, "Real data"): unseen footballers' macro-F1 0.28 → 0.47, phone + watch
# level (0.980 → 0.977); on the synthetic `small` squad the distilled student rose from
# 0.900 to 0.977. Straps rotate by up to 30° (60° and 180° did worse). Augmented windows
# differ every epoch, so training runs up to 80 epochs with patience 20.
REAL_MOTION_AUGMENT = AugmentConfig(
    rotation_deg=30.0, magnitude_sigma=0.2, time_stretch=0.1, mixup_alpha=0.2
)
REAL_MOTION_EPOCHS = 80
REAL_MOTION_PATIENCE = 20
# ... and at least this many optimiser steps: 80 epochs of a few hundred takes are a few
# hundred steps, and on the two public sets that small (footballers, UTD-MHAD) the pair
# scored 3.4 and 1.3 points higher trained this long; the larger sets already took as
# many (docs/decisions.md, "A schedule of at least 1 200 optimiser steps").
REAL_MOTION_MIN_STEPS = 1200
# Without augmentation (`--no-augment`), the earlier recipe's patience.
PLAIN_PATIENCE = 6


# The student network families (host/distill/student.py).
StudentFamily = Literal["cnn", "gru", "hydra"]
# What `--student` takes: a family, or "auto" to choose one (host/distill/family.py).
StudentKind = StudentFamily | Literal["auto"]
# The weights a trained network keeps (`DistillConfig.keep_weights`).
KeptWeights = Literal["best", "last"]


@dataclass(frozen=True)
class StudentConfig:
    """Architecture of the student. `kind` picks the family; the rest sizes it."""

    # "auto", the default, keeps the CNN unless the Hydra student predicts training
    # athletes held out from its fits clearly better (host/distill/family.py); the saved
    # student names the family kept. Measured leave-subject-out: the Hydra student wins
    # on footballers, the CNN on phone + watch, and auto keeps each there (docs/student.md,
    # "The family chosen on athletes held out").
    kind: StudentKind = "auto"
    in_channels: int = len(taxonomy.IMU_CHANNELS) + 1
    n_labels: int = len(taxonomy.LABELS)
    # CNN: a strided stem downsamples 4x at once (the window is 600 samples, most of the
    # cost of a convolution is the first layer), then depthwise-separable blocks stride 2.
    stem_channels: int = 24
    stem_kernel: int = 7
    stem_stride: int = 4
    block_channels: tuple[int, ...] = (32, 48, 64)
    block_kernel: int = 5
    # CNNs trained from independent seeds and averaged (host/distill/ensemble.py): one CNN's
    # score on unseen athletes swings with its seed (0.74 and 0.84 on the same two
    # subjects of daily and sports activities); two averaged reached MiniRocket there
    # (0.856 against one CNN's 0.839) and stayed inside 0.1 ms per window (docs/student.md,
    # "Two CNN seeds averaged"). 1 trains the single CNN, half the time and size.
    cnn_members: int = 2
    # The central 1/centre_divisor of the window (plus one step) is pooled separately, so
    # the CNN knows whether the action is centred: 4 gives about the central 1.5 s of 6 s.
    centre_divisor: int = 4
    # GRU: a stem striding 10x (10 Hz) then one unidirectional GRU layer.
    # Subtract each window's own channel means first: how a strap sits shifts the
    # gravity each axis reads, which says more about the player than the action.
    centre_input: bool = False
    gru_hidden: int = 32
    gru_stride: int = 10
    dropout: float = 0.1
    # Hydra (host/distill/hydra_student.py): random convolution groups counted, a ridge
    # head fitted in closed form. Sized for the sideline budget and measured on unseen
    # footballers (docs/student.md, "Real data"): 16 groups on the window averaged 8x
    # (12.5 Hz), the head fitted on the windows and 8 augmented copies of them.
    hydra_groups: int = 16
    hydra_pool: int = 8
    hydra_copies: int = 8
    # The window length (samples) Hydra's dilations are spread over: 6 s at 100 Hz.
    hydra_window_samples: int = 600
    # The head also reads whole-window summaries (host/distill/summaries.py).
    hydra_summaries: bool = True
    # ... and each kernel's proportion of responses above a fitted bias (MiniRocket's
    # feature on Hydra's responses), paid for by 6 kernels competing in each group instead
    # of Hydra's 8: higher on the public sets at no more time (docs/decisions.md, "The
    # proportions paid for by fewer responses").
    hydra_ppv: bool = True
    hydra_kernels: int = 6


@dataclass(frozen=True)
class DistillConfig:
    """Training recipe of the student (knowledge distillation, Hinton et al. 2015)."""

    student: StudentConfig = dataclasses.field(default_factory=StudentConfig)
    seed: int = 0
    # KD loss = alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(hard labels).
    temperature: float = 3.0
    alpha: float = 0.7
    learning_rate: float = 3e-3
    weight_decay: float = 1e-3
    batch_size: int = 64
    max_epochs: int = REAL_MOTION_EPOCHS
    # ... or more, where `max_epochs` of a small training set would take fewer optimiser
    # steps than this (host.distill.train_student.scheduled_epochs); 0 counts epochs only.
    min_steps: int = REAL_MOTION_MIN_STEPS
    early_stop_patience: int = REAL_MOTION_PATIENCE
    # Networks are scored, stopped and kept on an exponential moving average of their
    # weights (and BatchNorm statistics) whose half-life is this many epochs of optimiser
    # steps, smoother than any one epoch's weights; 0 keeps the raw weights. Measured on
    # the public sets (docs/decisions.md, "The CNN's weights averaged over its last
    # epochs").
    weight_average_epochs: float = 2.0
    # Which weights a network keeps: "last", those after the whole schedule (validation
    # is scored for the report only), or "best", those of the epoch scoring best on the
    # validation windows, training stopping `early_stop_patience` epochs after it. On
    # the public sets' few validation athletes "last" scored higher (docs/decisions.md,
    # "The CNN kept at the end of its schedule"); the recipe without augmentation keeps
    # "best", as it was measured.
    keep_weights: KeptWeights = "last"
    # Augmentations of training windows (host/distill/augment.py), mixup included;
    # `touchline distill --no-augment` turns them off.
    augment: AugmentConfig = dataclasses.field(default_factory=lambda: REAL_MOTION_AUGMENT)
    # Chance per training window that GPS speed is hidden, so the student copes without it.
    gps_dropout: float = 0.3
    # Training sees each clip's window at these offsets from the centre of the stored 8 s
    # clip (the first, 0, is the only one used for validation and test).
    shift_views_s: tuple[float, ...] = (0.0, -0.3, 0.3)
    # One thread: this network is too small to gain from more, and on a shared 2-core
    # host two threads ran 4x slower per batch than one (measured, docs/student.md).
    threads: int = 1
    imu_cutoff_hz: float = dsp.IMU_CUTOFF_HZ
    gps_cutoff_hz: float = dsp.GPS_CUTOFF_HZ
    filter_order: int = dsp.FILTER_ORDER
    # Grouped-by-athlete split fractions (train, validation, test) when the teacher run
    # does not record its own split.
    split_fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    # Event thresholds are tuned on validation between these bounds.
    threshold_grid: tuple[float, ...] = tuple(round(0.3 + 0.05 * i, 2) for i in range(13))
    # ... and the NMS width among these, by event-level F1 on validation streams (1.5 s is
    # the edge's own default, edge.config.EventSettings).
    nms_grid_s: tuple[float, ...] = (1.0, 1.5, 2.0)
    nms_s: float = 1.5  # used when no validation stream exists
    # Continuous-session windows (host/distill/continuous.py): a window is the action when
    # its centre is within `continuous_tolerance_s` of the key instant (the edge's ±0.5 s
    # event matching), left out within `continuous_ambiguous_s`, background beyond.
    continuous_tolerance_s: float = 0.5
    continuous_ambiguous_s: float = 1.5
    # Background windows kept per stream for training (all action windows are kept).
    continuous_background_per_session: int = 300
    # Minutes simulated (edge.sim) per training and per validation athlete, on top of the
    # dataset's own continuous sessions; 0 uses only the dataset's.
    simulated_minutes: float = 10.0
    bootstrap_samples: int = 1000

    def replace(self, **changes: Any) -> DistillConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DistillConfig:
        fields: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.get("student", {}).items()
        }
        # Students saved before the Hydra head read window summaries had none, before it
        # read proportions none of those (and 8 kernels a group), before CNNs were averaged
        # one CNN, before weights were averaged over epochs the raw weights, before
        # networks ran their whole schedule those of the best validation epoch, and before
        # schedules were counted in steps as well 80 epochs, however few the steps.
        fields.setdefault("hydra_summaries", False)
        fields.setdefault("hydra_ppv", False)
        fields.setdefault("hydra_kernels", 8)
        fields.setdefault("cnn_members", 1)
        student = StudentConfig(**fields)
        augment = AugmentConfig(**data.get("augment", {}))
        top: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v
            for k, v in data.items()
            if k not in ("student", "augment")
        }
        top.setdefault("weight_average_epochs", 0.0)
        top.setdefault("keep_weights", "best")
        top.setdefault("min_steps", 0)
        return cls(student=student, augment=augment, **top)
