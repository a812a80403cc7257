"""Figures and statistics of the simulator for docs/synthetic.md.

    python -m host.synth.figures docs/img/synthetic [--seed 0] [--clips 40]

Writes one PNG per action (waist and calf acceleration and angular rate, GPS speed, and
the knee angle measured on the video skeleton) and prints the per-action statistics
table and the measured imperfection rates as Markdown.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from edge.sim import SessionSignals, random_traits, simulate_clip  # noqa: E402
from edge.taxonomy import JOINTS, LABELS, SCENES  # noqa: E402

DPI = 72


def _skeleton(clip: SessionSignals) -> tuple[np.ndarray, np.ndarray]:
    """The clip's skeleton and its confidences (simulated clips always carry them)."""
    if clip.skeleton is None or clip.skeleton_conf is None:
        raise ValueError("a figure needs a clip simulated with its skeleton")
    return clip.skeleton, clip.skeleton_conf


def knee_angle_deg(clip: SessionSignals, right: bool) -> np.ndarray:
    """Knee flexion from the skeleton's hip, knee and ankle (NaN where occluded)."""
    side = "right" if right else "left"
    idx = [JOINTS.index(f"{side}_{j}") for j in ("hip", "knee", "ankle")]
    skeleton, conf = _skeleton(clip)
    hip, knee, ankle = (skeleton[:, i] for i in idx)
    a, b = hip - knee, ankle - knee
    cos = np.einsum("ij,ij->i", a, b) / (
        np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-9
    )
    angle = 180.0 - np.degrees(np.arccos(np.clip(cos, -1, 1)))
    return np.where((conf[:, idx] >= 0.5).all(axis=1), angle, np.nan)


def plot_clip(clip: SessionSignals, label: str, right: bool, path: Path) -> None:
    fig, axes = plt.subplots(5, 1, figsize=(7.5, 8.0), sharex=True)
    t = clip.imu_t_s
    names = ("x", "y", "z")
    for ax, data, title, unit in (
        (axes[0], clip.waist[:, :3], "waist accelerometer", "g"),
        (axes[1], clip.calf[:, :3], "calf accelerometer", "g"),
        (axes[2], clip.calf[:, 3:], "calf gyroscope", "deg/s"),
    ):
        for k in range(3):
            ax.plot(t, data[:, k], lw=0.8, label=names[k])
        ax.set_ylabel(unit)
        ax.set_title(title, fontsize=9, loc="left")
    axes[0].legend(fontsize=7, ncol=3, loc="upper right")
    axes[3].plot(clip.gps_t_s, np.where(clip.gps_valid, clip.gps[:, 2], np.nan), "o-", ms=2, lw=0.8)
    axes[3].plot(t, clip.true_speed_mps, lw=0.6, color="grey", label="true")
    axes[3].set_ylabel("m/s")
    axes[3].set_title("GPS speed (10 Hz) and true speed", fontsize=9, loc="left")
    axes[4].plot(clip.skeleton_t_s, knee_angle_deg(clip, right), lw=0.8)
    axes[4].set_ylabel("deg")
    axes[4].set_title("knee flexion from the skeleton (calf-sensor leg)", fontsize=9, loc="left")
    axes[4].set_xlabel("s")
    for ax in axes:
        for e in clip.events:
            ax.axvline(e.t_s, color="red", lw=0.6, ls="--")
        ax.tick_params(labelsize=7)
    fig.suptitle(f"{label} (synthetic, {clip.scene})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def _max_or_nan(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else float("nan")


def _quartiles(values: np.ndarray, fmt: str) -> str:
    q = np.nanpercentile(values, [25, 50, 75])
    return f"{q[1]:{fmt}} [{q[0]:{fmt}}–{q[2]:{fmt}}]"


def statistics(seed: int, clips_per_action: int) -> tuple[list[str], list[str]]:
    """Markdown rows: per-action peaks, and measured imperfection rates."""
    rng = np.random.default_rng(seed)
    players = [random_traits(rng, f"F{i}") for i in range(12)]
    rows, loss, clipped, hidden, no_camera, gps_loss = [], [], [], [], [], []
    for label in LABELS:
        peaks = []
        for k in range(clips_per_action):
            player = players[k % len(players)]
            clip = simulate_clip(player, rng, label, SCENES[k % len(SCENES)])
            centre = clip.events[0].t_s if clip.events else 4.0
            near = np.abs(clip.imu_t_s - centre) <= 0.5
            peaks.append(
                (
                    np.linalg.norm(clip.waist[near, :3], axis=1).max(),
                    np.linalg.norm(clip.calf[near, :3], axis=1).max(),
                    np.abs(clip.calf[near, 3:]).max(),
                    clip.true_speed_mps.max(),
                    _max_or_nan(knee_angle_deg(clip, player.dominant_right)),
                    clip.events[0].impact if clip.events else np.nan,
                )
            )
            loss.append(1 - np.mean([clip.waist_valid.mean(), clip.calf_valid.mean()]))
            clipped.append(clip.calf_clipped.any())
            conf = _skeleton(clip)[1]
            hidden.append((conf < 0.5).mean())
            no_camera.append(conf.max() == 0)
            gps_loss.append(1 - clip.gps_valid.mean())
        p = np.array(peaks)
        formats = (".1f", ".1f", ".0f", ".1f", ".0f")
        cells = [_quartiles(p[:, j], fmt) for j, fmt in enumerate(formats)]
        impact = "–" if np.isnan(p[:, 5]).all() else _quartiles(p[:, 5], ".2f")
        rows.append(f"| {label} | {' | '.join(cells)} | {impact} |")
    rates = [
        f"| IMU samples lost (bursts, dead sensors) | {np.mean(loss):.2%} |",
        f"| clips with a clipped calf sample | {np.mean(clipped):.1%} |",
        f"| skeleton joint-frames below confidence 0.5 | {np.mean(hidden):.1%} |",
        f"| clips without any skeleton (camera missed) | {np.mean(no_camera):.1%} |",
        f"| GPS fixes lost | {np.mean(gps_loss):.2%} |",
    ]
    return rows, rates


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clips", type=int, default=40, help="clips per action for the statistics")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    player = random_traits(rng, "F0")
    for label in LABELS:
        clip = simulate_clip(player, rng, label, "adversarial_training", intensity=0.7)
        while _skeleton(clip)[1].max() == 0 or not clip.calf_valid.all():  # a complete clip
            clip = simulate_clip(player, rng, label, "adversarial_training", intensity=0.7)
        plot_clip(clip, label, player.dominant_right, args.out / f"{label}.png")
    rows, rates = statistics(args.seed, args.clips)
    print(
        "| action | waist peak (g) | calf peak (g) | calf peak rate (deg/s) | top speed (m/s) "
        "| max knee flexion (deg) | impact s_k |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("\n| imperfection | measured |\n|---|---|")
    print("\n".join(rates))


if __name__ == "__main__":
    main()
