"""Exports in the club's own shape: staff vocabulary, survival-export follow-up rows, vendor
drill and total rows, hh:mm:ss, thousands separators and dates that could go either way.
None may lose, duplicate or silently change a value."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from host.cli import app
from host.data.dataset import load_dataset
from host.data.importer import (
    ImportFileError,
    ImportOptions,
    import_injuries,
    import_sessions,
    import_wellness,
)

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture
def club(tmp_path: Path) -> Path:
    return tmp_path / "club"


def test_an_injury_log_in_the_staffs_own_words_imports_whole(club: Path) -> None:
    report = import_injuries(FIXTURES / "injuries_staff_log.csv", club)
    assert report.ok and report.added == 5
    assert report.followups == 2 and report.short_injuries == 1
    assert report.columns["Fecha alta"] == "return_date"
    injuries = read(club / "injuries.csv").set_index("athlete_id")
    rows = injuries[["date", "days_lost", "time_loss", "type", "location"]]
    assert rows.loc["P01"].tolist() == ["2025-09-03", "14", "1", "muscle", "hamstring"]
    assert rows.loc["P02"].tolist() == ["2025-09-14", "1", "0", "ligament", "ankle"]
    assert rows.loc["P03"].tolist() == ["2025-09-20", "", "", "muscle", "thigh"]  # still out
    assert rows.loc["P04"].tolist() == ["2025-10-02", "21", "1", "muscle", "hamstring"]
    # The staff's words are kept beside the categories; an unknown place is 'other'.
    assert injuries.loc["P01", "location_raw"] == "Isquiotibiales"
    assert injuries.loc["P05", ["location", "location_raw"]].tolist() == ["other", "Clavícula"]
    unknown = [note for note in report.notes if "unknown word" in note]
    assert len(unknown) == 1 and "'Clavícula' (1 row)" in unknown[0]
    assert len(load_dataset(club).injuries) == 5


def test_map_value_names_what_a_word_means(club: Path) -> None:
    options = ImportOptions(value_map=("location:Clavícula=other", "type:Fractura=contusion"))
    report = import_injuries(FIXTURES / "injuries_staff_log.csv", club, options=options)
    assert not [note for note in report.notes if "unknown word" in note]
    assert read(club / "injuries.csv").set_index("athlete_id").loc["P05", "type"] == "contusion"
    with pytest.raises(ImportFileError, match="'elbow' is not a location"):
        import_injuries(
            FIXTURES / "injuries_staff_log.csv",
            club,
            options=ImportOptions(value_map=("location:Codo=elbow",)),
        )


def test_an_injury_without_a_date_that_is_not_a_follow_up_row_is_named(
    club: Path, tmp_path: Path
) -> None:
    source = tmp_path / "log.csv"
    source.write_text("Player,Injury date,Days out,Type\nA1,2026-02-03,5,strain\nA2,,4,sprain\n")
    report = import_injuries(source, club)
    assert [(e.row, e.column) for e in report.errors] == [(3, "Injury date")]


def test_a_vendor_export_with_drills_and_totals_gives_one_session_each(club: Path) -> None:
    report = import_sessions(FIXTURES / "sessions_vendor_drills.csv", club)
    assert report.ok, report.errors
    assert report.columns["Total Duration"] == "duration_min"
    assert report.columns["Period Name"] == "part"
    sessions = read(club / "sessions.csv").set_index("athlete_id")
    assert len(sessions) == 3
    columns = ["session_id", "date", "duration_min", "distance_m", "hsr_m", "player_load"]
    assert sessions.loc["A07", columns].tolist() == [
        "AM",
        "2026-02-03",
        "75",
        "6120.5",
        "410",
        "612.4",
    ]  # the total, hh:mm:ss read
    assert sessions.loc["B12", "duration_min"] == "70"
    # No total row: the drills (mm:ss) are added up, never the warm-up alone.
    assert sessions.loc["C03", ["duration_min", "distance_m", "hr_max"]].tolist() == [
        "60",
        "6000",
        "190",
    ]
    parts = read(club / "session_parts.csv")
    assert parts["part"].tolist() == [
        "Warm Up",
        "Small Sided Games",
        "Warm Up",
        "Warm Up",
        "Match Play",
    ]
    assert parts.loc[1, "duration_min"] == "35.5"
    again = import_sessions(FIXTURES / "sessions_vendor_drills.csv", club)
    assert (again.added, again.unchanged) == (0, 3)
    assert len(read(club / "session_parts.csv")) == 5


def test_under_skip_bad_a_warm_up_never_becomes_the_session(club: Path, tmp_path: Path) -> None:
    text = (FIXTURES / "sessions_vendor_drills.csv").read_text()
    source = tmp_path / "export.csv"
    source.write_text(text.replace("01:10:00", "01:7O:00"))  # B12's total is unreadable
    report = import_sessions(source, club, skip_bad=True)
    assert report.bad_rows == [5, 6]  # the warm-up, and the total of the same session
    reasons = {error.row: error.reason for error in report.errors}
    assert "hh:mm:ss" in reasons[6] and "same session" in reasons[5]
    sessions = read(club / "sessions.csv")
    assert "B12" not in set(sessions["athlete_id"])
    assert "B12" not in set(read(club / "session_parts.csv")["athlete_id"])


def test_thousands_separators_are_decided_per_column(club: Path) -> None:
    report = import_sessions(FIXTURES / "sessions_thousands.csv", club)
    assert report.ok, report.errors
    sessions = read(club / "sessions.csv").set_index(["athlete_id", "date"])
    # The file writes decimals with commas (RPE 6,5), so '.' in a distance groups thousands.
    assert sessions.loc[("P01", "2026-02-03"), ["rpe", "distance_m", "hsr_m"]].tolist() == [
        "6.5",
        "5506",
        "410",
    ]
    assert sessions.loc[("P01", "2026-02-14"), ["distance_m", "hsr_m"]].tolist() == [
        "10850",
        "1020",
    ]


def test_a_column_with_a_decimal_point_keeps_its_three_decimals(club: Path, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text(
        "athlete,date,minutes,distance\nA1,2026-02-03,90,5.506\nA2,2026-02-03,90,6.25\n"
    )
    assert import_sessions(source, club).ok
    assert read(club / "sessions.csv")["distance_m"].tolist() == ["5.506", "6.25"]


AMBIGUOUS = "athlete,date,minutes\nA1,03/02/2026,60\nA1,04/02/2026,70\n"


def test_dates_that_could_be_either_way_are_refused_even_with_skip_bad(
    club: Path, tmp_path: Path
) -> None:
    source = tmp_path / "export.csv"
    source.write_text(AMBIGUOUS)
    with pytest.raises(ImportFileError, match="--dayfirst.*--monthfirst"):
        import_sessions(source, club, skip_bad=True)
    assert not club.exists()
    result = runner.invoke(app, ["import", "sessions", str(source), "--out", str(club)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "--monthfirst" in " ".join(result.output.split())
    result = runner.invoke(
        app, ["import", "sessions", str(source), "--out", str(club), "--monthfirst"]
    )
    assert result.exit_code == 0, result.output
    assert read(club / "sessions.csv")["date"].tolist() == ["2026-03-02", "2026-04-02"]


def test_a_day_or_month_above_twelve_settles_the_column(club: Path, tmp_path: Path) -> None:
    source = tmp_path / "export.csv"
    source.write_text(AMBIGUOUS + "A1,02/13/2026,80\n")
    assert import_sessions(source, club).ok
    assert read(club / "sessions.csv")["date"].tolist() == [
        "2026-02-13",
        "2026-03-02",
        "2026-04-02",
    ]
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(AMBIGUOUS + "A1,02/13/2026,80\nA1,14/02/2026,80\n")
    with pytest.raises(ImportFileError, match="mixes day-first"):
        import_sessions(mixed, tmp_path / "other", skip_bad=True)


def test_an_excel_workbook_is_read_from_the_sheet_named_or_the_first(
    club: Path, tmp_path: Path
) -> None:
    from datetime import datetime, time

    from openpyxl import Workbook

    workbook = Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes.append(["Player", "Date", "Minutes"])
    notes.append(["X1", datetime(2026, 1, 5), 30])
    gps = workbook.create_sheet("GPS")
    gps.append(["Player Name", "Date", "Total Duration", "Total Distance (km)", "RPE"])
    # Typed cells: 6.125 is a number, never a thousands-separated 6125 to be decided.
    gps.append(["A07", datetime(2026, 2, 3), time(1, 15, 30), 6.125, 6])
    gps.append(["B12", datetime(2026, 2, 4), time(0, 58, 0), 5.506, 8])
    source = tmp_path / "export.xlsx"
    workbook.save(source)

    report = import_sessions(source, club, options=ImportOptions(sheet="GPS"))
    assert report.ok and report.added == 2, report.errors
    sessions = read(club / "sessions.csv")
    assert sessions[
        ["athlete_id", "date", "duration_min", "distance_m", "rpe"]
    ].values.tolist() == [
        ["A07", "2026-02-03", "75.5", "6125", "6"],
        ["B12", "2026-02-04", "58", "5506", "8"],
    ]
    first = import_sessions(source, tmp_path / "first")
    assert first.ok and read(tmp_path / "first" / "sessions.csv")["athlete_id"].tolist() == ["X1"]
    with pytest.raises(ImportFileError, match="no sheet 'Wellness'.*Notes, GPS"):
        import_sessions(source, club, options=ImportOptions(sheet="Wellness"))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    result = runner.invoke(app, ["import", "sessions", str(broken), "--out", str(club)])
    assert result.exit_code == 1 and "not a readable Excel workbook" in result.output


def test_a_corrected_export_with_replace_ends_with_exactly_its_rows(club: Path) -> None:
    import_sessions(FIXTURES / "sessions_before_correction.csv", club)
    corrected = FIXTURES / "sessions_corrected.csv"
    # Re-dated, deleted, blanked, renamed, and a new Type column that changes every id.
    result = runner.invoke(
        app,
        [
            "import",
            "sessions",
            str(corrected),
            "--out",
            str(club),
            "--replace",
            "--rename",
            "Pablo G.=P07",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    sessions = read(club / "sessions.csv")
    expected = read(corrected).rename(
        columns={
            "Player": "athlete_id",
            "Date": "date",
            "Type": "type",
            "Minutes": "duration_min",
            "RPE": "rpe",
        }
    )
    mine = sessions[list(expected.columns)].sort_values(["athlete_id", "date"])
    assert mine.values.tolist() == expected.sort_values(["athlete_id", "date"]).values.tolist()
    assert read(club / "athletes.csv")["athlete_id"].tolist() == ["A07", "B12", "P07"]
    blank = sessions[(sessions["athlete_id"] == "A07") & (sessions["date"] == "2026-02-03")]
    assert blank["srpe_load"].tolist() == [""]  # the blanked RPE takes its load with it
    weekly = read(club / "load_weekly.csv")
    assert pd.to_numeric(weekly["srpe_load"]).sum() == 7 * 90 + 4 * 60 + 5 * 70 + 6 * 80
    output = " ".join(result.output.split())
    assert "removed: A07 2026-02-05 2026-02-05-session" in output
    assert "added: A07 2026-02-06 2026-02-06-training" in output
    assert "renamed athlete Pablo G. → P07" in output
    # The same file again changes nothing.
    again = import_sessions(corrected, club, options=ImportOptions(replace=True))
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 5)


def test_the_default_import_is_additive_and_says_so(club: Path) -> None:
    import_sessions(FIXTURES / "sessions_before_correction.csv", club)
    result = runner.invoke(
        app,
        ["import", "sessions", str(FIXTURES / "sessions_corrected.csv"), "--out", str(club)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "additive import" in result.output and "--replace" in result.output
    sessions = read(club / "sessions.csv")
    # The new Type column updates the sessions it names (one per athlete-day) instead of
    # adding the history again; the re-dated one is added, and nothing is removed.
    assert len(sessions) == 6 + 2
    a07 = sessions[sessions["athlete_id"] == "A07"].set_index("date")
    assert a07.loc["2026-02-03", ["session_id", "type", "rpe"]].tolist() == [
        "2026-02-03-session",
        "training",
        "6",
    ]  # a blank never erases without --replace
    assert a07.loc["2026-02-04", "rpe"] == "3"


def test_replace_of_an_injury_log_closes_and_removes(club: Path, tmp_path: Path) -> None:
    first = tmp_path / "log1.csv"
    first.write_text(
        "Player,Injury date,Return date,Location\nA1,2026-02-03,,knee\n"
        "A1,2026-02-10,2026-02-20,calf\n"
    )
    import_injuries(first, club)
    second = tmp_path / "log2.csv"
    second.write_text("Player,Injury date,Return date,Location\nA1,2026-02-03,2026-02-24,knee\n")
    report = import_injuries(second, club, options=ImportOptions(replace=True))
    assert (report.updated, report.removed) == (1, 0)  # 10 Feb is outside the file's dates
    injuries = read(club / "injuries.csv")
    assert injuries[["date", "days_lost", "time_loss"]].values.tolist() == [
        ["2026-02-03", "21", "1"],
        ["2026-02-10", "10", "1"],
    ]


WELLNESS_APP = FIXTURES / "wellness_app_1to7.csv"  # sleep 1-7, fatigue 1-10 (1 = fresh)


def test_answers_on_a_longer_scale_are_never_kept_as_if_on_one_to_five(club: Path) -> None:
    with pytest.raises(ImportFileError, match=r"'Sleep Quality' has answers up to 7.*--scale"):
        import_wellness(WELLNESS_APP, club, options=ImportOptions(skip_bad=True))
    assert not club.exists()
    result = runner.invoke(app, ["import", "sessions", str(WELLNESS_APP), "--out", str(club)])
    assert result.exit_code == 1 and "import wellness" in " ".join(result.output.split())


def test_a_wellness_export_imports_on_its_scales_and_joins_the_weekly_features(
    club: Path,
) -> None:
    import_sessions(FIXTURES / "sessions_gps_export.csv", club)
    result = runner.invoke(
        app,
        [
            "import",
            "wellness",
            str(WELLNESS_APP),
            "--out",
            str(club),
            "--scale",
            "sleep=1-7:high-good",
            "--scale",
            "fatigue=1-10:low-good",
        ],
    )
    assert result.exit_code == 0, result.output
    answers = read(club / "wellness.csv")
    assert answers.columns.tolist() == ["athlete_id", "date", "sleep", "fatigue", "mood"]
    assert answers[["sleep", "fatigue", "mood"]].values.tolist() == [
        ["5", "5", "4"],  # sleep 7 of 7 -> 5; fatigue 1 of 10, low = good -> 5
        ["1", "3.6667", "3"],  # B12 sleep 1 -> 1; fatigue 4 of 10 -> 1 + 4 * 6/9
        ["3", "1", "5"],  # A07 sleep 4 of 7 -> 3, never 4 of 5
        ["3.6667", "2.3333", "2"],
    ]
    from host.risk.features import weekly_features

    dataset = load_dataset(club)
    assert dataset.wellness is not None and len(dataset.wellness) == 4
    features = weekly_features(dataset)
    # A07's week 1: two sessions' own answers (sleep 4, soreness 3; sleep 3, soreness 2)
    # and the two days of questionnaire answers, each a mean of its items.
    a07 = (3.5 + 2.5 + (5 + 5 + 4) / 3 + (3 + 1 + 5) / 3) / 4
    assert features.loc[("A07", 1), "wellness"] == pytest.approx(a07)


@pytest.mark.parametrize(
    ("command", "fixture", "message"),
    [
        ("injuries", "sessions_gps_export.csv", "not an injury log"),
        ("wellness", "sessions_corrected.csv", "not a wellness export"),
    ],
)
def test_a_file_of_another_kind_is_refused_not_imported_empty(
    club: Path, command: str, fixture: str, message: str
) -> None:
    result = runner.invoke(
        app,
        ["import", command, str(FIXTURES / fixture), "--out", str(club)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output and not club.exists()


club_cell = st.one_of(
    st.sampled_from(
        [
            "A07",
            "2026-02-03",
            "03/02/2026",
            "13/02/2026",
            "02/13/2026",
            "75",
            "01:15:00",
            "15:00",
            "5.506",
            "1.234,5",
            "6,5",
            "10,850",
            "7",
            "",
            "Session Total",
            "Warm Up",
            "Muslo",
            "Articular",
            "Clavícula",
            "n/a",
        ]
    ),
    st.text(max_size=5),
)
COLUMNS = [
    "Jugador",
    "Fecha",
    "Total Duration",
    "Period Name",
    "Session Title",
    "Total Distance",
    "Fecha alta",
    "Días de baja",
    "Tipo",
    "Localización",
    "Sleep",
    "Fatigue",
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.lists(st.sampled_from(COLUMNS[2:]), max_size=5, unique=True).map(
        lambda extra: ["Jugador", "Fecha", *extra]
    ),
    rows=st.lists(st.lists(club_cell, min_size=2, max_size=7), max_size=6),
    kind=st.sampled_from(["sessions", "injuries", "wellness"]),
    replace_rows=st.booleans(),
)
def test_any_club_file_gives_a_report_or_one_clear_file_error(
    tmp_path: Path, header: list[str], rows: list[list[str]], kind: str, replace_rows: bool
) -> None:
    source = tmp_path / "fuzz.csv"
    rows = [(row + [""] * len(header))[: len(header)] for row in rows]  # mostly whole rows
    source.write_text("\n".join(";".join(r) for r in [header, *rows]), encoding="utf-8")
    importer = {
        "sessions": import_sessions,
        "injuries": import_injuries,
        "wellness": import_wellness,
    }[kind]
    options = ImportOptions(skip_bad=True, replace=replace_rows)
    for _ in range(2):  # a second import of the same file meets its own rows
        try:
            report = importer(source, tmp_path / "club", options=options)
        except ImportFileError as exc:
            assert str(exc) and "Traceback" not in str(exc)
            return
        assert all(error.row >= 2 for error in report.errors)
        load_dataset(tmp_path / "club")  # what was written loads back


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (  # Catapult OpenField
            [
                "Player Name",
                "Date",
                "Activity Name",
                "Period Name",
                "Total Duration",
                "Total Distance",
                "Total Player Load",
                "Maximum Heart Rate",
            ],
            [
                "athlete_id",
                "date",
                "session_id",
                "part",
                "duration_min",
                "distance_m",
                "player_load",
                "hr_max",
            ],
        ),
        (  # STATSports Apex
            [
                "Player Display Name",
                "Session Date",
                "Drill Title",
                "Total Time",
                "High Speed Running (Absolute)",
                "Sprints",
                "Accelerations",
                "Heart Rate Max",
            ],
            ["athlete_id", "date", "part", "duration_min", "hsr_m", "sprints", "accels", "hr_max"],
        ),
        (  # Polar Team Pro
            [
                "Player name",
                "Date",
                "Session name",
                "Phase name",
                "Duration",
                "Total distance [m]",
                "HR avg [bpm]",
                "HR max [bpm]",
            ],
            [
                "athlete_id",
                "date",
                "session_id",
                "part",
                "duration_min",
                "distance_m",
                "hr_mean",
                "hr_max",
            ],
        ),
    ],
)
def test_vendor_column_names_are_recognised(header: list[str], expected: list[str]) -> None:
    from host.data.importer import SESSION_FIELDS, ImportReport, detect_columns

    report = ImportReport(source=Path("export.csv"), table="sessions")
    columns = detect_columns(header, SESSION_FIELDS, {}, report)
    assert [spec.name for _, spec in sorted(columns.items())] == expected
