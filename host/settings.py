"""Every tunable of the host in one place, read from the environment (`TOUCHLINE_*`).

Staff override a default with an environment variable or a `.env` file next to where the
server runs, e.g. `TOUCHLINE_DATABASE_URL=postgresql+psycopg://club@db/touchline`.
Nested values (the impact weights) are given as JSON.
"""

from __future__ import annotations

import ipaddress
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_data_dir
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from edge import taxonomy
from firmware_bridge.errors import UserError

DATA_DIR = Path(user_data_dir("touchline", appauthor=False))

# Risk weight rho_k of each action in the action impact score D_t = sum rho_k n_k s_k
# (paper Eq. 19). Decelerations and landings load the knee and ankle most; contact and
# aerial duels twist ankle, knee and lower back; passes barely count.
# Days an injury must cost to be the outcome the risk models predict (an open one always is).
DEFAULT_TIME_LOSS_MIN_DAYS = 2
DEFAULT_IMPACT_WEIGHTS: dict[str, float] = {
    "sprint": 0.6,
    "sudden_stop": 1.0,
    "change_of_direction": 0.8,
    "shot": 0.4,
    "pass": 0.1,
    "header": 0.6,
    "confrontation": 0.8,
    "landing": 1.0,
}


class Settings(BaseSettings):
    """Host configuration. Every field has a documented default; see docs/host.md."""

    model_config = SettingsConfigDict(env_prefix="TOUCHLINE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DATA_DIR / 'touchline.db'}",
        description="SQLAlchemy URL; SQLite under the user data dir needs no set-up.",
    )
    bundle_dir: Path = Field(
        default=DATA_DIR / "bundles",
        description="Where published model bundles (.tar.gz) are kept and served from.",
    )
    key_dir: Path = Field(
        default=DATA_DIR / "keys",
        description="The club's Ed25519 bundle-signing key (`touchline key`); back it up.",
    )
    token_bytes: int = Field(default=32, ge=16, description="Random bytes in a new token.")
    registration_code_ttl_s: int = Field(
        default=24 * 3600, gt=0, description="How long a one-time device pairing code stays valid."
    )
    rate_limit_per_minute: int = Field(
        default=600, gt=0, description="Requests one token may make per minute."
    )
    rate_limit_max_clients: int = Field(
        default=10_000,
        gt=0,
        description="Most rate-limit buckets kept; the least recently seen go first.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description='Reverse proxies (addresses or networks, e.g. ["127.0.0.1"] or '
        '["10.0.0.0/8"], JSON) whose X-Forwarded-For names the client. Empty: the TCP '
        "peer is the client and forwarding headers are ignored.",
    )
    max_body_bytes: int = Field(
        default=256 * 1024, gt=0, description="Largest request body accepted (summaries are ~4 KB)."
    )
    impact_weights: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_IMPACT_WEIGHTS),
        description="rho_k per action for D_t (Eq. 19): the paper's eight, and a club's own "
        "labels if given (an unnamed club label weighs the paper's mean).",
    )
    season_start: date | None = Field(
        default=None,
        description="First day of week 0 for synced data; default: Monday of the first session.",
    )
    time_loss_min_days: int = Field(
        default=DEFAULT_TIME_LOSS_MIN_DAYS,
        ge=0,
        le=365,
        description="Time-loss definition for the risk label: an injury counts when the player "
        "lost at least this many days (an open injury always counts). Shorter knocks stay in "
        "the injury history features. 2 matches the importer's time_loss flag.",
    )
    risk_holdout_weeks: int = Field(
        default=2, ge=1, description="Newest labelled weeks held out to evaluate the risk models."
    )
    nightly_lock: Path = Field(
        default=DATA_DIR / "nightly.lock",
        description="Lock file so two nightly runs never overlap.",
    )
    nightly_log: Path = Field(default=DATA_DIR / "nightly.log", description="Nightly run log.")
    # Where the models compute (train, ablate, evaluate, distil, nightly); each command's
    # --device, --precision, --workers and --cache-mb override these (docs/host.md).
    device: str = Field(
        default="auto",
        pattern=r"^(auto|cpu|cuda(:\d+)?)$",
        description="auto (the first CUDA GPU if there is one, else the CPU), cpu, cuda or cuda:N.",
    )
    precision: Literal["fp32", "bf16"] = Field(
        default="fp32",
        description="fp32, or bf16 autocast on CUDA (measured slower at this model's size).",
    )
    loader_workers: int = Field(
        default=0,
        ge=0,
        description="Processes reading and preparing clips ahead of the model (0: in the "
        "command's own process).",
    )
    stream_cache_mb: float = Field(
        default=1024,
        ge=0,
        description="Prepared clips kept in memory while clips stream from their shards "
        "(MB per process); 0 prepares every clip in memory up front instead.",
    )
    club_timezone: str = Field(
        default="UTC",
        description='IANA time zone the staff pages show times in, e.g. "Europe/London".',
    )

    @field_validator("club_timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone such as Europe/London") from None
        return zone

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, proxies: list[str]) -> list[str]:
        """Each entry normalised (10.1.2.3/8 is 10.0.0.0/8), so every one is matched."""
        try:
            return [
                str(ipaddress.ip_network(proxy, strict=False))
                if "/" in proxy
                else str(ipaddress.ip_address(proxy))
                for proxy in proxies
            ]
        except ValueError as exc:
            raise ValueError(f"not an IP address or network ({exc})") from None

    @field_validator("impact_weights")
    @classmethod
    def _action_labels(cls, weights: dict[str, float]) -> dict[str, float]:
        """The paper's eight (an unnamed one weighs 0) and any club label that follows the
        label rule (`edge.taxonomy.is_label`): a club training on its own words may weigh
        them. A club label left out weighs the mean of the paper's weights in D_t
        (`host.risk.features.impact_weight`)."""
        bad = sorted(
            label
            for label in weights
            if not taxonomy.is_label(label) or label == taxonomy.BACKGROUND
        )
        if bad:
            raise ValueError(
                f"not action labels {bad}: the paper's {list(taxonomy.ACTIONS)} or a club's "
                f"own ({taxonomy.LABEL_RULE}; never {taxonomy.BACKGROUND!r})"
            )
        if any(w < 0 for w in weights.values()):
            raise ValueError("impact weights must be >= 0")
        paper = {action: float(weights.get(action, 0.0)) for action in taxonomy.ACTIONS}
        return {**paper, **{label: float(w) for label, w in weights.items() if label not in paper}}


class SettingsError(UserError, ValueError):
    """A TOUCHLINE_* variable (or .env line) holds a value the host cannot use."""


def get_settings(**overrides: Any) -> Settings:
    """Settings as the environment says now (read afresh so tests can change it), with a
    command's options on top: `get_settings(database_url=db)` where `--db` may be None
    (not given). Each command resolves them once here and passes them down.

    A bad value raises `SettingsError` naming the variable, e.g.
    "TOUCHLINE_RATE_LIMIT_PER_MINUTE: Input should be a valid integer (got 'lots')".
    """
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "TOUCHLINE_" + "_".join(str(part) for part in first["loc"]).upper()
        raise SettingsError(f"{name}: {first['msg']} (got {first.get('input')!r})") from None
