"""Import a club's session and injury exports (CSV) into a dataset directory.

Club exports come from GPS vendors, wellness apps and spreadsheets, each with its own
column names, date format and delimiter. The importer recognises common column names,
reads ISO and day-first dates, checks every value, and reports every bad cell by row
(as a spreadsheet numbers it: header = row 1) and column, so staff can fix the file
rather than find out later that a week of data went missing. Nothing is written while
any row is bad, unless the caller asks to skip bad rows; rows already in the dataset are
merged by key and never dropped, and every file is replaced atomically.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd

from host.data.dataset import (
    MANIFEST,
    REQUIRED_COLUMNS,
    DatasetError,
    atomic_write,
    read_manifest,
    write_manifest,
    write_table,
)
from host.data.load_metrics import daily_load, week_number, week_origin, weekly_load
from host.data.manifest import new_manifest

# Derived load tables written beside sessions.csv (documented in docs/dataset.md).
LOAD_DAILY = "load_daily.csv"
LOAD_WEEKLY = "load_weekly.csv"

# Cell texts that mean "no value" in club exports.
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "?"})

# Date formats, tried in order: ISO first, then day-first as used in the UK and Europe.
# Month-first (US) dates are not accepted: 03/02/2026 is 3 February.
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y",
                "%d.%m.%y", "%d-%m-%y")
DATE_HELP = "ISO YYYY-MM-DD or day-first DD/MM/YYYY"

# Plausible ranges; a value outside is a typo or a unit mix-up, reported, never clipped.
MAX_SESSION_MIN = 600.0
MAX_DISTANCE_M = 25_000.0
HR_RANGE_BPM = (30.0, 250.0)
MIN_DAYS_LOST = 2  # time-loss injuries only: at least 48 h out (the paper's definition)

SESSION_TYPES = ("training", "match", "recovery", "rehab", "other")
SESSION_TYPE_SYNONYMS = {
    "game": "match", "fixture": "match", "friendly": "match", "competition": "match",
    "train": "training", "practice": "training", "pitch": "training", "session": "training",
    "regen": "recovery", "rehabilitation": "rehab",
}
INJURY_TYPES = ("muscle", "ligament", "contusion", "overuse", "other")
INJURY_TYPE_SYNONYMS = {
    "strain": "muscle", "muscular": "muscle", "sprain": "ligament", "bruise": "contusion",
    "knock": "contusion", "dead leg": "contusion", "tendinopathy": "overuse",
}
INJURY_LOCATIONS = ("hamstring", "groin", "knee", "ankle", "calf", "thigh", "hip", "foot",
                    "other")
INJURY_LOCATION_SYNONYMS = {
    "hamstrings": "hamstring", "adductor": "groin", "adductors": "groin", "quad": "thigh",
    "quads": "thigh", "quadriceps": "thigh", "calves": "calf", "knees": "knee", "ankles": "ankle",
    "feet": "foot", "hips": "hip",
}

# Column names too ambiguous to guess: the file must say what they hold with --map.
AMBIGUOUS_COLUMNS = {"srpe": ("rpe", "srpe_load")}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, empty, a required column
    missing, a bad --map, or a target dataset that cannot take it)."""


class ImportRowError(ValueError):
    """One bad cell (or row): where it is in the file and what is wrong with it."""

    def __init__(self, row: int, column: str | None, value: str | None, reason: str) -> None:
        self.row, self.column, self.value, self.reason = row, column, value, reason
        where = f"row {row}" + (f", column '{column}'" if column else "")
        shown = f"{value!r} " if value not in (None, "") else ""
        super().__init__(f"{where}: {shown}{reason}")


class _BadValue(ValueError):
    """Raised by a cell parser; the caller adds row and column."""


