"""Exports written by analysis tools rather than by hand: a survival-analysis injury table
(date_injured, date_recovered, localisation) and a load table whose week column counts
weeks of each season, restarting every July."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from host.data.importer import import_injuries, import_sessions


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_a_survival_export_injury_table_is_read_by_its_own_column_names(tmp_path: Path) -> None:
    source = tmp_path / "event_df.csv"
    source.write_text(
        "player,date_injured,date_recovered,days_lost,type,localisation,status\n"
        "Id01,2018-02-17,2018-02-22,5,Muscular,Muslo,1\n"
        "Id01,,,,,,0\n"
        "Id02,2018-04-19,2018-05-01,12,Articular,Tobillo,1\n"
    )
    report = import_injuries(source, tmp_path / "club")
    assert report.ok and report.added == 2
    injuries = read(tmp_path / "club" / "injuries.csv")
    assert list(injuries["date"]) == ["2018-02-17", "2018-04-19"]
    assert list(injuries["return_date"]) == ["2018-02-22", "2018-05-01"]
    assert list(injuries["location"]) == ["thigh", "ankle"]


def _sessions(path: Path, weeks: list[int], dates: list[str]) -> Path:
    lines = ["player,date,duration_min,rpe,week"]
    lines += [f"P1,{day},60,5,{week}" for day, week in zip(dates, weeks, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_week_of_season_numbers_that_restart_give_way_to_weeks_from_the_dates(
    tmp_path: Path,
) -> None:
    # week 1 of each season: July 2017 and July 2018 must not share week numbers
    source = _sessions(
        tmp_path / "load.csv",
        [1, 2, 1, 2],
        ["2017-07-03", "2017-07-10", "2018-07-02", "2018-07-09"],
    )
    report = import_sessions(source, tmp_path / "club")
    assert report.ok
    assert any("column 'week' ignored" in note and "row 4" in note for note in report.notes)
    sessions = read(tmp_path / "club" / "sessions.csv")
    assert list(sessions["week"]) == ["0", "1", "52", "53"]


def test_week_numbers_that_count_from_one_start_are_kept(tmp_path: Path) -> None:
    source = _sessions(
        tmp_path / "load.csv", [1, 2, 53], ["2017-07-03", "2017-07-12", "2018-07-02"]
    )
    report = import_sessions(source, tmp_path / "club")
    assert report.ok and not any("'week' ignored" in note for note in report.notes)
    assert list(read(tmp_path / "club" / "sessions.csv")["week"]) == ["1", "2", "53"]
