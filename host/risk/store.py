"""The risk inputs in the host database: imported dataset tables in, `RiskTables` out.

Synced summaries and imported sessions sit in one `sessions` table, so weekly features are
built the same way whichever road the data came by. Week numbers follow the imported
weekly rows' `week_start`; with only synced data, week 0 starts on the Monday of the first
session (or `TOUCHLINE_SEASON_START`).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from host.data.check import LABEL_SEPARATOR, check_storable
from host.data.dataset import Dataset
from host.data.merge import PREVIOUS_IDS
from host.db.models import (
    Athlete,
    DataSource,
    Injury,
    RiskPrediction,
    TrainingSession,
    WeeklyFeature,
    WeeklyInput,
    WellnessAnswer,
)
from host.risk.features import (
    FEATURE_COLUMNS,
    LABEL,
    WELLNESS_ITEMS,
    RiskTables,
    origin_of,
)

_SESSION_NUMBERS = (
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
)


def _clean(value: Any) -> Any:
    """pandas missing values become None; numpy scalars plain Python."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def import_dataset(db: Session, dataset: Dataset) -> dict[str, int]:
    """Upsert a loaded dataset's athletes, sessions, injuries and weekly rows; returns counts.

    The dataset is checked first against what the database would refuse
    (`host.data.check.check_storable`), so a bad table is a `DatasetError`, never a database
    traceback. Re-importing the same directory changes nothing; the directory is the truth
    for its athletes' imported sessions and injuries (rows it no longer has are removed);
    a summary synced from the sideline is never overwritten by an imported row.
    """
    check_storable(dataset)
    _follow_renames(db, dataset.athletes)
    counts = {"athletes": 0, "sessions": 0, "injuries": 0, "wellness": 0, "weekly": 0}
    db.add(
        DataSource(
            name=dataset.manifest.name,
            synthetic=dataset.manifest.synthetic,
            weeks=dataset.manifest.weeks,
        )
    )
    for row in dataset.athletes.to_dict("records"):
        athlete_id = str(row["athlete_id"])
        athlete = db.get(Athlete, athlete_id) or Athlete(athlete_id=athlete_id)
        athlete.position = _clean(row.get("position"))
        athlete.prior_injuries = int(_clean(row.get("prior_injuries")) or 0)
        db.add(athlete)
        counts["athletes"] += 1
    db.flush()

    athletes = set(dataset.athletes["athlete_id"].astype(str))
    counts["sessions"] = _import_sessions(db, dataset.sessions, athletes)
    counts["injuries"] = _import_injuries(db, dataset.injuries, athletes)
    counts["wellness"] = _import_wellness(db, dataset.wellness, athletes)

    origin = origin_of(dataset.sessions, dataset.weekly)
    weeks = dataset.manifest.weeks or 0
    weekly = (
        dataset.weekly
        if dataset.weekly is not None
        else pd.DataFrame(columns=["athlete_id", "week"])
    )
    rows = {(str(r["athlete_id"]), int(r["week"])): r for r in weekly.to_dict("records")}
    for athlete_id in dataset.athletes["athlete_id"].astype(str):
        for week in range(weeks):
            rows.setdefault((athlete_id, week), {})
    existing_inputs = {(w.athlete_id, w.week): w for w in db.scalars(select(WeeklyInput))}
    for (athlete_id, week), row in rows.items():
        values = {k: _clean(v) for k, v in row.items() if k not in ("athlete_id", "week")}
        values = {k: v for k, v in values.items() if v is not None}
        values["week_start"] = (origin + pd.Timedelta(days=7 * week)).date().isoformat()
        target = existing_inputs.get((athlete_id, week)) or WeeklyInput(
            athlete_id=athlete_id, week=week
        )
        target.values = values
        db.add(target)
        counts["weekly"] += 1
    db.flush()
    return counts


def _follow_renames(db: Session, athletes: pd.DataFrame) -> None:
    """Athletes renamed in the directory (`previous_ids`) are renamed here: the old id's
    imported rows go (the directory holds them under the new id), its synced sessions and
    risk history move to the new id unless the new id has the same, and the old id goes."""
    if PREVIOUS_IDS not in athletes.columns:
        return
    for new, previous in zip(
        athletes["athlete_id"].astype(str), athletes[PREVIOUS_IDS], strict=True
    ):
        for old in str(_clean(previous) or "").split(";"):
            stale = db.get(Athlete, old) if old else None
            if stale is None:
                continue
            if db.get(Athlete, new) is None:
                db.add(
                    Athlete(
                        athlete_id=new, position=stale.position, prior_injuries=stale.prior_injuries
                    )
                )
                db.flush()
            for model in (Injury, WellnessAnswer, WeeklyInput, WeeklyFeature):
                db.execute(delete(model).where(model.athlete_id == old))
            db.execute(
                delete(TrainingSession).where(
                    TrainingSession.athlete_id == old, TrainingSession.source != "summary"
                )
            )
            _move(db, TrainingSession, old, new, ("session_id",))
            _move(db, RiskPrediction, old, new, ("week", "model_version"))
            db.delete(stale)
            db.flush()


