#!/usr/bin/env python3
"""Convert a fetched copy of a public body-worn inertial dataset into what Touchline reads.

Writes, for dataset NAME, `NAME_TRAIN.ts` and `NAME_TEST.ts` (labelled UEA/aeon `.ts`
files, split by the named held-out subjects) and beside them `NAME_groups.txt`, the
athlete of each series, one per line: the TRAIN file's series, then the TEST file's.
`--takes` also writes the soccer recording in the takes layout of `touchline import
takes` (TAKES.csv, one IMU CSV and one skeleton CSV per take).

    python tools/real_motion/convert.py soccer SOCCER_COPY --out data/real
    python tools/real_motion/convert.py phone-watch SPSW_COPY --out data/real
    python tools/real_motion/convert.py dsads DSADS_COPY --out data/real
    python tools/real_motion/convert.py utd-mhad UTD_COPY --out data/real
    python tools/real_motion/convert.py soccer SOCCER_COPY --out data/real --takes data/takes

SOCCER_COPY is a checkout of LMD-datasets/Expert-NoviceSoccerDataset, SPSW_COPY one of
GeoTecINIT/sp-sw-har-dataset, DSADS_COPY a copy of the Daily and Sports Activities
segments and UTD_COPY a copy holding UTD-MHAD's inertial trials
(tools/real_motion/README.md: sources, licences, commits).
"""

from __future__ import annotations

import argparse
import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from aeon.datasets import save_to_ts_file
from scipy.io import loadmat
from scipy.signal import resample_poly

from edge import taxonomy

RATE_HZ = 100  # the product's IMU rate; every dataset is resampled to it
RAD_TO_DEG = 180.0 / np.pi
STANDARD_GRAVITY = 9.80665

# --- Expert-Novice Soccer Dataset (Perception Neuron Pro suit, 8 players, 9 actions) ---
# The README states no rate; position over velocity gives 117-121 Hz (120 Hz nominal).
SOCCER_RATE_HZ = 120
SOCCER_WINDOW_S = taxonomy.CLIP_S  # the product's clip, centred on the take
# Sample index S01..S36 → action, four takes each (MotionData section of its README).
SOCCER_ACTIONS = (
    "penalty_kick",
    "free_kick",
    "direct_shot",
    "shot_from_cross",
    "volley",
    "dribble_long",
    "dribble_short",
    "dribble_straight",
    "juggling",
)
# Suit modules, found from the data (mean positions along the chain, acceleration growing
# towards the kicking foot of right-footed players): 01 hips, 02-04 right thigh/shank/foot,
# 05-07 left, 08-11 right clavicle/upper arm/forearm/hand, 12-15 left, 16 head, 17 neck.
SOCCER_WAIST, SOCCER_CALF = 1, 3
SOCCER_JOINTS = {
    "nose": 16,
    "right_shoulder": 9,
    "left_shoulder": 13,
    "right_elbow": 10,
    "left_elbow": 14,
    "right_wrist": 11,
    "left_wrist": 15,
    "right_hip": 2,
    "left_hip": 5,
    "right_knee": 3,
    "left_knee": 6,
    "right_ankle": 4,
    "left_ankle": 7,
}
SOCCER_TEST_PLAYERS = ("P4", "P8")  # one novice and one expert held out

# --- Smartphone + smartwatch HAR (Matey-Sanz et al. 2023, 23 subjects, 5 activities) ---
SPSW_WINDOW_S = 2.56  # one window centred on each labelled stretch of an execution
SPSW_MIN_RUN_S = 0.2
SPSW_TEST_SUBJECTS = ("s19", "s20", "s21", "s22", "s23")

