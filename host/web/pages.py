"""The staff pages: squad risk for a week, one athlete, the synced sessions, and the squad
report. Risk comes from the API's own route functions (`host.api.risk`), so the squad page
lists exactly what GET /api/v1/squad/risk returns, in its order; the figures are the squad
report's own."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from firmware_bridge.errors import UserError
from host.api import risk as risk_api
from host.api.deps import DB
from host.api.fields import INT32_MAX
from host.api.responses import AthleteRisk
from host.db.models import Injury, RiskPrediction, TrainingSession, WeeklyFeature
from host.reports.html import figure_html
from host.risk.drivers import sentence
from host.risk.store import holds_synthetic_data
from host.web import auth
from host.web.layout import band_badge, club_time, esc, page

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)

BAND_RANK = {"high": 3, "medium": 2, "low": 1, "unrated": 0}
SESSIONS_SHOWN = 500
CALIBRATION_NOTE = (
    "Probabilities are of a time-loss injury in the following week, recalibrated on weeks "
    "the model had not seen, so 0.10 means about one player-week in ten. Bands compare with "
    "the squad's usual week: medium from 1.5x, high from 3x its injury rate. Unrated means "
    "too little history yet (under 4 weeks or 5 injuries)."
)


class PageInputError(UserError, ValueError):
    """A query value on a page URL that the page cannot use."""


def _week_param(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) > INT32_MAX:
        raise PageInputError(f"week: a whole number from 0 is expected (got {raw[:20]!r})")
    return int(raw)


def _zone(request: Request) -> str:
    return request.app.state.settings.club_timezone


def _problem(request: Request, title: str, message: str, code: int, synthetic: bool) -> Response:
    return page(
        title,
        f'<p class="error" role="alert">{esc(message)}</p>',
        zone=_zone(request),
        synthetic=synthetic,
        status_code=code,
    )


def _table(
    header: list[tuple[str, str]], rows: list[str], sortable: bool = False, label: str = ""
) -> str:
    """An HTML table; header is (text, css class); sortable ones sort on header clicks."""
    heads = "".join(
        f'<th scope="col" class="{cls}">'
        + (f'<button type="button">{esc(text)}</button>' if sortable else esc(text))
        + "</th>"
        for text, cls in header
    )
    css = "sortable" if sortable else ""
    return (
        f'<div class="scroll"><table class="{css}" aria-label="{esc(label)}"><thead><tr>'
        f"{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _history(db: Session, athlete_id: str | None = None) -> dict[str, list[RiskPrediction]]:
    """Each athlete's predictions by week, the newest model's per week (as the API picks)."""
    weeks = db.scalars(select(RiskPrediction.week).distinct().order_by(RiskPrediction.week))
    history: dict[str, list[RiskPrediction]] = {}
    for week in weeks:
        for row in risk_api.newest_predictions(db, week, athlete_id):
            history.setdefault(row.athlete_id, []).append(row)
    return history


def trend_svg(rows: list[RiskPrediction], up_to: int) -> str:
    """A small line of probability by week up to `up_to`, with the words in its label."""
    points = [row for row in rows if row.week <= up_to][-12:]
    if not points:
        return "–"
    width, height = 96, 26
    step = width / max(1, len(points) - 1)
    coords = " ".join(
        f"{i * step if len(points) > 1 else width / 2:.1f},"
        f"{height - 2 - row.probability * (height - 4):.1f}"
        for i, row in enumerate(points)
    )
    words = ", ".join(f"week {row.week} {row.probability:.2f}" for row in points)
    last = coords.split(" ")[-1].split(",")
    return (
        f'<svg class="trend" width="{width}" height="{height}" role="img" '
        f'aria-label="risk by week: {esc(words)}"><title>{esc(words)}</title>'
        f'<polyline fill="none" stroke="#17324d" stroke-width="1.5" points="{coords}"/>'
        f'<circle cx="{last[0]}" cy="{last[1]}" r="2.5" fill="#17324d"/></svg>'
    )


@router.get("/", include_in_schema=False)
def home() -> Response:
    return RedirectResponse("/squad", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/squad", response_class=HTMLResponse)
def squad_page(request: Request, db: DB, week: str | None = None) -> Response:
    """Each athlete's risk for the week in the API's order, sortable, with band and trend."""
    staff = auth.signed_in(request, db)
    if staff is None:
        return auth.to_login(request)
    synthetic = holds_synthetic_data(db)
    try:
        squad = risk_api.squad_risk(staff, db, _week_param(week))
    except PageInputError as exc:
        return _problem(request, "Squad risk", str(exc), 422, synthetic)
    except HTTPException as exc:
        return _problem(request, "Squad risk", str(exc.detail), exc.status_code, synthetic)
    chosen = squad.week
    history = _history(db)
    rows = [
        _squad_row(player, history.get(player.athlete_id, []), chosen) for player in squad.players
    ]
    weeks = sorted({row.week for rows_ in history.values() for row in rows_})
    body = (
        _week_links(weeks, chosen)
        + f'<p class="note">{esc(CALIBRATION_NOTE)}</p>'
        + _table(
            [
                ("player", ""),
                ("probability", "num"),
                ("band", ""),
                ("change", "num"),
                ("drivers", ""),
                ("trend", ""),
            ],
            rows,
            sortable=True,
            label=f"squad risk week {chosen}",
        )
        + f'<p><a href="/reports/squad?week={chosen}">Squad report for week {chosen}</a> '
        "(load charts, action counts, model card; takes a few seconds)</p>"
    )
    return page(f"Squad risk, week {chosen}", body, zone=_zone(request), synthetic=synthetic)


def _squad_row(player: AthleteRisk, history: list[RiskPrediction], week: int) -> str:
    athlete = player.athlete_id
    change = player.change
    change_text = "–" if change is None else f"{change:+.2f}"
    return (
        f'<tr data-athlete="{esc(athlete)}"><td><a href="/athletes/{esc(athlete)}">'
        f"{esc(athlete)}</a></td>"
        f'<td class="num" data-sort="{player.probability}">{player.probability:.2f}</td>'
        f'<td data-sort="{BAND_RANK.get(player.band, 0)}">{band_badge(player.band)}</td>'
        f'<td class="num" data-sort="{change if change is not None else 0}">{change_text}</td>'
        f"<td>{esc(sentence(list(player.drivers)) or '–')}</td>"
        f"<td>{trend_svg(history, week)}</td></tr>"
    )


def _week_links(weeks: list[int], chosen: int) -> str:
    earlier = [w for w in weeks if w < chosen]
    later = [w for w in weeks if w > chosen]
    links = []
    if earlier:
        links.append(f'<a href="/squad?week={earlier[-1]}">← week {earlier[-1]}</a>')
    if later:
        links.append(f'<a href="/squad?week={later[0]}">week {later[0]} →</a>')
    if later:
        links.append(f'<a href="/squad">newest (week {later[-1]})</a>')
    return f'<nav class="weeks" aria-label="weeks">{"".join(links)}</nav>' if links else ""


@router.get("/athletes/{athlete_id}", response_class=HTMLResponse)
def athlete_page(request: Request, db: DB, athlete_id: str) -> Response:
    """One athlete: risk history with its calibration note, load and actions by week (the
    squad report's figures), injuries and sessions."""
    staff = auth.signed_in(request, db)
    if staff is None:
        return auth.to_login(request)
    synthetic = holds_synthetic_data(db)
    risk_rows = _history(db, athlete_id).get(athlete_id, [])
    sessions = db.scalars(
        select(TrainingSession)
        .where(TrainingSession.athlete_id == athlete_id)
        .order_by(TrainingSession.date.desc())
    ).all()
    injuries = db.scalars(
        select(Injury).where(Injury.athlete_id == athlete_id).order_by(Injury.date.desc())
    ).all()
    if not (risk_rows or sessions or injuries):
        return _problem(
            request,
            f"Athlete {athlete_id}",
            f"athlete_id: nothing stored for {athlete_id!r}",
            404,
            synthetic,
        )
    zone = _zone(request)
    risk_table = _table(
        [
            ("week", "num"),
            ("probability", "num"),
            ("band", ""),
            ("change", "num"),
            ("drivers", ""),
            ("model", "wide"),
        ],
        [
            f'<tr><td class="num">{r.week}</td><td class="num">{r.probability:.2f}</td>'
            f'<td>{band_badge(r.band)}</td><td class="num">'
            f"{'–' if r.drivers.get('change') is None else format(r.drivers['change'], '+.2f')}"
            f"</td><td>{esc(sentence(list(r.drivers.get('reasons', []))) or '–')}</td>"
            f'<td class="wide">{esc(r.model_version)}</td></tr>'
            for r in reversed(risk_rows)
        ],
        label="risk history",
    )
    body = (
        "<h2>Risk history</h2>"
        + (
            f'<p class="note">{esc(CALIBRATION_NOTE)}</p>{risk_table}'
            if risk_rows
            else '<p class="note">No risk computed yet (touchline risk or nightly).</p>'
        )
        + _figures(db, athlete_id)
        + "<h2>Injuries</h2>"
        + (
            _table(
                [("date", ""), ("days lost", "num"), ("type", ""), ("location", "")],
                [
                    f'<tr><td>{i.date}</td><td class="num">'
                    f"{'open' if i.days_lost is None else f'{i.days_lost:.0f}'}</td>"
                    f"<td>{esc(i.type or '–')}</td><td>{esc(i.location or '–')}</td></tr>"
                    for i in injuries
                ],
                label="injuries",
            )
            if injuries
            else '<p class="note">No injuries recorded.</p>'
        )
        + "<h2>Sessions</h2>"
        + (
            _sessions_table(sessions, zone, show_athlete=False)
            if sessions
            else '<p class="note">No sessions.</p>'
        )
    )
    return page(f"Athlete {athlete_id}", body, zone=zone, synthetic=synthetic)


def _figures(db: Session, athlete_id: str) -> str:
    """The report's load chart and actions-per-week chart, from the stored weekly features."""
    from host.reports.squad import actions_per_week_html, load_figure

    stored = db.scalars(
        select(WeeklyFeature)
        .where(WeeklyFeature.athlete_id == athlete_id)
        .order_by(WeeklyFeature.week)
    ).all()
    if not stored:
        return (
            '<h2>Load and actions</h2><p class="note">No weekly features yet: '
            "touchline risk computes them.</p>"
        )
    frame = pd.DataFrame(
        [row.features for row in stored], index=pd.Index([row.week for row in stored], name="week")
    )
    by_week = frame.set_index(
        pd.MultiIndex.from_product([[athlete_id], frame.index], names=["athlete_id", "week"])
    )
    return (
        '<h2>Load</h2><p class="note">Acute (7-day) and chronic (28-day) session-RPE load '
        "per day; ACWR on the right, shaded where risk is lowest, dashed at 1.5.</p>"
        + figure_html(load_figure(frame, athlete_id), f"load of {athlete_id}")
        + "<h2>Actions per week</h2>"
        + actions_per_week_html(by_week)
    )


def _number(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _sessions_table(sessions: Sequence[TrainingSession], zone: str, show_athlete: bool) -> str:
    header = [
        ("date", ""),
        ("type", ""),
        ("min", "num"),
        ("RPE", "num"),
        ("dist m", "num"),
        ("HSR m", "num"),
        ("sprints", "num"),
        ("PlayerLoad", "num"),
        ("actions", "num"),
        ("source", "wide"),
        ("received", "wide"),
    ]
    if show_athlete:
        header.insert(0, ("athlete", ""))
    rows = []
    for s in sessions:
        actions = sum(int(v.get("n", 0)) for v in (s.actions or {}).values() if isinstance(v, dict))
        start = (s.payload or {}).get("session", {}).get("start")
        when = club_time(pd.Timestamp(start).to_pydatetime(), zone) if start else str(s.date)
        cells = [
            when,
            esc(s.type or "–"),
            _number(s.duration_min),
            _number(s.rpe, 1),
            _number(s.distance_m),
            _number(s.hsr_m),
            _number(s.sprints),
            _number(s.player_load),
            str(actions) if s.actions else "–",
        ]
        first = (
            f'<td><a href="/athletes/{esc(s.athlete_id)}">{esc(s.athlete_id)}</a></td>'
            if show_athlete
            else ""
        )
        rows.append(
            f'<tr data-session="{esc(s.session_id)}">{first}<td>{esc(cells[0])}</td>'
            f"<td>{cells[1]}</td>"
            + "".join(f'<td class="num">{c}</td>' for c in cells[2:])
            + f'<td class="wide">{esc(s.source)}</td>'
            f'<td class="wide">{esc(club_time(s.received, zone))}</td></tr>'
        )
    return _table(header, rows, sortable=True, label="sessions")


@router.get("/sessions", response_class=HTMLResponse)
def sessions_page(request: Request, db: DB) -> Response:
    """Sessions synced from the sideline, newest first, one row per athlete."""
    staff = auth.signed_in(request, db)
    if staff is None:
        return auth.to_login(request)
    synthetic = holds_synthetic_data(db)
    synced = db.scalars(
        select(TrainingSession)
        .where(TrainingSession.source == "summary")
        .order_by(TrainingSession.received.desc(), TrainingSession.id.desc())
        .limit(SESSIONS_SHOWN)
    ).all()
    body = (
        _sessions_table(list(synced), _zone(request), show_athlete=True)
        if synced
        else '<p class="note">No sessions synced yet: sideline units post them with '
        "<code>edge sync</code>.</p>"
    )
    return page("Synced sessions", body, zone=_zone(request), synthetic=synthetic)


@router.get("/reports/squad", response_class=HTMLResponse)
def squad_report(request: Request, db: DB, week: str | None = None) -> Response:
    """The weekly squad report (`touchline report --week W`), written fresh for the page."""
    from host.reports.squad import SquadReportError, write_squad_report

    staff = auth.signed_in(request, db)
    if staff is None:
        return auth.to_login(request)
    synthetic = holds_synthetic_data(db)
    try:
        chosen = _week_param(week)
        if chosen is None:
            raise PageInputError("week: give the report's week, e.g. ?week=9")
    except PageInputError as exc:
        return _problem(request, "Squad report", str(exc), 422, synthetic)
    with tempfile.TemporaryDirectory() as folder:
        try:
            path = write_squad_report(
                chosen, Path(folder) / "squad.html", request.app.state.settings
            )
        except SquadReportError as exc:
            return _problem(request, "Squad report", str(exc), 404, synthetic)
        return HTMLResponse(path.read_text(encoding="utf-8"))
