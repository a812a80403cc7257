"""The weekly risk vector V_t = [D_t, ACWR_t, I_t, H_t, Q_t] (paper Eq. 17-20), one row per
player-week, built the same way from a dataset directory and from the host database.

Week t runs over days 7t .. 7t+6 after the data's origin date; every feature of week t uses
only what was known by the end of that week, and the label `injured_next_week` says whether a
time-loss injury began in week t+1 (unknown, NaN, for the newest week).

Gaps are filled so the models always see numbers, each fill chosen to mean "nothing
unusual": no sessions -> zero load, no heart rate -> the athlete's (else squad's) mean, no
wellness answers -> neutral 3 of 5, no movement-quality score -> the squad median (else 1.0,
clean technique), missing RPE -> the athlete's median RPE (else the squad's). Every fill
uses only what was recorded up to that week (expanding means and medians), and an injury's
days lost count only once the player is back (before that, the days missed so far), so
nothing recorded after week t changes week t's features.

Actions are counted under whatever labels the sideline's model used. The paper's eight keep
their own counts n_<action> and weights rho_k; a club's own labels add up in `club_actions`
and enter D_t at the mean rho_k (see docs/decisions.md), and each also gets its own
n_<label> column after the model's features, for reports and drivers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from edge import taxonomy
from firmware_bridge.errors import UserError
from host.data import load_metrics
from host.data.dataset import Dataset
from host.settings import DEFAULT_IMPACT_WEIGHTS, DEFAULT_TIME_LOSS_MIN_DAYS, Settings

LABEL = "injured_next_week"
WELLNESS_ITEMS = ("sleep", "soreness", "fatigue", "stress", "mood")
NEUTRAL_WELLNESS = 3.0
CLEAN_TECHNIQUE = 1.0
# Weeks since the last injury reported for athletes never injured in the data.
NO_RECENT_INJURY_WEEKS = 52
HISTORY_WINDOW_WEEKS = 8

COUNT_PREFIX = "n_"
ACTION_COUNT_COLUMNS: tuple[str, ...] = tuple(
    f"{COUNT_PREFIX}{action}" for action in taxonomy.ACTIONS
)
# Recognised actions of the week under labels outside the paper's eight (a club's own words).
CLUB_ACTIONS = "club_actions"
_LABEL = re.compile(taxonomy.LABEL_PATTERN)

# Training load: ACWR_t of session-RPE load (Eq. 18, rolling 7/28 and EWMA), internal
# load and fatigue I_t, external load E_t. The "no load" ablation drops exactly these.
LOAD_FEATURES: tuple[str, ...] = (
    "acwr_rolling",
    "acwr_ewma",
    "acute_load",
    "chronic_load",
    "srpe_load",
    "monotony",
    "strain",
    "hr_mean",
    "wellness",
    "sessions",
    "minutes",
    "distance_m",
    "hsr_m",
    "sprints",
    "accel_decel",
    "player_load",
)

FEATURE_COLUMNS: tuple[str, ...] = (
    # D_t: action impact score (Eq. 19)
    "impact_score",
    *LOAD_FEATURES,
    # H_t: injury history
    "injuries_before",
    "weeks_since_injury",
    "days_lost_recent",
    # Q_t: movement quality
    "movement_quality",
    # A_t: recognised actions this week
    *ACTION_COUNT_COLUMNS,
    CLUB_ACTIONS,
)

# Per-week sums of session columns (summed when present; absent counts as zero).
_SUMMED = {
    "minutes": "duration_min",
    "srpe_load": "srpe_load",
    "distance_m": "distance_m",
    "hsr_m": "hsr_m",
    "sprints": "sprints",
    "player_load": "player_load",
}


class FeatureError(UserError, ValueError):
    """The tables cannot give weekly features (e.g. no dates to place weeks on)."""


@dataclass(frozen=True)
class RiskTables:
    """What weekly features are built from; the dataset loader and the database both give it.

    `sessions` needs athlete_id, date, duration_min; `weekly` (optional) athlete_id, week and
    any of n_<action>, s_<action>, movement_quality, injured_next_week.
    """

    athletes: pd.DataFrame
    sessions: pd.DataFrame
    injuries: pd.DataFrame
    weekly: pd.DataFrame | None
    weeks: int | None = None
    wellness: pd.DataFrame | None = None  # daily answers without a session: athlete_id, date


@dataclass(frozen=True)
class FeatureSettings:
    """The settings V_t and its label depend on, resolved once by the command (from
    `host.settings.Settings`) and passed in; the defaults are the documented ones."""

    impact_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_IMPACT_WEIGHTS)
    )
    time_loss_min_days: int = DEFAULT_TIME_LOSS_MIN_DAYS

    @classmethod
    def from_settings(cls, settings: Settings) -> FeatureSettings:
        return cls(dict(settings.impact_weights), settings.time_loss_min_days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "impact_weights": dict(self.impact_weights),
            "time_loss_min_days": self.time_loss_min_days,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSettings:
        return cls(dict(data["impact_weights"]), int(data["time_loss_min_days"]))

    @classmethod
    def of_run(cls, info: Mapping[str, Any]) -> FeatureSettings:
        """The settings a training run labelled its weeks with (its run.json); runs that
        did not record them get the defaults."""
        return cls.from_dict(info["features"]) if "features" in info else cls()


def weekly_features(
    dataset: Dataset,
    impact_weights: Mapping[str, float] | None = None,
    time_loss_min_days: int | None = None,
) -> pd.DataFrame:
    """V_t for every athlete and week of a `host.data.dataset.Dataset`.

    Returns a frame indexed by (athlete_id, week) with `FEATURE_COLUMNS`, the counts of
    club labels (`club_label_columns`) and `LABEL`. Unset arguments take the documented
    defaults (`FeatureSettings`), never the environment.
    """
    tables = RiskTables(
        athletes=dataset.athletes,
        sessions=dataset.sessions,
        injuries=dataset.injuries,
        weekly=dataset.weekly,
        weeks=dataset.manifest.weeks,
        wellness=dataset.wellness,
    )
    return features_from_tables(tables, impact_weights, time_loss_min_days)


def features_from_tables(
    tables: RiskTables,
    impact_weights: Mapping[str, float] | None = None,
    time_loss_min_days: int | None = None,
) -> pd.DataFrame:
    """V_t per (athlete_id, week) from plain tables (see `RiskTables`).

    The label counts time-loss injuries only: at least `time_loss_min_days` days lost
    (default `DEFAULT_TIME_LOSS_MIN_DAYS`), or still open. The caller passes the club's
    settings; nothing here reads the environment.
    """
    weights = dict(impact_weights or DEFAULT_IMPACT_WEIGHTS)
    if time_loss_min_days is None:
        time_loss_min_days = DEFAULT_TIME_LOSS_MIN_DAYS
    sessions = tables.sessions.copy()
    sessions["date"] = pd.to_datetime(sessions["date"])
    origin = origin_of(sessions, tables.weekly)
    if "week" not in sessions.columns or sessions["week"].isna().any():
        derived = (sessions["date"] - origin).dt.days // 7
        sessions["week"] = sessions["week"].fillna(derived) if "week" in sessions else derived
    sessions["week"] = sessions["week"].astype(int)
    weeks = _week_count(tables, sessions)
    athletes = sorted(set(tables.athletes["athlete_id"].astype(str)))
    index = pd.MultiIndex.from_product([athletes, range(weeks)], names=["athlete_id", "week"])

    frame = pd.DataFrame(index=index)
    answers = tables.wellness
    if answers is not None:
        answers = answers.assign(week=(pd.to_datetime(answers["date"]) - origin).dt.days // 7)
    frame = frame.join(_session_features(sessions, index, answers))
    frame = frame.join(_load_features(sessions, origin, athletes, weeks))
    frame = frame.join(_action_features(tables.weekly, index, weights))
    frame = frame.join(_history_features(tables, origin, index))
    frame[LABEL] = _labels(tables, origin, index, time_loss_min_days)
    return frame[[*FEATURE_COLUMNS, *club_label_columns(frame), LABEL]]


def club_label_columns(table: pd.DataFrame) -> list[str]:
    """The n_<label> columns of `table` counting labels outside the paper's eight, sorted."""
    return sorted(
        name
        for name in map(str, table.columns)
        if name.startswith(COUNT_PREFIX)
        and name not in ACTION_COUNT_COLUMNS
        and _LABEL.match(name.removeprefix(COUNT_PREFIX))
        and name.removeprefix(COUNT_PREFIX) != taxonomy.BACKGROUND
    )