# --- Daily and Sports Activities (Altun, Barshan, Tunçel 2010; 8 subjects, 19 activities) ---
# Five Xsens MTx units at 25 Hz; each activity of each subject is 5 min cut into sixty
# consecutive 5 s segments `aNN/pN/sNN.txt` (125 rows, 45 columns: torso, right arm, left
# arm, right leg, left leg; per unit x, y, z acceleration in m/s², rate of turn in rad/s,
# then magnetic field).
DSADS_RATE_HZ = 25
DSADS_SEGMENTS = 60
DSADS_SEGMENT_ROWS = 125
DSADS_UNIT_COLUMNS = 9
DSADS_TORSO, DSADS_RIGHT_LEG = 0, 3
# Every fifth segment (s01, s06, … s56): 12 per activity and subject, spread over the five
# minutes, so that a leave-subject-out fold runs in the time of the other two sets'.
DSADS_SEGMENT_STEP = 5
DSADS_ACTIVITIES = (
    "sitting",
    "standing",
    "lying_on_back",
    "lying_on_right_side",
    "ascending_stairs",
    "descending_stairs",
    "standing_in_elevator",
    "moving_in_elevator",
    "walking_in_parking_lot",
    "walking_treadmill_flat",
    "walking_treadmill_inclined",
    "running_treadmill",
    "stepper",
    "cross_trainer",
    "cycling_horizontal",
    "cycling_vertical",
    "rowing",
    "jumping",
    "basketball",
)
DSADS_TEST_SUBJECTS = ("p7", "p8")

# --- UTD-MHAD inertial (Chen, Jafari, Kehtarnavaz 2015; 8 subjects, 27 actions) ---
# One trial per file `Inertial/aA_sS_tT_inertial.mat` (variable `d_iner`: rows of x, y, z
# acceleration in g then x, y, z angular rate in deg/s, 50 Hz, 2-6.5 s). One IMU, worn
# on the right wrist for actions 1-21 and on the right thigh for 22-27.
UTD_RATE_HZ = 50
UTD_WINDOW_S = taxonomy.CLIP_S  # each trial centred in the product's clip, as the takes
UTD_ACTIONS = (
    "swipe_left",
    "swipe_right",
    "wave",
    "clap",
    "throw",
    "arm_cross",
    "basketball_shoot",
    "draw_x",
    "draw_circle_cw",
    "draw_circle_ccw",
    "draw_triangle",
    "bowling",
    "boxing",
    "baseball_swing",
    "tennis_swing",
    "arm_curl",
    "tennis_serve",
    "push",
    "knock",
    "catch",
    "pickup_throw",
    "jog",
    "walk",
    "sit_to_stand",
    "stand_to_sit",
    "lunge",
    "squat",
)
UTD_TRIAL = re.compile(r"a(\d+)_s(\d+)_t(\d+)_inertial\.mat")
# The Kinect skeleton of the same trial (`Skeleton/aA_sS_tT_skeleton.mat`, `d_skel`: 20
# joints × 3 × frames, metres in the camera's frame, y up), its 20 joints numbered as the
# release's Skeleton_joint_order.txt; the taxonomy's nose is its head.
UTD_JOINTS = {
    "nose": 1,
    "left_shoulder": 5,
    "right_shoulder": 9,
    "left_elbow": 6,
    "right_elbow": 10,
    "left_wrist": 7,
    "right_wrist": 11,
    "left_hip": 13,
    "right_hip": 17,
    "left_knee": 14,
    "right_knee": 18,
    "left_ankle": 15,
    "right_ankle": 19,
}
# Its one unit fills the taxonomy's first IMU, whose name says waist: the taxonomy has no
# wrist, and the model reads channels by position.
UTD_IMU_CHANNELS = taxonomy.IMU_CHANNELS[:6]
UTD_TEST_SUBJECTS = ("s7", "s8")


class ConvertError(ValueError):
    """The copy given does not look like the dataset named."""


@dataclass
class Series:
    """Labelled series `(channels, samples)` of one athlete, in product units."""

    values: np.ndarray
    label: str
    athlete: str


