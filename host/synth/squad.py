"""The squad: who plays, as edge.sim traits plus the hidden frailty only the hazard sees."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation

from edge.sim import AthleteTraits, random_traits
from edge.sim.config import WIDE, PlayerVariability
from host.synth.config import HAZARD


@dataclass(frozen=True)
class Player:
    """A squad member: simulator traits, whether they usually start, hidden frailty."""

    traits: AthleteTraits
    starter: bool
    frailty: float  # logit-scale random effect of the hazard (not in any table)


def make_squad(
    rng: np.random.Generator, size: int, variability: PlayerVariability = WIDE
) -> list[Player]:
    """`size` players with ids A001…; about 60 % usual starters."""
    squad = []
    for i in range(size):
        traits = random_traits(rng, f"A{i + 1:03d}", variability)
        squad.append(
            Player(traits, bool(rng.random() < 0.6), float(rng.normal(0, HAZARD.frailty_sd)))
        )
    return squad


def athletes_table(squad: list[Player]) -> pd.DataFrame:
    """athletes.csv: what a club would know."""
    return pd.DataFrame(
        {
            "athlete_id": [p.traits.athlete_id for p in squad],
            "position": [p.traits.position for p in squad],
            "mass_kg": [p.traits.mass_kg for p in squad],
            "height_m": [p.traits.height_m for p in squad],
            "prior_injuries": [p.traits.prior_injuries for p in squad],
        }
    )


def _angle_deg(mount: np.ndarray) -> float:
    """How far a strap's mounting turns the sensor from the body frame, degrees."""
    return float(np.degrees(Rotation.from_matrix(mount).magnitude()))


def traits_table(squad: list[Player]) -> pd.DataFrame:
    """truth/athletes.csv: the hidden traits the simulator used."""
    rows = []
    for p in squad:
        t = p.traits
        rows.append(
            {
                "athlete_id": t.athlete_id,
                "age": t.age,
                "top_speed_mps": t.top_speed_mps,
                "accel_capacity_mps2": round(t.accel_capacity, 3),
                "technique": round(t.technique, 4),
                "fitness_start": round(t.fitness, 4),
                "asymmetry": round(t.asymmetry, 4),
                "valgus_tendency": round(t.valgus_tendency, 4),
                "dominant_foot": "right" if t.dominant_right else "left",
                "hr_rest": round(t.hr_rest, 1),
                "hr_max": round(t.hr_max, 1),
                "calf_range_g": t.calf_imu.accel_range_g,
                "waist_mount_deg": round(_angle_deg(t.waist_mount), 1),
                "calf_mount_deg": round(_angle_deg(t.calf_mount), 1),
                "waist_flipped": t.waist_flipped,
                "calf_flipped": t.calf_flipped,
                "waist_offset_m": " ".join(f"{x:.3f}" for x in t.waist_offset_m),
                "calf_along_shank": round(t.calf_along_shank, 3),
                "tempo": round(t.tempo, 3),
                "cadence": round(t.cadence, 3),
                "knee_lift": round(t.knee_lift, 3),
                "arm_swing": round(t.arm_swing, 3),
                "trunk_lean_deg": round(float(np.degrees(t.trunk_lean_rad)), 1),
                "strength": round(t.strength, 3),
                "starter": p.starter,
                "frailty": round(p.frailty, 4),
            }
        )
    return pd.DataFrame(rows)
