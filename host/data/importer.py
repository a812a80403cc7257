"""Import a club's exports (sessions, injury logs, wellness questionnaires) into a dataset.

Club exports come from GPS vendors, medical staff and wellness apps, each with its own
column names, words, number and date conventions. The importer recognises columns by name
(host.data.vendors), decides how each column writes its numbers and dates from all of its
values (host.data.conventions), reads words through vocabularies that never refuse a file
(host.data.vocabulary) and scales through their declared range (host.data.wellness). Every
bad cell is reported by row (header = row 1) and column; nothing is written while any row
is bad unless the caller skips bad rows. Rows are merged by key (host.data.merge), and
every file is replaced atomically.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pandas as pd

from firmware_bridge.errors import UserError
from host.data.conventions import (
    ConventionError,
    DateOrder,
    NumberStyle,
    clock_minutes,
    date_order,
    file_decimal,
    number_style,
    parse_date,
)
from host.data.dataset import (
    MANIFEST,
    DatasetError,
    atomic_write,
    read_manifest,
    write_manifest,
    write_table,
)
from host.data.excel import EXCEL_SUFFIXES
from host.data.exports import read_export
from host.data.import_errors import ImportFileError, ImportRowError
from host.data.load_metrics import daily_load, weekly_load
from host.data.manifest import new_manifest
from host.data.merge import (
    ChangeTally,
    Coverage,
    assign_weeks,
    cell_text,
    merge_rows,
    read_existing,
    renamed,
    renamed_athletes,
    session_loads,
)
from host.data.vendors import (
    INJURY_ALIASES,
    PART_ALIASES,
    PART_COLUMNS,
    SESSION_ALIASES,
    consolidate,
)
from host.data.vocabulary import (
    VOCABULARIES,
    Categorised,
    UnknownWords,
    ValueMapError,
    categoriser,
    parse_value_map,
    plain,
)
from host.data.wellness import (
    DATASET_SCALE,
    WELLNESS_ITEMS,
    Scale,
    ScaleError,
    parse_scales,
)

# Derived load tables written beside sessions.csv (documented in docs/dataset.md).
LOAD_DAILY = "load_daily.csv"
LOAD_WEEKLY = "load_weekly.csv"
PARTS = "session_parts.csv"  # vendor drill rows, parts of the sessions in sessions.csv
WELLNESS = "wellness.csv"  # daily questionnaire answers, with or without a session

# Cell texts that mean "no value" in club exports.
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "?"})

# Plausible ranges; a value outside is a typo or a unit mix-up, reported, never clipped.
MAX_SESSION_MIN = 600.0
MAX_DISTANCE_M = 25_000.0
HR_RANGE_BPM = (30.0, 250.0)
# Time-loss injuries last at least 48 h (the paper's definition). Shorter ones are kept and
# flagged `time_loss = 0`, so modelling applies the definition and can change it.
MIN_DAYS_LOST = 2

# Column names too ambiguous to guess: the file must say what they hold with --map.
AMBIGUOUS_COLUMNS = {"srpe": ("rpe", "srpe_load")}


class _BadValue(UserError, ValueError):
    """Raised by a cell parser; the caller adds row and column."""


@dataclass(kw_only=True)
class ImportReport(ChangeTally):
    """What an import read, found wrong and changed."""

    source: Path
    table: str
    rows_read: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[ImportRowError] = field(default_factory=list)
    replace: bool = False
    athletes_added: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    unknown_words: UnknownWords = field(default_factory=UnknownWords)
    followups: int = 0  # injury-log follow-up (censoring) rows: no injury date
    short_injuries: int = 0  # injuries under MIN_DAYS_LOST days, kept with time_loss = 0
    parts: int = 0  # drill rows kept as parts of their session
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


def _parse_date(raw: str) -> date:
    """A date cell read before its column's order is known: ISO or a named month only."""
    return _date_reader(None)(raw)


def _date_reader(order: DateOrder | None) -> Callable[[str], date]:
    help_text = {
        "day": "day-first DD/MM/YYYY",
        "month": "month-first MM/DD/YYYY",
        None: "ISO YYYY-MM-DD",
    }[order]

    @lru_cache(maxsize=4096)  # a season has a few hundred distinct dates in thousands of rows
    def parse(raw: str) -> date:
        found = parse_date(raw, order)
        if found is None:
            raise _BadValue(f"is not a date ({help_text})")
        return found

    return parse


def _number(
    low: float,
    high: float,
    *,
    integer: bool = False,
    low_open: bool = False,
    what: str = "",
    clock: bool = False,
) -> Callable[[str], float]:
    """A range-checked number cell, already written plainly ('5506', '6.5'); with `clock`,
    also `hh:mm:ss` or `mm:ss` read as minutes."""

    def parse(raw: str) -> float:
        text = raw.strip()
        minutes = clock_minutes(text) if clock else None
        try:
            value = minutes if minutes is not None else float(text)
        except ValueError:
            hint = " (durations: minutes, hh:mm:ss or mm:ss)" if clock else ""
            raise _BadValue(f"is not a number{hint}") from None
        if not math.isfinite(value):
            raise _BadValue("is not a number")
        if integer and not value.is_integer():
            raise _BadValue("is not a whole number")
        too_low = value <= low if low_open else value < low
        if too_low or value > high:
            allowed = (
                f"must be more than {low:g} and at most {high:g}"
                if low_open
                else f"is outside {low:g}–{high:g}"
            )
            raise _BadValue(allowed + (f" ({what})" if what else ""))
        return value

    return parse


