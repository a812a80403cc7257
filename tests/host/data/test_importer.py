"""Club CSV exports go into a dataset directory: columns recognised, every bad row named,
nothing already stored lost."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from host.cli import app
from host.data.dataset import load_dataset, write_manifest, write_table
from host.data.importer import (
    ImportFileError,
    ImportOptions,
    import_injuries,
    import_sessions,
    normalise_header,
    parse_mapping,
)
from host.data.load_metrics import daily_load, weekly_load
from host.data.manifest import Generator, new_manifest

FIXTURES = Path(__file__).parent / "fixtures"
GPS_EXPORT = FIXTURES / "sessions_gps_export.csv"
MESSY = FIXTURES / "sessions_messy.csv"
INJURIES = FIXTURES / "injuries_medical.csv"


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


@pytest.fixture
def club(tmp_path: Path) -> Path:
    return tmp_path / "club"


def test_a_gps_export_becomes_a_loadable_dataset(club: Path) -> None:
    report = import_sessions(GPS_EXPORT, club)
    assert report.ok and report.rows_read == 5 and report.added == 5
    assert report.columns["Player Name"] == "athlete_id"
    assert report.columns["Duration (min)"] == "duration_min"
    assert report.columns["Avg HR"] == "hr_mean"
    assert report.ignored_columns == ["Notes"]
    assert report.athletes_added == ["A07", "B12", "C03"]

    dataset = load_dataset(club)  # the lead's loader accepts what we wrote
    assert dataset.manifest.synthetic is False and dataset.manifest.weeks == 2
    sessions = dataset.sessions
    # Unsorted input comes out in date order; the Sunday 1 Feb opens week 0.
    assert sessions["date"].is_monotonic_increasing
    first = sessions.iloc[0]
    assert (first["athlete_id"], first["week"], first["type"]) == ("B12", 0, "recovery")
    a07 = sessions[sessions["athlete_id"] == "A07"].set_index("type")
    assert a07.loc["training", "srpe_load"] == 6 * 75  # RPE x minutes
    assert a07.loc["match", "srpe_load"] == 8 * 95
    assert a07.loc["training", "distance_m"] == pytest.approx(6120.5)
    assert set(sessions["week"]) == {0, 1}
    assert len(dataset.injuries) == 0


def test_derived_load_tables_match_the_load_metrics(club: Path) -> None:
    import_sessions(GPS_EXPORT, club)
    weekly = read(club / "load_weekly.csv")
    a07 = weekly[(weekly["athlete_id"] == "A07") & (weekly["week"] == "1")].iloc[0]
    assert float(a07["srpe_load"]) == 6 * 75 + 8 * 95
    assert a07["week_start"] == "2026-02-02"
    sessions = load_dataset(club).sessions
    expected = weekly_load(daily_load(sessions))
    assert len(weekly) == len(expected)
    pd.testing.assert_series_equal(
        pd.to_numeric(weekly["strain"]), expected["strain"], check_names=False, rtol=1e-5
    )
    daily = read(club / "load_daily.csv")
    assert set(daily.columns) >= {"acwr", "ewma_acwr", "acute_load", "chronic_load"}


def test_hand_written_sessions_without_srpe_load_still_count(club: Path, tmp_path: Path) -> None:
    import_sessions(GPS_EXPORT, club)
    sessions = read(club / "sessions.csv")
    sessions.loc[sessions["athlete_id"] == "C03", "srpe_load"] = ""  # RPE 7 x 90 min kept
    write_table(club, "sessions.csv", sessions)
    other = tmp_path / "other.csv"
    other.write_text("athlete,date,minutes,rpe\nZ01,2026-02-04,30,3\n")
    import_sessions(other, club)
    weekly = read(club / "load_weekly.csv").set_index(["athlete_id", "week"])
    assert float(weekly.loc[("C03", "1"), "srpe_load"]) == 7 * 90


def test_every_bad_row_of_a_messy_file_is_named_and_nothing_is_written(club: Path) -> None:
    report = import_sessions(MESSY, club)
    found = [(e.row, e.column) for e in report.errors]
    assert found == [
        (3, "Borg"),  # 'eleven'
        (4, "Date"),  # 31/02/2026
        (6, "Mins"),  # -10 minutes (row 5 is blank)
        (7, "Athlete"),  # missing
        (8, "Wellness_Fatigue"),  # 0 on a 1-5 scale
        (11, None),  # too few cells
        (12, None),  # duplicate of row 2
    ]
    assert "not a date" in report.errors[1].reason
    assert "duplicate of row 2" in report.errors[-1].reason
    assert str(report.errors[0]) == "row 3, column 'Borg': 'eleven' is not a number"
    assert report.written == [] and not club.exists()


def test_skip_bad_imports_the_good_rows_of_a_messy_file(club: Path) -> None:
    report = import_sessions(MESSY, club, skip_bad=True)
    assert report.added == 3 and report.bad_rows == [3, 4, 6, 7, 8, 11, 12]
    assert report.ignored_columns == ["Team"]
    assert any("kilometres" in note for note in report.notes)
    sessions = load_dataset(club).sessions.set_index("athlete_id")
    a07 = sessions.loc["A07"]
    assert a07["date"] == pd.Timestamp("2026-02-03")  # day-first: 3 February
    assert a07["rpe"] == 6.5  # decimal comma
    assert a07["distance_m"] == 6100  # km column stored in metres
    assert a07["fatigue"] == 4  # 'Wellness_Fatigue'
    assert sessions.loc["C03", "type"] == "match"
    # An unknown session type is kept as 'other' with its own word beside it.
    assert (sessions.loc["D01", "type"], sessions.loc["D01", "type_raw"]) == ("other", "yoga")


def test_a_file_without_a_required_column_is_refused_with_its_columns(club: Path) -> None:
    with pytest.raises(ImportFileError, match=r"required field\(s\) date .*Player, Minutes, RPE"):
        import_sessions(FIXTURES / "sessions_missing_columns.csv", club)
    assert not club.exists()


def test_an_empty_file_is_refused_and_a_header_only_file_imports_nothing(
    club: Path, tmp_path: Path
) -> None:
    with pytest.raises(ImportFileError, match="empty file"):
        import_sessions(FIXTURES / "empty.csv", club)
    header_only = tmp_path / "header.csv"
    header_only.write_text("athlete,date,minutes\n")
    report = import_sessions(header_only, club)
    assert report.ok and report.added == 0
    assert len(load_dataset(club).sessions) == 0


def test_two_columns_for_one_field_need_a_map(club: Path) -> None:
    source = FIXTURES / "sessions_two_athlete_columns.csv"
    with pytest.raises(ImportFileError, match="'Player' and 'Name' both look like athlete_id"):
        import_sessions(source, club)
    report = import_sessions(source, club, mapping=parse_mapping(["Player=athlete_id"]))
    assert report.ok and report.ignored_columns == ["Name"]
    assert sorted(load_dataset(club).athletes["athlete_id"]) == ["P1", "P2"]


def test_an_ambiguous_srpe_column_is_not_guessed(club: Path) -> None:
    source = FIXTURES / "sessions_ambiguous_srpe.csv"
    report = import_sessions(source, club)
    assert "sRPE" not in report.columns and "--map 'sRPE=srpe_load'" in report.notes[0]
    assert "srpe_load" not in read(club / "sessions.csv").columns
    import_sessions(source, club, mapping={"sRPE": "srpe_load"})
    assert load_dataset(club).sessions["srpe_load"].tolist() == [420]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (["Player"], "expected COLUMN=FIELD"),
        (["Player=shoe_size"], "not a sessions field"),
        (["Jersey=athlete_id"], "no column 'Jersey'"),
    ],
)
def test_bad_maps_are_refused(club: Path, entries: list[str], message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        import_sessions(GPS_EXPORT, club, mapping=parse_mapping(entries))


def test_reimporting_is_idempotent_and_a_later_file_updates_by_key(
    club: Path, tmp_path: Path
) -> None:
    import_sessions(GPS_EXPORT, club)
    again = import_sessions(GPS_EXPORT, club)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    # Staff added a column and athlete details by hand: an import keeps them.
    sessions = read(club / "sessions.csv")
    sessions["coach_note"] = ["", "good", "", "", ""]
    write_table(club, "sessions.csv", sessions)
    write_table(
        club,
        "athletes.csv",
        pd.DataFrame({"athlete_id": ["A07", "B12", "C03"], "position": ["MF", "DF", "FW"]}),
    )
    update = tmp_path / "update.csv"
    update.write_text(
        "athlete,date,type,minutes,rpe\n"
        "A07,2026-02-03,training,75,7\n"  # corrected RPE, no GPS columns
        "D09,2026-02-06,training,60,4\n"
    )
    report = import_sessions(update, club)
    assert (report.added, report.updated, report.unchanged) == (1, 1, 0)
    assert report.athletes_added == ["D09"]
    after = read(club / "sessions.csv").set_index(["athlete_id", "date"])
    assert len(after) == 6
    corrected = after.loc[("A07", "2026-02-03")]
    assert (corrected["rpe"], corrected["srpe_load"]) == ("7", "525")
    assert corrected["distance_m"] == "6120.5"  # not in the update: kept
    assert after["coach_note"].tolist().count("good") == 1
    athletes = read(club / "athletes.csv").set_index("athlete_id")
    assert athletes.loc["A07", "position"] == "MF" and athletes.loc["D09", "position"] == ""


def test_a_failed_import_leaves_the_dataset_byte_for_byte(club: Path) -> None:
    import_sessions(GPS_EXPORT, club)
    before = snapshot(club)
    assert not import_sessions(MESSY, club).ok
    with pytest.raises(ImportFileError, match="--dayfirst"):
        import_injuries(INJURIES, club, skip_bad=True)  # 12/02/2026: never guessed
    assert snapshot(club) == before


def test_earlier_history_imported_later_renumbers_derived_weeks(club: Path, tmp_path: Path) -> None:
    import_sessions(GPS_EXPORT, club)
    older = tmp_path / "older.csv"
    older.write_text("athlete,date,minutes,rpe\nA07,2026-01-20,60,5\n")
    import_sessions(older, club)
    sessions = load_dataset(club).sessions
    weeks = dict(zip(sessions["date"].dt.strftime("%Y-%m-%d"), sessions["week"], strict=False))
    assert weeks["2026-01-20"] == 0 and weeks["2026-02-01"] == 1 and weeks["2026-02-03"] == 2
    assert load_dataset(club).manifest.weeks == 3


def test_week_numbers_the_club_gave_are_kept(club: Path, tmp_path: Path) -> None:
    source = tmp_path / "weeks.csv"
    source.write_text("athlete,date,minutes,week\nA07,2026-02-03,60,12\nA07,2026-02-10,60,\n")
    import_sessions(source, club)
    assert load_dataset(club).sessions["week"].tolist() == [12, 1]


def test_a_synthetic_dataset_does_not_take_real_rows(club: Path) -> None:
    write_manifest(
        club,
        new_manifest("squad", synthetic=True, generator=Generator(name="sim", version="1", seed=0)),
    )
    with pytest.raises(ImportFileError, match="synthetic"):
        import_sessions(GPS_EXPORT, club)


def test_a_broken_existing_table_is_reported_and_left_alone(club: Path) -> None:
    import_sessions(GPS_EXPORT, club)
    (club / "sessions.csv").write_text("athlete_id,date\nA07,2026-02-03\n")
    before = snapshot(club)
    with pytest.raises(ImportFileError, match=r"sessions.csv: missing column\(s\) session_id"):
        import_sessions(GPS_EXPORT, club)
    assert snapshot(club) == before


def test_a_bad_date_already_in_the_dataset_is_reported_and_left_alone(club: Path) -> None:
    import_sessions(GPS_EXPORT, club)
    sessions = (club / "sessions.csv").read_text().replace(",2026-02-05,", ",5th Feb,", 1)
    (club / "sessions.csv").write_text(sessions)
    before = snapshot(club)
    with pytest.raises(ImportFileError, match=r"sessions.csv: row \d, column 'date': '5th Feb'"):
        import_sessions(GPS_EXPORT, club)
    assert snapshot(club) == before


def test_short_injuries_are_kept_and_flagged_and_unknown_places_kept_as_other(
    club: Path,
) -> None:
    options = ImportOptions(date_order="day")
    report = import_injuries(INJURIES, club, options=options)
    assert [(e.row, e.column) for e in report.errors] == [(6, None)]  # same injury twice
    report = import_injuries(INJURIES, club, options=replace(options, skip_bad=True))
    assert report.added == 4 and report.ignored_columns == ["Side"]
    assert report.short_injuries == 1
    injuries = read(club / "injuries.csv")
    assert injuries[
        ["athlete_id", "date", "days_lost", "time_loss", "location", "location_raw"]
    ].values.tolist() == [
        ["A07", "2026-02-10", "14", "1", "hamstring", "Hamstrings"],
        ["B12", "2026-02-12", "1", "0", "thigh", ""],  # 1-day knock: kept, not time-loss
        ["C03", "2026-02-14", "21", "1", "other", "Elbow"],
        ["C03", "2026-02-20", "", "", "knee", ""],  # days unknown: left open
    ]
    assert any("'Elbow' (1 row)" in note for note in report.notes)


def test_injuries_without_a_location_column_import_and_reimport(club: Path, tmp_path: Path) -> None:
    export = tmp_path / "injuries_no_location.csv"
    export.write_text("Player,Date,Days Out\nA07,2026-02-10,6\nC03,2026-02-12,3\n")
    assert import_injuries(export, club).added == 2
    again = import_injuries(export, club)
    assert (again.added, again.unchanged) == (0, 2)
    assert load_dataset(club).injuries["athlete_id"].tolist() == ["A07", "C03"]


@pytest.mark.parametrize(
    ("content", "encoding", "check"),
    [
        ("Athlete\tDate\tMinutes\nMüller\t2026-02-03\t60\n", "cp1252", ("athlete_id", "Müller")),
        ("Athlete|Date|Minutes\nA1|03.02.2026|60\n", "utf-8", ("date", "2026-02-03")),
        ("Athlete,Date,Minutes\nA1,2026-02-03T18:30:00,60\n", "utf-8", ("date", "2026-02-03")),
        ("Athlete,Date,Minutes\nA1,2026-02-03,60\n", "utf-16", ("duration_min", "60")),
    ],
)
def test_delimiters_encodings_and_date_styles(
    club: Path, tmp_path: Path, content: str, encoding: str, check: tuple[str, str]
) -> None:
    source = tmp_path / "export.csv"
    source.write_bytes(content.encode(encoding))
    assert import_sessions(source, club).ok
    column, value = check
    assert read(club / "sessions.csv")[column].tolist() == [value]


def test_a_thousands_separator_is_reported_not_misread(club: Path, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text('athlete,date,minutes,distance\nA1,2026-02-03,90,"10,850"\n')
    report = import_sessions(source, club)
    assert [(e.row, e.column) for e in report.errors] == [(2, "distance")]
    assert "thousands separator" in report.errors[0].reason


def test_cross_field_checks(club: Path, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text(
        "athlete,date,minutes,avg hr,max hr,distance,hsr\n"
        "A1,2026-02-03,90,170,160,8000,500\n"
        "A2,2026-02-03,90,150,190,800,900\n"
    )
    report = import_sessions(source, club)
    assert [(e.row, e.column) for e in report.errors] == [(2, "avg hr"), (3, "hsr")]


def test_header_names_are_matched_without_case_spaces_or_units() -> None:
    assert normalise_header(" Total Distance (m) ") == "totaldistance"
    assert normalise_header("HR_max [bpm]") == "hrmax"
    assert normalise_header("\ufeffAthlete") == "athlete"


runner = CliRunner()


def test_cli_lists_bad_rows_and_exits_1_without_writing(club: Path) -> None:
    result = runner.invoke(
        app, ["import", "sessions", str(MESSY), "--out", str(club)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 1
    assert "nothing written: 7 bad row(s)" in result.output
    assert "31/02/2026" in result.output and "Traceback" not in result.output
    assert not club.exists()


def test_cli_skip_bad_imports_and_says_what_changed(club: Path) -> None:
    result = runner.invoke(
        app,
        ["import", "sessions", str(MESSY), "--out", str(club), "--skip-bad"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "3 added" in result.output and "7 bad row(s) skipped" in result.output
    result = runner.invoke(
        app,
        [
            "import",
            "injuries",
            str(INJURIES),
            "--out",
            str(club),
            "--skip-bad",
            "--map",
            "Body Part=location",
            "--dayfirst",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert len(load_dataset(club).injuries) == 4
    assert json.loads((club / "manifest.json").read_text())["synthetic"] is False


def test_cli_file_errors_are_one_line(club: Path) -> None:
    result = runner.invoke(
        app,
        ["import", "sessions", str(FIXTURES / "nope.csv"), "--out", str(club)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: {FIXTURES / 'nope.csv'}: no such file"]
    result = runner.invoke(
        app,
        ["import", "sessions", str(GPS_EXPORT), "--out", str(club), "--map", "oops"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1 and "expected COLUMN=FIELD" in result.output


def test_cli_help_teaches_with_an_example() -> None:
    result = runner.invoke(app, ["import", "sessions", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())  # help paragraphs are reflowed to the terminal
    assert "--dayfirst" in text and "hh:mm:ss" in text and "--replace" in text
    assert "Example: touchline import sessions" in text


cell = st.one_of(
    st.sampled_from(
        [
            "A07",
            "2026-02-03",
            "03/02/2026",
            "31/02/2026",
            "75",
            "6,5",
            "-1",
            "",
            "n/a",
            "eleven",
            "1e400",
            "match",
            "yoga",
            '"',
            ";",
            "\ufeff",
        ]
    ),
    st.text(max_size=6),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(
        st.sampled_from(["RPE", "Type", "HSR", "Distance (km)", "Notes", "sRPE", "Date"]),
        max_size=4,
    ).map(lambda extra: ["Athlete", "Date", "Minutes", *extra])
    | st.lists(st.sampled_from(["Athlete", "Date", "Minutes", "Notes"]), min_size=1, max_size=3),
    rows=st.lists(st.lists(cell, min_size=0, max_size=7), max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_any_file_gives_a_report_or_one_clear_file_error(
    tmp_path: Path, header: list[str], rows: list[list[str]], delimiter: str
) -> None:
    source = tmp_path / "fuzz.csv"
    source.write_text("\n".join(delimiter.join(r) for r in [header, *rows]), encoding="utf-8")
    club = tmp_path / "fuzz-club"
    try:
        report = import_sessions(source, club, skip_bad=True)
    except ImportFileError as exc:
        assert str(exc)
        return
    assert all(error.row >= 2 for error in report.errors)
    assert len(load_dataset(club).sessions) >= report.added  # what was written loads back
