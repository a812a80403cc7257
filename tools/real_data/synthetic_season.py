#!/usr/bin/env python3
"""Write only the season tables of a synthetic squad, for risk measurements.

`touchline synth` also renders every action clip (about 2 GB and ten minutes for the
paper-size squad); weekly risk needs none of them. This writes the same athletes,
sessions, injuries and weekly tables as `touchline synth --size SIZE --seed SEED` (the
same random draws, in the same order, stopping before the clips), marked synthetic.
`--weeks` simulates a longer season than the size's own.

    python tools/real_data/synthetic_season.py data/paper-season --size paper --seed 0
    touchline risk --week 9 --data data/paper-season --evaluate --holdout-weeks 3
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from host.data.dataset import write_manifest, write_table
from host.data.manifest import Generator, new_manifest
from host.synth.config import GENERATOR_NAME, GENERATOR_VERSION, SIZES
from host.synth.season import athlete_schedule, plan_athlete, team_calendar
from host.synth.squad import athletes_table, make_squad
from host.synth.weeks import simulate_weeks


def write_season(out: Path, size: str, seed: int, weeks: int | None = None) -> dict[str, int]:
    """The season tables of `touchline synth` (same seed, same draws) into `out`."""
    spec = SIZES[size] if weeks is None else replace(SIZES[size], weeks=weeks)
    rng = np.random.default_rng([seed, 0])
    squad = make_squad(rng, spec.athletes)
    calendar = team_calendar(rng, spec.weeks + 1)
    schedules = [athlete_schedule(rng, p, i, calendar) for i, p in enumerate(squad)]
    planned = [
        plan_athlete(seed, p.traits, [s for s in sched if s.session.week < spec.weeks])
        for p, sched in zip(squad, schedules, strict=True)
    ]
    season = simulate_weeks(rng, squad, planned, calendar, spec.weeks)
    out.mkdir(parents=True, exist_ok=True)
    write_manifest(
        out,
        new_manifest(
            f"Touchline synthetic season ({size}, seed {seed}, {spec.weeks} weeks, no clips)",
            synthetic=True,
            weeks=spec.weeks,
            split_seed=seed,
            generator=Generator(
                name=GENERATOR_NAME, version=GENERATOR_VERSION, seed=seed, size=size
            ),
        ),
    )
    write_table(out, "athletes.csv", athletes_table(squad))
    write_table(out, "sessions.csv", season.sessions)
    write_table(out, "injuries.csv", season.injuries)
    write_table(out, "weekly.csv", season.weekly)
    return {"athletes": len(squad), "weeks": spec.weeks, "injuries": len(season.injuries)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="New dataset directory.")
    parser.add_argument("--size", choices=sorted(SIZES), default="paper")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weeks", type=int, help="Season length (default: the size's).")
    args = parser.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        parser.exit(1, f"error: {args.out}: not empty (nothing is overwritten)\n")
    counts = write_season(args.out, args.size, args.seed, args.weeks)
    print(f"wrote {args.out} (synthetic): " + ", ".join(f"{v} {k}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
