"""A club's own labelled takes into a dataset directory (docs/dataset.md, "Labelled takes").

TAKES.csv has one row per take: `take_id`, `athlete_id`, `label` and `imu` (a CSV path
relative to TAKES.csv) are required; `skeleton`, `gps`, `hr`, `t_event_s`, `date` and
`session_id` are optional. Each take becomes one stored clip centred on its event: IMU
resampled to 100 Hz with `scipy.signal.resample_poly`, skeleton, GPS and heart rate
interpolated onto their rates, time outside the recording stored as zeros marked invalid.

Every row is read and checked before anything is written: a bad row is one `TakesError`
naming its row (header = row 1) and column. A new dataset is built in a hidden sibling
directory and renamed into place; adding to an existing dataset (for example one that
`touchline pose` wrote) appends labels to its vocabulary, rows to its tables and one new
clip shard, so the ids and label indices already stored never change.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import signal

from edge import taxonomy
from edge.dsp import resample_linear
from host.data.dataset import (
    CLIPS_DIR,
    MANIFEST,
    Dataset,
    DatasetError,
    load_dataset,
    write_clip_shard,
    write_manifest,
    write_table,
)
from host.data.load_metrics import week_number, week_origin
from host.data.manifest import Manifest, ModalityName, new_manifest

REQUIRED = ("take_id", "athlete_id", "label", "imu")
OPTIONAL = ("skeleton", "gps", "hr", "t_event_s", "date", "session_id")
# A gap in a recording longer than this many sample periods is marked invalid.
GAP_PERIODS = 3.0
# Rates closer than this (relative) to the dataset rate are interpolated, not filtered.
RATE_TOLERANCE = 0.005
DEFAULT_SCENE = taxonomy.SCENES[0]  # a labelled take is a drill


class TakesError(DatasetError):
    """A takes file, or one of its rows, cannot be imported; the message says where."""


Fail = Callable[[str, str], TakesError]  # (column, reason) -> the row's error


@dataclass(frozen=True)
class TakesReport:
    """What an import did: where, how many takes and athletes, which labels are new."""

    out: Path
    takes: int
    athletes: list[str]
    labels: list[str]
    new_labels: list[str]
    created: bool
    shard: Path


@dataclass(frozen=True)
class _Take:
    take_id: str
    athlete_id: str
    label: str
    session_id: str
    day: date
    duration_s: float
    arrays: dict[str, np.ndarray]  # one clip's arrays, no leading clip axis


def import_takes(
    takes_csv: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    name: str | None = None,
    today: date | None = None,
) -> TakesReport:
    """Import every take of `takes_csv` into the dataset at `out` (created if absent).

    `today` dates the takes without a `date` (default: today's date).
    """
    source = Path(takes_csv)
    root = Path(out)
    table = _read_takes_table(source)
    existing = load_dataset(root) if (root / MANIFEST).exists() else None
    if existing is None and root.exists() and any(root.iterdir()):
        raise TakesError(f"{root}: exists and is not a dataset (no {MANIFEST}); choose a new --out")
    known_clips: set[str] = set()
    if existing is not None:
        known_clips = set(existing.clips().clip_id.tolist()) if existing.clip_shards else set()
        if "imu" not in existing.manifest.modalities:
            raise TakesError(f"{root / MANIFEST}: the dataset has no imu modality")
    # Rates, joints and clip geometry to read the takes with (the labels come after).
    base = (
        existing.manifest
        if existing is not None
        else new_manifest(name or source.stem, synthetic=False)
    )
    rows = _rows(source, table, known_clips)
    vocabulary = list(existing.manifest.labels) if existing is not None else []
    actions = taxonomy.action_labels(
        list(dict.fromkeys([*vocabulary, *(c["label"] for _, c in rows)]))
    )
    if len(actions) > taxonomy.MAX_ACTION_LABELS:
        raise TakesError(
            f"{source}: {len(actions)} action labels with the dataset's own; a model and its "
            f"session summaries carry at most {taxonomy.MAX_ACTION_LABELS}"
        )
    takes = [_read_take(source, row, base, today or date.today()) for row in rows]
    if not takes:
        raise TakesError(f"{source}: no takes (write one row per labelled take)")
    new_labels = sorted({t.label for t in takes} - set(vocabulary))
    if existing is None:
        manifest = new_manifest(name or source.stem, synthetic=False, labels=new_labels)
        shard = _create(root, manifest, takes)
    else:
        manifest = base.model_copy(update={"labels": [*vocabulary, *new_labels]})
        shard = _append(existing, manifest, takes)
    return TakesReport(
        out=root,
        takes=len(takes),
        athletes=sorted({t.athlete_id for t in takes}),
        labels=list(manifest.labels),
        new_labels=new_labels,
        created=existing is None,
        shard=shard,
    )


# --- reading ---------------------------------------------------------------------------------


def _read_takes_table(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise TakesError(f"{path}: no such file") from None
    except pd.errors.EmptyDataError:
        raise TakesError(
            f"{path}: empty file (write the header row and one row per take)"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TakesError(f"{path}: not readable as CSV ({exc})") from None
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise TakesError(f"{path}: missing column(s) {', '.join(missing)}")
    unknown = [c for c in table.columns if c not in (*REQUIRED, *OPTIONAL)]
    if unknown:
        raise TakesError(
            f"{path}: unknown column(s) {', '.join(unknown)} "
            f"(takes have {', '.join(REQUIRED)} and optionally {', '.join(OPTIONAL)})"
        )
    return table.apply(lambda col: col.str.strip())


def _rows(source: Path, table: pd.DataFrame, known_clips: set[str]) -> list[tuple[int, dict]]:
    """(row number, cells) of every take, with ids, labels and uniqueness checked."""
    seen: set[str] = set()
    rows = []
    for position, cells in enumerate(table.to_dict("records")):
        row = position + 2
        for column in ("take_id", "athlete_id", "label", "imu"):
            if not cells[column]:
                raise _row_error(source, row, column, "empty (every take needs one)")
        # A label is the club's own word, under the rule a bundle, a session summary and
        # the sideline table share (edge.taxonomy).
        if not taxonomy.is_label(cells["label"]):
            raise _row_error(
                source, row, "label", f"{cells['label']!r} is not a label: {taxonomy.LABEL_RULE}"
            )
        take_id = cells["take_id"]
        if take_id in seen or take_id in known_clips:
            where = "earlier in this file" if take_id in seen else "in the dataset already"
            raise _row_error(source, row, "take_id", f"{take_id!r} appears {where}")
        seen.add(take_id)
        rows.append((row, cells))
    return rows


def _row_error(source: Path, row: int, column: str, reason: str) -> TakesError:
    return TakesError(f"{source}: row {row}, column '{column}': {reason}")


def _read_take(source: Path, numbered: tuple[int, dict], manifest: Manifest, today: date) -> _Take:
    row, cells = numbered
    stored_s = manifest.clip.stored_s

    def fail(column: str, reason: str) -> TakesError:
        return _row_error(source, row, column, reason)

    t_imu, imu, imu_site_valid = _read_imu(source.parent / cells["imu"], fail)
    t0, t1 = float(t_imu[0]), float(t_imu[-1])
    event = (t0 + t1) / 2
    if cells.get("t_event_s"):
        try:
            event = float(cells["t_event_s"])
        except ValueError:
            raise fail("t_event_s", f"{cells['t_event_s']!r} is not a number of seconds") from None
        if not t0 <= event <= t1:
            raise fail("t_event_s", f"{event} s is outside the IMU recording ({t0}–{t1} s)")
    day = today
    if cells.get("date"):
        try:
            day = date.fromisoformat(cells["date"])
        except ValueError:
            raise fail("date", f"{cells['date']!r} is not an ISO date (YYYY-MM-DD)") from None
    start = event - stored_s / 2
    arrays = _imu_clip(t_imu, imu, imu_site_valid, start, manifest)
    sequences: tuple[ModalityName, ...] = ("gps", "hr")
    for modality in sequences:
        arrays.update(
            _sequence_clip(source, cells.get(modality, ""), modality, start, manifest, fail)
        )
    arrays.update(_skeleton_clip(source, cells.get("skeleton", ""), start, manifest, fail))
    return _Take(
        take_id=cells["take_id"],
        athlete_id=cells["athlete_id"],
        label=cells["label"],
        session_id=cells.get("session_id") or f"takes-{day.isoformat()}",
        day=day,
        duration_s=t1 - t0,
        arrays={**arrays, "t_start_s": np.array(start, dtype=np.float64)},
    )


def _read_signal(
    path: Path, column: str, channels: tuple[str, ...], fail: Fail, *, every: bool
) -> pd.DataFrame:
    """A `t_s` + channels CSV, numbers only, times strictly increasing."""
    try:
        table = pd.read_csv(path, keep_default_na=False, na_values=[""])  # empty = missing
    except FileNotFoundError:
        raise fail(
            column, f"{path.name}: no such file (paths are relative to the takes file)"
        ) from None
    except (
        pd.errors.EmptyDataError,
        pd.errors.ParserError,
        UnicodeDecodeError,
        IsADirectoryError,
    ) as exc:
        raise fail(column, f"{path.name}: not readable as CSV ({exc})") from None
    table.columns = [str(c).strip() for c in table.columns]
    if "t_s" not in table.columns:
        raise fail(column, f"{path.name}: no t_s column (time in seconds comes first)")
    unknown = [c for c in table.columns if c != "t_s" and c not in channels]
    if unknown:
        raise fail(
            column,
            f"{path.name}: unknown column(s) {', '.join(unknown)} "
            f"(expected t_s and {', '.join(channels)})",
        )
    named = [c for c in channels if c in table.columns]
    if every and len(named) != len(channels):
        missing = [c for c in channels if c not in table.columns]
        raise fail(column, f"{path.name}: missing column(s) {', '.join(missing)}")
    if not named:
        raise fail(column, f"{path.name}: none of the channels {', '.join(channels)}")
    for name in table.columns:
        values = pd.to_numeric(table[name], errors="coerce")
        bad = values.isna() & table[name].notna()
        if bad.any():
            line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise fail(
                column,
                f"{path.name}: row {line}, column '{name}': "
                f"{table[name][bad].iloc[0]!r} is not a number",
            )
        table[name] = values.astype(float)
    t = table["t_s"].to_numpy()
    if len(t) < 2:
        raise fail(column, f"{path.name}: fewer than two samples")
    if not np.isfinite(t).all() or np.any(np.diff(t) <= 0):
        raise fail(column, f"{path.name}: t_s must be numbers that strictly increase")
    return table


def _read_imu(path: Path, fail: Fail) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times at 100 Hz, channels (12, T) in taxonomy order, per-site validity (2, T)."""
    table = _read_signal(path, "imu", taxonomy.IMU_CHANNELS, fail, every=False)
    t = table["t_s"].to_numpy()
    period = float(np.median(np.diff(t)))
    rate = 1.0 / period
    # Onto a uniform grid at the recording's own rate first (clock jitter, gaps), then
    # resampled to the dataset rate with a polyphase anti-aliasing filter.
    grid = t[0] + np.arange(int(np.floor((t[-1] - t[0]) / period + 1e-9)) + 1) * period
    n_sites = len(taxonomy.IMU_SITES)
    per_site = len(taxonomy.IMU_AXES)
    data = np.zeros((len(taxonomy.IMU_CHANNELS), len(grid)))
    site_valid = np.zeros((n_sites, len(grid)), bool)
    after = np.clip(np.searchsorted(t, grid), 1, len(t) - 1)
    in_gap = (t[after] - t[after - 1]) > GAP_PERIODS * period
    for k, name in enumerate(taxonomy.IMU_CHANNELS):
        if name not in table.columns:
            continue
        values = table[name].to_numpy()
        known = np.isfinite(values)
        if known.sum() < 2:
            raise fail("imu", f"{path.name}: column '{name}' has fewer than two numbers")
        data[k] = resample_linear(t[known], values[known], grid)
        site_valid[k // per_site] |= True
    valid = site_valid & ~in_gap
    # A grid point whose nearest recorded sample has an empty cell is missing for its site.
    right = np.clip(np.searchsorted(t, grid), 0, len(t) - 1)
    left = np.clip(right - 1, 0, len(t) - 1)
    nearest = np.where(np.abs(t[left] - grid) <= np.abs(t[right] - grid), left, right)
    for k, name in enumerate(taxonomy.IMU_CHANNELS):
        if name in table.columns:
            holes = ~np.isfinite(table[name].to_numpy())
            if holes.any():
                valid[k // per_site] &= ~holes[nearest]
    target = taxonomy.IMU_RATE_HZ
    if abs(rate / target - 1.0) > RATE_TOLERANCE:
        ratio = Fraction(target / rate).limit_denominator(1000)
        data = signal.resample_poly(
            data, ratio.numerator, ratio.denominator, axis=1, padtype="line"
        )
        t_out = t[0] + np.arange(data.shape[1]) / target
        valid = resample_linear(grid, valid.astype(np.float64), t_out, axis=1) > 0.999
    else:
        t_out = grid
    return t_out, data, valid


def _window(
    t: np.ndarray, start: float, rate: float, samples: int
) -> tuple[np.ndarray, np.ndarray]:
    """The clip's sample times and which of them fall inside the recording `t`."""
    times = start + np.arange(samples) / rate
    inside = (times >= t[0] - 0.5 / rate) & (times <= t[-1] + 0.5 / rate)
    return times, inside


def _imu_clip(
    t: np.ndarray, data: np.ndarray, valid: np.ndarray, start: float, manifest: Manifest
) -> dict[str, np.ndarray]:
    rate = manifest.modalities["imu"].rate_hz
    times, inside = _window(t, start, rate, manifest.samples("imu"))
    clip = resample_linear(t, data, times, axis=1).astype(np.float32)
    clip_valid = (resample_linear(t, valid.astype(np.float64), times, axis=1) > 0.999) & inside
    sites = np.repeat(clip_valid, len(taxonomy.IMU_AXES), axis=0)
    return {"imu": np.where(sites, clip, 0.0).astype(np.float32), "imu_valid": clip_valid}


def _sequence_clip(
    source: Path, cell: str, modality: ModalityName, start: float, manifest: Manifest, fail: Fail
) -> dict[str, np.ndarray]:
    """GPS or heart rate on the clip's grid at the manifest rate (all invalid without a file)."""
    spec = manifest.modalities[modality]
    channels = tuple(c.name for c in spec.channels or ())
    samples = manifest.samples(modality)
    if not cell:
        return {
            modality: np.zeros((len(channels), samples), np.float32),
            f"{modality}_valid": np.zeros(samples, bool),
        }
    table = _read_signal(source.parent / cell, modality, channels, fail, every=True)
    t = table["t_s"].to_numpy()
    values = table[list(channels)].to_numpy().T
    known = np.isfinite(values).all(axis=0)
    if known.sum() < 2:
        raise fail(modality, f"{Path(cell).name}: fewer than two complete rows")
    times, inside = _window(t, start, spec.rate_hz, samples)
    clip = resample_linear(t[known], values[:, known], times, axis=1).astype(np.float32)
    period = float(np.median(np.diff(t)))
    valid = inside & (_distance(t[known], times) <= GAP_PERIODS * period / 2)
    return {modality: np.where(valid, clip, 0.0).astype(np.float32), f"{modality}_valid": valid}


def _skeleton_clip(
    source: Path, cell: str, start: float, manifest: Manifest, fail: Fail
) -> dict[str, np.ndarray]:
    """Joints (T, J, 3) and confidence (T, J) on the clip's grid; a missing joint has
    confidence 0 throughout, as occluded frames do in `touchline pose` output."""
    spec = manifest.modalities["skeleton"]
    joints = list(spec.joints or ())
    samples = manifest.samples("skeleton")
    skeleton = np.zeros((samples, len(joints), 3), np.float32)
    conf = np.zeros((samples, len(joints)), np.float32)
    if not cell:
        return {"skeleton": skeleton, "skeleton_conf": conf}
    columns = tuple(f"{j}_{axis}" for j in joints for axis in ("x", "y", "z", "conf"))
    table = _read_signal(source.parent / cell, "skeleton", columns, fail, every=False)
    t = table["t_s"].to_numpy()
    period = float(np.median(np.diff(t)))
    times, inside = _window(t, start, spec.rate_hz, samples)
    for k, joint in enumerate(joints):
        axes = [f"{joint}_{axis}" for axis in ("x", "y", "z")]
        present = [c in table.columns for c in axes]
        if not any(present):
            continue
        if not all(present):
            missing = [c for c, p in zip(axes, present, strict=True) if not p]
            raise fail("skeleton", f"{Path(cell).name}: joint {joint} lacks {', '.join(missing)}")
        xyz = table[axes].to_numpy().T
        c = (
            table[f"{joint}_conf"].to_numpy()
            if f"{joint}_conf" in table.columns
            else np.ones(len(t))
        )
        seen = np.isfinite(xyz).all(axis=0) & np.isfinite(c)
        if seen.sum() < 2:
            continue
        skeleton[:, k] = resample_linear(t[seen], xyz[:, seen], times, axis=1).T
        near = _distance(t[seen], times) <= period
        conf[:, k] = np.where(
            inside & near, np.clip(resample_linear(t[seen], c[seen], times), 0, 1), 0
        )
    return {"skeleton": skeleton, "skeleton_conf": conf}


def _distance(t: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Distance from each of `times` to the nearest of the sorted sample times `t`."""
    after = np.clip(np.searchsorted(t, times), 0, len(t) - 1)
    before = np.clip(after - 1, 0, len(t) - 1)
    return np.minimum(np.abs(t[after] - times), np.abs(t[before] - times))


# --- writing ---------------------------------------------------------------------------------


def _shard_arrays(
    takes: list[_Take], manifest: Manifest, weeks: np.ndarray
) -> dict[str, np.ndarray]:
    keys = takes[0].arrays.keys()
    arrays = {key: np.stack([t.arrays[key] for t in takes]) for key in keys}
    arrays.update(
        clip_id=np.array([t.take_id for t in takes]),
        athlete_id=np.array([t.athlete_id for t in takes]),
        session_id=np.array([t.session_id for t in takes]),
        label=np.array([manifest.labels.index(t.label) for t in takes], np.int16),
        scene=np.full(len(takes), manifest.scenes.index(DEFAULT_SCENE), np.int16),
        week=weeks.astype(np.int16),
    )
    return arrays


def _session_rows(takes: list[_Take], weeks: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "session_id": [t.session_id for t in takes],
            "athlete_id": [t.athlete_id for t in takes],
            "date": pd.to_datetime([t.day for t in takes]),
            "duration_min": [t.duration_s / 60.0 for t in takes],
            "week": weeks,
            "type": "training",
        }
    )
    grouped = frame.groupby(["session_id", "athlete_id"], sort=True, as_index=False)
    rows = grouped.agg(
        date=("date", "min"),
        duration_min=("duration_min", "sum"),
        week=("week", "min"),
        type=("type", "first"),
    )
    rows["duration_min"] = rows["duration_min"].round(3)
    return rows


def _create(root: Path, manifest: Manifest, takes: list[_Take]) -> Path:
    """Build the dataset in a hidden sibling directory and rename it to `root`."""
    dates = pd.Series(pd.to_datetime([t.day for t in takes]))
    weeks = week_number(dates, week_origin(dates)).to_numpy()
    manifest = manifest.model_copy(update={"weeks": int(weeks.max()) + 1})
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}.", suffix=".tmp"))
    try:
        os.chmod(staging, 0o777 & ~_umask())
        write_manifest(staging, manifest)
        write_table(
            staging,
            "athletes.csv",
            pd.DataFrame({"athlete_id": sorted({t.athlete_id for t in takes})}),
        )
        write_table(staging, "sessions.csv", _session_rows(takes, weeks))
        write_table(staging, "injuries.csv", pd.DataFrame(columns=["athlete_id", "date"]))
        write_clip_shard(staging, 0, _shard_arrays(takes, manifest, weeks), manifest)
        if root.exists():
            root.rmdir()  # empty (checked before reading the takes)
        os.replace(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return root / CLIPS_DIR / "shard-00000.npz"


def _append(dataset: Dataset, manifest: Manifest, takes: list[_Take]) -> Path:
    """Add the takes to an existing dataset: the shard is written last, so a failure before
    it leaves at most new athlete and session rows, never a clip without its athlete."""
    root = dataset.root
    existing = dataset.sessions
    dates = pd.Series(pd.to_datetime([t.day for t in takes]))
    all_dates = pd.concat([pd.Series(pd.to_datetime(existing["date"])), dates], ignore_index=True)
    if "week" in existing.columns and existing["week"].notna().any():
        known = existing["week"].notna()
        origin = (
            (
                pd.to_datetime(existing["date"][known])
                - pd.to_timedelta(existing["week"][known] * 7, unit="D")
            )
            .min()
            .normalize()
        )
    else:
        origin = week_origin(all_dates)
    weeks = week_number(dates, origin).to_numpy()
    if (weeks < 0).any():
        first = takes[int(np.flatnonzero(weeks < 0)[0])]
        raise TakesError(f"take {first.take_id!r}: dated {first.day}, before week 0 of {root}")
    shards = dataset.clip_shards
    arrays = _shard_arrays(takes, manifest, weeks)
    if shards:
        with np.load(shards[0], allow_pickle=False) as first_shard:
            keys = set(first_shard.files)
        if "impact" in keys:
            arrays["impact"] = np.zeros(len(takes), np.float32)
        missing = sorted(keys - set(arrays))
        if missing:
            raise TakesError(f"{root}: its clips carry {', '.join(missing)}, which takes do not")
        arrays = {key: value for key, value in arrays.items() if key in keys}
    weeks_needed = int(weeks.max()) + 1
    if manifest.weeks is not None and weeks_needed > manifest.weeks:
        manifest = manifest.model_copy(update={"weeks": weeks_needed})
    athletes = dataset.athletes
    new_athletes = sorted({t.athlete_id for t in takes} - set(athletes["athlete_id"]))
    sessions = _session_rows(takes, weeks)
    key = ["session_id", "athlete_id"]
    fresh = sessions.merge(existing[key], on=key, how="left", indicator=True)
    fresh = fresh[fresh["_merge"] == "left_only"].drop(columns="_merge")
    write_manifest(root, manifest)
    if new_athletes:
        write_table(
            root,
            "athletes.csv",
            pd.concat([athletes, pd.DataFrame({"athlete_id": new_athletes})], ignore_index=True),
        )
    if len(fresh):
        write_table(root, "sessions.csv", pd.concat([existing, fresh], ignore_index=True))
    index = 1 + max((int(p.stem.split("-")[1]) for p in shards), default=-1)
    return write_clip_shard(root, index, arrays, manifest)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