Kind = Literal["text", "number", "date", "choice", "scale"]


@dataclass(frozen=True)
class FieldSpec:
    """A column of a dataset table and the names clubs give it.

    `kind` says what is decided once for the whole column before its cells are read:
    separators for numbers, day/month order for dates, the vocabulary for choices.
    """

    name: str
    parse: Callable[[str], object]
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: Kind = "text"


def _spec(
    name: str,
    parse: Callable[[str], object],
    aliases: tuple[str, ...] = (),
    *,
    required: bool = False,
    kind: Kind = "number",
    vendor_aliases: Mapping[str, tuple[str, ...]] = SESSION_ALIASES,
) -> FieldSpec:
    """A field with its own aliases and the vendor headers known for it in its table."""
    return FieldSpec(name, parse, aliases + tuple(vendor_aliases.get(name, ())), required, kind)


WELLNESS_SPECS = (  # read on their declared scale (host.data.wellness), stored on 1–5
    _spec("sleep", _text, ("sleepquality", "sleepscore"), kind="scale"),
    _spec("soreness", _text, ("musclesoreness", "doms"), kind="scale"),
    _spec("fatigue", _text, ("tiredness", "fatiguescore"), kind="scale"),
    _spec("stress", _text, ("stresslevel", "stressscore"), kind="scale"),
    _spec("mood", _text, ("moodscore",), kind="scale"),
)
ATHLETE_ALIASES = (
    "athlete",
    "athleteid",
    "athletename",
    "player",
    "playerid",
    "playername",
    "name",
)
SESSION_FIELDS: tuple[FieldSpec, ...] = (
    _spec("athlete_id", _text, ATHLETE_ALIASES, required=True, kind="text"),
    _spec(
        "date",
        _parse_date,
        ("sessiondate", "day", "trainingdate", "matchdate"),
        required=True,
        kind="date",
    ),
    _spec(
        "duration_min",
        _number(0, MAX_SESSION_MIN, low_open=True, what="minutes", clock=True),
        (
            "duration",
            "durationmins",
            "durationminutes",
            "minutes",
            "mins",
            "min",
            "sessionduration",
            "sessionminutes",
            "minutesplayed",
        ),
        required=True,
    ),
    _spec("session_id", _text, ("session", "sessionname"), kind="text"),
    _spec("part", _text, PART_ALIASES, kind="text"),
    _spec("week", _number(0, 10_000, integer=True), ("weekno", "weeknumber")),
    _spec("type", _text, ("sessiontype", "activity", "activitytype", "category"), kind="choice"),
    _spec(
        "rpe",
        _number(0, 10, what="Borg CR-10"),
        ("borg", "borgcr10", "cr10", "rpescore", "sessionrpe"),
    ),
    _spec(
        "srpe_load",
        _number(0, 10 * MAX_SESSION_MIN, what="RPE × minutes"),
        ("srpeload", "sessionrpeload", "rpeload", "sessionload"),
    ),
    _spec(
        "distance_m", _number(0, MAX_DISTANCE_M, what="metres"), ("distance", "totaldistance", "td")
    ),
    _spec(
        "hsr_m",
        _number(0, MAX_DISTANCE_M, what="metres"),
        ("hsr", "hsrdistance", "highspeedrunning", "highspeedrunningdistance", "highspeeddistance"),
    ),
    _spec(
        "sprints",
        _number(0, 1000, integer=True),
        ("sprintcount", "numberofsprints", "sprintefforts", "nsprints"),
    ),
    _spec(
        "accels",
        _number(0, 10_000, integer=True),
        ("accelerations", "accel", "acc", "accelerationcount", "accelcount"),
    ),
    _spec(
        "decels",
        _number(0, 10_000, integer=True),
        ("decelerations", "decel", "dec", "decelerationcount", "decelcount"),
    ),
    _spec("player_load", _number(0, 100_000), ("playerload", "pl", "totalplayerload")),
    _spec(
        "hr_mean",
        _number(*HR_RANGE_BPM, what="bpm"),
        ("meanhr", "avghr", "averagehr", "hravg", "averageheartrate", "meanheartrate"),
    ),
    _spec(
        "hr_max", _number(*HR_RANGE_BPM, what="bpm"), ("maxhr", "maxheartrate", "peakhr", "hrpeak")
    ),
    *WELLNESS_SPECS,
)
INJURY_FIELDS: tuple[FieldSpec, ...] = (
    _spec(
        "athlete_id",
        _text,
        ATHLETE_ALIASES,
        required=True,
        kind="text",
        vendor_aliases=INJURY_ALIASES,
    ),
    # Not required: follow-up (censoring) rows of survival exports have no injury date.
    _spec(
        "date",
        _parse_date,
        ("injurydate", "dateofinjury", "onsetdate", "onset"),
        kind="date",
        vendor_aliases=INJURY_ALIASES,
    ),
    _spec(
        "days_lost",
        _number(0, 3650, integer=True),
        ("daysout", "daysmissed", "timeloss", "timelossdays", "absencedays", "daysabsent"),
        vendor_aliases=INJURY_ALIASES,
    ),
    _spec(
        "return_date",
        _parse_date,
        (
            "returndate",
            "returntoplay",
            "returntoplaydate",
            "rtp",
            "rtpdate",
            "dateofreturn",
            "returntotraining",
            "fechaalta",
            "fechadealta",
            "fecharetorno",
            "fechaderetorno",
            "alta",
        ),
        kind="date",
        vendor_aliases=INJURY_ALIASES,
    ),
    _spec(
        "type",
        _text,
        ("injurytype", "category", "injurycategory"),
        kind="choice",
        vendor_aliases=INJURY_ALIASES,
    ),
    _spec(
        "location",
        _text,
        ("bodypart", "site", "injurylocation", "bodyregion", "region"),
        kind="choice",
        vendor_aliases=INJURY_ALIASES,
    ),
)