def action_count_columns(features: pd.DataFrame) -> list[str]:
    """Every weekly action count in `features`: the paper's eight, then the club's labels."""
    return [*ACTION_COUNT_COLUMNS, *club_label_columns(features)]


def impact_weight(label: str, weights: Mapping[str, float]) -> float:
    """rho_k of an action label: its configured weight (a paper action left out weighs 0),
    else, for a club's own label, the mean weight of the paper's actions, so a club
    vocabulary neither vanishes from D_t nor outweighs the actions the weights were
    chosen for."""
    if label in weights or label in taxonomy.ACTIONS:
        return float(weights.get(label, 0.0))
    paper = [float(weights[action]) for action in taxonomy.ACTIONS if action in weights]
    return float(np.mean(paper)) if paper else 0.0


def origin_of(sessions: pd.DataFrame, weekly: pd.DataFrame | None) -> pd.Timestamp:
    """Day 0 of week 0: from weekly.csv's week_start, else from dated sessions with a week,
    else the first session's day."""
    if weekly is not None and "week_start" in weekly.columns and weekly["week_start"].notna().any():
        starts = pd.to_datetime(weekly["week_start"]) - pd.to_timedelta(
            weekly["week"] * 7, unit="D"
        )
        return starts.min().normalize()
    if sessions.empty:
        raise FeatureError("no sessions: weekly features need at least one dated session")
    dates = pd.to_datetime(sessions["date"])
    if "week" in sessions.columns and sessions["week"].notna().any():
        known = sessions["week"].notna()
        return (
            (dates[known] - pd.to_timedelta(sessions["week"][known] * 7, unit="D"))
            .min()
            .normalize()
        )
    return load_metrics.week_origin(dates)


