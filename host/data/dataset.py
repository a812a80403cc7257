"""Load and write the dataset directory of docs/dataset.md.

Everything is checked here, once, at the door: a problem is a `DatasetError` naming the
file and the field. Code that receives a `Dataset` trusts it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from firmware_bridge.errors import UserError
from host.data.manifest import Manifest

MANIFEST = "manifest.json"
CLIPS_DIR = "clips"
CONTINUOUS_DIR = "continuous"
TRUTH_DIR = "truth"

# Required columns per table; every other documented column is optional.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "athletes.csv": ("athlete_id",),
    "sessions.csv": ("session_id", "athlete_id", "date", "duration_min"),
    "injuries.csv": ("athlete_id", "date"),
    "weekly.csv": ("athlete_id", "week"),
    "wellness.csv": ("athlete_id", "date"),
}
NUMERIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "athletes.csv": ("mass_kg", "height_m", "prior_injuries"),
    "sessions.csv": (
        "duration_min",
        "week",
        "rpe",
        "srpe_load",
        "distance_m",
        "hsr_m",
        "sprints",
        "accels",
        "decels",
        "player_load",
        "hr_mean",
        "hr_max",
        "sleep",
        "soreness",
        "fatigue",
        "stress",
        "mood",
    ),
    "injuries.csv": ("days_lost",),
    "weekly.csv": ("week", "movement_quality", "injured_next_week"),
    "wellness.csv": ("sleep", "soreness", "fatigue", "stress", "mood"),
}
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "sessions.csv": ("date",),
    "injuries.csv": ("date",),
    "weekly.csv": ("week_start",),
    "wellness.csv": ("date",),
}
ID_COLUMNS = ("athlete_id", "session_id")

# Clip arrays: name -> (dtype kind, rank). Identity keys are required in every shard.
CLIP_KEYS: dict[str, tuple[str, int]] = {
    "clip_id": ("U", 1),
    "athlete_id": ("U", 1),
    "session_id": ("U", 1),
    "label": ("i", 1),
    "scene": ("i", 1),
    "week": ("i", 1),
    "t_start_s": ("f", 1),
    "impact": ("f", 1),
    "imu": ("f", 3),
    "imu_valid": ("b", 3),
    "gps": ("f", 3),
    "gps_valid": ("b", 2),
    "hr": ("f", 3),
    "hr_valid": ("b", 2),
    "skeleton": ("f", 4),
    "skeleton_conf": ("f", 3),
}
REQUIRED_CLIP_KEYS = ("clip_id", "athlete_id", "session_id", "label", "scene", "week")
MODALITY_KEYS = {
    "imu": ("imu", "imu_valid"),
    "gps": ("gps", "gps_valid"),
    "hr": ("hr", "hr_valid"),
    "skeleton": ("skeleton", "skeleton_conf"),
}


def _default_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _default_file_mode()


class DatasetError(UserError, ValueError):
    """A dataset directory does not conform to docs/dataset.md; the message says where."""


@dataclass(frozen=True)
class Clips:
    """All clips of a dataset as arrays whose first axis is the clip (see docs/dataset.md).

    A modality absent from the whole dataset is `None`; a modality absent from one clip
    has its validity all false.
    """

    clip_id: np.ndarray
    athlete_id: np.ndarray
    session_id: np.ndarray
    label: np.ndarray
    scene: np.ndarray
    week: np.ndarray
    t_start_s: np.ndarray | None = None
    impact: np.ndarray | None = None
    imu: np.ndarray | None = None
    imu_valid: np.ndarray | None = None
    gps: np.ndarray | None = None
    gps_valid: np.ndarray | None = None
    hr: np.ndarray | None = None
    hr_valid: np.ndarray | None = None
    skeleton: np.ndarray | None = None
    skeleton_conf: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.clip_id)

    def subset(self, index: np.ndarray | slice | list[int]) -> Clips:
        """The clips at `index` (integer indices, a boolean mask or a slice)."""
        changes: dict[str, Any] = {
            f.name: None if getattr(self, f.name) is None else getattr(self, f.name)[index]
            for f in fields(self)
        }
        return replace(self, **changes)

    def has(self, modality: str) -> bool:
        """Whether the dataset carries this modality at all."""
        return getattr(self, MODALITY_KEYS[modality][0]) is not None

    def as_dict(self) -> dict[str, np.ndarray]:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


@dataclass
class Dataset:
    """A loaded dataset directory: manifest, tables, and (lazily) clips."""

    root: Path
    manifest: Manifest
    athletes: pd.DataFrame
    sessions: pd.DataFrame
    injuries: pd.DataFrame
    weekly: pd.DataFrame | None = None
    wellness: pd.DataFrame | None = None  # daily questionnaire answers (wellness.csv)
    _clips: Clips | None = field(default=None, repr=False)

    @property
    def clip_shards(self) -> list[Path]:
        return sorted((self.root / CLIPS_DIR).glob("*.npz"))

    @property
    def continuous_files(self) -> list[Path]:
        return sorted((self.root / CONTINUOUS_DIR).glob("*.npz"))

    def clips(self) -> Clips:
        """All clip shards, concatenated and checked against the manifest (cached)."""
        if self._clips is None:
            self._clips = _load_clips(self.clip_shards, self.manifest)
        return self._clips

    def truth_hazard(self) -> pd.DataFrame | None:
        """The simulator's true weekly hazard, where the dataset has one."""
        path = self.root / TRUTH_DIR / "hazard.csv"
        if not path.exists():
            return None
        table = _read_csv(path, required=("athlete_id", "week", "hazard"))
        _coerce_numeric(table, path, ("week", "hazard"))
        return table

    @cached_property
    def content_hash(self) -> str:
        """sha256 over every file's name and bytes: identifies the data a model was trained on."""
        digest = hashlib.sha256()
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            digest.update(path.relative_to(self.root).as_posix().encode())
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()