WELLNESS_FIELDS: tuple[FieldSpec, ...] = (*SESSION_FIELDS[:2], *WELLNESS_SPECS)
WELLNESS_KEY = ("athlete_id", "date")
WHAT = {"injuries": "an injury log", "wellness": "a wellness export"}
# A file with only athletes and dates says nothing: at least one of these must be there.
DESCRIBED_BY = {
    "injuries": ("days_lost", "return_date", "type", "location"),
    "wellness": tuple(spec.name for spec in WELLNESS_SPECS),
}

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
    return plain(without_units).replace(" ", "")


def parse_mapping(entries: Iterable[str]) -> dict[str, str]:
    """`["Player Code=athlete_id", ...]` from --map options into {column: field}."""
    mapping = {}
    for entry in entries:
        column, sep, target = entry.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise ImportFileError(
                f"--map {entry!r}: expected COLUMN=FIELD, e.g. 'Player=athlete_id'"
            )
        mapping[column.strip()] = target.strip()
    return mapping


def detect_columns(
    header: Sequence[str],
    fields: Sequence[FieldSpec],
    mapping: dict[str, str],
    report: ImportReport,
) -> dict[int, FieldSpec]:
    """Which file column feeds which field: --map first, then known names."""
    by_name = {spec.name: spec for spec in fields}
    by_alias = {
        normalise_header(alias): spec for spec in fields for alias in (spec.name, *spec.aliases)
    }
    chosen: dict[int, FieldSpec] = {}
    for column, target in mapping.items():
        if target not in by_name:
            raise ImportFileError(
                f"--map {column}={target}: '{target}' is not a {report.table} field "
                f"(one of {', '.join(by_name)})"
            )
        matches = [i for i, name in enumerate(header) if name == column] or [
            i for i, name in enumerate(header) if normalise_header(name) == normalise_header(column)
        ]
        if not matches:
            raise ImportFileError(
                f"--map {column}={target}: the file has no column '{column}' "
                f"(its columns: {', '.join(header)})"
            )
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
                f"{spec.name}; choose one with --map '{name}={spec.name}'"
            )
        if spec.name in METRE_FIELDS and re.search(r"\bkm\b", name.lower()):
            spec = _in_kilometres(spec)
            report.notes.append(f"column '{name}' read in kilometres, stored in metres")
        taken[spec.name] = index
        chosen[index] = spec
    missing = [spec.name for spec in fields if spec.required and spec.name not in taken]
    if missing:
        wellness = missing == ["duration_min"] and any(
            spec.kind == "scale" for spec in chosen.values()
        )
        hint = (
            "; it looks like a wellness questionnaire export: use `touchline import wellness`"
            if wellness
            else "; name it with --map COLUMN=FIELD"
        )
        raise ImportFileError(
            f"{report.source}: no column for required field(s) {', '.join(missing)} "
            f"(file columns: {', '.join(header)}){hint}"
        )
    report.columns = {header[i]: spec.name for i, spec in sorted(chosen.items())}
    described = {spec.name for spec in chosen.values()} - {"athlete_id", "date"}
    if report.table in DESCRIBED_BY and not described & set(DESCRIBED_BY[report.table]):
        raise ImportFileError(
            f"{report.source}: not {WHAT[report.table]}: no column for any of "
            f"{', '.join(DESCRIBED_BY[report.table])} (file columns: {', '.join(header)}); "
            "name one with --map COLUMN=FIELD"
        )
    return chosen


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file beyond its column names; each is a `touchline import` option."""

    mapping: dict[str, str] = field(default_factory=dict)
    skip_bad: bool = False
    value_map: tuple[str, ...] = ()  # --map-value FIELD:TEXT=VALUE
    date_order: DateOrder | None = None  # --dayfirst / --monthfirst
    sheet: str | None = None  # --sheet, for Excel workbooks
    replace: bool = False  # --replace: the file is the truth for its athletes and dates
    renames: dict[str, str] = field(default_factory=dict)  # --rename OLD=NEW
    scales: tuple[str, ...] = ()  # --scale ITEM=LOW-HIGH:high-good


def parse_renames(entries: Iterable[str]) -> dict[str, str]:
    """`["Pablo G.=P07", ...]` from --rename options into {old id: new id}."""
    renames = {}
    for entry in entries:
        old, sep, new = entry.partition("=")
        if not sep or not old.strip() or not new.strip() or old.strip() == new.strip():
            raise ImportFileError(
                f"--rename {entry!r}: expected OLD=NEW with two different "
                "athlete ids, e.g. 'Pablo G.=P07'"
            )
        renames[" ".join(old.split())] = " ".join(new.split())
    return renames


def _styled(parse: Callable[[str], object], style: NumberStyle) -> Callable[[str], object]:
    def read(raw: str) -> object:
        text = style.plain(raw)
        if text is None:
            mark = "," if "," in raw else "."
            raise _BadValue(
                f"has a '{mark}': thousands separator or decimal "
                f"{'comma' if mark == ',' else 'point'}? nothing else in the column "
                "or file says; write the plain number"
            )
        return parse(text)

    return read


def _on_scale(scale: Scale) -> Callable[[str], float]:
    read = _number(scale.low, scale.high, what=f"the scale is {scale}")
    return lambda raw: scale.to_dataset(read(raw))


def _check_scale(
    values: Sequence[str], style: NumberStyle, scale: Scale, column: str, item: str
) -> None:
    """A column holding answers above its scale is on another scale: refused as a whole."""
    numbers = []
    for value in values:
        text = style.plain(value)
        try:
            numbers.append(float(text)) if text is not None else None
        except ValueError:
            continue
    if numbers and max(numbers) > scale.high:
        raise ConventionError(
            f"column '{column}' has answers up to {max(numbers):g}, above its scale "
            f"{scale}: declare the scale it was asked on, e.g. --scale "
            f"{item}=1-{math.ceil(max(numbers))}:high-good (or :low-good)"
        )


def _column_readers(
    header: Sequence[str],
    records: list[tuple[int, list[str]]],
    columns: dict[int, FieldSpec],
    options: ImportOptions,
    report: ImportReport,
) -> dict[int, Callable[[str], object]]:
    """One reader per column, after deciding what the whole column (and file) shows."""

    def cells(index: int) -> list[tuple[int, str]]:
        return [
            (number, row[index].strip())
            for number, row in records
            if len(row) == len(header) and row[index].strip().lower() not in MISSING_TOKENS
        ]

    try:
        value_map = parse_value_map(options.value_map, report.table)
    except ValueMapError as exc:
        raise ImportFileError(str(exc)) from None
    try:
        scales = parse_scales(options.scales)
    except ScaleError as exc:
        raise ImportFileError(str(exc)) from None
    numeric = [index for index, spec in columns.items() if spec.kind in ("number", "scale")]
    decimal = file_decimal([value for _, value in cells(index)] for index in numeric)
    # A workbook's numbers are typed cells, written plainly by host.data.excel: nothing to decide.
    typed = report.source.suffix.lower() in EXCEL_SUFFIXES

    def style_of(index: int, values: Sequence[str]) -> NumberStyle:
        return NumberStyle(decimal=".") if typed else number_style(values, decimal, header[index])

    readers: dict[int, Callable[[str], object]] = {}
    try:
        for index, spec in columns.items():
            if spec.kind == "scale":
                values = [value for _, value in cells(index)]
                style = style_of(index, values)
                scale = scales.get(spec.name, DATASET_SCALE)
                _check_scale(values, style, scale, header[index], spec.name)
                readers[index] = _styled(_on_scale(scale), style)
                if scale != DATASET_SCALE:
                    report.notes.append(
                        f"column '{header[index]}' read on {scale}, stored on 1–5 (5 = best)"
                    )
            elif spec.kind == "number":
                values = [value for _, value in cells(index)]
                readers[index] = _styled(spec.parse, style_of(index, values))
            elif spec.kind == "date":
                readers[index] = _date_reader(
                    date_order(cells(index), header[index], options.date_order)
                )
            elif spec.kind == "choice":
                vocabulary = VOCABULARIES[(report.table, spec.name)]
                readers[index] = categoriser(
                    vocabulary, value_map.get(spec.name, {}), report.unknown_words
                )
            else:
                readers[index] = spec.parse
    except ConventionError as exc:
        raise ImportFileError(f"{report.source}: {exc}") from None
    return readers


def _parse_rows(
    records: list[tuple[int, list[str]]],
    header: Sequence[str],
    columns: dict[int, FieldSpec],
    readers: dict[int, Callable[[str], object]],
    report: ImportReport,
) -> list[tuple[int, dict[str, object]]]:
    parsed = []
    for number, cells in records:
        if len(cells) != len(header):
            report.errors.append(
                ImportRowError(
                    number, None, None, f"has {len(cells)} values but the header has {len(header)}"
                )
            )
            continue
        record: dict[str, object] = {}
        row_errors = []
        for index, spec in columns.items():
            raw = cells[index].strip()
            if raw.lower() in MISSING_TOKENS:
                if spec.required:
                    row_errors.append(
                        ImportRowError(
                            number, header[index], raw, f"missing ({spec.name} is required)"
                        )
                    )
                record[spec.name] = None
                continue
            try:
                value = readers[index](raw)
            except _BadValue as exc:
                row_errors.append(ImportRowError(number, header[index], raw, str(exc)))
                continue
            if isinstance(value, Categorised):
                record[spec.name] = value.value
                record[f"{spec.name}_raw"] = value.raw
            else:
                record[spec.name] = value
        report.errors.extend(row_errors)
        if not row_errors:
            parsed.append((number, record))
    return parsed


def _column_of(report: ImportReport, field_name: str) -> str:
    return next((col for col, name in report.columns.items() if name == field_name), field_name)


def _drop_weeks_not_counted_from_dates(
    rows: list[tuple[int, dict[str, object]]], report: ImportReport
) -> None:
    """Keep a file's week numbers only when they count weeks from one Monday, as the dataset
    does. Week-of-season numbers restart (week 1 each July), so two seasons would share
    weeks; such a column is set aside with a note and the weeks are counted from the dates."""
    start_of: dict[date, tuple[int, date, int]] = {}
    for number, row in rows:
        day, week = row.get("date"), row.get("week")
        if isinstance(day, date) and week is not None:
            week_zero = day - timedelta(days=day.weekday(), weeks=int(week))  # type: ignore[call-overload]
            start_of.setdefault(week_zero, (number, day, int(week)))  # type: ignore[call-overload]
    if len(start_of) < 2:
        return
    (_, first_day, first_week), (row_number, day, week) = sorted(
        start_of.values(), key=lambda seen: seen[1]
    )[:2]
    for _, row in rows:
        row.pop("week", None)
    report.notes.append(
        f"column '{_column_of(report, 'week')}' ignored: its numbers do not count weeks from "
        f"one start (week {first_week} on {first_day}, then week {week} on {day}, row "
        f"{row_number}); weeks are counted from the dates instead"
    )


def _check_sessions(
    rows: list[tuple[int, dict[str, object]]], report: ImportReport
) -> list[tuple[int, dict[str, object]]]:
    """Cross-field checks and derived values of session rows."""
    kept = []
    for number, row in rows:
        errors = []
        hr_mean, hr_max = row.get("hr_mean"), row.get("hr_max")
        if hr_mean is not None and hr_max is not None and hr_mean > hr_max:  # type: ignore[operator]
            errors.append(
                ImportRowError(
                    number,
                    _column_of(report, "hr_mean"),
                    str(hr_mean),
                    f"is above the maximum heart rate {hr_max:g}",
                )
            )
        hsr, distance = row.get("hsr_m"), row.get("distance_m")
        if hsr is not None and distance is not None and hsr > distance:  # type: ignore[operator]
            errors.append(
                ImportRowError(
                    number,
                    _column_of(report, "hsr_m"),
                    str(hsr),
                    f"is more than the total distance {distance:g}",
                )
            )
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


def _sessions_of_parts(
    rows: list[tuple[int, dict[str, object]]],
    records: list[tuple[int, list[str]]],
    header: Sequence[str],
    report: ImportReport,
) -> tuple[list[tuple[int, dict[str, object]]], list[dict[str, object]]]:
    """Drill and total rows into one row per session, and the drills as its parts."""
    by_field = {name: header.index(column) for column, name in report.columns.items()}
    key_columns = [
        by_field[name] for name in ("athlete_id", "date", "session_id") if name in by_field
    ]
    raw_keys = {
        number: tuple(" ".join(cells[i].split()) for i in key_columns)
        for number, cells in records
        if len(cells) == len(header)
    }
    bad = {raw_keys.get(row) for row in report.bad_rows} - {None}
    result = consolidate(
        rows,
        raw_keys.__getitem__,
        bad,  # type: ignore[arg-type]
        lambda number, why: report.errors.append(ImportRowError(number, None, None, why)),
    )
    report.parts = len(result.parts)
    if result.added_up:
        report.notes.append(
            f"{result.added_up} session(s) had no session-total row: their drills were added up"
        )
    report.notes.append(
        f"{report.parts} drill row(s) kept as parts of their session in {PARTS}, not as sessions"
    )
    return result.sessions, result.parts


def _check_injuries(
    rows: list[tuple[int, dict[str, object]]], report: ImportReport
) -> list[tuple[int, dict[str, object]]]:
    """Follow-up rows counted; days lost from the return date; short injuries flagged."""
    kept = []
    overruled = []
    for number, row in rows:
        onset, back = row.get("date"), row.get("return_date")
        if onset is None:
            if row.get("type") is None and row.get("location") is None:
                report.followups += 1  # survival exports: the end of a player's follow-up
                continue
            report.errors.append(
                ImportRowError(
                    number,
                    _column_of(report, "date"),
                    "",
                    "missing: an injury needs the date it began",
                )
            )
            continue
        if back is not None:
            days = (back - onset).days  # type: ignore[operator]
            if days < 0:
                report.errors.append(
                    ImportRowError(
                        number,
                        _column_of(report, "return_date"),
                        str(back),
                        f"is before the injury date {onset}",
                    )
                )
                continue
            if row.get("days_lost") is not None and row["days_lost"] != days:
                overruled.append(number)
            row["days_lost"] = float(days)
        lost = row.get("days_lost")
        row["time_loss"] = None if lost is None else int(lost >= MIN_DAYS_LOST)  # type: ignore[operator]
        report.short_injuries += row["time_loss"] == 0
        kept.append((number, row))
    if report.followups:
        report.notes.append(
            f"{report.followups} follow-up row(s) without an injury date "
            "(end of follow-up / censoring) recognised and not imported"
        )
    if report.short_injuries:
        report.notes.append(
            f"{report.short_injuries} injury(ies) under {MIN_DAYS_LOST} days "
            "kept with time_loss = 0 (not time-loss injuries)"
        )
    if overruled:
        report.notes.append(
            "days lost taken from the return date where the days column "
            f"differs: row(s) {', '.join(map(str, overruled))}"
        )
    return kept


def _drop_duplicates(
    rows: list[tuple[int, dict[str, object]]], key: Sequence[str], report: ImportReport, what: str
) -> list[tuple[int, dict[str, object]]]:
    first_row: dict[tuple[object, ...], int] = {}
    kept = []
    for number, row in rows:
        identity = tuple(row.get(k) for k in key)
        if identity in first_row:
            report.errors.append(
                ImportRowError(
                    number, None, None, f"duplicate of row {first_row[identity]} ({what})"
                )
            )
            continue
        first_row[identity] = number
        kept.append((number, row))
    return kept


# --- writing the dataset --------------------------------------------------------------------


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
        raise ImportFileError(
            f"{root}: is a synthetic dataset; import a club's real data into "
            "its own directory so the two never mix"
        )
    return False


SESSION_ORDER = (
    "session_id",
    "athlete_id",
    "date",
    "week",
    "type",
    "type_raw",
    "duration_min",
    "rpe",
    "srpe_load",
    "distance_m",
    "hsr_m",
    "sprints",
    "accels",
    "decels",
    "player_load",
    "hr_mean",
    "hr_max",
    "sleep",
    "soreness",
    "fatigue",
    "stress",
    "mood",
)
INJURY_ORDER = (
    "athlete_id",
    "date",
    "days_lost",
    "time_loss",
    "return_date",
    "type",
    "type_raw",
    "location",
    "location_raw",
)
PARTS_KEY = ("athlete_id", "date", "session_id", "part")
WELLNESS_ORDER = ("athlete_id", "date", *WELLNESS_ITEMS)


def _write(root: Path, name: str, table: pd.DataFrame, report: ImportReport) -> None:
    if name in (LOAD_DAILY, LOAD_WEEKLY, PARTS, WELLNESS):
        path = root / name
        atomic_write(
            path,
            lambda tmp: table.to_csv(tmp, index=False, date_format="%Y-%m-%d", float_format="%.6g"),
        )
    else:
        path = write_table(root, name, table)
    report.written.append(path)


def _read_rows(
    spec: TableSpec, options: ImportOptions, report: ImportReport
) -> tuple[list[tuple[int, dict[str, object]]], list[dict[str, object]]]:
    """The file's good rows, checked and made one per key, and (sessions) the drill parts."""
    header, records = read_export(report.source, options.sheet)
    report.rows_read = len(records)
    columns = detect_columns(header, spec.fields, options.mapping, report)
    readers = _column_readers(header, records, columns, options, report)
    rows = _parse_rows(records, header, columns, readers, report)
    for _, row in rows:
        athlete = str(row["athlete_id"])
        row["athlete_id"] = options.renames.get(athlete, athlete)
    rows, parts = spec.check(rows, records, header, report)
    rows = _drop_duplicates(rows, spec.key, report, spec.duplicate)
    report.notes += report.unknown_words.notes()
    report.errors.sort(key=lambda error: error.row)
    return rows, parts


