"""The dataset manifest (docs/dataset.md): what a dataset directory holds, validated once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from edge import taxonomy

SCHEMA_VERSION = 1


class Channel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    unit: str


class Modality(BaseModel):
    """One sensing modality: its rate and either channels (sequences) or joints (skeleton)."""

    model_config = ConfigDict(extra="forbid")

    rate_hz: float = Field(gt=0)
    channels: list[Channel] | None = None
    joints: list[str] | None = None

    @model_validator(mode="after")
    def _channels_or_joints(self) -> Modality:
        if not self.channels and not self.joints:
            raise ValueError("a modality needs 'channels' or 'joints'")
        return self


class Generator(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    version: str
    seed: int
    size: str | None = None


class ClipGeometry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clip_s: float = Field(default=taxonomy.CLIP_S, gt=0)
    context_s: float = Field(default=taxonomy.CONTEXT_S, ge=0)

    @property
    def stored_s(self) -> float:
        return self.clip_s + 2 * self.context_s


class Splits(BaseModel):
    model_config = ConfigDict(extra="allow")

    seed: int = 0


ModalityName = Literal["imu", "gps", "hr", "skeleton"]


class Manifest(BaseModel):
    """manifest.json of a dataset directory."""

    model_config = ConfigDict(extra="forbid")

    schema_: int = Field(alias="schema")
    name: str
    synthetic: bool
    generator: Generator | None = None
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    labels: list[str] = Field(min_length=1)
    scenes: list[str] = Field(default_factory=lambda: list(taxonomy.SCENES))
    clip: ClipGeometry = Field(default_factory=ClipGeometry)
    modalities: dict[ModalityName, Modality] = Field(default_factory=dict)
    splits: Splits = Field(default_factory=Splits)
    weeks: int | None = Field(default=None, ge=1)

    @field_validator("labels")
    @classmethod
    def _label_rule(cls, labels: list[str]) -> list[str]:
        """Every label under the rule a bundle and a session summary hold it to
        (`edge.taxonomy.is_label`), so a dataset that loads can be trained, shipped and
        synced; and no more action labels than a bundle carries."""
        for label in labels:
            if not taxonomy.is_label(label):
                raise ValueError(f"{label!r} is not a label: {taxonomy.LABEL_RULE}")
        actions = taxonomy.action_labels(labels)
        if len(actions) > taxonomy.MAX_ACTION_LABELS:
            raise ValueError(
                f"{len(actions)} action labels; a model bundle carries at most "
                f"{taxonomy.MAX_ACTION_LABELS}"
            )
        return labels

    @model_validator(mode="after")
    def _known_schema_and_labels(self) -> Manifest:
        if self.schema_ != SCHEMA_VERSION:
            raise ValueError(
                f"schema {self.schema_} is not supported (this version reads {SCHEMA_VERSION})"
            )
        if len(set(self.labels)) != len(self.labels):
            raise ValueError("labels must be unique")
        return self

    def samples(self, modality: ModalityName) -> int:
        """Samples per stored clip for a modality (clip + context at its rate)."""
        return int(round(self.clip.stored_s * self.modalities[modality].rate_hz))


def default_modalities() -> dict[ModalityName, Modality]:
    """The modalities Touchline's own sensors and the simulator produce."""
    imu_channels = [
        Channel(name=name, unit="g" if name.split("_")[1].startswith("a") else "deg/s")
        for name in taxonomy.IMU_CHANNELS
    ]
    return {
        "imu": Modality(rate_hz=taxonomy.IMU_RATE_HZ, channels=imu_channels),
        "gps": Modality(
            rate_hz=taxonomy.GPS_RATE_HZ,
            channels=[
                Channel(name="x_m", unit="m"),
                Channel(name="y_m", unit="m"),
                Channel(name="speed_mps", unit="m/s"),
            ],
        ),
        "hr": Modality(rate_hz=taxonomy.HR_RATE_HZ, channels=[Channel(name="hr_bpm", unit="bpm")]),
        "skeleton": Modality(rate_hz=taxonomy.SKELETON_RATE_HZ, joints=list(taxonomy.JOINTS)),
    }


def new_manifest(
    name: str,
    *,
    synthetic: bool,
    generator: Generator | None = None,
    labels: list[str] | None = None,
    weeks: int | None = None,
    split_seed: int = 0,
) -> Manifest:
    """A manifest with Touchline's default vocabulary and modalities."""
    return Manifest(
        schema=SCHEMA_VERSION,
        name=name,
        synthetic=synthetic,
        generator=generator,
        labels=list(labels or taxonomy.LABELS),
        modalities=default_modalities(),
        splits=Splits(seed=split_seed),
        weeks=weeks,
    )
