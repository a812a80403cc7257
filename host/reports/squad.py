"""The weekly squad risk report: one HTML page staff open on Monday morning.

Squad risk table (same model and numbers as `touchline risk`), load charts of the players
most at risk (acute and chronic load with the ACWR band), action counts over the weeks,
the squad's risk trend, and a model card saying what the model was trained and tested
on, how well it did on weeks it never saw (AUC, Brier score and skill against the base
rate, the reliability table and plot), and whether the data was synthetic.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from firmware_bridge.errors import UserError
from host.db.engine import DatabaseError, engine_for, session_scope
from host.reports.html import figure_html, paragraph, section, table_html, write_page
from host.risk.bands import HIGH_MULTIPLE, MEDIUM_MULTIPLE, high_threshold, history_problem
from host.risk.drivers import sentence
from host.risk.evaluate import Evaluation, EvaluationError, evaluate, format_figure
from host.risk.features import COUNT_PREFIX, LABEL, FeatureError, action_count_columns
from host.risk.head import RiskHead
from host.risk.reliability import reliability_figure
from host.risk.scoring import fit_until, squad_table
from host.risk.service import current_features
from host.risk.store import holds_synthetic_data
from host.settings import Settings

# Players shown with their own load chart: everyone in the high band, topped up with the
# next riskiest to this many.
LOAD_CHART_PLAYERS = 12
ACWR_SWEET_SPOT = (0.8, 1.3)  # Gabbett 2016: the range associated with the lowest risk
ACWR_DANGER = 1.5
BAND_COLOURS = {"low": "#2e7d32", "medium": "#f9a825", "high": "#c62828"}


class SquadReportError(UserError, ValueError):
    """The report cannot be written (no data for that week, database unreachable)."""


def write_squad_report(week: int, out: Path, settings: Settings) -> Path:
    """Write the squad risk report for `week` to `out` (HTML) from the database `settings`
    name, with the club's feature settings and hold-out weeks (resolved by the caller)."""
    try:
        with session_scope(engine_for(settings.database_url)) as db:
            features = current_features(db, settings)
            synthetic = holds_synthetic_data(db)
        seen = features[features.index.get_level_values("week") <= week]
        head = fit_until(features, week)
        table = squad_table(features, head, week)
    except (DatabaseError, EvaluationError, FeatureError) as exc:
        raise SquadReportError(str(exc)) from exc
    try:
        card: Evaluation | str = evaluate(
            seen, holdout_weeks=settings.risk_holdout_weeks, synthetic=synthetic
        )
    except EvaluationError as exc:
        card = str(exc)
    trend = _risk_by_week(seen, head)
    rate = head.trained_on.base_rate if head.trained_on else float("nan")
    problem = history_problem(head.trained_on)
    bands_note = (
        f"Nobody is rated: {problem}."
        if problem
        else f"Bands compare with the squad's usual week (injury rate {rate:.3f} in the "
        f"weeks learnt from): medium from {MEDIUM_MULTIPLE:g}x, high from "
        f"{HIGH_MULTIPLE:g}x that rate."
    )
    body = [
        paragraph(
            f"Probability of a time-loss injury in the week after week {week}, from a "
            f"risk head fitted on weeks 0-{week - 1} (outcomes known by then) and "
            f"recalibrated on weeks it had not seen. {bands_note}",
            "note",
        ),
        section("Squad risk", _risk_table(table)),
        section("Risk trend", figure_html(_trend_figure(trend, week), "squad risk by week")),
        section(
            "Load of the players most at risk",
            paragraph(
                f"Acute (7-day) and chronic (28-day) session-RPE load per day; ACWR "
                f"on the right, shaded {ACWR_SWEET_SPOT[0]}-{ACWR_SWEET_SPOT[1]}, "
                f"dashed at {ACWR_DANGER}.",
                "note",
            ),
            '<div class="grid">'
            + "".join(
                figure_html(
                    load_figure(seen.xs(athlete, level="athlete_id"), athlete),
                    f"load of {athlete}",
                )
                for athlete in _chart_players(table)
            )
            + "</div>",
        ),
        section("Actions recognised per week", actions_per_week_html(seen)),
        section("Model card", *_model_card(card, seen, synthetic, week)),
    ]
    return write_page(Path(out), f"Squad injury risk, week {week}", body, synthetic=synthetic)