def _keep_derived_ids(cells: list[dict[str, str]], stored: pd.DataFrame | None) -> None:
    """A file without session labels names its sessions after date and type; an athlete's
    only session of a day keeps the id it was stored under, so a later export that adds (or
    changes) a Type column updates its sessions instead of adding them all again."""
    if stored is None or stored.empty:
        return
    derived = stored[
        pd.Series(
            [
                sid.startswith(f"{day}-")
                for sid, day in zip(stored["session_id"], stored["date"], strict=True)
            ],
            index=stored.index,
            dtype=bool,
        )
    ]
    ids = derived.groupby(["athlete_id", "date"])["session_id"].agg(list).to_dict()
    incoming = Counter((row["athlete_id"], row["date"]) for row in cells)
    for row in cells:
        day = (row["athlete_id"], row["date"])
        if incoming[day] == 1 and len(ids.get(day, ())) == 1:
            row["session_id"] = ids[day][0]


Rows = list[tuple[int, dict[str, object]]]
Cells = list[dict[str, str]]


@dataclass
class _Stored:
    """The dataset's tables as they are before this import, with renamed athletes applied."""

    athletes: pd.DataFrame | None
    sessions: pd.DataFrame | None
    injuries: pd.DataFrame | None
    parts: pd.DataFrame | None

    @classmethod
    def read(cls, root: Path, renames: dict[str, str]) -> _Stored:
        return cls(
            athletes=read_existing(root / "athletes.csv", ("athlete_id",)),
            sessions=renamed(
                read_existing(root / "sessions.csv", SESSION_KEY + ("duration_min",)), renames
            ),
            injuries=renamed(read_existing(root / "injuries.csv", ("athlete_id", "date")), renames),
            parts=renamed(read_existing(root / PARTS, PARTS_KEY), renames),
        )


