"""Whole sessions as raw sensor streams with their true events (continuous/*.npz).

Keys (documented in docs/synthetic.md): waist, calf (T,6) float32; waist_device_us,
calf_device_us (T,) int64 device clocks; imu_t_s (T,) true time; waist_valid, calf_valid;
gps (Tg,3), gps_t_s, gps_valid; hr (Th,), hr_t_s, hr_valid; events_t_s, events_label
(index into manifest labels), events_impact; waist_clock, calf_clock = [offset_s,
drift_ppm] (the truth a clock fit should recover).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.sim import AthleteTraits, simulate_session
from edge.taxonomy import ACTIONS, LABELS
from host.data.dataset import CONTINUOUS_DIR
from host.synth.config import POSITION_ACTION_SCALE


def write_continuous(
    root: Path,
    seed: int,
    index: int,
    traits: AthleteTraits,
    session_id: str,
    scene: str,
    session_type: str,
    minutes: float,
) -> Path:
    """Simulate the first `minutes` of a session at full rate and save it; runs in a worker."""
    rng = np.random.default_rng([seed, 3, index])
    scale = POSITION_ACTION_SCALE.get(traits.position, {})
    signals = simulate_session(
        traits,
        rng,
        minutes * 60.0,
        scene,
        session_type,
        with_skeleton=False,
        rate_scale={a: scale.get(a, 1.0) for a in ACTIONS},
    )
    path = Path(root) / CONTINUOUS_DIR / f"{session_id}__{traits.athlete_id}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.npz")
    np.savez_compressed(
        tmp,
        waist=signals.waist,
        calf=signals.calf,
        waist_device_us=signals.waist_device_us,
        calf_device_us=signals.calf_device_us,
        imu_t_s=signals.imu_t_s,
        waist_valid=signals.waist_valid,
        calf_valid=signals.calf_valid,
        gps=signals.gps,
        gps_t_s=signals.gps_t_s,
        gps_valid=signals.gps_valid,
        hr=signals.hr,
        hr_t_s=signals.hr_t_s,
        hr_valid=signals.hr_valid,
        events_t_s=np.array([e.t_s for e in signals.events]),
        events_label=np.array([LABELS.index(e.label) for e in signals.events], dtype=np.int16),
        events_impact=np.array([e.impact for e in signals.events], dtype=np.float32),
        waist_clock=np.array([signals.clocks["waist"].offset_s, signals.clocks["waist"].drift_ppm]),
        calf_clock=np.array([signals.clocks["calf"].offset_s, signals.clocks["calf"].drift_ppm]),
    )
    tmp.replace(path)
    return path
