#!/usr/bin/env python3
"""Convert SoccerMon's subjective reports into a Touchline dataset directory.

SoccerMon (Midoglu et al. 2024, Scientific Data, doi:10.1038/s41597-024-03386-x; Zenodo
record 10033832, CC BY 4.0) holds two seasons (2020-2021) of two Norwegian elite women's
squads: every training session's RPE and minutes, a daily wellness questionnaire and daily
injury reports, from the PmSys app. This script reads the `subjective` part as released
(the folder holding `training-load/session.json`, `wellness/*.csv` and
`injury/injury.csv`) and writes `athletes.csv`, `sessions.csv`, `wellness.csv`,
`injuries.csv` and a manifest (synthetic: false) that `touchline risk --data` reads.

    python tools/real_data/soccermon.py SUBJECTIVE --out data/soccermon
    python tools/real_data/soccermon.py SUBJECTIVE --out data/soccermon-a --team TeamA

How the reports become Touchline's tables (tools/real_data/README.md says why):

- sessions: one row per reported session (date, minutes, RPE, sRPE load as reported);
  sessions without minutes are dropped. The session label is its order within the day.
- wellness: the daily answers (1-5, 5 best, Touchline's own scale) go to wellness.csv:
  sleep quality -> sleep, soreness, fatigue, stress, mood.
- injuries: injury.csv is a daily report per injured player ("right_thigh": "minor").
  Reports of one player no more than `EPISODE_GAP_DAYS` apart form one injury: it began
  on the first report, and its days lost are the days from the first report to the last,
  inclusive (a lower bound: a player may be out before and after reporting). Location is
  the body part reported most often (alphabetical first on a tie), in Touchline's words
  where one fits (knee, foot, thigh), else "other", with SoccerMon's own word kept in
  location_raw. SoccerMon gives no injury type, only a severity: type is "other" and
  type_raw the worst reported severity (minor or major).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from host.data.dataset import write_manifest, write_table
from host.data.manifest import new_manifest

DATE_FORMAT = "%d.%m.%Y"
EPISODE_GAP_DAYS = 7
WELLNESS = {
    "sleep_quality": "sleep",
    "soreness": "soreness",
    "fatigue": "fatigue",
    "stress": "stress",
    "mood": "mood",
}
# SoccerMon's body parts (left_/right_ dropped) in Touchline's location words.
LOCATIONS = {"knee": "knee", "foot": "foot", "thigh": "thigh"}


class SoccerMonError(ValueError):
    """The folder is not SoccerMon's subjective data as released."""


def _need(root: Path, relative: str) -> Path:
    path = root / relative
    if not path.is_file():
        raise SoccerMonError(
            f"{path}: missing; give the folder holding SoccerMon's "
            "training-load/, wellness/ and injury/"
        )
    return path


def read_sessions(root: Path) -> pd.DataFrame:
    """session.json ({player: [{date, duration, rpe, srpe}, ...]}) as one row per session."""
    reports = json.loads(_need(root, "training-load/session.json").read_text())
    rows = [
        {
            "athlete_id": player,
            "date": pd.to_datetime(s["date"], format=DATE_FORMAT),
            "duration_min": s.get("duration"),
            "rpe": s.get("rpe"),
            "srpe_load": s.get("srpe"),
        }
        for player, sessions in reports.items()
        for s in sessions
    ]
    sessions = pd.DataFrame(rows)
    sessions = sessions[pd.to_numeric(sessions["duration_min"], errors="coerce") > 0]
    sessions = sessions.sort_values(["athlete_id", "date"], kind="stable")
    order = sessions.groupby(["athlete_id", "date"]).cumcount() + 1
    sessions["session_id"] = sessions["date"].dt.strftime("%Y-%m-%d") + "-" + order.astype(str)
    return sessions.reset_index(drop=True)