@dataclass(frozen=True)
class TableSpec:
    """One kind of export the importer reads: its fields and key, how its rows are checked,
    and how they are stored. `store` writes its own table and the derived ones and returns
    the dataset's week count when it knows it; `rewrites` names the side files it rewrites
    itself (the others only follow renamed athletes)."""

    name: str
    fields: tuple[FieldSpec, ...]
    key: tuple[str, ...]
    duplicate: str  # why two rows with one key are one
    check: Callable[
        [Rows, list[tuple[int, list[str]]], Sequence[str], ImportReport],
        tuple[Rows, list[dict[str, object]]],
    ]
    store: Callable[
        [
            Path,
            _Stored,
            Cells,
            list[dict[str, object]],
            ImportReport,
            Coverage | None,
            dict[str, str],
        ],
        int | None,
    ]
    rewrites: tuple[str, ...] = ()


def _check_session_rows(
    rows: Rows, records: list[tuple[int, list[str]]], header: Sequence[str], report: ImportReport
) -> tuple[Rows, list[dict[str, object]]]:
    rows = _check_sessions(rows, report)
    parts: list[dict[str, object]] = []
    if "part" in report.columns.values():
        rows, parts = _sessions_of_parts(rows, records, header, report)
    _drop_weeks_not_counted_from_dates(rows, report)
    return rows, parts


