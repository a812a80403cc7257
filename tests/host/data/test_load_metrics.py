"""ACWR (rolling, coupled, and EWMA), monotony and strain from session-RPE load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from host.data.load_metrics import (
    DAILY_COLUMNS,
    WEEKLY_COLUMNS,
    daily_load,
    week_number,
    week_origin,
    weekly_load,
)

MONDAY = pd.Timestamp("2026-01-05")


def sessions(rows: list[tuple[str, int, float | None]]) -> pd.DataFrame:
    """(athlete, day offset from MONDAY, srpe_load) rows."""
    return pd.DataFrame(
        {
            "athlete_id": [a for a, _, _ in rows],
            "date": [MONDAY + pd.Timedelta(days=d) for _, d, _ in rows],
            "srpe_load": [load for _, _, load in rows],
        }
    )


def test_constant_load_gives_acwr_of_one_once_28_days_exist() -> None:
    daily = daily_load(sessions([("a", d, 400.0) for d in range(56)]))
    assert len(daily) == 56
    assert daily["acwr"].iloc[:27].isna().all()
    np.testing.assert_allclose(daily["acwr"].iloc[27:], 1.0)
    assert daily["ewma_acwr"].iloc[:27].isna().all()
    assert daily["ewma_acwr"].iloc[-1] == pytest.approx(1.0, abs=0.05)


def test_acwr_is_coupled_the_acute_week_sits_inside_the_chronic_window() -> None:
    daily = daily_load(sessions([("a", 0, 280.0), ("a", 27, 700.0)]))
    day27 = daily.iloc[27]
    assert day27["acute_load"] == pytest.approx(100.0)
    assert day27["chronic_load"] == pytest.approx((280 + 700) / 28)
    assert day27["acwr"] == pytest.approx(100.0 / 35.0)  # uncoupled would give 7.5


def test_days_without_a_session_count_as_zero_and_same_day_sessions_add_up() -> None:
    daily = daily_load(sessions([("a", 0, 300.0), ("a", 0, 200.0), ("a", 3, None)]))
    assert daily["date"].tolist() == list(pd.date_range(MONDAY, periods=7))
    assert daily["srpe_load"].tolist() == [500.0, 0, 0, 0, 0, 0, 0]
    assert daily["sessions"].tolist() == [2, 0, 0, 1, 0, 0, 0]  # unknown RPE: a session, no load


def test_ewma_follows_williams_recursion() -> None:
    rng = np.random.default_rng(3)
    loads = rng.uniform(0, 900, size=42).round()
    daily = daily_load(sessions([("a", d, float(x)) for d, x in enumerate(loads)]))
    acute = chronic = 0.0
    for day, load in enumerate(loads):
        acute = load * 2 / 8 + (1 - 2 / 8) * acute if day else load
        chronic = load * 2 / 29 + (1 - 2 / 29) * chronic if day else load
    assert daily["ewma_acute"].iloc[-1] == pytest.approx(acute)
    assert daily["ewma_chronic"].iloc[-1] == pytest.approx(chronic)
    assert daily["ewma_acwr"].iloc[-1] == pytest.approx(acute / chronic)


def test_monotony_and_strain_of_a_week() -> None:
    week = [600.0, 0.0, 600.0, 0.0, 600.0, 0.0, 300.0]
    weekly = weekly_load(daily_load(sessions([("a", d, x) for d, x in enumerate(week)])))
    row = weekly.iloc[0]
    monotony = np.mean(week) / np.std(week, ddof=1)
    assert row["srpe_load"] == 2100.0 and row["sessions"] == 7
    assert row["monotony"] == pytest.approx(monotony)
    assert row["strain"] == pytest.approx(2100.0 * monotony)


def test_a_week_of_identical_days_has_no_monotony() -> None:
    weekly = weekly_load(daily_load(sessions([("a", d, 100.0) for d in range(7)])))
    assert np.isnan(weekly["monotony"].iloc[0]) and np.isnan(weekly["strain"].iloc[0])


def test_weeks_start_on_monday_and_line_up_across_athletes() -> None:
    table = sessions([("a", 2, 100.0), ("b", 9, 200.0), ("a", 20, 50.0)])
    assert week_origin(table["date"]) == MONDAY
    assert week_number(table["date"], MONDAY).tolist() == [0, 1, 2]
    weekly = weekly_load(daily_load(table))
    assert weekly[["athlete_id", "week"]].values.tolist() == [
        ["a", 0],
        ["a", 1],
        ["a", 2],
        ["b", 1],
        ["b", 2],
    ]
    assert (weekly["week_start"].dt.weekday == 0).all()
    # The athlete who started in week 1 has no invented zero week 0 diluting their load.
    assert weekly.loc[weekly["athlete_id"] == "b", "srpe_load"].tolist() == [200.0, 0.0]


def test_weekly_acwr_is_the_value_on_the_weeks_last_day() -> None:
    daily = daily_load(sessions([("a", d, 100.0 + d) for d in range(35)]))
    weekly = weekly_load(daily)
    assert weekly["acwr"].iloc[3] == pytest.approx(daily["acwr"].iloc[27])
    assert weekly["acwr"].iloc[4] == pytest.approx(daily["acwr"].iloc[34])
    assert np.isnan(weekly["acwr"].iloc[2])


def test_row_order_of_the_input_does_not_matter() -> None:
    table = sessions([("a", d, float(d * 10)) for d in range(30)] + [("b", 5, 70.0)])
    shuffled = table.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(daily_load(shuffled), daily_load(table))


def test_no_sessions_give_empty_tables_with_the_documented_columns() -> None:
    empty = pd.DataFrame({"athlete_id": [], "date": [], "srpe_load": []})
    assert tuple(daily_load(empty).columns) == DAILY_COLUMNS
    assert tuple(weekly_load(daily_load(empty)).columns) == WEEKLY_COLUMNS
