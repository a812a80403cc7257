"""GPS vendor exports (Catapult, STATSports, Polar Team Pro, Kinexon, GPexe) as they come.

Vendors name their columns their own way ("Total Duration", "Player Display Name",
"HR avg [bpm]") and many write one row per drill (period, split, phase) beside a
"Session Total" row per athlete and session. The total is the session; the drills are kept
as its parts in `session_parts.csv`, never as sessions of their own. Where a session has no
total row its drills are added up, and a session with a bad row is skipped whole, so that a
15-minute warm-up never stands in for the session it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from host.data.vocabulary import plain

# Extra column names per field, as vendors and Spanish-speaking staff write them (already
# normalised: lower case, no spaces, punctuation or units).
SESSION_ALIASES: dict[str, tuple[str, ...]] = {
    "athlete_id": (
        "playerdisplayname",
        "playerfullname",
        "athletedisplayname",
        "jugador",
        "nombre",
        "deportista",
    ),
    "date": ("startdate", "activitydate", "sessionstartdate", "fecha"),
    "duration_min": (
        "totalduration",
        "totaltime",
        "drillduration",
        "periodduration",
        "splitduration",
        "phaseduration",
        "totalminutes",
        "duracion",
        "minutos",
        "tiempototal",
    ),
    "session_id": ("sessiontitle", "activityname", "sessionlabel", "sesion"),
    "type": ("tiposesion", "tipo"),
    "distance_m": ("distancetotal", "distancia", "distanciatotal"),
    "hsr_m": ("hsrtotaldistance", "highspeedrunningtotal", "hsrtotal"),
    "sprints": ("sprintsnumber", "numberofsprintefforts", "sprinttotal"),
    "accels": (
        "numberofaccelerations",
        "accelerationefforts",
        "accelerationstotal",
        "accelerationsnumber",
        "aceleraciones",
    ),
    "decels": (
        "numberofdecelerations",
        "decelerationefforts",
        "decelerationstotal",
        "decelerationsnumber",
        "deceleraciones",
    ),
    "player_load": ("playerloadtotal",),
    "hr_mean": ("hraverage", "heartrateaverage", "avgheartrate", "fcmedia"),
    "hr_max": ("hrmax", "heartratemax", "maximumheartrate", "fcmax", "fcmaxima"),
}
INJURY_ALIASES: dict[str, tuple[str, ...]] = {
    "athlete_id": ("jugador", "nombre", "deportista"),
    # date_injured / date_recovered / localisation: survival-analysis exports (R, Stata)
    "date": (
        "fechalesion",
        "fechadelesion",
        "fechadelalesion",
        "fecha",
        "injuryonset",
        "dateinjured",
        "injured",
        "injuredon",
    ),
    "return_date": ("daterecovered", "recovered", "recoverydate", "datereturned", "returnedon"),
    "days_lost": ("diasbaja", "diasdebaja", "diasperdidos", "dias", "daysinjured"),
    "type": ("tipo", "tipolesion", "tipodelesion", "injuryclass", "classification"),
    "location": (
        "localizacion",
        "zona",
        "zonacorporal",
        "bodylocation",
        "bodyarea",
        "localisation",
        "localization",
    ),
}
PART_ALIASES = (
    "part",
    "drill",
    "drilltitle",
    "drillname",
    "period",
    "periodname",
    "split",
    "splitname",
    "phase",
    "phasename",
    "segment",
    "segmentname",
    "tarea",
    "ejercicio",
)

# Part names that mean "the whole session" (compared without case, accents or punctuation).
TOTAL_MARKERS = frozenset(
    {
        "session total",
        "total",
        "totals",
        "entire session",
        "whole session",
        "full session",
        "all",
        "session",
        "total session",
        "sesion completa",
        "total sesion",
        "sesion",
    }
)

# How drills add up to a session where the export has no total row.
SUMMED = (
    "duration_min",
    "srpe_load",
    "distance_m",
    "hsr_m",
    "sprints",
    "accels",
    "decels",
    "player_load",
)
PART_COLUMNS = ("session_id", "athlete_id", "date", "part", *SUMMED, "rpe", "hr_mean", "hr_max")

Row = dict[str, object]


def is_total(part: object) -> bool:
    """Whether a part name is the vendor's row for the whole session (or is blank)."""
    return part is None or plain(str(part)) in TOTAL_MARKERS


@dataclass
class Consolidated:
    """Sessions made of a file's drill and total rows, and the drills kept as parts."""

    sessions: list[tuple[int, Row]]
    parts: list[Row]
    added_up: int = 0  # sessions with no total row, made from their drills


def _added_up(rows: Sequence[Row]) -> Row:
    session = {k: v for k, v in rows[0].items() if k != "part"}
    for name in SUMMED:
        values = [r[name] for r in rows if r.get(name) is not None]
        session[name] = sum(values) if values else None  # type: ignore[arg-type]
    peaks = [r["hr_max"] for r in rows if r.get("hr_max") is not None]
    session["hr_max"] = max(peaks) if peaks else None  # type: ignore[type-var]
    for name in ("hr_mean", "rpe"):
        timed = [(r[name], r["duration_min"]) for r in rows if r.get(name) is not None]
        minutes = sum(m for _, m in timed)  # type: ignore[misc]
        session[name] = (
            sum(v * m for v, m in timed) / minutes  # type: ignore[operator]
            if timed and minutes
            else None
        )
    return session


def consolidate(
    rows: Sequence[tuple[int, Row]],
    key: Callable[[int], tuple[object, ...]],
    bad_groups: set[tuple[object, ...]],
    skipped: Callable[[int, str], None],
) -> Consolidated:
    """One session per group (`key` of a row number): its total row, else its drills added up.

    A group holding a bad row (its key in `bad_groups`) is skipped whole and each of its
    good rows reported through `skipped`.
    """
    groups: dict[tuple[object, ...], list[tuple[int, Row]]] = {}
    for number, row in rows:
        groups.setdefault(key(number), []).append((number, row))
    result = Consolidated(sessions=[], parts=[])
    for identity, members in groups.items():
        if identity in bad_groups:
            for number, _ in members:
                skipped(
                    number,
                    "skipped with the bad row of the same session, which would "
                    "otherwise be incomplete",
                )
            continue
        totals = [(n, r) for n, r in members if is_total(r.get("part"))]
        drills = [(n, r) for n, r in members if not is_total(r.get("part"))]
        result.parts += [{**r} for _, r in drills]
        if totals:
            result.sessions += [(n, {k: v for k, v in r.items() if k != "part"}) for n, r in totals]
        else:
            result.sessions.append((drills[0][0], _added_up([r for _, r in drills])))
            result.added_up += 1
    return result
