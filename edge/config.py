"""The sideline's one configuration file: host, token, paired sensors, thresholds.

A TOML file, found in this order: the path given on the command line (`--config`), the
`TOUCHLINE_EDGE_CONFIG` environment variable, then `edge.toml` in the user's config
directory. Every setting has a documented default here, so an empty file is a valid
configuration; anything misspelt or out of range is refused with one line naming the
file and the key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

import platformdirs
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from edge.taxonomy import LABEL_RULE, MAX_ACTION_LABELS, action_labels, is_label
from firmware_bridge.errors import UserError

CONFIG_ENV_VAR = "TOUCHLINE_EDGE_CONFIG"
APP_NAME = "touchline"
CONFIG_FILENAME = "edge.toml"

SensorSite = Literal["waist", "calf", "chest", "gps", "hr"]
ID_PATTERN = r"^[A-Za-z0-9._:-]+$"


class ConfigError(UserError):
    """The configuration file is missing, unreadable or holds a bad value."""

    exit_code = 2

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path = str(path)
        self.key = key
        self.problem = problem
        where = f"{self.path}: {key}" if key else self.path
        super().__init__(f"{where}: {problem}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SensorConfig(_Section):
    """One paired sensor: where to reach it, what it is worn on, by whom."""

    address: str = Field(
        min_length=1,
        description="BLE MAC/UUID, serial port (/dev/ttyUSB0) or virtual address (virtual://…)",
    )
    site: SensorSite
    athlete_id: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)
    side: Literal["left", "right"] | None = None
    sensor_id: int | None = Field(
        default=None, ge=0, le=65535, description="frame v1 sensor_id, filled in by `edge pair`"
    )
    name: str | None = Field(default=None, description="advertised name seen when pairing")
    protocol: str = Field(
        default="frame",
        description="the sensor family (docs/sensors.md): frame = Touchline frame v1; "
        "ble_hr = a standard BLE heart-rate strap; nmea = a serial GPS receiver; witmotion, "
        "witmotion_serial, polar_h10, polar_verity, movesense",
    )

    @field_validator("protocol")
    @classmethod
    def _known_family(cls, value: str) -> str:
        from firmware_bridge.profiles import PROFILES  # a dict of frozen profiles: cheap

        if value not in PROFILES:
            raise ValueError(
                f"unknown sensor family {value!r}; expected one of {', '.join(PROFILES)}"
            )
        return value


class RecordSettings(_Section):
    """How `edge record` windows and buffers the streams."""

    window_s: float = Field(default=6.0, gt=0, description="model window (contract 3: 6 s)")
    hop_s: float = Field(default=0.5, gt=0, description="window hop (0.5 s)")
    buffer_s: float = Field(
        default=20.0, gt=0, description="seconds of samples each sensor's ring buffer holds"
    )
    max_lag_s: float = Field(
        default=4.0,
        gt=0,
        description="a window is built once the slowest sensor is this far behind, gaps or not",
    )
    commit_every_s: float = Field(
        default=1.0, gt=0, description="raw frames are written to the store this often"
    )
    session_type: Literal["training", "match", "recovery", "rehab", "other"] = "training"
    hr_max_bpm: float = Field(
        default=200.0,
        gt=100,
        lt=250,
        description="heart-rate maximum the five HR zones are fractions of (squad default)",
    )


class EventSettings(_Section):
    """Turning window scores into timed actions."""

    thresholds: dict[str, float] = Field(
        default_factory=dict,
        description="per-action score threshold overriding the model bundle's, e.g. shot = 0.6",
    )
    default_threshold: float = Field(default=0.5, gt=0, lt=1)
    nms_s: float | None = Field(
        default=None,
        gt=0,
        description="two events of one action this close merge; unset = the bundle's tuned value",
    )
    impact_full_scale_g: float = Field(
        default=8.0,
        gt=0,
        description="peak dynamic acceleration (g above gravity) that scores impact s_k = 1",
    )

    @field_validator("thresholds")
    @classmethod
    def _action_labels(cls, value: dict[str, float]) -> dict[str, float]:
        """Any label that follows the label rule (`edge.taxonomy.is_label`): a club's
        bundle carries its own words, and this file is read before any bundle is."""
        if len(value) > MAX_ACTION_LABELS:
            raise ValueError(f"at most {MAX_ACTION_LABELS} thresholds, got {len(value)}")
        for action, threshold in value.items():
            if not is_label(action):
                raise ValueError(f"{action!r} is not an action label: {LABEL_RULE}")
            if not 0 < threshold < 1:
                raise ValueError(f"threshold for {action} must lie in (0, 1), got {threshold}")
        return value

    def unknown_thresholds(self, labels: list[str] | tuple[str, ...]) -> str | None:
        """A one-line warning when thresholds name actions the model bundle lacks, else None.

        A warning, not an error: such a threshold changes nothing (the model never scores
        that action), while refusing would stop `edge record` on match day because the
        host shipped a bundle with new labels. The line names the labels and the bundle's
        own, so a misspelt threshold is still caught at a glance.
        """
        actions = action_labels(labels)
        unknown = [label for label in self.thresholds if label not in actions]
        if not unknown:
            return None
        return (
            f"events.thresholds names {', '.join(unknown)}, which the model bundle does not "
            f"detect (its actions: {', '.join(actions)}); those thresholds are ignored"
        )


class ReconnectSettings(_Section):
    """Exponential backoff with jitter when a sensor drops."""

    initial_s: float = Field(default=0.5, gt=0)
    max_s: float = Field(default=30.0, gt=0)
    jitter: float = Field(default=0.25, ge=0, le=1, description="± fraction of each delay")


class SyncSettings(_Section):
    """Posting summaries from the outbox to the host."""

    timeout_s: float = Field(default=10.0, gt=0)
    backoff_initial_s: float = Field(default=2.0, gt=0)
    backoff_max_s: float = Field(default=600.0, gt=0)
    auto: bool = Field(default=True, description="sync in the background while recording")
    every_s: float = Field(default=60.0, gt=0, description="background sync interval")


class EdgeConfig(_Section):
    """Everything the sideline needs; defaults make an empty file valid."""

    host_url: str | None = Field(default=None, description="club host, e.g. https://host:8000")
    device_id: str | None = None
    device_token: str | None = None
    host_public_keys: list[str] = Field(
        default_factory=list,
        description="the host's Ed25519 keys that model bundles must be signed with (base64); "
        "`edge pair --host` stores the host's key, a rotation endorsed by it is added on install",
    )
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)) / "edge",
        description="store (SQLite) and installed model bundles",
    )
    model_backend: Literal["onnxruntime", "litert"] = "onnxruntime"
    sensors: list[SensorConfig] = Field(default_factory=list)
    record: RecordSettings = Field(default_factory=RecordSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    reconnect: ReconnectSettings = Field(default_factory=ReconnectSettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)

    @field_validator("host_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with http:// or https://, got {value!r}")
        return value.rstrip("/") if value else value

    @field_validator("host_public_keys")
    @classmethod
    def _ed25519_keys(cls, keys: list[str]) -> list[str]:
        from edge.signing import is_public_key_text  # not at import: every command reads config

        for key in keys:
            if not is_public_key_text(key):
                raise ValueError(f"{key!r} is not an Ed25519 public key (32 bytes, base64)")
        return keys

    @property
    def store_path(self) -> Path:
        return self.data_dir / "edge.sqlite"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    def athletes(self) -> list[str]:
        """Athlete ids in the order they were paired."""
        return list(dict.fromkeys(sensor.athlete_id for sensor in self.sensors))


def default_config_path() -> Path:
    """Where the configuration lives when neither --config nor the env var says otherwise."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / CONFIG_FILENAME


