"""`edge drill start|end` and `edge rpe`: what staff mark on a session by hand, the same
actions as the sideline page's staff buttons (`edge.marks`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from edge.cli import app
from edge.cli._common import ConfigOption, edge_config

if TYPE_CHECKING:
    from edge.marks import SessionMarks

SessionOption = typer.Option(
    None, "--session", help="Session id; default: the one recording now, else the newest."
)
drill_app = typer.Typer(
    help="Mark a drill's start and end in the session.\n\n"
    "Example:  edge drill start 'rondo 4v2'  ·  edge drill end",
    no_args_is_help=True,
)
app.add_typer(drill_app, name="drill")


def _marks(config_path: Path | None) -> SessionMarks:
    from edge.marks import SessionMarks

    return SessionMarks.open(edge_config(config_path).store_path)


@drill_app.command("start")
def drill_start(
    name: str = typer.Argument(..., help="What the drill is, e.g. 'rondo 4v2'."),
    session: str | None = SessionOption,
    config_path: Path | None = ConfigOption,
) -> None:
    """Start a drill now (one at a time: end the running one first).

    Example:  edge drill start 'small-sided game 7v7'
    """
    from edge.marks import current_session

    with _marks(config_path) as marks:
        drill = marks.start_drill(current_session(marks.store, session), name)
    typer.echo(f"drill {drill.name!r} started at {drill.started_at}")


@drill_app.command("end")
def drill_end(
    session: str | None = SessionOption,
    config_path: Path | None = ConfigOption,
) -> None:
    """End the drill that is running.

    Example:  edge drill end
    """
    from edge.marks import current_session

    with _marks(config_path) as marks:
        drill = marks.end_drill(current_session(marks.store, session))
    typer.echo(f"drill {drill.name!r} ended at {drill.ended_at}")


@app.command("rpe")
def rpe_command(
    athlete_id: str = typer.Argument(..., help="The athlete, as paired (e.g. A07)."),
    rpe: float = typer.Argument(..., help="Rating of perceived exertion, 0-10 (CR-10)."),
    session: str | None = SessionOption,
    config_path: Path | None = ConfigOption,
) -> None:
    """Enter an athlete's RPE for the session (again to correct it).

    During recording it goes into the summaries built at the end; after, the athlete's
    summary is re-issued with it as a new revision and queued for `edge sync`.

    Example:  edge rpe A07 7
    """
    from edge.marks import current_session

    with _marks(config_path) as marks:
        chosen = current_session(marks.store, session)
        marks.set_rpe(chosen, athlete_id, rpe)
    typer.echo(f"RPE {rpe:g} kept for {athlete_id} in session {chosen}")
