"""The model bundle (contract 4): what the host ships and the edge runs, verified on read.

A bundle is a directory or a `.tar.gz` holding `manifest.json` and the files it lists,
each with its sha256, and each model once (the sideline budget is 100 KB): `model.onnx`,
the default, which is fp32 unless int8 measurably helped; then, only beside an int8
default, `model_fp32.onnx`, its fp32 reference; optionally `model.tflite`. Bundles that
also carry `model_fp32.onnx` beside an fp32 default (written before) stay valid;
`Manifest.fp32_model` names the fp32 file in either layout. The manifest carries
everything the edge needs to compute exactly what the host trained on: channel order and
units, rate, window and hop, low-pass settings, normalisation, and the event thresholds
tuned on validation. Reading a bundle checks all of it, so a corrupt,
tampered or foreign bundle is refused with one clear message and never half-installed.
Checked means semantically too: the version is a safe slug (it names a directory in the
sideline's store), every number is finite and within what the sideline can run, and every
channel is one the sideline can feed. `check_model` then loads the ONNX models and checks
they take the manifest's window and give one output per label. `signature.json`, when
present, is carried beside the manifest untouched; `edge.signing` checks it.

`prepare_windows` is the one input pipeline both sides run (edge.dsp low-pass, then the
stored z-score), so the host trains and evaluates on exactly what the edge computes. No
torch here: the host and the edge both import this module.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from edge import dsp, taxonomy
from firmware_bridge.errors import UserError

SCHEMA_VERSION: Final = 1
MANIFEST_NAME = "manifest.json"
# The host's Ed25519 signature of manifest.json (edge.signing).
SIGNATURE_NAME = "signature.json"
# The fp32 reference, present only where the default model is int8 (or in older bundles).
FP32_MODEL_NAME = "model_fp32.onnx"
# Files a bundle may hold besides the manifest: plain names, no directories.
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# A bundle is small (the budget is 100 KB); anything far larger is refused before reading.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_FILES = 16
# A version names a directory of the sideline's store: a slug, never a path (no `/`, no
# leading dot, so never `..`), short enough for any file system.
MAX_VERSION_LENGTH = 64
VERSION_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_VERSION_LENGTH - 1}}}$"
# What the sideline can feed a model: every IMU axis and GPS speed, in these units.
FEEDABLE_UNITS: dict[str, str] = {
    **{name: taxonomy.IMU_UNITS[name.split("_")[1][0]] for name in taxonomy.IMU_CHANNELS},
    "speed_mps": "m/s",
}
# Ranges the sideline can run: sensors sample at 10-100 Hz (1 kHz leaves room); a window
# must fit the 20 s each sensor's ring buffer holds by default and have one hop at least.
MAX_SAMPLE_RATE_HZ = 1000.0
MIN_WINDOW_S, MAX_WINDOW_S = 0.5, 20.0
MAX_NMS_S = 60.0
# z-score statistics in g, deg/s or m/s: anything beyond this is no sensor's reading.
MAX_ABS_STATISTIC = 1e4


class BundleError(UserError):
    """A bundle cannot be used: unreadable, wrong schema, bad hash, unsafe or missing file."""


def check_version(version: str) -> str:
    """`version` if it is a safe slug, else `BundleError`: it becomes a directory name."""
    if not re.fullmatch(VERSION_PATTERN, version):
        shown = version[:MAX_VERSION_LENGTH] + ("…" if len(version) > MAX_VERSION_LENGTH else "")
        raise BundleError(
            f"version {shown!r} is not a safe name: 1-{MAX_VERSION_LENGTH} letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    return version


class BundleChannel(BaseModel):
    """One input channel of the model; its position in `Manifest.channels` is its row in NCT.
    Only channels the sideline can feed, in its units (`FEEDABLE_UNITS`), are accepted."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str
    unit: str
    # An optional channel (e.g. GPS speed) may be absent at the edge; it is then fed as
    # zeros after normalisation, which is what the student saw for missing GPS in training.
    optional: bool = False
    # Zero-phase Butterworth low-pass cut-off for this channel; None means no filtering.
    lowpass_hz: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _feedable(self) -> BundleChannel:
        if self.name not in FEEDABLE_UNITS:
            raise ValueError(
                f"channel {self.name!r} is not one the sideline can feed "
                f"(it feeds {', '.join(FEEDABLE_UNITS)})"
            )
        if self.unit != FEEDABLE_UNITS[self.name]:
            raise ValueError(
                f"channel {self.name!r} is in {self.unit!r}; the sideline measures it in "
                f"{FEEDABLE_UNITS[self.name]!r}"
            )
        return self