def _move(db: Session, model: Any, old: str, new: str, key: tuple[str, ...]) -> None:
    """Re-point `old`'s rows to `new`, dropping those `new` already has under the same key."""
    taken = {
        tuple(getattr(row, k) for k in key)
        for row in db.scalars(select(model).where(model.athlete_id == new))
    }
    for row in db.scalars(select(model).where(model.athlete_id == old)).all():
        if tuple(getattr(row, k) for k in key) in taken:
            db.delete(row)
        else:
            row.athlete_id = new
    db.flush()


def import_key(label: str, day: date) -> str:
    """The database key of an imported session: the club's label on its date
    ('AM@2026-02-03'), so that a label reused every week is a new session each date."""
    return f"{label}{LABEL_SEPARATOR}{day.isoformat()}"


def _club_label(stored: TrainingSession) -> str:
    """The club's label of a stored session; rows imported before labels carried their date
    are stored under the bare label."""
    return stored.session_id.removesuffix(f"{LABEL_SEPARATOR}{stored.date.isoformat()}")


def _import_sessions(db: Session, sessions: pd.DataFrame, athletes: set[str]) -> int:
    """Upsert imported sessions keyed by (athlete, date, club label); returns rows written."""
    imported: dict[tuple[str, date, str], TrainingSession] = {}
    synced: set[tuple[str, date, str]] = set()
    for stored in db.scalars(select(TrainingSession)):
        key = (stored.athlete_id, stored.date, _club_label(stored))
        if stored.source == "summary":
            synced.add(key)
        else:
            imported[key] = stored
    written = 0
    seen = set()
    for row in sessions.to_dict("records"):
        athlete, day, label = str(row["athlete_id"]), _clean(row["date"]), str(row["session_id"])
        key = (athlete, day, label)
        seen.add(key)
        if key in synced:
            continue
        target = imported.get(key) or TrainingSession(athlete_id=athlete, revision=1)
        target.session_id = import_key(label, day)
        target.source = "import"
        target.date = day
        target.type = _clean(row.get("type"))
        wellness = {item: _clean(row.get(item)) for item in WELLNESS_ITEMS}
        target.wellness = {k: v for k, v in wellness.items() if v is not None} or None
        for name in _SESSION_NUMBERS:
            setattr(target, name, _clean(row.get(name)))
        db.add(target)
        written += 1
    for key, stored in imported.items():
        if key[0] in athletes and key not in seen:
            db.delete(stored)  # corrected away in the directory
    return written


def _import_injuries(db: Session, injuries: pd.DataFrame, athletes: set[str]) -> int:
    """Upsert injuries keyed by (athlete, date, location): an open injury closes when its
    days lost arrive; returns rows written."""
    stored = {(i.athlete_id, i.date, i.location): i for i in db.scalars(select(Injury))}
    written = 0
    seen = set()
    for row in injuries.to_dict("records"):
        key = (str(row["athlete_id"]), _clean(row["date"]), _clean(row.get("location")))
        if key in seen:
            continue
        seen.add(key)
        target = stored.get(key) or Injury(athlete_id=key[0], date=key[1], location=key[2])
        target.days_lost = _clean(row.get("days_lost"))
        target.type = _clean(row.get("type"))
        db.add(target)
        written += 1
    for key, injury in stored.items():
        if key[0] in athletes and key not in seen:
            db.delete(injury)
    return written


def _import_wellness(db: Session, wellness: pd.DataFrame | None, athletes: set[str]) -> int:
    """Upsert daily questionnaire answers keyed by (athlete, date); returns rows written."""
    stored = {(w.athlete_id, w.date): w for w in db.scalars(select(WellnessAnswer))}
    rows = [] if wellness is None else wellness.to_dict("records")
    seen = set()
    for row in rows:
        key = (str(row["athlete_id"]), _clean(row["date"]))
        seen.add(key)
        answers = {item: _clean(row.get(item)) for item in WELLNESS_ITEMS}
        target = stored.get(key) or WellnessAnswer(athlete_id=key[0], date=key[1])
        target.answers = {k: v for k, v in answers.items() if v is not None}
        db.add(target)
    for key, answer in stored.items():
        if key[0] in athletes and key not in seen:
            db.delete(answer)
    return len(rows)