def load_dataset(path: str | os.PathLike[str]) -> Dataset:
    """Read and validate a dataset directory's manifest and tables; clips load on demand."""
    root = Path(path)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a directory")
    manifest = read_manifest(root)
    tables = {}
    for name in ("athletes.csv", "sessions.csv", "injuries.csv"):
        file = root / name
        if not file.exists():
            raise DatasetError(f"{file}: missing (every dataset has {name}, even with no rows)")
        tables[name] = _read_table(file)
    weekly_file = root / "weekly.csv"
    weekly = _read_table(weekly_file) if weekly_file.exists() else None
    wellness_file = root / "wellness.csv"
    wellness = _read_table(wellness_file) if wellness_file.exists() else None
    _check_known_athletes(
        root,
        tables["athletes.csv"],
        {
            "sessions.csv": tables["sessions.csv"],
            "injuries.csv": tables["injuries.csv"],
            **({"weekly.csv": weekly} if weekly is not None else {}),
            **({"wellness.csv": wellness} if wellness is not None else {}),
        },
    )
    return Dataset(
        root=root,
        manifest=manifest,
        athletes=tables["athletes.csv"],
        sessions=tables["sessions.csv"],
        injuries=tables["injuries.csv"],
        weekly=weekly,
        wellness=wellness,
    )


def read_manifest(root: Path) -> Manifest:
    file = root / MANIFEST
    try:
        raw = json.loads(file.read_text())
    except FileNotFoundError:
        raise DatasetError(f"{file}: missing") from None
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{file}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise DatasetError(f"{file}: field '{where}': {first['msg']}") from None