class Normalisation(BaseModel):
    """Per-channel z-score statistics from the training split (paper Eq. 2)."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    mean: list[Annotated[float, Field(ge=-MAX_ABS_STATISTIC, le=MAX_ABS_STATISTIC)]]
    std: list[Annotated[float, Field(le=MAX_ABS_STATISTIC)]]

    @model_validator(mode="after")
    def _positive_std(self) -> Normalisation:
        if len(self.mean) != len(self.std):
            raise ValueError(f"mean has {len(self.mean)} values but std has {len(self.std)}")
        if any(not s > 0 for s in self.std):
            raise ValueError("every std must be > 0")
        return self


class EventSettings(BaseModel):
    """How window scores become events: per-label score threshold, then non-maximum
    suppression that keeps one peak per label within `nms_s` seconds."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    thresholds: dict[str, float]
    nms_s: float = Field(gt=0, le=MAX_NMS_S)

    @model_validator(mode="after")
    def _thresholds_in_range(self) -> EventSettings:
        for label, value in self.thresholds.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"threshold for {label!r} is {value}, expected 0..1")
        return self


class InputSpec(BaseModel):
    """What the model reads and how a raw window becomes its input: channels, rate, window,
    low-pass and z-score. The manifest carries it; `prepare_windows` applies it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    channels: list[BundleChannel] = Field(min_length=1, max_length=len(FEEDABLE_UNITS))
    sample_rate_hz: float = Field(default=taxonomy.IMU_RATE_HZ, gt=0, le=MAX_SAMPLE_RATE_HZ)
    window_s: float = Field(default=taxonomy.CLIP_S, ge=MIN_WINDOW_S, le=MAX_WINDOW_S)
    hop_s: float = Field(default=0.5, gt=0, le=MAX_WINDOW_S)
    layout: Literal["NCT"] = "NCT"
    # Low-pass filter order shared by every channel with a cut-off (Butterworth, zero phase,
    # applied to each window before normalisation).
    filter_order: int = Field(default=dsp.FILTER_ORDER, ge=1, le=10)
    normalisation: Normalisation

    @model_validator(mode="after")
    def _consistent_input(self) -> InputSpec:
        names = [c.name for c in self.channels]
        if len(set(names)) != len(names):
            raise ValueError("channel names must be unique")
        if len(self.normalisation.mean) != len(self.channels):
            raise ValueError(
                f"normalisation has {len(self.normalisation.mean)} values "
                f"for {len(self.channels)} channels"
            )
        if self.hop_s > self.window_s:
            raise ValueError(f"hop_s {self.hop_s} is longer than window_s {self.window_s}")
        if self.hop_samples < 1:
            raise ValueError(f"hop_s {self.hop_s} is under one sample at {self.sample_rate_hz} Hz")
        nyquist = self.sample_rate_hz / 2
        for channel in self.channels:
            if channel.lowpass_hz is not None and channel.lowpass_hz >= nyquist:
                raise ValueError(
                    f"channel {channel.name!r} low-pass {channel.lowpass_hz} Hz "
                    f"is not below Nyquist ({nyquist} Hz)"
                )
        return self

    @property
    def window_samples(self) -> int:
        """Samples per window at the model rate (600 for 6 s at 100 Hz)."""
        return round(self.window_s * self.sample_rate_hz)

    @property
    def hop_samples(self) -> int:
        return round(self.hop_s * self.sample_rate_hz)

    @property
    def channel_names(self) -> list[str]:
        return [c.name for c in self.channels]


class Manifest(InputSpec):
    """manifest.json of a model bundle (contract 4)."""

    schema_: Literal[1] = Field(default=SCHEMA_VERSION, alias="schema")
    version: str = Field(min_length=1)
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    labels: list[str] = Field(default_factory=lambda: list(taxonomy.LABELS), min_length=2)
    events: EventSettings
    # The models output raw class scores; the edge applies softmax.
    output: Literal["logits"] = "logits"
    default_model: str = "model.onnx"
    files: dict[str, str]
    data_hash: str = Field(min_length=1)
    synthetic: bool
    # Evaluation figures that gated this bundle, e.g. {"macro_f1": 0.91, "accuracy": 0.93}.
    metrics: dict[str, float] = Field(default_factory=dict)

    @field_validator("version")
    @classmethod
    def _safe_version(cls, version: str) -> str:
        try:
            return check_version(version)
        except BundleError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        if len(set(self.labels)) != len(self.labels):
            raise ValueError("labels must be unique")
        # A club's own words travel in `labels`: they become summary keys on the sideline,
        # so they follow the summary's label rule and bound.
        for label in self.labels:
            if not taxonomy.is_label(label):
                raise ValueError(f"label {label!r} is not a label: {taxonomy.LABEL_RULE}")
        if len(taxonomy.action_labels(self.labels)) > taxonomy.MAX_ACTION_LABELS:
            raise ValueError(f"more than {taxonomy.MAX_ACTION_LABELS} action labels")
        unknown = sorted(set(self.events.thresholds) - set(self.labels))
        if unknown:
            raise ValueError(f"event thresholds name unknown labels {unknown}")
        for name, digest in self.files.items():
            if not _FILE_NAME.match(name) or name in (MANIFEST_NAME, SIGNATURE_NAME):
                raise ValueError(f"file name {name!r} is not allowed in a bundle")
            if not _SHA256.match(digest):
                raise ValueError(f"sha256 of {name!r} is not 64 lowercase hex digits")
        if self.default_model not in self.files:
            raise ValueError(f"default_model {self.default_model!r} is not in files")
        return self

    @property
    def fp32_model(self) -> str:
        """The fp32 model's file, for parity checks and fallback: `model_fp32.onnx` where
        the bundle carries one, else the default model, which is then fp32 itself."""
        return FP32_MODEL_NAME if FP32_MODEL_NAME in self.files else self.default_model

    def to_json(self) -> str:
        return json.dumps(self.model_dump(by_alias=True, mode="json"), indent=2) + "\n"


@dataclass(frozen=True)
class Bundle:
    """A verified bundle held in memory (models are kilobytes; nothing to clean up).
    `manifest_bytes` are the exact bytes read, which the signature (if any) covers."""

    source: Path
    manifest: Manifest
    files: dict[str, bytes]
    manifest_bytes: bytes = b""
    signature: bytes | None = None

    @property
    def default_model_bytes(self) -> bytes:
        return self.files[self.manifest.default_model]

    def file_bytes(self, name: str) -> bytes:
        if name not in self.files:
            raise BundleError(f"{self.source}: bundle has no file {name!r}")
        return self.files[name]


def filter_windows(spec: InputSpec, windows: np.ndarray) -> np.ndarray:
    """Raw windows `(N, C, T)` in the spec's channel order and units, each channel
    low-passed at its cut-off (zero phase, over the window itself), float32."""
    x = np.asarray(windows, dtype=np.float32)
    n_channels, n_samples = len(spec.channels), spec.window_samples
    if x.ndim != 3 or x.shape[1:] != (n_channels, n_samples):
        raise BundleError(
            f"windows have shape {x.shape}, the bundle expects (N, {n_channels}, {n_samples})"
        )
    out = x.copy()
    cutoffs: dict[float, list[int]] = {}
    for index, channel in enumerate(spec.channels):
        if channel.lowpass_hz is not None:
            cutoffs.setdefault(channel.lowpass_hz, []).append(index)
    for cutoff, rows in cutoffs.items():
        out[:, rows] = dsp.lowpass(x[:, rows], spec.sample_rate_hz, cutoff, order=spec.filter_order)
    return out


def prepare_windows(
    spec: InputSpec, windows: np.ndarray, present: np.ndarray | None = None
) -> np.ndarray:
    """Raw windows `(N, C, T)` → model input float32: `filter_windows`, then the training
    z-score. `present` `(N, C)` marks channels that were measured; an absent channel (only
    optional ones may be) is fed as 0, the training mean."""
    out = dsp.Normaliser.from_dict(spec.normalisation.model_dump()).apply(
        filter_windows(spec, windows)
    )
    if present is not None:
        out *= np.asarray(present, dtype=bool)[:, :, None]
    return out.astype(np.float32, copy=False)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bundle(path: str | Path) -> Bundle:
    """Read and verify a bundle directory or `.tar.gz`; raise `BundleError` saying what and
    where if the schema is unknown, the manifest invalid, a file missing, unlisted or
    altered, or an archive member unsafe (absolute path, `..`, link, device)."""
    source = Path(path)
    if source.is_dir():
        raw = _read_directory(source)
    elif source.is_file():
        raw = _read_archive(source)
    else:
        raise BundleError(f"{source}: no such bundle (expected a directory or .tar.gz)")
    return _verify(source, raw)


def write_bundle(
    out_dir: str | Path,
    manifest_fields: dict[str, Any],
    files: dict[str, bytes],
    sign: Callable[[bytes], bytes] | None = None,
) -> Path:
    """Write a bundle directory: the given files plus a manifest whose `files` entry holds
    their sha256, and `signature.json` made by `sign` from the manifest's bytes (the host
    passes its club key's signer; see edge.signing). `out_dir` must not exist yet or be
    empty, so an old bundle is never partly overwritten. Returns the directory, already
    verified by `read_bundle`."""
    out = Path(out_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BundleError(f"{out}: exists and is not an empty directory")
    fields = {**manifest_fields, "files": {name: sha256_hex(d) for name, d in files.items()}}
    try:
        manifest = Manifest.model_validate(fields)
    except ValidationError as exc:
        raise BundleError(f"{out}: invalid manifest: {_first_error(exc)}") from exc
    manifest_bytes = manifest.to_json().encode("utf-8")
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    (out / MANIFEST_NAME).write_bytes(manifest_bytes)
    if sign is not None:
        (out / SIGNATURE_NAME).write_bytes(sign(manifest_bytes))
    read_bundle(out)
    return out


def pack_bundle(bundle_dir: str | Path, out_path: str | Path | None = None) -> Path:
    """Pack a verified bundle directory as a reproducible `.tar.gz` (flat, sorted, zeroed
    owners and times), by default next to it as `<dir>.tar.gz`."""
    src = Path(bundle_dir)
    bundle = read_bundle(src)
    out = Path(out_path) if out_path is not None else src.with_name(src.name + ".tar.gz")
    payload = {MANIFEST_NAME: bundle.manifest_bytes, **bundle.files}
    if bundle.signature is not None:
        payload[SIGNATURE_NAME] = bundle.signature
    buffer = io.BytesIO()
    # mtime=0 in the gzip header too, so the same bundle packs to the same bytes.
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name in sorted(payload):
                info = tarfile.TarInfo(name)
                info.size = len(payload[name])
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(payload[name]))
    out.write_bytes(buffer.getvalue())
    return out


def _read_directory(root: Path) -> dict[str, bytes]:
    raw: dict[str, bytes] = {}
    for entry in sorted(root.iterdir()):
        if entry.is_symlink() or not entry.is_file():
            raise BundleError(f"{entry}: only plain files belong in a bundle directory")
        if entry.stat().st_size > MAX_FILE_BYTES:
            raise BundleError(f"{entry}: larger than {MAX_FILE_BYTES} bytes")
        raw[entry.name] = entry.read_bytes()
        if len(raw) > MAX_FILES:
            raise BundleError(f"{root}: more than {MAX_FILES} files")
    return raw


def _read_archive(archive: Path) -> dict[str, bytes]:
    raw: dict[str, bytes] = {}
    if archive.stat().st_size == 0:
        raise BundleError(f"{archive}: empty file, not a .tar.gz bundle")
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            for member in tar:
                where = f"{archive}: member {member.name!r}"
                if not member.isfile():
                    raise BundleError(f"{where} is not a plain file (links and dirs refused)")
                if member.name.startswith("/") or ".." in member.name.split("/"):
                    raise BundleError(f"{where} escapes the bundle (path traversal refused)")
                if "/" in member.name or not (
                    _FILE_NAME.match(member.name) or member.name in (MANIFEST_NAME, SIGNATURE_NAME)
                ):
                    raise BundleError(f"{where}: bundle archives hold plain names at top level")
                if member.size > MAX_FILE_BYTES:
                    raise BundleError(f"{where} is larger than {MAX_FILE_BYTES} bytes")
                if member.name in raw:
                    raise BundleError(f"{where} appears twice")
                if len(raw) >= MAX_FILES:
                    raise BundleError(f"{archive}: more than {MAX_FILES} files")
                handle = tar.extractfile(member)
                assert handle is not None  # isfile() checked above
                raw[member.name] = handle.read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        # tarfile lists every compression it tried, one per line: keep the message one line.
        reason = " ".join(str(exc).split())
        raise BundleError(f"{archive}: not a readable .tar.gz bundle ({reason})") from exc
    if not raw:
        raise BundleError(f"{archive}: the archive is empty, not a bundle")
    return raw


def _verify(source: Path, raw: dict[str, bytes]) -> Bundle:
    if MANIFEST_NAME not in raw:
        raise BundleError(f"{source}: no {MANIFEST_NAME}")
    manifest_bytes = raw.pop(MANIFEST_NAME)
    signature = raw.pop(SIGNATURE_NAME, None)
    try:
        document = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{source}/{MANIFEST_NAME}: not valid JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise BundleError(f"{source}/{MANIFEST_NAME}: expected a JSON object")
    schema = document.get("schema")
    if schema != SCHEMA_VERSION:
        raise BundleError(
            f"{source}/{MANIFEST_NAME}: bundle schema {schema!r} is not supported "
            f"(this version reads schema {SCHEMA_VERSION})"
        )
    try:
        manifest = Manifest.model_validate(document)
    except ValidationError as exc:
        raise BundleError(f"{source}/{MANIFEST_NAME}: {_first_error(exc)}") from exc
    missing = sorted(set(manifest.files) - set(raw))
    if missing:
        raise BundleError(f"{source}: missing file(s) listed in the manifest: {missing}")
    unlisted = sorted(set(raw) - set(manifest.files))
    if unlisted:
        raise BundleError(f"{source}: file(s) not listed in the manifest: {unlisted}")
    for name, expected in manifest.files.items():
        actual = sha256_hex(raw[name])
        if actual != expected:
            raise BundleError(
                f"{source}/{name}: sha256 {actual[:12]}… does not match the manifest "
                f"({expected[:12]}…): the file is corrupt or was altered"
            )
    return Bundle(source, manifest, raw, manifest_bytes, signature)


def check_model(bundle: Bundle) -> None:
    """Load every ONNX model of the bundle with onnxruntime and run one zero window through
    it: it must take the manifest's `(1, channels, window)` input and give one score per
    label. Raises `BundleError` naming the file; run before a bundle is installed."""
    import onnxruntime as ort

    manifest = bundle.manifest
    names = sorted(name for name in bundle.files if name.endswith(".onnx"))
    if manifest.default_model not in names:
        raise BundleError(
            f"{bundle.source}: default_model {manifest.default_model!r} is not an ONNX model, "
            "which the sideline runs"
        )
    window = np.zeros((1, len(manifest.channels), manifest.window_samples), dtype=np.float32)
    for name in names:
        where = f"{bundle.source}/{name}"
        try:
            session = ort.InferenceSession(bundle.files[name], providers=["CPUExecutionProvider"])
            scores = np.asarray(session.run(None, {session.get_inputs()[0].name: window})[0])
        except Exception as exc:  # onnxruntime raises its own untyped errors
            reason = " ".join(str(exc).split())[:300]
            raise BundleError(
                f"{where}: cannot run a {window.shape} window through it ({reason})"
            ) from exc
        if scores.shape != (1, len(manifest.labels)):
            raise BundleError(
                f"{where}: the model gives {scores.shape[-1] if scores.ndim else 0} outputs "
                f"for {len(manifest.labels)} labels"
            )


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "manifest"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {error['msg']}{more}"