@dataclass
class ImportReport:
    """What an import read, found wrong and changed."""

    source: Path
    table: str
    rows_read: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[ImportRowError] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    athletes_added: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({error.row for error in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors


# --- parsing cells ---------------------------------------------------------------------------


def _text(raw: str) -> str:
    return " ".join(raw.split())


@lru_cache(maxsize=4096)  # a season has a few hundred distinct dates in thousands of rows
def _parse_date(raw: str) -> date:
    day_part = re.split(r"[T ]", raw.strip(), maxsplit=1)[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(day_part, fmt).date()
        except ValueError:
            continue
    raise _BadValue(f"is not a date ({DATE_HELP})")


_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+")
_DECIMAL_COMMA = re.compile(r"^(-?\d+),(\d+)$")  # European exports: 6,5 means 6.5


def _number(low: float, high: float, *, integer: bool = False, low_open: bool = False,
            what: str = "") -> Callable[[str], float]:
    def parse(raw: str) -> float:
        text = raw.strip()
        if _THOUSANDS.fullmatch(text):
            raise _BadValue("has a comma: thousands separator or decimal comma? "
                            "write the plain number")
        try:
            value = float(_DECIMAL_COMMA.sub(r"\1.\2", text))
        except ValueError:
            raise _BadValue("is not a number") from None
        if not math.isfinite(value):
            raise _BadValue("is not a number")
        if integer and not value.is_integer():
            raise _BadValue("is not a whole number")
        too_low = value <= low if low_open else value < low
        if too_low or value > high:
            allowed = (f"must be more than {low:g} and at most {high:g}" if low_open
                       else f"is outside {low:g}–{high:g}")
            raise _BadValue(allowed + (f" ({what})" if what else ""))
        return value
    return parse


def _choice(vocabulary: Sequence[str], synonyms: dict[str, str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        word = _text(raw).lower()
        word = synonyms.get(word, word)
        if word not in vocabulary:
            raise _BadValue(f"is not one of {', '.join(vocabulary)}")
        return word
    return parse


@dataclass(frozen=True)
class FieldSpec:
    """A column of a dataset table and the names clubs give it."""

    name: str
    parse: Callable[[str], object]
    aliases: tuple[str, ...] = ()
    required: bool = False


ATHLETE = FieldSpec("athlete_id", _text, ("athlete", "athleteid", "athletename", "player",
                                          "playerid", "playername", "name"), required=True)
SESSION_FIELDS: tuple[FieldSpec, ...] = (
    ATHLETE,
    FieldSpec("date", _parse_date, ("sessiondate", "day", "trainingdate", "matchdate"),
              required=True),
    FieldSpec("duration_min", _number(0, MAX_SESSION_MIN, low_open=True, what="minutes"),
              ("duration", "durationmins", "durationminutes", "minutes", "mins", "min",
               "sessionduration", "sessionminutes", "minutesplayed"), required=True),
    FieldSpec("session_id", _text, ("session", "sessionname")),
    FieldSpec("week", _number(0, 10_000, integer=True), ("weekno", "weeknumber")),
    FieldSpec("type", _choice(SESSION_TYPES, SESSION_TYPE_SYNONYMS),
              ("sessiontype", "activity", "activitytype", "category")),
    FieldSpec("rpe", _number(0, 10, what="Borg CR-10"),
              ("borg", "borgcr10", "cr10", "rpescore", "sessionrpe")),
    FieldSpec("srpe_load", _number(0, 10 * MAX_SESSION_MIN, what="RPE × minutes"),
              ("srpeload", "sessionrpeload", "rpeload", "sessionload")),
    FieldSpec("distance_m", _number(0, MAX_DISTANCE_M, what="metres"),
              ("distance", "totaldistance", "td")),
    FieldSpec("hsr_m", _number(0, MAX_DISTANCE_M, what="metres"),
              ("hsr", "hsrdistance", "highspeedrunning", "highspeedrunningdistance",
               "highspeeddistance")),
    FieldSpec("sprints", _number(0, 1000, integer=True),
              ("sprintcount", "numberofsprints", "sprintefforts", "nsprints")),
    FieldSpec("accels", _number(0, 10_000, integer=True),
              ("accelerations", "accel", "acc", "accelerationcount", "accelcount")),
    FieldSpec("decels", _number(0, 10_000, integer=True),
              ("decelerations", "decel", "dec", "decelerationcount", "decelcount")),
    FieldSpec("player_load", _number(0, 100_000), ("playerload", "pl", "totalplayerload")),
    FieldSpec("hr_mean", _number(*HR_RANGE_BPM, what="bpm"),
              ("meanhr", "avghr", "averagehr", "hravg", "averageheartrate", "meanheartrate")),
    FieldSpec("hr_max", _number(*HR_RANGE_BPM, what="bpm"),
              ("maxhr", "maxheartrate", "peakhr", "hrpeak")),
    FieldSpec("sleep", _number(1, 5, what="5 = best"), ("sleepquality", "sleepscore")),
    FieldSpec("soreness", _number(1, 5, what="5 = best"), ("musclesoreness", "doms")),
    FieldSpec("fatigue", _number(1, 5, what="5 = best"), ("tiredness", "fatiguescore")),
    FieldSpec("stress", _number(1, 5, what="5 = best"), ("stresslevel", "stressscore")),
    FieldSpec("mood", _number(1, 5, what="5 = best"), ("moodscore",)),
)
INJURY_FIELDS: tuple[FieldSpec, ...] = (
    ATHLETE,
    FieldSpec("date", _parse_date, ("injurydate", "dateofinjury", "onsetdate", "onset"),
              required=True),
    FieldSpec("days_lost", _number(MIN_DAYS_LOST, 3650, integer=True,
                                   what="time-loss injuries are 2 days or more"),
              ("daysout", "daysmissed", "timeloss", "timelossdays", "absencedays", "daysabsent")),
    FieldSpec("type", _choice(INJURY_TYPES, INJURY_TYPE_SYNONYMS),
              ("injurytype", "category", "injurycategory")),
    FieldSpec("location", _choice(INJURY_LOCATIONS, INJURY_LOCATION_SYNONYMS),
              ("bodypart", "site", "injurylocation", "bodyregion", "region")),
)

METRE_FIELDS = ("distance_m", "hsr_m")


def _in_kilometres(spec: FieldSpec) -> FieldSpec:
    """A metre field whose column is in km ('Distance (km)'): read km, store metres."""
    read_km = _number(0, MAX_DISTANCE_M / 1000, what="kilometres")
    return replace(spec, parse=lambda raw: round(read_km(raw) * 1000, 3))


SESSION_KEY = ("athlete_id", "date", "session_id")
INJURY_KEY = ("athlete_id", "date", "location")


def normalise_header(name: str) -> str:
    """'Total Distance (m)' -> 'totaldistance': case, spaces, punctuation and units ignored."""
    without_units = re.sub(r"[(\[].*?[)\]]", "", name)
    return re.sub(r"[^0-9a-z]", "", without_units.lower())


# --- reading the file ------------------------------------------------------------------------


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):  # cp1252: what Excel on Windows saves
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"{path}: not a text file (neither UTF-8 nor Windows-1252)")


DELIMITERS = ",;\t|"


def _delimiter(text: str) -> str:
    """The delimiter giving the header the most columns with most rows agreeing.

    csv.Sniffer guesses ',' for semicolon files with decimal commas ("6,5"), which are
    exactly the European exports we must read, so the choice is made on row shape.
    """
    sample = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_columns = ",", 1
    for candidate in DELIMITERS:
        widths = [len(row) for row in csv.reader(sample, delimiter=candidate)]
        if widths[0] > best_columns and widths.count(widths[0]) >= 0.8 * len(widths):
            best, best_columns = candidate, widths[0]
    return best


def read_export(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(row number, cells)]) of a CSV export; blank rows skipped.

    The delimiter (comma, semicolon, tab or pipe) is sniffed; a UTF-8 byte-order mark is
    dropped. Row numbers count the header as row 1, as a spreadsheet shows them.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from None
    text = _decode(raw, path)
    if not text.strip():
        raise ImportFileError(f"{path}: empty file (expected a header row, then one row each)")
    delimiter = _delimiter(text)
    try:
        records = list(enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1))
    except csv.Error as exc:
        raise ImportFileError(f"{path}: not readable as CSV ({exc})") from None
    records = [(number, cells) for number, cells in records if any(c.strip() for c in cells)]
    header = [cell.strip() for cell in records[0][1]]
    return header, records[1:]


def parse_mapping(entries: Iterable[str]) -> dict[str, str]:
    """`["Player Code=athlete_id", ...]` from --map options into {column: field}."""
    mapping = {}
    for entry in entries:
        column, sep, target = entry.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise ImportFileError(
                f"--map {entry!r}: expected COLUMN=FIELD, e.g. 'Player=athlete_id'")
        mapping[column.strip()] = target.strip()
    return mapping


def detect_columns(header: Sequence[str], fields: Sequence[FieldSpec],
                   mapping: dict[str, str], report: ImportReport) -> dict[int, FieldSpec]:
    """Which file column feeds which field: --map first, then known names."""
    by_name = {spec.name: spec for spec in fields}
    by_alias = {normalise_header(alias): spec for spec in fields
                for alias in (spec.name, *spec.aliases)}
    chosen: dict[int, FieldSpec] = {}
    for column, target in mapping.items():
        if target not in by_name:
            raise ImportFileError(
                f"--map {column}={target}: '{target}' is not a {report.table} field "
                f"(one of {', '.join(by_name)})")
        matches = [i for i, name in enumerate(header) if name == column] or [
            i for i, name in enumerate(header)
            if normalise_header(name) == normalise_header(column)]
        if not matches:
            raise ImportFileError(
                f"--map {column}={target}: the file has no column '{column}' "
                f"(its columns: {', '.join(header)})")
        chosen[matches[0]] = by_name[target]
    taken = {spec.name: index for index, spec in chosen.items()}
    mapped = set(taken)
    for index, name in enumerate(header):
        if index in chosen:
            continue
        key = normalise_header(name)
        spec = by_alias.get(key) or by_alias.get(key.removeprefix("wellness"))
        if spec is not None and spec.name in mapped:
            spec = None  # --map chose another column for this field
        if spec is None:
            if key in AMBIGUOUS_COLUMNS:
                options = " or ".join(f"--map '{name}={t}'" for t in AMBIGUOUS_COLUMNS[key])
                report.notes.append(f"column '{name}' ignored: ambiguous, pass {options}")
            else:
                report.ignored_columns.append(name)
            continue
        if spec.name in taken:
            raise ImportFileError(
                f"columns '{header[taken[spec.name]]}' and '{name}' both look like "
                f"{spec.name}; choose one with --map '{name}={spec.name}'")
        if spec.name in METRE_FIELDS and re.search(r"\bkm\b", name.lower()):
            spec = _in_kilometres(spec)
            report.notes.append(f"column '{name}' read in kilometres, stored in metres")
        taken[spec.name] = index
        chosen[index] = spec
    missing = [spec.name for spec in fields if spec.required and spec.name not in taken]
    if missing:
        raise ImportFileError(
            f"{report.source}: no column for required field(s) {', '.join(missing)} "
            f"(file columns: {', '.join(header)}); name it with --map COLUMN=FIELD")
    report.columns = {header[i]: spec.name for i, spec in sorted(chosen.items())}
    return chosen


def _parse_rows(records: list[tuple[int, list[str]]], header: Sequence[str],
                columns: dict[int, FieldSpec],
                report: ImportReport) -> list[tuple[int, dict[str, object]]]:
    parsed = []
    for number, cells in records:
        if len(cells) != len(header):
            report.errors.append(ImportRowError(
                number, None, None, f"has {len(cells)} values but the header has {len(header)}"))
            continue
        record: dict[str, object] = {}
        row_errors = []
        for index, spec in columns.items():
            raw = cells[index].strip()
            if raw.lower() in MISSING_TOKENS:
                if spec.required:
                    row_errors.append(ImportRowError(number, header[index], raw,
                                                     f"missing ({spec.name} is required)"))
                record[spec.name] = None
                continue
            try:
                record[spec.name] = spec.parse(raw)
            except _BadValue as exc:
                row_errors.append(ImportRowError(number, header[index], raw, str(exc)))
        report.errors.extend(row_errors)
        if not row_errors:
            parsed.append((number, record))
    return parsed


def _column_of(report: ImportReport, field_name: str) -> str:
    return next((col for col, name in report.columns.items() if name == field_name), field_name)


def _check_sessions(rows: list[tuple[int, dict[str, object]]],
                    report: ImportReport) -> list[tuple[int, dict[str, object]]]:
    """Cross-field checks and derived values of session rows."""
    kept = []
    for number, row in rows:
        errors = []
        hr_mean, hr_max = row.get("hr_mean"), row.get("hr_max")
        if hr_mean is not None and hr_max is not None and hr_mean > hr_max:  # type: ignore[operator]
            errors.append(ImportRowError(number, _column_of(report, "hr_mean"), str(hr_mean),
                                         f"is above the maximum heart rate {hr_max:g}"))
        hsr, distance = row.get("hsr_m"), row.get("distance_m")
        if hsr is not None and distance is not None and hsr > distance:  # type: ignore[operator]
            errors.append(ImportRowError(number, _column_of(report, "hsr_m"), str(hsr),
                                         f"is more than the total distance {distance:g}"))
        report.errors.extend(errors)
        if errors:
            continue
        if row.get("srpe_load") is None and row.get("rpe") is not None:
            row["srpe_load"] = row["rpe"] * row["duration_min"]  # type: ignore[operator]
        if not row.get("session_id"):
            kind = row.get("type") or "session"
            row["session_id"] = f"{row['date']:%Y-%m-%d}-{kind}"
        kept.append((number, row))
    return kept


def _drop_duplicates(rows: list[tuple[int, dict[str, object]]], key: Sequence[str],
                     report: ImportReport, what: str) -> list[tuple[int, dict[str, object]]]:
    first_row: dict[tuple[object, ...], int] = {}
    kept = []
    for number, row in rows:
        identity = tuple(row.get(k) for k in key)
        if identity in first_row:
            report.errors.append(ImportRowError(
                number, None, None, f"duplicate of row {first_row[identity]} ({what})"))
            continue
        first_row[identity] = number
        kept.append((number, row))
    return kept


# --- merging into the dataset ----------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _read_existing(path: Path, required: Sequence[str]) -> pd.DataFrame | None:
    if not path.exists():
        return None
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise ImportFileError(f"{path}: empty file (it needs at least its header row)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"{path}: not readable as CSV ({exc})") from None
    missing = [col for col in required if col not in table.columns]
    if missing:
        raise ImportFileError(f"{path}: missing column(s) {', '.join(missing)}; "
                              "nothing was changed")
    if "date" in table.columns:
        dates = pd.to_datetime(table["date"], format="%Y-%m-%d", errors="coerce")
        if dates.isna().any():
            row = int(dates.index[dates.isna()][0]) + 2  # header is row 1
            raise ImportFileError(f"{path}: row {row}, column 'date': {table['date'][row - 2]!r} "
                                  "is not an ISO date; nothing was changed")
    return table


def _merge(existing: pd.DataFrame | None, rows: list[dict[str, str]], name: str,
           key: Sequence[str], order: Sequence[str], report: ImportReport) -> pd.DataFrame:
    """Existing rows kept; an imported row with a known key updates the fields it has."""
    columns = list(existing.columns) if existing is not None else []
    columns += [col for col in order if col not in columns and any(r.get(col) for r in rows)]
    columns += [col for col in (*REQUIRED_COLUMNS[name], *key) if col not in columns]
    merged = [] if existing is None else existing.to_dict("records")
    # Optional key columns (an injury's location) may be absent from either side.
    index = {tuple(row.get(k, "") for k in key): row for row in merged}
    for row in rows:
        identity = tuple(row.get(k, "") for k in key)
        target = index.get(identity)
        if target is None:
            new = {col: row.get(col, "") for col in columns}
            merged.append(new)
            index[identity] = new
            report.added += 1
            continue
        changes = {col: value for col, value in row.items()
                   if value != "" and col in columns and target.get(col, "") != value}
        target.update(changes)
        if changes:
            report.updated += 1
        else:
            report.unchanged += 1
    first = [col for col in order if col in columns]
    ordered = first + [col for col in columns if col not in first]
    return pd.DataFrame(merged, columns=ordered).fillna("")


def _assign_weeks(sessions: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Fill `week` from `date` (week 0 starts on the Monday on or before the first session).

    A week that followed that rule before this import follows it again if this import moves
    the first session earlier; a week number the club supplied is kept.
    """
    weeks = sessions["week"] if "week" in sessions.columns else pd.Series("", sessions.index)
    if sessions.empty:
        return sessions.assign(week=weeks)
    dates = pd.to_datetime(sessions["date"])
    derived = week_number(dates, week_origin(dates)).astype(str)
    follow_rule = weeks == ""
    if previous is not None and len(previous) and "week" in previous.columns:
        old_origin = week_origin(pd.to_datetime(previous["date"]))
        follow_rule |= weeks == week_number(dates, old_origin).astype(str)
    sessions = sessions.copy()
    sessions["week"] = weeks.where(~follow_rule, derived)
    return sessions


def _session_loads(sessions: pd.DataFrame) -> pd.DataFrame:
    """Dates and sRPE loads of the merged table; rows written by hand without `srpe_load`
    but with RPE and minutes get it derived here too."""
    def column(name: str) -> pd.Series:
        values = sessions[name] if name in sessions.columns else pd.Series("", sessions.index)
        return pd.to_numeric(values, errors="coerce")
    load = column("srpe_load").fillna(column("rpe") * column("duration_min"))
    return sessions.assign(date=pd.to_datetime(sessions["date"]), srpe_load=load)


def _ensure_dataset(root: Path) -> bool:
    """Check the target; returns whether a new manifest must be written."""
    if root.exists() and not root.is_dir():
        raise ImportFileError(f"{root}: exists and is not a directory")
    if not (root / MANIFEST).exists():
        return True
    try:
        manifest = read_manifest(root)
    except DatasetError as exc:
        raise ImportFileError(str(exc)) from None
    if manifest.synthetic:
        raise ImportFileError(f"{root}: is a synthetic dataset; import a club's real data into "
                              "its own directory so the two never mix")
    return False


SESSION_ORDER = ("session_id", "athlete_id", "date", "week", "type", "duration_min", "rpe",
                 "srpe_load", "distance_m", "hsr_m", "sprints", "accels", "decels",
                 "player_load", "hr_mean", "hr_max", "sleep", "soreness", "fatigue", "stress",
                 "mood")
INJURY_ORDER = ("athlete_id", "date", "days_lost", "type", "location")


def _write(root: Path, name: str, table: pd.DataFrame, report: ImportReport) -> None:
    if name in (LOAD_DAILY, LOAD_WEEKLY):
        path = root / name
        atomic_write(path, lambda tmp: table.to_csv(tmp, index=False, date_format="%Y-%m-%d",
                                                     float_format="%.6g"))
    else:
        path = write_table(root, name, table)
    report.written.append(path)


def _import(source: Path, root: Path, table: str, fields: Sequence[FieldSpec],
            key: Sequence[str], mapping: dict[str, str], skip_bad: bool) -> ImportReport:
    report = ImportReport(source=Path(source), table=table)
    root = Path(root)
    new_dataset = _ensure_dataset(root)
    header, records = read_export(report.source)
    report.rows_read = len(records)
    columns = detect_columns(header, fields, mapping, report)
    rows = _parse_rows(records, header, columns, report)
    if table == "sessions":
        rows = _check_sessions(rows, report)
        rows = _drop_duplicates(rows, key, report, "same athlete, date and session; "
                                "add a session column if they are two sessions")
    else:
        rows = _drop_duplicates(rows, key, report, "same athlete, date and location")
    report.errors.sort(key=lambda error: error.row)
    if report.errors and not skip_bad:
        return report

    athletes = _read_existing(root / "athletes.csv", ("athlete_id",))
    sessions = _read_existing(root / "sessions.csv", SESSION_KEY + ("duration_min",))
    injuries = _read_existing(root / "injuries.csv", ("athlete_id", "date"))
    cells = [{name: _cell(value) for name, value in row.items()} for _, row in rows]
    known = set() if athletes is None else set(athletes["athlete_id"])
    report.athletes_added = sorted({row["athlete_id"] for row in cells} - known)

    if athletes is None or report.athletes_added:
        added = pd.DataFrame({"athlete_id": report.athletes_added})
        merged_athletes = added if athletes is None else pd.concat([athletes, added])
        _write(root, "athletes.csv", merged_athletes.fillna(""), report)
    if table == "sessions":
        merged = _merge(sessions, cells, "sessions.csv", key, SESSION_ORDER, report)
        merged = _assign_weeks(merged, sessions)
        merged = merged.sort_values(["date", "athlete_id", "session_id"], kind="stable")
        _write(root, "sessions.csv", merged, report)
        daily = daily_load(_session_loads(merged))
        _write(root, LOAD_DAILY, daily, report)
        _write(root, LOAD_WEEKLY, weekly_load(daily), report)
        if injuries is None:
            _write(root, "injuries.csv", pd.DataFrame(columns=list(INJURY_ORDER)), report)
        weeks = int(pd.to_numeric(merged["week"]).max()) + 1 if len(merged) else None
    else:
        merged = _merge(injuries, cells, "injuries.csv", key, INJURY_ORDER, report)
        merged = merged.sort_values(["date", "athlete_id"], kind="stable")
        _write(root, "injuries.csv", merged, report)
        if sessions is None:
            _write(root, "sessions.csv", pd.DataFrame(columns=list(SESSION_ORDER)), report)
        weeks = None
    if new_dataset:
        manifest = new_manifest(root.name, synthetic=False, weeks=weeks)
        report.written.append(write_manifest(root, manifest))
    elif weeks is not None:
        manifest = read_manifest(root)
        if manifest.weeks is None or manifest.weeks < weeks:
            updated = manifest.model_copy(update={"weeks": weeks})
            report.written.append(write_manifest(root, updated))
    return report


def import_sessions(source: str | Path, dataset: str | Path,
                    mapping: dict[str, str] | None = None, skip_bad: bool = False) -> ImportReport:
    """Import a sessions export into `dataset`; see the module docstring.

    Returns the report; when it lists errors and `skip_bad` is false, nothing was written.
    Also rewrites the derived `load_daily.csv` and `load_weekly.csv`.
    """
    return _import(Path(source), Path(dataset), "sessions", SESSION_FIELDS, SESSION_KEY,
                   mapping or {}, skip_bad)


def import_injuries(source: str | Path, dataset: str | Path,
                    mapping: dict[str, str] | None = None, skip_bad: bool = False) -> ImportReport:
    """Import a time-loss injury export into `dataset`; see `import_sessions`."""
    return _import(Path(source), Path(dataset), "injuries", INJURY_FIELDS, INJURY_KEY,
                   mapping or {}, skip_bad)