def read_csv_checked(
    path: Path,
    required: Iterable[str],
    error: type[ValueError],
    *,
    suffix: str = "",
    **read_options: Any,
) -> pd.DataFrame:
    """Read a dataset CSV and refuse, with one message naming the file, an empty or
    unreadable one or one without its required columns (shared by loading and importing)."""
    try:
        table = pd.read_csv(path, **read_options)
    except pd.errors.EmptyDataError:
        raise error(f"{path}: empty file (write at least the header row)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise error(f"{path}: not readable as CSV ({exc})") from None
    missing = [col for col in required if col not in table.columns]
    if missing:
        raise error(f"{path}: missing column(s) {', '.join(missing)}{suffix}")
    return table


def _read_csv(path: Path, required: Iterable[str]) -> pd.DataFrame:
    table = read_csv_checked(
        path,
        required,
        DatasetError,
        dtype={col: "string" for col in ID_COLUMNS},
        keep_default_na=True,
    )
    for col in ID_COLUMNS:
        if col in table.columns and table[col].isna().any():
            row = int(table.index[table[col].isna()][0]) + 2  # header is row 1
            raise DatasetError(f"{path}: row {row}, column '{col}': empty id")
    return table


def _coerce_numeric(table: pd.DataFrame, path: Path, columns: Iterable[str]) -> None:
    for col in columns:
        if col not in table.columns:
            continue
        values = pd.to_numeric(table[col], errors="coerce")
        bad = values.isna() & table[col].notna()
        if bad.any():
            row = int(table.index[bad][0]) + 2
            raise DatasetError(
                f"{path}: row {row}, column '{col}': {table[col][bad].iloc[0]!r} is not a number"
            )
        table[col] = values


def _read_table(path: Path) -> pd.DataFrame:
    table = _read_csv(path, REQUIRED_COLUMNS[path.name])
    _coerce_numeric(table, path, NUMERIC_COLUMNS[path.name])
    for col in DATE_COLUMNS.get(path.name, ()):
        if col not in table.columns:
            continue
        dates = pd.to_datetime(table[col], format="%Y-%m-%d", errors="coerce")
        bad = dates.isna() & table[col].notna()
        if bad.any():
            row = int(table.index[bad][0]) + 2
            raise DatasetError(
                f"{path}: row {row}, column '{col}': {table[col][bad].iloc[0]!r} is not an ISO "
                "date (YYYY-MM-DD); `touchline import` converts other formats"
            )
        table[col] = dates
    return table


def _check_known_athletes(
    root: Path, athletes: pd.DataFrame, tables: Mapping[str, pd.DataFrame]
) -> None:
    known = set(athletes["athlete_id"])
    duplicated = athletes["athlete_id"].duplicated()
    if duplicated.any():
        row = int(athletes.index[duplicated][0]) + 2
        raise DatasetError(f"{root / 'athletes.csv'}: row {row}: athlete_id appears twice")
    for name, table in tables.items():
        unknown = ~table["athlete_id"].isin(known)
        if unknown.any():
            row = int(table.index[unknown][0]) + 2
            raise DatasetError(
                f"{root / name}: row {row}, column 'athlete_id': "
                f"{table['athlete_id'][unknown].iloc[0]!r} is not in athletes.csv"
            )


def _load_clips(shards: list[Path], manifest: Manifest) -> Clips:
    if not shards:
        raise DatasetError("no clip shards under clips/ (this dataset has no labelled clips)")
    parts: dict[str, list[np.ndarray]] = {}
    present: set[str] | None = None
    for shard in shards:
        arrays = _read_shard(shard, manifest)
        if present is None:
            present = set(arrays)
        elif set(arrays) != present:
            raise DatasetError(
                f"{shard}: holds keys {sorted(arrays)} but earlier shards hold {sorted(present)}"
            )
        for key, value in arrays.items():
            parts.setdefault(key, []).append(value)
    clips = Clips(**{key: np.concatenate(values) for key, values in parts.items()})
    _, first = np.unique(clips.clip_id, return_index=True)
    if len(first) != len(clips):
        duplicate = str(clips.clip_id[np.setdiff1d(np.arange(len(clips)), first)[0]])
        raise DatasetError(f"clips/: clip_id {duplicate!r} appears more than once")
    return clips


def _read_shard(path: Path, manifest: Manifest) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DatasetError(f"{path}: not a readable .npz shard ({exc})") from None
    unknown = sorted(set(arrays) - set(CLIP_KEYS))
    if unknown:
        raise DatasetError(f"{path}: unknown key(s) {', '.join(unknown)}")
    missing = [key for key in REQUIRED_CLIP_KEYS if key not in arrays]
    if missing:
        raise DatasetError(f"{path}: missing key(s) {', '.join(missing)}")
    n = len(arrays["clip_id"])
    for key, value in arrays.items():
        kind, rank = CLIP_KEYS[key]
        if value.ndim != rank or len(value) != n:
            raise DatasetError(
                f"{path}: '{key}' has shape {value.shape}, "
                f"expected {rank} axes with {n} clips first"
            )
        if value.dtype.kind != kind and not (kind == "i" and value.dtype.kind == "u"):
            raise DatasetError(f"{path}: '{key}' has dtype {value.dtype}, expected kind '{kind}'")
    _check_modalities(path, arrays, manifest, n)
    labels = arrays["label"]
    if n and (labels.min() < 0 or labels.max() >= len(manifest.labels)):
        raise DatasetError(
            f"{path}: 'label' outside 0..{len(manifest.labels) - 1} (manifest labels)"
        )
    scenes = arrays["scene"]
    if n and (scenes.min() < 0 or scenes.max() >= len(manifest.scenes)):
        raise DatasetError(
            f"{path}: 'scene' outside 0..{len(manifest.scenes) - 1} (manifest scenes)"
        )
    return arrays


def _check_modalities(
    path: Path, arrays: dict[str, np.ndarray], manifest: Manifest, n: int
) -> None:
    for modality, (data_key, valid_key) in MODALITY_KEYS.items():
        if (data_key in arrays) != (valid_key in arrays):
            raise DatasetError(f"{path}: '{data_key}' and '{valid_key}' must come together")
        if data_key not in arrays:
            continue
        if modality not in manifest.modalities:
            raise DatasetError(
                f"{path}: has '{data_key}' but manifest.modalities has no '{modality}'"
            )
        spec = manifest.modalities[modality]
        t = manifest.samples(modality)
        data = arrays[data_key]
        if modality == "skeleton":
            expected: tuple[int, ...] = (n, t, len(spec.joints or ()), 3)
        else:
            expected = (n, len(spec.channels or ()), t)
        if data.shape != expected:
            raise DatasetError(f"{path}: '{data_key}' has shape {data.shape}, expected {expected}")
        if not np.isfinite(data).all():
            raise DatasetError(
                f"{path}: '{data_key}' holds NaN or infinite values "
                "(store zeros and mark them invalid)"
            )


# --- writing -------------------------------------------------------------------------------


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary file in the same directory and rename, so a crash never
    leaves a half-written file where a good one was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; datasets are shared files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_manifest(root: str | os.PathLike[str], manifest: Manifest) -> Path:
    """Write manifest.json (creating the directory)."""
    path = Path(root) / MANIFEST
    text = manifest.model_dump_json(by_alias=True, indent=2) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text))
    return path