def _week_count(tables: RiskTables, sessions: pd.DataFrame) -> int:
    if tables.weeks:
        return int(tables.weeks)
    last = int(sessions["week"].max()) if not sessions.empty else -1
    if tables.weekly is not None and not tables.weekly.empty:
        last = max(last, int(tables.weekly["week"].max()))
    return last + 1


def _session_features(
    sessions: pd.DataFrame, index: pd.MultiIndex, answers: pd.DataFrame | None = None
) -> pd.DataFrame:
    sessions = _with_srpe(sessions)
    grouped = sessions.groupby(["athlete_id", "week"])
    out = pd.DataFrame(index=index)
    out["sessions"] = grouped.size().reindex(index).fillna(0)
    for feature, column in _SUMMED.items():
        if column in sessions.columns:
            out[feature] = grouped[column].sum(min_count=1).reindex(index)
        else:
            out[feature] = np.nan
    accel = sessions.get("accels", pd.Series(np.nan, index=sessions.index)).fillna(0)
    decel = sessions.get("decels", pd.Series(np.nan, index=sessions.index)).fillna(0)
    out["accel_decel"] = (
        sessions.assign(_ad=accel + decel)
        .groupby(["athlete_id", "week"])["_ad"]
        .sum()
        .reindex(index)
    )
    out = out.fillna(0.0)

    if "hr_mean" in sessions.columns and sessions["hr_mean"].notna().any():
        hr = sessions.dropna(subset=["hr_mean"])
        weighted = (
            (hr["hr_mean"] * hr["duration_min"]).groupby([hr["athlete_id"], hr["week"]]).sum()
        )
        minutes = hr["duration_min"].groupby([hr["athlete_id"], hr["week"]]).sum()
        week_hr = (weighted / minutes.replace(0, np.nan)).reindex(index)
        out["hr_mean"] = week_hr.fillna(_hr_so_far(hr, index)).fillna(0.0)
    else:
        out["hr_mean"] = 0.0

    if answers is not None:  # daily questionnaires count as answers beside sessions
        sessions = pd.concat([sessions, answers])
    items = [c for c in WELLNESS_ITEMS if c in sessions.columns]
    if items:
        per_session = sessions[items].mean(axis=1)
        wellness = per_session.groupby([sessions["athlete_id"], sessions["week"]]).mean()
        out["wellness"] = wellness.reindex(index).fillna(NEUTRAL_WELLNESS)
    else:
        out["wellness"] = NEUTRAL_WELLNESS
    return out


