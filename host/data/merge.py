"""Merge an export's rows into a dataset table: additive by default, or the new truth for
what the file covers (--replace).

Rows are compared as the text they are stored as, so a re-import of the same file changes
nothing, and every row added, changed or removed is counted and named for the summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from host.data.dataset import REQUIRED_COLUMNS, read_csv_checked
from host.data.import_errors import ImportFileError
from host.data.load_metrics import week_number, week_origin


@dataclass(kw_only=True)
class ChangeTally:
    """How many rows a merge added, changed, left alone and removed, and which."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    # ("added" | "changed" | "removed", what), for the summary of a --replace import.
    changes: list[tuple[str, str]] = field(default_factory=list)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_existing(path: Path, required: Sequence[str]) -> pd.DataFrame | None:
    if not path.exists():
        return None
    table = read_csv_checked(
        path,
        required,
        ImportFileError,
        suffix="; nothing was changed",
        dtype=str,
        keep_default_na=False,
    )
    if "date" in table.columns:
        dates = pd.to_datetime(table["date"], format="%Y-%m-%d", errors="coerce")
        if dates.isna().any():
            row = int(dates.index[dates.isna()][0]) + 2  # header is row 1
            raise ImportFileError(
                f"{path}: row {row}, column 'date': {table['date'][row - 2]!r} "
                "is not an ISO date; nothing was changed"
            )
    return table


@dataclass(frozen=True)
class Coverage:
    """What a --replace file is the truth for: its athletes, from its first date to its last."""

    athletes: frozenset[str]
    first: str
    last: str

    @classmethod
    def of(cls, rows: Sequence[dict[str, str]]) -> Coverage | None:
        dates = [row["date"] for row in rows if row.get("date")]
        if not dates:
            return None
        return cls(frozenset(row["athlete_id"] for row in rows), min(dates), max(dates))

    def holds(self, row: dict[str, str]) -> bool:
        return (
            row.get("athlete_id") in self.athletes
            and self.first <= row.get("date", "") <= self.last
        )


def merge_rows(
    existing: pd.DataFrame | None,
    rows: list[dict[str, str]],
    name: str,
    key: Sequence[str],
    order: Sequence[str],
    report: ChangeTally,
    coverage: Coverage | None = None,
) -> pd.DataFrame:
    """Existing rows kept; an imported row with a known key updates the fields it has.

    With a `coverage` (--replace), existing rows inside it that the file lacks are removed,
    and a row the file has takes every field the file carries, blanks included.
    """
    columns = list(existing.columns) if existing is not None else []
    columns += [col for col in order if col not in columns and any(r.get(col) for r in rows)]
    columns += [col for col in (*REQUIRED_COLUMNS.get(name, ()), *key) if col not in columns]
    merged = [] if existing is None else existing.to_dict("records")
    carried = {col for row in rows for col in row}

    def label(row: dict[str, str]) -> str:
        return " ".join(row.get(k, "") for k in key if row.get(k, ""))

    # Optional key columns (an injury's location) may be absent from either side.
    def identity(row: dict[str, str]) -> tuple[str, ...]:
        return tuple(row.get(k, "") for k in key)

    if coverage is not None:
        incoming = {identity(row) for row in rows}
        stale = [row for row in merged if coverage.holds(row) and identity(row) not in incoming]
        for row in stale:
            report.changes.append(("removed", label(row)))
        report.removed += len(stale)
        stale_ids = {id(row) for row in stale}
        merged = [row for row in merged if id(row) not in stale_ids]
    index = {identity(row): row for row in merged}
    for row in rows:
        target = index.get(identity(row))
        if target is None:
            new = {col: row.get(col, "") for col in columns}
            merged.append(new)
            index[identity(row)] = new
            report.added += 1
            report.changes.append(("added", label(row)))
            continue
        if coverage is not None:
            changes = {
                col: row.get(col, "")
                for col in carried
                if col in columns and target.get(col, "") != row.get(col, "")
            }
        else:
            changes = {
                col: value
                for col, value in row.items()
                if value != "" and col in columns and target.get(col, "") != value
            }
        target.update(changes)
        if changes:
            report.updated += 1
            report.changes.append(("changed", f"{label(row)} ({', '.join(sorted(changes))})"))
        else:
            report.unchanged += 1
    first = [col for col in order if col in columns]
    ordered = first + [col for col in columns if col not in first]
    return pd.DataFrame(merged, columns=ordered).fillna("")


def renamed(table: pd.DataFrame | None, renames: dict[str, str]) -> pd.DataFrame | None:
    if table is None or not renames or "athlete_id" not in table.columns:
        return table
    return table.assign(athlete_id=table["athlete_id"].replace(renames))


PREVIOUS_IDS = "previous_ids"  # athletes.csv: ids an athlete was stored under, ';'-joined


def renamed_athletes(athletes: pd.DataFrame, renames: dict[str, str]) -> pd.DataFrame:
    """athletes.csv after --rename: each old id's row becomes the new id's (or goes, where the
    new id has its own), and the old id is kept in `previous_ids` so the host database can
    follow the rename too."""
    athletes = athletes.copy()
    if PREVIOUS_IDS not in athletes.columns:
        athletes[PREVIOUS_IDS] = ""
    for old, new in renames.items():
        ids = athletes["athlete_id"]
        if not (ids == old).any():
            continue
        if (ids == new).any():
            athletes = athletes[ids != old]
        else:
            athletes.loc[ids == old, "athlete_id"] = new
        row = athletes["athlete_id"] == new
        before = [i for i in athletes.loc[row, PREVIOUS_IDS].iloc[0].split(";") if i]
        athletes.loc[row, PREVIOUS_IDS] = ";".join(dict.fromkeys([*before, old]))
    return athletes.reset_index(drop=True)


def assign_weeks(sessions: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
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


def session_loads(sessions: pd.DataFrame) -> pd.DataFrame:
    """Dates and sRPE loads of the merged table; rows written by hand without `srpe_load`
    but with RPE and minutes get it derived here too."""

    def column(name: str) -> pd.Series:
        values = sessions[name] if name in sessions.columns else pd.Series("", sessions.index)
        return pd.to_numeric(values, errors="coerce")

    load = column("srpe_load").fillna(column("rpe") * column("duration_min"))
    return sessions.assign(date=pd.to_datetime(sessions["date"]), srpe_load=load)
