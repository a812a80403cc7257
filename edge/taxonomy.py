"""The vocabulary every part of Touchline shares: actions, scenes, channels, joints.

One definition, imported by the simulator, the dataset loader, the models, the bundle
manifest and the edge runtime, so a label index means the same thing everywhere.
"""

from __future__ import annotations

import re

# The paper's eight football actions; `background` is the ninth class used on continuous
# streams (walking, jogging, running between actions). Order is the label index.
ACTIONS: tuple[str, ...] = (
    "sprint",
    "sudden_stop",
    "change_of_direction",
    "shot",
    "pass",
    "header",
    "confrontation",
    "landing",
)
BACKGROUND = "background"
LABELS: tuple[str, ...] = (*ACTIONS, BACKGROUND)

# A club may train on its own words (`touchline import takes`); every action label, the
# paper's or a club's, is a short slug so it reads the same in a bundle, a session summary
# key and a report column. The session summary schema holds the same pattern and bound.
LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"
LABEL_RULE = "up to 40 letters, digits, '_' or '-', starting with a letter or digit"
MAX_ACTION_LABELS = 64
_LABEL = re.compile(LABEL_PATTERN)


def is_label(text: str) -> bool:
    """Whether `text` follows the label rule: the whole string, so a trailing newline
    (which `$` alone lets through) is refused as the summary schema refuses it."""
    return _LABEL.fullmatch(text) is not None


def action_labels(labels: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The action labels of a model's label vocabulary: all but `background`, in order."""
    return tuple(label for label in labels if label != BACKGROUND)


# The paper's six scenes, in order of rising difficulty.
SCENES: tuple[str, ...] = (
    "technique_drill",
    "adversarial_training",
    "small_sided_game",
    "full_match",
    "high_intensity_confrontation",
    "heavy_occlusion",
)

# Body sites an IMU is worn on, and the six channels each one gives.
IMU_SITES: tuple[str, ...] = ("waist", "calf")
IMU_AXES: tuple[str, ...] = ("ax", "ay", "az", "gx", "gy", "gz")
IMU_UNITS: dict[str, str] = {"a": "g", "g": "deg/s"}
IMU_CHANNELS: tuple[str, ...] = tuple(f"{site}_{axis}" for site in IMU_SITES for axis in IMU_AXES)
IMU_RATE_HZ = 100.0

GPS_CHANNELS: tuple[str, ...] = ("x_m", "y_m", "speed_mps")
GPS_RATE_HZ = 10.0

HR_CHANNELS: tuple[str, ...] = ("hr_bpm",)
HR_RATE_HZ = 1.0

SKELETON_RATE_HZ = 60.0
# 13 joints: enough for the paper's minimum (shoulders, hips, knees, ankles) plus the arms
# and head that headers and confrontations move. Order is the joint index.
JOINTS: tuple[str, ...] = (
    "nose",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
# Bones of the skeleton graph (ST-GCN adjacency), as joint-name pairs.
BONES: tuple[tuple[str, str], ...] = (
    ("nose", "left_shoulder"),
    ("nose", "right_shoulder"),
    ("left_shoulder", "right_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
)

# Clip geometry (paper section 3): 6 s of action with 1 s of context either side.
CLIP_S = 6.0
CONTEXT_S = 1.0
STORED_CLIP_S = CLIP_S + 2 * CONTEXT_S

# Paper's drop rules and risk bands.
MAX_SENSOR_GAP_S = 3.0
MAX_OCCLUSION_S = 1.5
# A skeleton frame counts as occluded when any lower-body joint is below this confidence.
OCCLUSION_CONFIDENCE = 0.5
OCCLUSION_JOINTS: tuple[str, ...] = (
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
RISK_BANDS: tuple[tuple[str, float], ...] = (("low", 0.0), ("medium", 0.35), ("high", 0.65))


def risk_band(probability: float) -> str:
    """Band a weekly injury probability by the paper's cut-offs (<0.35, <0.65, rest)."""
    band = RISK_BANDS[0][0]
    for name, lower in RISK_BANDS:
        if probability >= lower:
            band = name
    return band