def _check_injury_rows(
    rows: Rows, records: list[tuple[int, list[str]]], header: Sequence[str], report: ImportReport
) -> tuple[Rows, list[dict[str, object]]]:
    return _check_injuries(rows, report), []


def _as_read(
    rows: Rows, records: list[tuple[int, list[str]]], header: Sequence[str], report: ImportReport
) -> tuple[Rows, list[dict[str, object]]]:
    return rows, []


def _empty_unless_renamed(
    root: Path,
    name: str,
    table: pd.DataFrame | None,
    order: Sequence[str],
    renames: dict[str, str],
    report: ImportReport,
) -> None:
    """A table this import does not touch: created empty when missing, rewritten only to
    follow renamed athletes."""
    if table is None:
        _write(root, name, pd.DataFrame(columns=list(order)), report)
    elif renames:
        _write(root, name, table, report)


def _store_sessions(
    root: Path,
    stored: _Stored,
    cells: Cells,
    parts: list[dict[str, object]],
    report: ImportReport,
    coverage: Coverage | None,
    renames: dict[str, str],
) -> int | None:
    """sessions.csv, the load tables derived from it and the drill parts; the weeks."""
    if "session_id" not in report.columns.values():
        _keep_derived_ids(cells, stored.sessions)
    merged = merge_rows(
        stored.sessions, cells, "sessions.csv", SESSION_KEY, SESSION_ORDER, report, coverage
    )
    merged = assign_weeks(merged, stored.sessions)
    merged = merged.sort_values(["date", "athlete_id", "session_id"], kind="stable")
    _write(root, "sessions.csv", merged, report)
    daily = daily_load(session_loads(merged))
    _write(root, LOAD_DAILY, daily, report)
    _write(root, LOAD_WEEKLY, weekly_load(daily), report)
    if parts or stored.parts is not None:
        part_cells = [{k: cell_text(v) for k, v in part.items()} for part in parts]
        merged_parts = merge_rows(
            stored.parts, part_cells, PARTS, PARTS_KEY, PART_COLUMNS, ChangeTally(), coverage
        )
        _write(root, PARTS, merged_parts.sort_values(["date", "athlete_id"], kind="stable"), report)
    _empty_unless_renamed(root, "injuries.csv", stored.injuries, INJURY_ORDER, renames, report)
    return int(pd.to_numeric(merged["week"]).max()) + 1 if len(merged) else None