def _with_srpe(sessions: pd.DataFrame) -> pd.DataFrame:
    """Session-RPE load (RPE x minutes), imputing a missing RPE from the athlete, else squad."""
    sessions = sessions.copy()
    rpe = sessions["rpe"] if "rpe" in sessions.columns else pd.Series(np.nan, index=sessions.index)
    order = pd.to_datetime(sessions["date"]).sort_values(kind="stable").index
    ordered = rpe.loc[order]
    athlete_rpe = ordered.groupby(sessions["athlete_id"].loc[order]).transform(
        lambda r: r.expanding().median()
    )
    squad_rpe = ordered.expanding().median()
    rpe = rpe.fillna(athlete_rpe.reindex(rpe.index)).fillna(squad_rpe.reindex(rpe.index))
    rpe = rpe.fillna(0.0)
    derived = rpe * sessions["duration_min"]
    if "srpe_load" in sessions.columns:
        sessions["srpe_load"] = sessions["srpe_load"].fillna(derived)
    else:
        sessions["srpe_load"] = derived
    return sessions


def _load_features(
    sessions: pd.DataFrame, origin: pd.Timestamp, athletes: list[str], weeks: int
) -> pd.DataFrame:
    """ACWR (rolling and EWMA), acute and chronic load at the end of each week, monotony and
    strain, from the daily sRPE load (host.data.load_metrics). Undefined values (under 28
    days of history, a week of equal loads) become neutral: ACWR 1, chronic = acute,
    monotony and strain 0."""
    index = pd.MultiIndex.from_product([athletes, range(weeks)], names=["athlete_id", "week"])
    daily = load_metrics.daily_load(_with_srpe(sessions), origin=origin)
    if daily.empty:
        return pd.DataFrame(
            0.0,
            index=index,
            columns=[
                "acwr_rolling",
                "acwr_ewma",
                "acute_load",
                "chronic_load",
                "monotony",
                "strain",
            ],
        )
    weekly = load_metrics.weekly_load(daily).set_index(["athlete_id", "week"]).reindex(index)
    week_end = daily.groupby(["athlete_id", "week"]).tail(1).set_index(["athlete_id", "week"])
    week_end = week_end.reindex(index)
    out = pd.DataFrame(index=index)
    out["acwr_rolling"] = weekly["acwr"].fillna(1.0)
    out["acwr_ewma"] = weekly["ewma_acwr"].fillna(1.0)
    out["acute_load"] = week_end["acute_load"].fillna(week_end["ewma_acute"]).fillna(0.0)
    out["chronic_load"] = week_end["chronic_load"].fillna(out["acute_load"])
    out["monotony"] = weekly["monotony"].fillna(0.0)
    out["strain"] = weekly["strain"].fillna(0.0)
    return out


def _action_features(
    weekly: pd.DataFrame | None, index: pd.MultiIndex, weights: Mapping[str, float]
) -> pd.DataFrame:
    out = pd.DataFrame(index=index)
    table = _weekly_table(weekly)
    impact = pd.Series(0.0, index=index)
    club = club_label_columns(table)
    out[CLUB_ACTIONS] = 0.0
    for column in [*ACTION_COUNT_COLUMNS, *club]:
        label = column.removeprefix(COUNT_PREFIX)
        count = _column(table, column, index).fillna(0.0)
        severity = _column(table, f"s_{label}", index).fillna(0.0)
        out[column] = count
        impact += impact_weight(label, weights) * count * severity
        if column in club:
            out[CLUB_ACTIONS] += count
    out["impact_score"] = impact
    quality = _column(table, "movement_quality", index)
    out["movement_quality"] = quality.fillna(_squad_median_so_far(quality)).fillna(CLEAN_TECHNIQUE)
    return out


def _squad_median_so_far(values: pd.Series) -> pd.Series:
    """Per (athlete, week) row, the squad median of `values` recorded up to that week."""
    week = values.index.get_level_values("week")
    medians = {w: values[week <= w].median() for w in np.unique(week)}
    return pd.Series(week.map(medians).to_numpy(dtype=float), index=values.index)


def _hr_so_far(hr: pd.DataFrame, index: pd.MultiIndex) -> pd.Series:
    """Per (athlete, week), the athlete's mean session HR up to that week, else the squad's."""
    sums = hr.groupby(["athlete_id", "week"])["hr_mean"].agg(["sum", "count"])
    sums = sums.reindex(index, fill_value=0.0)
    athlete = sums.groupby(level="athlete_id").cumsum()
    mine = athlete["sum"] / athlete["count"].replace(0, np.nan)
    squad = sums.groupby(level="week").sum().sort_index().cumsum()
    squad_mean = squad["sum"] / squad["count"].replace(0, np.nan)
    fallback = index.get_level_values("week").map(squad_mean).to_numpy(dtype=float)
    return mine.fillna(pd.Series(fallback, index=index))


