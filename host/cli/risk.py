"""`touchline risk --week W`: next week's injury risk for the squad, with reasons."""

from __future__ import annotations

import enum
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from edge.cli.errors import CommandError
from host.cli import app

if TYPE_CHECKING:
    from host.risk.evaluate import Evaluation
    from host.risk.service import SquadRisk

BAND_STYLE = {"low": "green", "medium": "yellow", "high": "bold red", "unrated": "dim"}


class SplitKind(enum.StrEnum):
    TIME = "time"
    RANDOM = "random"


class Format(enum.StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


@app.command("risk")
def risk(
    week: Annotated[int, typer.Option("--week", min=0, help="Week to score (0 = first week).")],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Dataset directory to import first (e.g. made by `touchline import`)."
        ),
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.TABLE,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: TOUCHLINE_DATABASE_URL).")
    ] = None,
    evaluation: Annotated[
        bool,
        typer.Option(
            "--evaluate",
            help="Instead of the table: how well the head and the baseline did on "
            "the newest weeks up to W that they never saw.",
        ),
    ] = False,
    holdout: Annotated[
        int | None,
        typer.Option(
            "--holdout-weeks",
            min=1,
            help="Weeks held out by --evaluate (default: TOUCHLINE_RISK_HOLDOUT_WEEKS, 2).",
        ),
    ] = None,
    split: Annotated[
        SplitKind,
        typer.Option(
            "--split",
            help="--evaluate on the newest weeks (time) or, to compare with the paper, "
            "a random 7:1.5:1.5 of player-weeks (random; optimistic).",
        ),
    ] = SplitKind.TIME,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="With --evaluate: also write the reliability plot to this PNG file."
        ),
    ] = None,
    min_days_lost: Annotated[
        int | None,
        typer.Option(
            "--min-days-lost",
            min=0,
            max=365,
            help="Time-loss definition: an injury is the "
            "outcome to predict when it cost at least this many days, or is still open "
            "(default: TOUCHLINE_TIME_LOSS_MIN_DAYS, 2). Shorter knocks still count as history.",
        ),
    ] = None,
) -> None:
    """Print each player's probability of a time-loss injury next week, highest first.

    The risk head is fitted on every earlier week whose outcome is known, recalibrated on
    weeks it had not seen (so 0.10 means about one in ten), then scores week W. Bands
    compare a player with the squad's usual week: high is at least 3x the injury rate of
    the weeks learnt from, medium at least 1.5x. With too little history (under 4 weeks
    or 5 injuries) nobody is rated and the table says so. "change" is the difference from
    the same model's score for week W-1; "drivers" are what pushed the probability up.
    Predictions are stored so the API and the report show the same.

    --evaluate prints AUC, the Brier score and the Brier skill score against the base rate
    (above 0 beats always predicting it) for the calibrated head, the same head before
    calibration and gradient boosting, then the reliability table: per bin of predicted
    probability, the injury rate that followed.

    Example:  touchline risk --week 9 --data club-data/ --format table

    Example:  touchline risk --week 30 --evaluate --holdout-weeks 8 --plot reliability.png

    Example:  touchline risk --week 9 --evaluate --split random
    """
    # The model stack is imported when the command runs: `touchline --help` stays fast.
    from host.risk.drivers import sentence
    from host.risk.service import evaluate_until, squad_risk
    from host.settings import get_settings

    console = Console()
    settings = get_settings(database_url=db, time_loss_min_days=min_days_lost)
    if evaluation:
        report = evaluate_until(
            week, data=data, holdout_weeks=holdout, split=split.value, settings=settings
        )
        if output is Format.JSON:
            typer.echo(json.dumps(report.to_dict(), indent=2))
        else:
            console.print(_evaluation_table(report))
            console.print(_reliability_table(report))
            if report.history_problem:
                console.print(f"[yellow]note:[/yellow] {report.history_problem}")
        if plot is not None:  # said on stderr, so that --format json stays one document
            _write_plot(report, plot, Console(stderr=True))
        return
    result = squad_risk(week, data=data, settings=settings)
    if output is Format.JSON:
        typer.echo(json.dumps(_records(result), indent=2))
    elif output is Format.CSV:
        frame = result.table.assign(drivers=[sentence(d) for d in result.table["drivers"]])
        typer.echo(frame.to_csv(index=False, float_format="%.4f"), nl=False)
    else:
        console.print(_table(result))


