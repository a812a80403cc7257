"""Training-load indices staff already use, from session-RPE load per athlete per day.

Session-RPE load (Foster et al. 2001) is RPE (Borg CR-10) × minutes, in arbitrary units.
From it, per athlete and day:

- ACWR 7/28, rolling and *coupled*: mean daily load of the last 7 days over the mean of
  the last 28 days, the acute week included in the chronic window (paper Eq. 18; Hulin
  et al. 2014). Undefined (empty) until 28 days of history exist, or when the chronic
  mean is 0.
- ACWR by exponentially weighted moving averages (Williams et al. 2017, BJSM 51:209):
  EWMA_t = λ·load_t + (1 − λ)·EWMA_{t−1}, λ = 2 / (N + 1), N = 7 (acute) and 28 (chronic),
  started from the first day's load; undefined for the first 28 days as well.

and per athlete and week (Foster 1998):

- monotony = mean / standard deviation of the week's seven daily loads (n − 1
  denominator); undefined when every day carries the same load (e.g. a week off);
- strain = weekly load × monotony.

Days without a session count as 0 load; a session with unknown RPE adds nothing. Weeks
are whole 7-day blocks counted from the Monday on or before the first session of the
dataset, the same week numbers `sessions.csv` uses.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ACUTE_DAYS = 7
CHRONIC_DAYS = 28
DAYS_PER_WEEK = 7

DAILY_COLUMNS = (
    "athlete_id",
    "date",
    "week",
    "srpe_load",
    "sessions",
    "acute_load",
    "chronic_load",
    "acwr",
    "ewma_acute",
    "ewma_chronic",
    "ewma_acwr",
)
WEEKLY_COLUMNS = (
    "athlete_id",
    "week",
    "week_start",
    "srpe_load",
    "sessions",
    "monotony",
    "strain",
    "acwr",
    "ewma_acwr",
)


def week_origin(dates: pd.Series) -> pd.Timestamp:
    """The Monday on or before the earliest date: the first day of week 0."""
    first = pd.Timestamp(pd.to_datetime(dates).min()).normalize()
    return first - pd.Timedelta(days=first.weekday())


def week_number(dates: pd.Series, origin: pd.Timestamp) -> pd.Series:
    """Whole weeks between `origin` and each date (0 for the origin's own week)."""
    return ((pd.to_datetime(dates) - origin).dt.days // DAYS_PER_WEEK).astype("int64")


def _ratio(acute: pd.Series, chronic: pd.Series) -> pd.Series:
    return (acute / chronic.where(chronic > 0)).astype("float64")


def daily_load(sessions: pd.DataFrame, origin: pd.Timestamp | None = None) -> pd.DataFrame:
    """One row per athlete per calendar day with load, ACWR (rolling and EWMA).

    `sessions` needs `athlete_id`, `date` and `srpe_load`. Each athlete's days run from
    the start of the week of their first session to the end of the week of the last
    session in the whole table, so every athlete's weeks are complete.
    """
    if sessions.empty:
        return pd.DataFrame({col: pd.Series(dtype="float64") for col in DAILY_COLUMNS})
    dates = pd.to_datetime(sessions["date"]).dt.normalize()
    origin = week_origin(dates) if origin is None else origin
    loads = pd.DataFrame(
        {
            "athlete_id": sessions["athlete_id"].astype(str).to_numpy(),
            "date": dates.to_numpy(),
            "srpe_load": pd.to_numeric(sessions["srpe_load"], errors="coerce")
            .fillna(0.0)
            .to_numpy(),
        }
    )
    per_day = loads.groupby(["athlete_id", "date"]).agg(
        srpe_load=("srpe_load", "sum"), sessions=("srpe_load", "size")
    )
    # Each athlete's calendar, as days since the origin: from the Monday of their first
    # session's week to the last day of the last week in the table.
    first_day = (per_day.reset_index().groupby("athlete_id")["date"].min() - origin).dt.days
    start = first_day.to_numpy() - np.mod(first_day.to_numpy(), DAYS_PER_WEEK)
    end = (int(week_number(dates, origin).max()) + 1) * DAYS_PER_WEEK - 1
    lengths = end - start + 1
    day_index = np.repeat(start, lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    calendar = pd.MultiIndex.from_arrays(
        [
            np.repeat(first_day.index.to_numpy(), lengths),
            origin + pd.to_timedelta(day_index, unit="D"),
        ],
        names=["athlete_id", "date"],
    )
    day = per_day.reindex(calendar, fill_value=0)
    load = day["srpe_load"].astype("float64")
    per_athlete = load.groupby(level="athlete_id")

    def along(result: pd.Series) -> pd.Series:  # drop the group level groupby adds
        return result.droplevel(0).reindex(calendar)

    acute = along(per_athlete.rolling(ACUTE_DAYS, min_periods=ACUTE_DAYS).mean())
    chronic = along(per_athlete.rolling(CHRONIC_DAYS, min_periods=CHRONIC_DAYS).mean())
    ewma_acute = along(per_athlete.ewm(alpha=2 / (ACUTE_DAYS + 1), adjust=False).mean())
    ewma_chronic = along(per_athlete.ewm(alpha=2 / (CHRONIC_DAYS + 1), adjust=False).mean())
    history = per_athlete.cumcount() >= CHRONIC_DAYS - 1
    return pd.DataFrame(
        {
            "athlete_id": calendar.get_level_values("athlete_id"),
            "date": calendar.get_level_values("date"),
            "week": day_index // DAYS_PER_WEEK,
            "srpe_load": load.to_numpy(),
            "sessions": day["sessions"].astype("int64").to_numpy(),
            "acute_load": acute.to_numpy(),
            "chronic_load": chronic.to_numpy(),
            "acwr": _ratio(acute, chronic).to_numpy(),
            "ewma_acute": ewma_acute.to_numpy(),
            "ewma_chronic": ewma_chronic.to_numpy(),
            "ewma_acwr": _ratio(ewma_acute, ewma_chronic).where(history).to_numpy(),
        }
    )[list(DAILY_COLUMNS)]


def _on_last_day(values: pd.Series) -> float:
    return float(values.iloc[-1])  # not GroupBy.last, which skips an undefined last day


def weekly_load(daily: pd.DataFrame) -> pd.DataFrame:
    """One row per athlete per week: load, sessions, monotony, strain, and the ACWRs on the
    week's last day (what a risk prediction made at the end of that week sees)."""
    if daily.empty:
        return pd.DataFrame({col: pd.Series(dtype="float64") for col in WEEKLY_COLUMNS})
    grouped = daily.groupby(["athlete_id", "week"], sort=True)
    weekly = grouped.agg(
        week_start=("date", "min"),
        srpe_load=("srpe_load", "sum"),
        sessions=("sessions", "sum"),
        mean_daily=("srpe_load", "mean"),
        sd_daily=("srpe_load", lambda load: load.std(ddof=1)),
        acwr=("acwr", _on_last_day),
        ewma_acwr=("ewma_acwr", _on_last_day),
    ).reset_index()
    weekly["monotony"] = weekly["mean_daily"] / weekly["sd_daily"].where(weekly["sd_daily"] > 0)
    weekly["strain"] = weekly["srpe_load"] * weekly["monotony"]
    return weekly[list(WEEKLY_COLUMNS)]