def _risk_table(table: pd.DataFrame) -> str:
    rows = [
        (
            row.athlete_id,
            f"{row.probability:.2f}",
            row.band,
            "" if math.isnan(row.change) else f"{row.change:+.2f}",
            sentence(list(row.drivers)),
        )
        for row in table.itertuples(index=False)
    ]
    return table_html(("player", "probability", "band", "change vs last week", "top drivers"), rows)


def _risk_by_week(features: pd.DataFrame, head: RiskHead) -> pd.DataFrame:
    x = features[head.features].to_numpy(dtype=np.float64)
    scored = pd.DataFrame({"p": head.predict_proba(x)}, index=features.index)
    weekly = scored.groupby(level="week")["p"]
    high = high_threshold(head.trained_on.base_rate) if head.trained_on else float("inf")
    return pd.DataFrame(
        {
            "mean": weekly.mean(),
            "high_share": weekly.apply(lambda p: float((p >= high).mean())),
        }
    )


def _trend_figure(trend: pd.DataFrame, week: int) -> Figure:
    figure = Figure(figsize=(7, 3))
    ax = figure.subplots()
    ax.plot(trend.index, trend["mean"], marker="o", label="squad mean probability")
    ax.plot(trend.index, trend["high_share"], marker="s", label="share in high band")
    ax.axvline(week, color="#888", linestyle=":", label=f"week {week}")
    ax.set(xlabel="week", ylabel="probability / share", ylim=(0, 1))
    ax.legend(loc="upper left", fontsize=8)
    return figure


def _chart_players(table: pd.DataFrame) -> list[str]:
    high = table[table["band"] == "high"]["athlete_id"].tolist()
    ranked = table["athlete_id"].tolist()
    chosen = high[:LOAD_CHART_PLAYERS]
    for athlete in ranked:
        if len(chosen) >= LOAD_CHART_PLAYERS:
            break
        if athlete not in chosen:
            chosen.append(athlete)
    return chosen


def load_figure(player: pd.DataFrame, athlete: str) -> Figure:
    """One player's acute and chronic load with the ACWR and its sweet-spot band, by week
    (`player` is indexed by week): the report's chart, reused by the athlete page so the
    two never draw load differently."""
    figure = Figure(figsize=(3.4, 2.4))
    ax = figure.subplots()
    weeks = player.index.to_numpy()
    ax.plot(weeks, player["acute_load"], label="acute", color="#1565c0")
    ax.plot(weeks, player["chronic_load"], label="chronic", color="#90a4ae")
    ax.set(title=athlete, xlabel="week", ylabel="AU/day")
    ratio = ax.twinx()
    ratio.axhspan(*ACWR_SWEET_SPOT, color="#c8e6c9", alpha=0.5)
    ratio.axhline(ACWR_DANGER, color="#c62828", linestyle="--", linewidth=0.8)
    ratio.plot(weeks, player["acwr_rolling"], color="#c62828", marker=".", label="ACWR")
    ratio.set(ylabel="ACWR", ylim=(0, max(2.0, float(player["acwr_rolling"].max()) + 0.2)))
    ax.legend(loc="upper left", fontsize=6)
    figure.tight_layout()
    return figure


def actions_per_week_html(features: pd.DataFrame) -> str:
    """Totals per week of every action label recognised in `features` (indexed by athlete
    and week; the squad, or one athlete for the athlete page), the paper's eight and a
    club's own words alike, named in the chart's text too."""
    totals = features.groupby(level="week")[action_count_columns(features)].sum()
    totals = totals.loc[:, totals.sum() > 0]
    totals.columns = [c.removeprefix(COUNT_PREFIX).replace("_", " ") for c in totals.columns]
    named = ", ".join(totals.columns) or "none recognised"
    return figure_html(_actions_figure(totals), f"squad action counts per week: {named}")


