"""Week by week: internal load, fatigue, fitness, wellness, the hidden hazard and injuries.

Week t's state sets the true probability of a time-loss injury in week t+1 (the hazard,
saved in truth/hazard.csv). The intercept is solved each week so the squad's mean hazard
equals the configured base rate; what varies between players comes from:

- acute:chronic workload ratio (sRPE, 7/28 days, coupled, with a hidden pre-season so it
  is defined from week 0) above 1.3 or below 0.8,
- the action impact score D_t = Σ ρ_k n_k s_k (paper Eq. 19),
- fatigue (hidden; seen through RPE, heart rate and wellness),
- movement quality (knee valgus on landing and cutting; weekly.csv `movement_quality`),
- injury history, a recent injury, age, and a hidden per-player frailty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from edge.sim import AthleteTraits
from edge.sim.actions import impact_flaw, impact_score_array, quality_deficit
from edge.taxonomy import ACTIONS
from host.synth.config import (
    HAZARD,
    PL_PER_M,
    PL_PER_MIN,
    PRESEASON_WEEKS,
    RHO,
    SEASON_START,
    Hazard,
)
from host.synth.season import PlannedSession, TeamSession
from host.synth.squad import Player

TYPICAL_DAILY_SRPE = 330.0  # AU/day of a normal week (≈ 2300 AU/week)
QUALITY_NOISE = 0.05  # error of the weekly movement-quality assessment


@dataclass
class Season:
    """Everything the weekly simulation produced."""

    sessions: pd.DataFrame
    weekly: pd.DataFrame
    hazard: pd.DataFrame
    injuries: pd.DataFrame
    realised: list[PlannedSession]  # sessions that took place (injured players miss theirs)
    traits_by_week: dict[tuple[int, int], AthleteTraits] = field(default_factory=dict)


def solve_intercept(logits: np.ndarray, base_rate: float) -> float:
    """b0 such that mean(sigmoid(b0 + logits)) == base_rate."""
    return brentq(lambda b0: expit(b0 + logits).mean() - base_rate, -30.0, 30.0)


def _mechanism(rng: np.random.Generator, parts: dict[str, float]) -> str:
    weights = np.array([max(v, 0.0) + 0.15 for v in parts.values()])
    return list(parts)[int(rng.choice(len(parts), p=weights / weights.sum()))]


def _injury(
    rng: np.random.Generator, hazard: Hazard, parts: dict[str, float]
) -> tuple[int, str, str]:
    """Days lost, type and location of an injury, by its most likely cause."""
    lost = round(rng.lognormal(np.log(hazard.days_lost_median), hazard.days_lost_sigma))
    kind = hazard.types[_mechanism(rng, parts)]
    return int(np.clip(lost, 2, 120)), kind[0], str(rng.choice(kind[1:]))


def _wellness(rng: np.random.Generator, fatigue: float) -> dict[str, int]:
    def item(mean: float) -> int:
        return int(np.clip(round(mean + rng.normal(0.0, 0.6)), 1, 5))

    return {
        "sleep": item(4.2 - 1.6 * fatigue),
        "soreness": item(4.4 - 2.4 * fatigue),
        "fatigue": item(4.4 - 2.6 * fatigue),
        "stress": item(3.9 - 0.9 * fatigue),
        "mood": item(4.1 - 1.2 * fatigue),
    }


def _rpe(rng: np.random.Generator, p: PlannedSession, fatigue: float, fitness: float) -> int:
    kind = p.session.type
    if kind == "match":
        mean = 5.0 + 3.0 * min(p.minutes / 90.0, 1.0) * (0.9 + 0.35 * fatigue - 0.1 * fitness)
    elif kind == "recovery":
        mean = 2.2 + 0.8 * fatigue
    else:
        mean = 2.5 + 5.0 * p.intensity * (0.85 + 0.45 * fatigue - 0.25 * fitness)
    return int(np.clip(round(mean + rng.normal(0.0, 0.7)), 1, 10))


def simulate_weeks(
    rng: np.random.Generator,
    squad: list[Player],
    planned: list[list[PlannedSession]],
    calendar: list[list[TeamSession]],
    weeks: int,
    hazard: Hazard = HAZARD,
) -> Season:
    """Run the season week by week; `calendar` has one more week than `weeks` (the week
    the last labels look into)."""
    n = len(squad)
    days = (PRESEASON_WEEKS + weeks + 1) * 7
    daily = np.zeros((n, days))
    pre = PRESEASON_WEEKS * 7
    pattern = np.array([0.35, 1.25, 1.3, 1.1, 0.8, 1.9, 0.0])
    for i in range(n):  # hidden pre-season: a player-specific level with weekly swings
        level = TYPICAL_DAILY_SRPE * rng.uniform(0.75, 1.15)
        swings = rng.normal(1.0, 0.15, PRESEASON_WEEKS).repeat(7)
        daily[i, :pre] = level * np.tile(pattern, PRESEASON_WEEKS) * swings
    fitness = np.array([p.traits.fitness for p in squad])
    fatigue = rng.uniform(0.1, 0.35, n)
    injured_until = np.zeros(n, dtype=int)  # first day index the player is fit again
    season_injuries = np.zeros(n, dtype=int)
    last_injury_week = np.full(n, -100)
    by_week: list[list[list[PlannedSession]]] = [[[] for _ in range(weeks + 1)] for _ in range(n)]
    for i, sessions in enumerate(planned):
        for p in sessions:
            by_week[i][p.session.week].append(p)

    session_rows, weekly_rows, hazard_rows, injury_rows = [], [], [], []
    realised: list[PlannedSession] = []
    traits_by_week: dict[tuple[int, int], AthleteTraits] = {}
    for week in range(weeks):
        logits = np.zeros(n)
        impact_d = np.zeros(n)
        acwr = np.ones(n)
        matches = np.zeros(n)
        week_rows = []
        for i, player in enumerate(squad):
            traits = player.traits.with_state(fitness=fitness[i], fatigue=fatigue[i])
            traits_by_week[(i, week)] = traits
            flaws = np.array([impact_flaw(a, traits) for a in ACTIONS])
            counts = np.zeros(len(ACTIONS))
            impact_sum = np.zeros(len(ACTIONS))
            for p in sorted(by_week[i][week], key=lambda q: q.session.day):
                day = pre + 7 * week + p.session.day
                if day < injured_until[i]:
                    continue
                rpe = _rpe(rng, p, fatigue[i], fitness[i])
                minutes = round(p.minutes, 1)
                daily[i, day] += rpe * minutes
                matches[i] += p.session.type == "match"
                realised.append(p)
                counts += np.bincount(p.event_action, minlength=len(ACTIONS))
                impacts = impact_score_array(p.event_intensity, flaws[p.event_action])
                impact_sum += np.bincount(p.event_action, weights=impacts, minlength=len(ACTIONS))
                effort = rpe / 10.0
                session_rows.append(
                    {
                        "session_id": p.session.session_id,
                        "athlete_id": traits.athlete_id,
                        "date": p.session.date.isoformat(),
                        "week": week,
                        "type": p.session.type,
                        "duration_min": minutes,
                        "rpe": rpe,
                        "srpe_load": round(rpe * minutes, 1),
                        "distance_m": round(p.distance_m, 1),
                        "hsr_m": round(p.hsr_m, 1),
                        "sprints": p.sprints,
                        "accels": p.accels,
                        "decels": p.decels,
                        "player_load": round(PL_PER_M * p.distance_m + PL_PER_MIN * minutes, 1),
                        "hr_mean": round(
                            traits.hr_rest
                            + (traits.hr_max - traits.hr_rest)
                            * (0.35 + 0.3 * effort + 0.05 * fatigue[i])
                            + rng.normal(0, 3),
                            1,
                        ),
                        "hr_max": round(
                            min(
                                traits.hr_max * (0.82 + 0.14 * effort) + rng.normal(0, 2),
                                traits.hr_max,
                            ),
                            1,
                        ),
                        **_wellness(rng, fatigue[i]),
                    }
                )
            end = pre + 7 * (week + 1)
            acute, chronic = daily[i, end - 7 : end].mean(), daily[i, end - 28 : end].mean()
            acwr[i] = acute / chronic if chronic > 0 else 0.0
            mean_s = np.divide(impact_sum, counts, out=np.zeros_like(impact_sum), where=counts > 0)
            impact_d[i] = sum(RHO[a] * counts[k] * mean_s[k] for k, a in enumerate(ACTIONS))
            quality = 1.0 - quality_deficit(traits)
            observed_quality = float(np.clip(quality + rng.normal(0, QUALITY_NOISE), 0, 1))
            history = traits.prior_injuries + season_injuries[i]
            logits[i] = (
                hazard.acwr_high * max(acwr[i] - 1.3, 0.0)
                + hazard.acwr_low * max(0.8 - acwr[i], 0.0)
                + hazard.fatigue * fatigue[i]
                + hazard.quality * (1.0 - quality)
                + hazard.history * np.log1p(history)
                + hazard.recent * (week - last_injury_week[i] <= 8)
                + hazard.age * (traits.age - 26) / 5.0
                + player.frailty
            )
            row = {
                "athlete_id": traits.athlete_id,
                "week": week,
                "week_start": (SEASON_START + timedelta(days=7 * week)).isoformat(),
            }
            row.update({f"n_{a}": int(counts[k]) for k, a in enumerate(ACTIONS)})
            row.update({f"s_{a}": round(float(mean_s[k]), 4) for k, a in enumerate(ACTIONS)})
            row["movement_quality"] = round(observed_quality, 4) if counts.sum() > 0 else None
            week_rows.append(row)
        median_d = max(
            float(np.median(impact_d[impact_d > 0])) if (impact_d > 0).any() else 1.0, 1e-6
        )
        logits += hazard.impact * (impact_d / median_d - 1.0)
        next_start = pre + 7 * (week + 1)
        at_risk = injured_until < next_start + 7
        b0 = solve_intercept(logits[at_risk], hazard.base_rate) if at_risk.any() else 0.0
        h = np.where(at_risk, expit(b0 + logits), 0.0)
        injured = rng.random(n) < h
        for i in range(n):
            weekly_rows.append({**week_rows[i], "injured_next_week": int(injured[i])})
            hazard_rows.append(
                {
                    "athlete_id": squad[i].traits.athlete_id,
                    "week": week,
                    "hazard": round(float(h[i]), 6),
                    "acwr_true": round(float(acwr[i]), 4),
                    "fatigue_true": round(float(fatigue[i]), 4),
                    "impact_score": round(float(impact_d[i]), 3),
                }
            )
            if injured[i]:
                parts = {
                    "load": hazard.acwr_high * max(acwr[i] - 1.3, 0.0),
                    "impact": hazard.impact * (impact_d[i] / median_d - 1.0),
                    "contact": 0.3,
                    "fatigue": hazard.fatigue * fatigue[i],
                }
                day = int(
                    rng.integers(
                        min(max(next_start, injured_until[i]), next_start + 6), next_start + 7
                    )
                )
                lost, kind, location = _injury(rng, hazard, parts)
                injury_rows.append(
                    {
                        "athlete_id": squad[i].traits.athlete_id,
                        "date": (SEASON_START + timedelta(days=day - pre)).isoformat(),
                        "days_lost": lost,
                        "type": kind,
                        "location": location,
                    }
                )
                injured_until[i] = day + lost
                season_injuries[i] += 1
                last_injury_week[i] = week + 1
        # Next week's state: fatigue follows load spikes and matches; fitness follows chronic load.
        chronic_week = np.array(
            [daily[i, next_start - 28 : next_start].mean() * 7 for i in range(n)]
        )
        fatigue = np.clip(
            0.45 * fatigue
            + 0.9 * np.clip(acwr - 0.95, 0, None)
            + 0.1 * matches
            - 0.15 * fitness
            + 0.12
            + rng.normal(0, 0.05, n),
            0.0,
            1.0,
        )
        fitness = np.clip(
            fitness
            + 0.03 * (chronic_week / (7 * TYPICAL_DAILY_SRPE) - 0.9)
            + rng.normal(0, 0.01, n),
            0.0,
            1.0,
        )

    return Season(
        sessions=pd.DataFrame(session_rows),
        weekly=pd.DataFrame(weekly_rows),
        hazard=pd.DataFrame(hazard_rows),
        injuries=pd.DataFrame(
            injury_rows, columns=["athlete_id", "date", "days_lost", "type", "location"]
        ),
        realised=realised,
        traits_by_week=traits_by_week,
    )