def load_tables(db: Session, season_start: date | None = None) -> RiskTables:
    """Everything weekly features need, read from the database."""
    athletes = pd.DataFrame(
        [
            {"athlete_id": a.athlete_id, "position": a.position, "prior_injuries": a.prior_injuries}
            for a in db.scalars(select(Athlete))
        ],
        columns=["athlete_id", "position", "prior_injuries"],
    )
    session_rows = []
    summary_actions = []
    for s in db.scalars(select(TrainingSession)):
        row = {
            "session_id": s.session_id,
            "athlete_id": s.athlete_id,
            "date": pd.Timestamp(s.date),
            "type": s.type,
        }
        row.update({name: getattr(s, name) for name in _SESSION_NUMBERS})
        row.update(s.wellness or {})
        session_rows.append(row)
        if s.actions:
            summary_actions.append((s.athlete_id, pd.Timestamp(s.date), s.actions))
    sessions = pd.DataFrame(
        session_rows,
        columns=["session_id", "athlete_id", "date", "type", *_SESSION_NUMBERS, *WELLNESS_ITEMS],
    )
    for column in (*_SESSION_NUMBERS, *WELLNESS_ITEMS):
        sessions[column] = pd.to_numeric(sessions[column])
    injuries = pd.DataFrame(
        [
            {
                "athlete_id": i.athlete_id,
                "date": pd.Timestamp(i.date),
                "days_lost": i.days_lost,
                "type": i.type,
                "location": i.location,
            }
            for i in db.scalars(select(Injury))
        ],
        columns=["athlete_id", "date", "days_lost", "type", "location"],
    )
    weekly = pd.DataFrame(
        [
            {"athlete_id": w.athlete_id, "week": w.week, **w.values}
            for w in db.scalars(select(WeeklyInput))
        ]
    )
    if "week_start" in weekly.columns:
        weekly["week_start"] = pd.to_datetime(weekly["week_start"])
    elif not sessions.empty:
        start = pd.Timestamp(season_start) if season_start else sessions["date"].min()
        monday = (start - pd.Timedelta(days=start.weekday())).normalize()
        weekly = pd.DataFrame(
            {"athlete_id": [athletes["athlete_id"].iloc[0]], "week": [0], "week_start": [monday]}
        )
    weekly = _merge_summary_actions(weekly, summary_actions)
    answers = [
        {"athlete_id": w.athlete_id, "date": pd.Timestamp(w.date), **w.answers}
        for w in db.scalars(select(WellnessAnswer))
    ]
    return RiskTables(
        athletes=athletes,
        sessions=sessions,
        injuries=injuries,
        weekly=weekly if not weekly.empty else None,
        wellness=pd.DataFrame(answers) if answers else None,
    )


def _merge_summary_actions(
    weekly: pd.DataFrame, actions: list[tuple[str, pd.Timestamp, dict]]
) -> pd.DataFrame:
    """Add per-week action counts and mean impacts from synced summaries; where a week has
    summaries, their counts replace imported ones for the actions they report."""
    if not actions or weekly.empty:
        return weekly
    origin = origin_of(pd.DataFrame(columns=["date"]), weekly)
    totals: dict[tuple[str, int], dict[str, list[float]]] = {}
    for athlete, day, per_action in actions:
        key = (athlete, int((day - origin).days // 7))
        bucket = totals.setdefault(key, {})
        for action, numbers in per_action.items():
            n, s = bucket.get(action, [0.0, 0.0])
            bucket[action] = [n + numbers["n"], s + numbers["n"] * numbers["impact_mean"]]
    table = weekly.set_index(["athlete_id", "week"])
    for key, bucket in totals.items():
        for action, (n, weighted) in bucket.items():
            table.loc[key, f"n_{action}"] = n
            table.loc[key, f"s_{action}"] = weighted / n if n else 0.0
    return table.reset_index()


def save_features(db: Session, features: pd.DataFrame) -> int:
    """Replace the stored V_t rows with `features`; returns rows written."""
    db.execute(delete(WeeklyFeature))
    for (athlete, week), row in features.iterrows():
        label = row[LABEL]
        db.add(
            WeeklyFeature(
                athlete_id=athlete,
                week=int(week),
                features={name: float(row[name]) for name in FEATURE_COLUMNS},
                label=None if pd.isna(label) else float(label),
            )
        )
    db.flush()
    return len(features)


def holds_synthetic_data(db: Session) -> bool:
    """Whether anything imported into this database came from the simulator."""
    return bool(db.scalar(select(DataSource.id).where(DataSource.synthetic.is_(True)).limit(1)))