def _actions_figure(totals: pd.DataFrame) -> Figure:
    figure = Figure(figsize=(7, 3))
    ax = figure.subplots()
    bottom = np.zeros(len(totals))
    for label in totals.columns:
        counts = totals[label].to_numpy()
        ax.bar(totals.index, counts, bottom=bottom, label=label)
        bottom += counts
    ax.set(xlabel="week", ylabel="actions (squad total)")
    if len(totals.columns):
        ax.legend(fontsize=6, ncol=4, loc="upper left")
    return figure


def _model_card(
    card: Evaluation | str, features: pd.DataFrame, synthetic: bool, week: int
) -> list[str]:
    labelled = features[features[LABEL].notna()]
    data = table_html(
        ("data", "value"),
        [
            ("players", features.index.get_level_values("athlete_id").nunique()),
            ("weeks", f"0-{week}"),
            ("player-weeks with a known outcome", len(labelled)),
            ("of which followed by an injury", int(labelled[LABEL].sum())),
            ("synthetic", "yes" if synthetic else "no"),
        ],
    )
    parts = [
        paragraph(
            "Risk head: logistic regression on the weekly vector V_t (paper Eq. "
            "20-22, class-weighted loss), features z-scored on training weeks, then "
            "recalibrated (Platt) on predictions for weeks it had not been trained "
            "on, so probabilities mean what they say. Baseline: gradient-boosted "
            "trees on the same features."
        ),
        data,
    ]
    if isinstance(card, str):
        return [*parts, paragraph(f"No held-out evaluation: {card}", "note")]
    split = card.split
    rate = card.test_rate
    parts.append(
        paragraph(
            f"Time-ordered split: trained on weeks {split.train_weeks[0]}-{split.train_weeks[-1]} "
            f"({split.train_rows} player-weeks), tested on weeks {split.test_weeks[0]}-"
            f"{split.test_weeks[-1]} ({split.test_rows} player-weeks, {split.test_injuries} "
            f"injuries). Always predicting the tested weeks' injury rate "
            f"({format_figure(rate)}) scores Brier {format_figure(rate * (1 - rate))}; the Brier "
            "skill score is the improvement on that (above 0 beats it). 95 % intervals from "
            "resampling athletes.",
            "note",
        )
    )
    names = {
        "auc": "AUC",
        "brier": "Brier score",
        "brier_skill": "Brier skill score",
        "high_risk_recall": "high-risk recall (high band)",
        "precision": "precision (high band)",
    }
    parts.append(
        table_html(
            ("metric", "risk head (calibrated)", "before calibration", "baseline"),
            [
                (label, str(card.head[key]), str(card.uncalibrated[key]), str(card.baseline[key]))
                for key, label in names.items()
            ],
        )
    )
    if card.history_problem:
        parts.append(paragraph(f"Read with care: {card.history_problem}.", "note"))
    if card.reliability:
        parts.append(
            paragraph(
                "Reliability on the held-out weeks: player-weeks in bins of "
                "predicted probability, and the injury rate that followed "
                "(95 % Wilson interval).",
                "note",
            )
        )
        parts.append(
            table_html(
                ("predicted", "player-weeks", "injuries", "mean predicted", "observed rate"),
                [
                    (
                        f"{format_figure(b.low)}-{format_figure(b.high)}",
                        b.rows,
                        b.injuries,
                        format_figure(b.predicted),
                        f"{format_figure(b.observed)} "
                        f"[{format_figure(b.observed_low)}, {format_figure(b.observed_high)}]",
                    )
                    for b in card.reliability
                ],
            )
        )
        parts.append(
            figure_html(reliability_figure({"risk head": card.reliability}, rate), "reliability")
        )
    return parts