def resolve_config_path(path: Path | str | None = None) -> tuple[Path, bool]:
    """The file to use and whether someone named it explicitly (then it must exist)."""
    if path is not None:
        return Path(path), True
    env = os.environ.get(CONFIG_ENV_VAR)
    if env:
        return Path(env), True
    return default_config_path(), False


def load_config(path: Path | str | None = None, must_exist: bool = True) -> EdgeConfig:
    """Read and validate the configuration; raise ConfigError naming the file and key.

    A file named explicitly must exist unless `must_exist` is False (`edge pair` creates it).
    """
    config_path, explicit = resolve_config_path(path)
    if not config_path.exists():
        if explicit and must_exist:
            raise ConfigError(config_path, "", "no such configuration file")
        return EdgeConfig()
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(config_path, "", f"not valid TOML ({exc})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(config_path, "", f"cannot be read ({exc})") from exc
    try:
        return EdgeConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown setting"
        raise ConfigError(config_path, key, message) from exc


def save_config(config: EdgeConfig, path: Path | str | None = None) -> Path:
    """Write the configuration atomically (a crash never leaves half a file)."""
    config_path, _ = resolve_config_path(path)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    data = config.model_dump(mode="json", exclude_none=True)
    tmp = config_path.with_suffix(config_path.suffix + ".tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    os.replace(tmp, config_path)
    return config_path
