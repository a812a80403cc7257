"""`synthesize`: a whole synthetic squad dataset directory (docs/dataset.md), deterministic
for a seed whatever the number of worker processes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

import numpy as np
from sklearn.metrics import roc_auc_score

from edge.sim.config import WIDE, PlayerVariability
from host.data.dataset import TRUTH_DIR, write_manifest, write_table
from host.data.manifest import Generator, new_manifest
from host.synth.clips import choose_clips, render_shard
from host.synth.config import GENERATOR_NAME, GENERATOR_VERSION, SIZES, SynthError
from host.synth.continuous import write_continuous
from host.synth.season import PlannedSession, athlete_schedule, plan_athlete, team_calendar
from host.synth.squad import athletes_table, make_squad, traits_table
from host.synth.weeks import simulate_weeks

Progress = Callable[[str, int, int], None]  # (stage, done, total)
STAGES = ("season", "clips", "continuous")


@dataclass(frozen=True)
class SynthSummary:
    """What was written, for the CLI and the docs."""

    out: Path
    size: str
    seed: int
    athletes: int
    weeks: int
    sessions: int
    action_clips: int
    background_clips: int
    continuous: int
    injuries: int
    injury_rate: float  # injuries per player-week
    oracle_auc: float  # AUC of the true hazard against the drawn labels
    seconds: float


P = ParamSpec("P")
T = TypeVar("T")


class _Inline(Executor):
    """Runs work in this process (one worker): same code path, no pickling."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def _collect(
    futures: Iterable[Future[T]], stage: str, total: int, progress: Progress | None
) -> list[T]:
    results = []
    for done, future in enumerate(futures, start=1):
        results.append(future.result())
        if progress:
            progress(stage, done, total)
    return results


def oracle_auc(hazard: np.ndarray, labels: np.ndarray) -> float:
    """The best AUC any model could reach on these labels: the true hazard's own AUC."""
    if labels.min() == labels.max():
        return float("nan")
    return float(roc_auc_score(labels, hazard))


def expected_oracle_auc(hazard: np.ndarray, rng: np.random.Generator, draws: int = 200) -> float:
    """The oracle AUC averaged over fresh draws of the labels from the true hazard: a
    property of the hazard, free of the luck of one season's injuries."""
    return float(
        np.nanmean(
            [
                oracle_auc(hazard, (rng.random(hazard.size) < hazard).astype(int))
                for _ in range(draws)
            ]
        )
    )


def check_request(out: str | os.PathLike[str], size: str) -> None:
    """Refuse an unknown size or an output directory that already holds something."""
    if size not in SIZES:
        raise SynthError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    root = Path(out)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise SynthError(
            f"{root}: output must be a new or empty directory (nothing is overwritten)"
        )


def synthesize(
    out: str | os.PathLike[str],
    size: str = "paper",
    seed: int = 0,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    variability: PlayerVariability = WIDE,
) -> SynthSummary:
    """Write a synthetic squad to `out` (an empty or new directory); `variability` sets
    how differently its players move and wear their straps (recorded in the manifest)."""
    if size not in SIZES:
        raise SynthError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    spec = SIZES[size]
    root = Path(out)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise SynthError(
            f"{root}: output must be a new or empty directory (nothing is overwritten)"
        )
    started = time.perf_counter()
    workers = workers or os.cpu_count() or 1
    rng = np.random.default_rng([seed, 0])
    squad = make_squad(rng, spec.athletes, variability)
    calendar = team_calendar(rng, spec.weeks + 1)
    schedules = [athlete_schedule(rng, p, i, calendar) for i, p in enumerate(squad)]
    manifest = new_manifest(
        f"Touchline synthetic squad ({size}, seed {seed})",
        synthetic=True,
        generator=Generator.model_validate(
            {
                "name": GENERATOR_NAME,
                "version": GENERATOR_VERSION,
                "seed": seed,
                "size": size,
                "variability": asdict(variability),  # an extra field of the manifest's
            }
        ),
        weeks=spec.weeks,
        split_seed=seed,
    )
    root.mkdir(parents=True, exist_ok=True)
    pool: Executor = _Inline() if workers == 1 else ProcessPoolExecutor(max_workers=workers)
    with pool:
        planned = _collect(
            [
                pool.submit(
                    plan_athlete, seed, p.traits, [s for s in sched if s.session.week < spec.weeks]
                )
                for p, sched in zip(squad, schedules, strict=True)
            ],
            "season",
            len(squad),
            progress,
        )
        season = simulate_weeks(rng, squad, planned, calendar, spec.weeks)
        write_manifest(root, manifest)
        write_table(root, "athletes.csv", athletes_table(squad))
        write_table(root, "sessions.csv", season.sessions)
        write_table(root, "injuries.csv", season.injuries)
        write_table(root, "weekly.csv", season.weekly)
        (root / TRUTH_DIR).mkdir(exist_ok=True)
        season.hazard.to_csv(root / TRUTH_DIR / "hazard.csv", index=False)
        traits_table(squad).to_csv(root / TRUTH_DIR / "athletes.csv", index=False)

        background = int(round(spec.action_clips * spec.background_fraction))
        tasks = choose_clips(
            rng, season.realised, season.traits_by_week, spec.action_clips, background
        )
        shards = [tasks[i : i + spec.shard_clips] for i in range(0, len(tasks), spec.shard_clips)]
        _collect(
            [
                pool.submit(render_shard, seed, k, shard, root, manifest)
                for k, shard in enumerate(shards)
            ],
            "clips",
            len(shards),
            progress,
        )
        last_week = [
            p
            for p in season.realised
            if p.session.week == spec.weeks - 1 and p.session.type in ("training", "match")
        ]
        chosen: list[PlannedSession] = []
        seen: set[int] = set()
        for p in sorted(last_week, key=lambda q: (q.session.type != "match", q.athlete)):
            if p.athlete not in seen and len(chosen) < spec.continuous_sessions:
                chosen.append(p)
                seen.add(p.athlete)
        _collect(
            [
                pool.submit(
                    write_continuous,
                    root,
                    seed,
                    k,
                    season.traits_by_week[(p.athlete, p.session.week)],
                    p.session.session_id,
                    p.session.scene,
                    p.session.type,
                    min(spec.continuous_minutes, p.minutes),
                )
                for k, p in enumerate(chosen)
            ],
            "continuous",
            len(chosen),
            progress,
        )

    labels = season.weekly["injured_next_week"].to_numpy()
    merged = season.weekly.merge(season.hazard, on=["athlete_id", "week"])
    return SynthSummary(
        out=root,
        size=size,
        seed=seed,
        athletes=spec.athletes,
        weeks=spec.weeks,
        sessions=len(season.sessions),
        action_clips=spec.action_clips,
        background_clips=background,
        continuous=len(chosen),
        injuries=int(labels.sum()),
        injury_rate=float(labels.mean()),
        oracle_auc=oracle_auc(merged["hazard"].to_numpy(), merged["injured_next_week"].to_numpy()),
        seconds=time.perf_counter() - started,
    )