def read_wellness(root: Path) -> pd.DataFrame:
    """Daily answers per player, long format: athlete_id, date, sleep, soreness, ..."""
    parts = []
    for name, column in WELLNESS.items():
        wide = pd.read_csv(_need(root, f"wellness/{name}.csv"))
        wide = wide.rename(columns={wide.columns[0]: "date"})
        long = wide.melt(id_vars="date", var_name="athlete_id", value_name=column).dropna()
        long["date"] = pd.to_datetime(long["date"], format=DATE_FORMAT)
        parts.append(long.set_index(["athlete_id", "date"]))
    return pd.concat(parts, axis=1).reset_index()


def read_injuries(root: Path, gap_days: int = EPISODE_GAP_DAYS) -> pd.DataFrame:
    """Daily injury reports folded into injuries (see the module docstring)."""
    reports = pd.read_csv(_need(root, "injury/injury.csv"))
    reports["date"] = pd.to_datetime(reports["timestamp"], format=DATE_FORMAT)
    reports["parts"] = reports["type"].map(json.loads)
    reports = reports.sort_values(["player_name", "date"], kind="stable")
    episodes = []
    for player, mine in reports.groupby("player_name"):
        gap = mine["date"].diff().dt.days
        episode = (gap.isna() | (gap > gap_days)).cumsum()
        for _, one in mine.groupby(episode):
            reported = [(part, level) for found in one["parts"] for part, level in found.items()]
            part = pd.Series([p for p, _ in reported]).value_counts().sort_index().idxmax()
            episodes.append(
                {
                    "athlete_id": player,
                    "date": one["date"].min(),
                    "days_lost": (one["date"].max() - one["date"].min()).days + 1,
                    "type": "other",
                    "type_raw": "major" if any(lv == "major" for _, lv in reported) else "minor",
                    "location": LOCATIONS.get(
                        part.removeprefix("left_").removeprefix("right_"), "other"
                    ),
                    "location_raw": part,
                }
            )
    return pd.DataFrame(
        episodes,
        columns=["athlete_id", "date", "days_lost", "type", "type_raw", "location", "location_raw"],
    )


def convert(root: Path, out: Path, team: str | None = None) -> dict[str, int]:
    """Write the Touchline dataset; returns row counts per table."""
    sessions = read_sessions(root)
    wellness = read_wellness(root)
    injuries = read_injuries(root)
    if team is not None:
        keep = lambda frame: frame[frame["athlete_id"].str.startswith(f"{team}-")]  # noqa: E731
        sessions, wellness, injuries = keep(sessions), keep(wellness), keep(injuries)
        if sessions.empty:
            raise SoccerMonError(f"--team {team}: no sessions (teams are TeamA and TeamB)")
    athletes = sorted(set(sessions["athlete_id"]))
    injuries = injuries[injuries["athlete_id"].isin(athletes)]
    wellness = wellness[wellness["athlete_id"].isin(athletes)]
    monday = sessions["date"].min() - pd.Timedelta(days=sessions["date"].min().weekday())
    weeks = int((sessions["date"].max() - monday).days // 7) + 1
    out.mkdir(parents=True, exist_ok=True)
    name = f"SoccerMon {team or 'TeamA+TeamB'} (subjective reports)"
    write_manifest(out, new_manifest(name, synthetic=False, weeks=weeks))
    write_table(out, "athletes.csv", pd.DataFrame({"athlete_id": athletes, "prior_injuries": 0}))
    write_table(
        out,
        "sessions.csv",
        sessions[["session_id", "athlete_id", "date", "duration_min", "rpe", "srpe_load"]],
    )
    write_table(out, "wellness.csv", wellness.reset_index(drop=True))
    write_table(out, "injuries.csv", injuries.reset_index(drop=True))
    return {
        "athletes": len(athletes),
        "sessions": len(sessions),
        "wellness": len(wellness),
        "injuries": len(injuries),
        "weeks": weeks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "subjective",
        type=Path,
        help="SoccerMon's subjective folder (training-load/, wellness/, injury/)",
    )
    parser.add_argument("--out", type=Path, required=True, help="Dataset directory to write.")
    parser.add_argument("--team", choices=("TeamA", "TeamB"), help="Only this squad.")
    args = parser.parse_args()
    try:
        counts = convert(args.subjective, args.out, args.team)
    except SoccerMonError as exc:
        parser.exit(1, f"error: {exc}\n")
    print(f"wrote {args.out}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