def _weekly_table(weekly: pd.DataFrame | None) -> pd.DataFrame:
    """weekly.csv indexed by (athlete_id, week); a repeated row keeps its last occurrence."""
    if weekly is None or weekly.empty:
        return pd.DataFrame()
    table = weekly.assign(
        athlete_id=weekly["athlete_id"].astype(str), week=weekly["week"].astype(int)
    )
    table = table.set_index(["athlete_id", "week"])
    return table[~table.index.duplicated(keep="last")]


def _column(table: pd.DataFrame, name: str, index: pd.MultiIndex) -> pd.Series:
    if table.empty or name not in table.columns:
        return pd.Series(np.nan, index=index, dtype=float)
    return table[name].astype(float).reindex(index)


def _injury_weeks(injuries: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    """Injuries with their day and week number from the origin; `days_lost` stays NaN for
    an injury still open (the player is not back)."""
    injuries = injuries.copy()
    injuries["day"] = (pd.to_datetime(injuries["date"]) - origin).dt.days
    injuries["week"] = injuries["day"] // 7
    if "days_lost" not in injuries.columns:
        injuries["days_lost"] = np.nan
    injuries["days_lost"] = pd.to_numeric(injuries["days_lost"], errors="coerce")
    return injuries


def days_lost_known(injury_day: int, days_lost: float, week: np.ndarray) -> np.ndarray:
    """Days lost to an injury as known at the end of each `week`: all of them once the
    player is back (injury day + days lost <= the week's last day), else the days missed
    so far. An open injury (days lost NaN) is never back."""
    week_end = 7 * np.asarray(week) + 6
    so_far = (week_end - injury_day + 1).astype(float)
    if np.isnan(days_lost):
        return so_far
    return np.where(injury_day + days_lost <= week_end, days_lost, so_far)


def _history_features(
    tables: RiskTables, origin: pd.Timestamp, index: pd.MultiIndex
) -> pd.DataFrame:
    injuries = _injury_weeks(tables.injuries, origin)
    prior = tables.athletes.set_index("athlete_id").get("prior_injuries")
    athlete_of = index.get_level_values("athlete_id")
    week_of = index.get_level_values("week").to_numpy()
    before = np.zeros(len(index))
    since = np.full(len(index), float(NO_RECENT_INJURY_WEEKS))
    lost = np.zeros(len(index))
    if prior is not None:
        before += athlete_of.map(prior.fillna(0)).to_numpy(dtype=float)
    for athlete, mine in injuries.groupby("athlete_id"):
        rows = athlete_of == athlete
        for day, week, days in zip(
            mine["day"].to_numpy(),
            mine["week"].to_numpy(),
            mine["days_lost"].to_numpy(dtype=float),
            strict=True,
        ):
            happened = rows & (week_of >= week)
            before[happened] += 1
            since[happened] = np.minimum(since[happened], week_of[happened] - week)
            recent = happened & (week_of - week < HISTORY_WINDOW_WEEKS)
            lost[recent] += days_lost_known(int(day), float(days), week_of[recent])
    return pd.DataFrame(
        {"injuries_before": before, "weeks_since_injury": since, "days_lost_recent": lost},
        index=index,
    )


def _labels(
    tables: RiskTables, origin: pd.Timestamp, index: pd.MultiIndex, time_loss_min_days: int
) -> pd.Series:
    """weekly.csv's label where given, else whether a time-loss injury (at least
    `time_loss_min_days` days lost, or still open) began in the following week."""
    injuries = _injury_weeks(tables.injuries, origin)
    lost = injuries["days_lost"]
    injuries = injuries[lost.isna() | (lost >= time_loss_min_days)]
    started = set(
        zip(injuries["athlete_id"].astype(str), injuries["week"].astype(int), strict=True)
    )
    last_week = index.get_level_values("week").max()
    derived = pd.Series(
        [
            np.nan if week == last_week else float((athlete, week + 1) in started)
            for athlete, week in index
        ],
        index=index,
    )
    table = _weekly_table(tables.weekly)
    if LABEL not in table.columns:
        return derived
    return _column(table, LABEL, index).fillna(derived)