def centred(values: np.ndarray, length: int, centre: int) -> np.ndarray:
    """`length` samples of `(channels, T)` around `centre`, edge-padded where the
    recording is shorter, so every series has the product's fixed window."""
    start = centre - length // 2
    padded = np.pad(values, ((0, 0), (length, length)), mode="edge")
    return padded[:, start + length : start + 2 * length]


def soccer_series(copy: Path) -> tuple[list[Series], dict[str, list[np.ndarray]]]:
    """Waist + right-shank IMU per take (g, deg/s at 100 Hz, 6 s centred), and each take's
    13-joint skeleton (m, z up, 100 Hz, whole take) for the takes layout."""
    motion = copy / "MotionData"
    info = motion / "feature_info.csv"
    if not info.is_file():
        raise ConvertError(f"{copy}: no MotionData/feature_info.csv (not the soccer dataset?)")
    names = info.read_text().split()
    column = {name: i for i, name in enumerate(names)}
    length = int(SOCCER_WINDOW_S * RATE_HZ)
    series: list[Series] = []
    skeletons: dict[str, list[np.ndarray]] = {}
    for take in sorted(motion.glob("Player*/S*.txt")):
        if take.stat().st_size == 0:
            continue  # two takes of player 2 are over the mirror's file-size limit
        player = "P" + take.parent.name.removeprefix("Player")
        index = int(take.stem[1:])
        raw = np.loadtxt(take, delimiter=",", ndmin=2).T
        imu = []
        for module in (SOCCER_WAIST, SOCCER_CALF):
            imu += [raw[column[f"{module:02d}-A-{a}"]] for a in "xyz"]
            imu += [raw[column[f"{module:02d}-W-{a}"]] * RAD_TO_DEG for a in "xyz"]
        imu_100 = resample_poly(np.array(imu), RATE_HZ, SOCCER_RATE_HZ, axis=1)
        label = SOCCER_ACTIONS[(index - 1) // 4]
        series.append(
            Series(
                centred(imu_100, length, imu_100.shape[1] // 2).astype(np.float32), label, player
            )
        )
        # The suit's frame has z down: turning 180° about x gives z up, same handedness.
        joints = [
            raw[[column[f"{SOCCER_JOINTS[j]:02d}-X-{a}"] for a in "xyz"]]
            * np.array([[1.0], [-1.0], [-1.0]])
            for j in taxonomy.JOINTS
        ]
        skeleton = resample_poly(np.concatenate(joints), RATE_HZ, SOCCER_RATE_HZ, axis=1)
        skeletons[f"{player}_S{index:02d}"] = [imu_100, skeleton]
    if not series:
        raise ConvertError(f"{copy}: no MotionData/Player*/S*.txt takes")
    return series, skeletons


def phone_watch_series(copy: Path) -> list[Series]:
    """Phone (trouser pocket) + watch (wrist) accelerometer and gyroscope, g and deg/s on
    one 100 Hz grid; a 2.56 s window centred on each labelled stretch."""
    data = copy / "DATA"
    if not (data / "executions_info.csv").is_file():
        raise ConvertError(f"{copy}: no DATA/executions_info.csv (not the sp-sw dataset?)")
    length = int(round(SPSW_WINDOW_S * RATE_HZ))
    series: list[Series] = []
    for phone_file in sorted(data.glob("s*/s*_sp.csv")):
        athlete = phone_file.parent.name
        phone_t, phone, labels = _read_spsw(phone_file)
        watch_t, watch, _ = _read_spsw(phone_file.with_name(phone_file.name[:-7] + "_sw.csv"))
        grid = np.arange(max(phone_t[0], watch_t[0]), min(phone_t[-1], watch_t[-1]), 1 / RATE_HZ)
        both = np.array(
            [np.interp(grid, phone_t, c) for c in phone]
            + [np.interp(grid, watch_t, c) for c in watch]
        )
        label_at = np.searchsorted(phone_t, grid).clip(0, len(labels) - 1)
        grid_labels = labels[label_at]
        starts = np.flatnonzero(np.r_[True, grid_labels[1:] != grid_labels[:-1]])
        ends = np.r_[starts[1:], len(grid_labels)]
        for start, end in zip(starts, ends, strict=True):
            if end - start < SPSW_MIN_RUN_S * RATE_HZ:
                continue
            window = centred(both, length, (start + end) // 2).astype(np.float32)
            series.append(Series(window, grid_labels[start].lower(), athlete))
    if not series:
        raise ConvertError(f"{copy}: no DATA/s*/s*_sp.csv executions")
    return series


def dsads_series(copy: Path) -> list[Series]:
    """Torso + right-leg units' accelerometer and gyroscope (g, deg/s, 100 Hz): each
    activity's five minutes joined, resampled as one signal, and cut back into its 5 s
    segments, of which every `DSADS_SEGMENT_STEP`-th is kept."""
    data = copy / "data" if (copy / "data").is_dir() else copy
    if not (data / "a01" / "p1").is_dir():
        raise ConvertError(f"{copy}: no a01/p1/ segment folder (not the DSADS dataset?)")
    columns = [
        DSADS_UNIT_COLUMNS * unit + offset
        for unit in (DSADS_TORSO, DSADS_RIGHT_LEG)
        for offset in range(6)
    ]
    per_unit = np.array(([1 / STANDARD_GRAVITY] * 3 + [RAD_TO_DEG] * 3) * 2)[:, None]
    up = RATE_HZ // DSADS_RATE_HZ
    series: list[Series] = []
    for number, label in enumerate(DSADS_ACTIVITIES, start=1):
        for subject in sorted((data / f"a{number:02d}").glob("p*"), key=lambda p: int(p.name[1:])):
            segments = [
                np.loadtxt(subject / f"s{k:02d}.txt", delimiter=",", ndmin=2)
                for k in range(1, DSADS_SEGMENTS + 1)
            ]
            if any(seg.shape != (DSADS_SEGMENT_ROWS, 5 * DSADS_UNIT_COLUMNS) for seg in segments):
                raise ConvertError(f"{subject}: a segment is not 125 rows of 45 columns")
            joined = np.concatenate(segments)[:, columns].T * per_unit
            # Extended as a line, not zeros: the first segment starts without a transient.
            resampled = resample_poly(joined, up, 1, axis=1, padtype="line").astype(np.float32)
            length = DSADS_SEGMENT_ROWS * up
            for k in range(0, DSADS_SEGMENTS, DSADS_SEGMENT_STEP):
                window = resampled[:, k * length : (k + 1) * length]
                series.append(Series(window, label, subject.name))
    if not series:
        raise ConvertError(f"{copy}: no aNN/pN/sNN.txt segments")
    return series


def utd_series(copy: Path) -> list[Series]:
    """Each inertial trial (g, deg/s as recorded) resampled to 100 Hz and centred in the
    product's 6 s clip, edge-padded, as the footballers' takes are; in action, subject,
    trial order."""
    return [series for series, _ in _utd_trials(copy, skeletons=False)]


def utd_takes(copy: Path) -> tuple[list[Series], dict[str, list[np.ndarray]]]:
    """`utd_series`, and each trial's whole IMU (100 Hz) and 13-joint Kinect skeleton
    (metres, z up, on the same 100 Hz grid) for the takes layout. The release says the
    two are synchronised but stores no times: the skeleton's frames are spread evenly
    over the inertial trial's duration."""
    trials = _utd_trials(copy, skeletons=True)
    return [series for series, _ in trials], {
        take_id: arrays for _, (take_id, arrays) in trials if arrays is not None
    }


def _utd_trials(
    copy: Path, skeletons: bool
) -> list[tuple[Series, tuple[str, list[np.ndarray] | None]]]:
    """Every trial's series, with (take id, [whole IMU, skeleton]) where `skeletons`."""
    files = sorted(copy.rglob("*_inertial.mat"))
    trials = [
        (tuple(int(n) for n in m.groups()), f) for f in files if (m := UTD_TRIAL.fullmatch(f.name))
    ]
    if not trials:
        raise ConvertError(f"{copy}: no aA_sS_tT_inertial.mat trials (not UTD-MHAD?)")
    length = int(UTD_WINDOW_S * RATE_HZ)
    found: list[tuple[Series, tuple[str, list[np.ndarray] | None]]] = []
    for (action, subject, trial), path in sorted(trials):
        recorded = loadmat(path).get("d_iner")
        if recorded is None or recorded.ndim != 2 or recorded.shape[1] != 6:
            raise ConvertError(f"{path}: no d_iner of 6 columns (acceleration, angular rate)")
        if not 1 <= action <= len(UTD_ACTIONS):
            raise ConvertError(f"{path}: action {action} is not one of the 27")
        values = resample_poly(
            recorded.T.astype(np.float64), RATE_HZ, UTD_RATE_HZ, axis=1, padtype="line"
        )
        window = centred(values, length, values.shape[1] // 2).astype(np.float32)
        take_id = f"s{subject}_a{action:02d}_t{trial}"
        arrays = [values, _utd_skeleton(path, values.shape[1])] if skeletons else None
        found.append((Series(window, UTD_ACTIONS[action - 1], f"s{subject}"), (take_id, arrays)))
    return found


def _utd_skeleton(inertial: Path, samples: int) -> np.ndarray:
    """The trial's Kinect skeleton `(39, samples)`: the taxonomy's joints' x, y, z in
    metres, turned from the camera's y-up frame to z up (x, y, z → x, −z, y: a right-handed
    turn about x), its frames spread over the inertial trial and interpolated to 100 Hz."""
    path = inertial.parent.parent / "Skeleton" / inertial.name.replace("inertial", "skeleton")
    if not path.is_file():
        raise ConvertError(f"{inertial}: no skeleton beside it ({path.name})")
    frames = loadmat(path).get("d_skel")
    if frames is None or frames.ndim != 3 or frames.shape[:2] != (20, 3) or frames.shape[2] < 2:
        raise ConvertError(f"{path}: no d_skel of 20 joints × 3 × frames")
    chosen = frames[[UTD_JOINTS[j] - 1 for j in taxonomy.JOINTS]]  # (13, 3, frames)
    turned = np.stack([chosen[:, 0], -chosen[:, 2], chosen[:, 1]], axis=1)
    grid = np.linspace(0.0, 1.0, samples)
    at = np.linspace(0.0, 1.0, frames.shape[2])
    return np.stack([np.interp(grid, at, row) for row in turned.reshape(-1, frames.shape[2])])


def _read_spsw(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seconds, `(6, T)` g and deg/s, labels; the files hold m/s², rad/s and ms."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ConvertError(f"{path}: no samples")
    t = np.array([float(r["timestamp"]) for r in rows]) / 1000.0
    acc = np.array([[float(r[f"{a}_acc"]) for r in rows] for a in "xyz"]) / STANDARD_GRAVITY
    gyro = np.array([[float(r[f"{a}_gyro"]) for r in rows] for a in "xyz"]) * RAD_TO_DEG
    order = np.argsort(t, kind="stable")
    t, keep = np.unique(t[order], return_index=True)
    values = np.concatenate([acc, gyro])[:, order][:, keep]
    return t, values, np.array([r["label"] for r in rows])[order][keep]


def write_ts(series: Sequence[Series], out: Path, name: str, held_out: Sequence[str]) -> None:
    """NAME_TRAIN.ts / NAME_TEST.ts (`held_out` athletes are TEST) and NAME_groups.txt: the
    athlete of each series, one per line, the TRAIN series first and then the TEST ones."""
    out.mkdir(parents=True, exist_ok=True)
    train = [s for s in series if s.athlete not in held_out]
    test = [s for s in series if s.athlete in held_out]
    for split, chosen in (("TRAIN", train), ("TEST", test)):
        save_to_ts_file(
            np.stack([s.values for s in chosen]),
            np.array([s.label for s in chosen]),
            label_type="classification",
            path=str(out),
            problem_name=f"{name}_{split}",
        )
    (out / f"{name}_groups.txt").write_text("".join(f"{s.athlete}\n" for s in train + test))


def write_takes(
    takes: dict[str, list[np.ndarray]],
    series: Sequence[Series],
    out: Path,
    imu_channels: Sequence[str] = taxonomy.IMU_CHANNELS,
) -> None:
    """The takes layout: TAKES.csv plus imu/<take>.csv (`imu_channels`, the taxonomy's
    names) and skeleton/<take>.csv (the taxonomy's 13 joints, in its order)."""
    (out / "imu").mkdir(parents=True, exist_ok=True)
    (out / "skeleton").mkdir(parents=True, exist_ok=True)
    imu_header = ["t_s", *imu_channels]
    skeleton_header = ["t_s"] + [f"{j}_{a}" for j in taxonomy.JOINTS for a in "xyz"]
    with (out / "TAKES.csv").open("w", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(["take_id", "athlete_id", "label", "imu", "skeleton"])
        for (take_id, (imu, skeleton)), item in zip(takes.items(), series, strict=True):
            for kind, values, header in (
                ("imu", imu, imu_header),
                ("skeleton", skeleton, skeleton_header),
            ):
                t = np.arange(values.shape[1]) / RATE_HZ
                table = np.column_stack([t, values.T])
                np.savetxt(
                    out / kind / f"{take_id}.csv",
                    table,
                    delimiter=",",
                    header=",".join(header),
                    comments="",
                    fmt="%.5g",
                )
            rows.writerow(
                [take_id, item.athlete, item.label, f"imu/{take_id}.csv", f"skeleton/{take_id}.csv"]
            )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", choices=("soccer", "phone-watch", "dsads", "utd-mhad"))
    parser.add_argument("copy", type=Path, help="checkout of the dataset's repository")
    parser.add_argument("--out", type=Path, required=True, help="folder for the .ts files")
    parser.add_argument(
        "--takes", type=Path, help="soccer and utd-mhad: also write the takes layout"
    )
    args = parser.parse_args(argv)
    if args.takes and args.dataset in ("phone-watch", "dsads"):
        parser.error("--takes: only the soccer and UTD-MHAD recordings carry skeletons")
    if args.dataset == "soccer":
        series, takes = soccer_series(args.copy)
        write_ts(series, args.out, "SoccerIMU", SOCCER_TEST_PLAYERS)
        if args.takes:
            write_takes(takes, series, args.takes)
    elif args.dataset == "phone-watch":
        series = phone_watch_series(args.copy)
        write_ts(series, args.out, "PhoneWatchHAR", SPSW_TEST_SUBJECTS)
    elif args.dataset == "dsads":
        series = dsads_series(args.copy)
        write_ts(series, args.out, "DailySportsIMU", DSADS_TEST_SUBJECTS)
    else:
        series, takes = utd_takes(args.copy) if args.takes else (utd_series(args.copy), {})
        write_ts(series, args.out, "UtdActionsIMU", UTD_TEST_SUBJECTS)
        if args.takes:
            write_takes(takes, series, args.takes, UTD_IMU_CHANNELS)
    counts = {a: sum(s.athlete == a for s in series) for a in sorted({s.athlete for s in series})}
    print(
        f"{len(series)} series, {len(counts)} athletes: "
        + ", ".join(f"{a} {n}" for a, n in counts.items())
    )
    print("written to", args.out)


if __name__ == "__main__":
    main()