def write_table(root: str | os.PathLike[str], name: str, table: pd.DataFrame) -> Path:
    """Write one of the CSV tables, dates as ISO, after checking its required columns."""
    if name not in REQUIRED_COLUMNS:
        raise DatasetError(
            f"{name}: not a dataset table (expected one of {', '.join(REQUIRED_COLUMNS)})"
        )
    missing = [col for col in REQUIRED_COLUMNS[name] if col not in table.columns]
    if missing:
        raise DatasetError(f"{name}: missing column(s) {', '.join(missing)}")
    path = Path(root) / name
    atomic_write(path, lambda tmp: table.to_csv(tmp, index=False, date_format="%Y-%m-%d"))
    return path


def write_clip_shard(
    root: str | os.PathLike[str], index: int, arrays: Mapping[str, np.ndarray], manifest: Manifest
) -> Path:
    """Write clips/shard-NNNNN.npz after checking it as the loader will."""
    path = Path(root) / CLIPS_DIR / f"shard-{index:05d}.npz"
    checked = {key: np.asarray(value) for key, value in arrays.items()}
    for key in ("clip_id", "athlete_id", "session_id"):
        if key in checked:
            checked[key] = checked[key].astype(str)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = path.with_name(f".{path.stem}.tmp.npz")
    # numpy's stub has an allow_pickle keyword, so mypy refuses any **dict of arrays.
    np.savez_compressed(tmp_path, **checked)  # type: ignore[arg-type]
    try:
        _read_shard(tmp_path, manifest)
    except DatasetError as exc:
        tmp_path.unlink()
        raise DatasetError(str(exc).replace(str(tmp_path), str(path))) from None
    os.replace(tmp_path, path)
    return path