def _records(result: SquadRisk) -> dict:
    return {
        "week": result.week,
        "model_version": result.model_version,
        "synthetic": result.synthetic,
        "base_rate": None if math.isnan(result.base_rate) else round(result.base_rate, 4),
        "history_problem": result.history_problem,
        "players": [
            {
                "athlete_id": row.athlete_id,
                "probability": round(float(row.probability), 4),
                "band": row.band,
                "change": None if math.isnan(row.change) else round(float(row.change), 4),
                "drivers": list(row.drivers),
            }
            for row in result.table.itertuples(index=False)
        ],
    }


def _evaluation_table(report: Evaluation) -> Table:
    from host.risk.bands import HIGH_MULTIPLE, high_threshold
    from host.risk.evaluate import format_figure as f

    split = report.split
    flag = " — synthetic data" if report.synthetic else ""
    if split.kind == "random":
        where = "a random 15 % of player-weeks (paper's 7:1.5:1.5; optimistic)"
    else:
        where = (
            f"held-out weeks {split.test_weeks[0]}-{split.test_weeks[-1]} (trained on "
            f"{split.train_weeks[0]}-{split.train_weeks[-1]})"
        )
    rate = report.test_rate
    table = Table(
        title=f"Risk on {where}: {split.test_rows} player-weeks, "
        f"{split.test_injuries} injuries{flag}",
        caption=f"Always predicting the held-out rate {f(rate)} scores Brier "
        f"{f(rate * (1 - rate))} (skill 0). High band: calibrated head >= "
        f"{f(high_threshold(report.base_rate))} ({HIGH_MULTIPLE:g}x the training "
        "rate), others >= 0.65.",
    )
    table.add_column("metric (95 % interval, athletes resampled)")
    table.add_column("calibrated head")
    table.add_column("head before calibration")
    table.add_column("gradient boosting")
    for key in report.head:
        table.add_row(
            key, str(report.head[key]), str(report.uncalibrated[key]), str(report.baseline[key])
        )
    return table


def _reliability_table(report: Evaluation) -> Table:
    from host.risk.evaluate import format_figure as f

    calibration = report.model.calibration
    how = (
        ""
        if calibration is None
        else (
            f" ({calibration.method} on {calibration.rows} out-of-time player-weeks)"
            if calibration.method == "platt"
            else " (class weighting undone; too few injuries out of time for Platt)"
        )
    )
    table = Table(title=f"Reliability of the calibrated head on the held-out weeks{how}")
    for column in (
        "predicted range",
        "player-weeks",
        "injuries",
        "mean predicted",
        "observed rate (95 % Wilson)",
    ):
        table.add_column(column, justify="left" if column == "predicted range" else "right")
    for b in report.reliability:
        table.add_row(
            f"{f(b.low)}-{f(b.high)}",
            str(b.rows),
            str(b.injuries),
            f(b.predicted),
            f"{f(b.observed)} [{f(b.observed_low)}, {f(b.observed_high)}]",
        )
    return table


def _write_plot(report: Evaluation, path: Path, console: Console) -> None:
    from host.risk.reliability import reliability_figure

    figure = reliability_figure({"calibrated head": report.reliability}, report.test_rate)
    try:
        figure.savefig(path, dpi=120)
    except OSError as exc:
        raise CommandError(f"--plot {path}: {exc.strerror or exc}") from exc
    console.print(f"reliability plot written to {path}")


def _table(result: SquadRisk) -> Table:
    from host.risk.drivers import sentence

    flag = " — synthetic data" if result.synthetic else ""
    if result.history_problem:
        caption = f"{result.history_problem}."
    else:
        caption = f"Squad base rate {result.base_rate:.3f} a week: medium >= 1.5x, high >= 3x."
    table = Table(title=f"Injury risk for the week after week {result.week}{flag}", caption=caption)
    for column in ("player", "probability", "band", "change", "top drivers"):
        table.add_column(column, justify="right" if column in ("probability", "change") else "left")
    for row in result.table.itertuples(index=False):
        change = "" if math.isnan(row.change) else f"{row.change:+.2f}"
        table.add_row(
            row.athlete_id,
            f"{row.probability:.2f}",
            f"[{BAND_STYLE[row.band]}]{row.band}[/]",
            change,
            sentence(list(row.drivers)),
        )
    return table