def _store_injuries(
    root: Path,
    stored: _Stored,
    cells: Cells,
    parts: list[dict[str, object]],
    report: ImportReport,
    coverage: Coverage | None,
    renames: dict[str, str],
) -> int | None:
    merged = merge_rows(
        stored.injuries, cells, "injuries.csv", INJURY_KEY, INJURY_ORDER, report, coverage
    )
    _write(root, "injuries.csv", merged.sort_values(["date", "athlete_id"], kind="stable"), report)
    _empty_unless_renamed(root, "sessions.csv", stored.sessions, SESSION_ORDER, renames, report)
    return None


def _store_wellness(
    root: Path,
    stored: _Stored,
    cells: Cells,
    parts: list[dict[str, object]],
    report: ImportReport,
    coverage: Coverage | None,
    renames: dict[str, str],
) -> int | None:
    answers = renamed(read_existing(root / WELLNESS, WELLNESS_KEY), renames)
    merged = merge_rows(answers, cells, WELLNESS, WELLNESS_KEY, WELLNESS_ORDER, report, coverage)
    _write(root, WELLNESS, merged.sort_values(["date", "athlete_id"], kind="stable"), report)
    _empty_unless_renamed(root, "sessions.csv", stored.sessions, SESSION_ORDER, renames, report)
    _empty_unless_renamed(root, "injuries.csv", stored.injuries, INJURY_ORDER, renames, report)
    return None


SESSIONS = TableSpec(
    "sessions",
    SESSION_FIELDS,
    SESSION_KEY,
    "same athlete, date and session; add a session column if they are two sessions",
    _check_session_rows,
    _store_sessions,
    rewrites=(PARTS,),
)
INJURIES = TableSpec(
    "injuries",
    INJURY_FIELDS,
    INJURY_KEY,
    "same athlete, date and location",
    _check_injury_rows,
    _store_injuries,
)
WELLNESS_TABLE = TableSpec(
    "wellness",
    WELLNESS_FIELDS,
    WELLNESS_KEY,
    "same athlete and date",
    _as_read,
    _store_wellness,
    rewrites=(WELLNESS,),
)


def _import(source: Path, root: Path, spec: TableSpec, options: ImportOptions) -> ImportReport:
    report = ImportReport(
        source=Path(source), table=spec.name, replace=options.replace, renamed=dict(options.renames)
    )
    root = Path(root)
    new_dataset = _ensure_dataset(root)
    rows, parts = _read_rows(spec, options, report)
    if report.errors and not options.skip_bad:
        return report

    renames = options.renames
    stored = _Stored.read(root, renames)
    athletes = stored.athletes
    cells = [{name: cell_text(value) for name, value in row.items()} for _, row in rows]
    coverage = Coverage.of(cells) if options.replace else None
    if athletes is not None and renames:
        athletes = renamed_athletes(athletes, renames)
    known = set() if athletes is None else set(athletes["athlete_id"])
    report.athletes_added = sorted({row["athlete_id"] for row in cells} - known)

    if athletes is None or report.athletes_added or renames:
        added = pd.DataFrame({"athlete_id": report.athletes_added})
        merged_athletes = added if athletes is None else pd.concat([athletes, added])
        _write(root, "athletes.csv", merged_athletes.fillna(""), report)
    weeks = spec.store(root, stored, cells, parts, report, coverage, renames)
    if renames:  # side tables this import did not rewrite follow the new ids too
        if PARTS not in spec.rewrites and stored.parts is not None:
            _write(root, PARTS, stored.parts, report)
        answers = read_existing(root / WELLNESS, WELLNESS_KEY)
        if WELLNESS not in spec.rewrites and answers is not None:
            _write(root, WELLNESS, renamed(answers, renames), report)
        weekly = read_existing(root / "weekly.csv", ("athlete_id", "week"))
        if weekly is not None:
            _write(root, "weekly.csv", renamed(weekly, renames), report)
    if new_dataset:
        manifest = new_manifest(root.name, synthetic=False, weeks=weeks)
        report.written.append(write_manifest(root, manifest))
    elif weeks is not None:
        manifest = read_manifest(root)
        if manifest.weeks is None or manifest.weeks < weeks:
            updated = manifest.model_copy(update={"weeks": weeks})
            report.written.append(write_manifest(root, updated))
    return report


def import_sessions(
    source: str | Path,
    dataset: str | Path,
    mapping: dict[str, str] | None = None,
    skip_bad: bool = False,
    options: ImportOptions | None = None,
) -> ImportReport:
    """Import a sessions export (CSV or Excel) into `dataset`; see the module docstring.

    Returns the report; when it lists errors and `skip_bad` is false, nothing was written.
    Also rewrites the derived `load_daily.csv` and `load_weekly.csv`, and keeps vendor drill
    rows in `session_parts.csv`.
    """
    options = _options(options, mapping, skip_bad)
    return _import(Path(source), Path(dataset), SESSIONS, options)


def import_injuries(
    source: str | Path,
    dataset: str | Path,
    mapping: dict[str, str] | None = None,
    skip_bad: bool = False,
    options: ImportOptions | None = None,
) -> ImportReport:
    """Import an injury log (CSV or Excel) into `dataset`; see `import_sessions`."""
    options = _options(options, mapping, skip_bad)
    return _import(Path(source), Path(dataset), INJURIES, options)


def import_wellness(
    source: str | Path, dataset: str | Path, options: ImportOptions | None = None
) -> ImportReport:
    """Import a daily wellness questionnaire export (no session, no minutes) into the
    dataset's `wellness.csv`, each item on its declared scale stored on 1–5 (5 = best)."""
    return _import(Path(source), Path(dataset), WELLNESS_TABLE, options or ImportOptions())


def _options(
    options: ImportOptions | None, mapping: dict[str, str] | None, skip_bad: bool
) -> ImportOptions:
    options = options or ImportOptions()
    if mapping:
        options = replace(options, mapping=mapping)
    if skip_bad:
        options = replace(options, skip_bad=True)
    return options
