"""`edge serve`: the sideline page on its own, from what the store holds."""

from __future__ import annotations

from pathlib import Path

import typer

from edge.cli import app
from edge.cli._common import ConfigOption, edge_config
from edge.cli.errors import CommandError


@app.command("serve")
def serve_command(
    session: str | None = typer.Argument(
        None, help="Session to show; default: the one recording now, else the newest."
    ),
    host: str = typer.Option("0.0.0.0", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", min=1, max=65535, help="TCP port."),
    config_path: Path | None = ConfigOption,
) -> None:
    """Serve the sideline page for a stored session until Ctrl-C: staff enter RPE after
    the session (or mark drills) from a tablet. Cards show the stored actions and loads,
    refreshed every second. `edge record` serves the live page itself.

    Example:  edge serve --port 8080
    """
    import uvicorn

    from edge.marks import current_session
    from edge.store import Store
    from edge.web.app import Access, create_app
    from edge.web.board import LiveBoard
    from edge.web.server import lan_address
    from edge.web.store_feed import StoreFeed

    config = edge_config(config_path)
    with Store(config.store_path) as store:
        chosen = current_session(store, session)
    board = LiveBoard(chosen)
    access = Access()
    app_ = create_app(board, config.store_path, access=access)
    shown = lan_address() if host in ("0.0.0.0", "") else host
    typer.echo(f"sideline page: http://{shown}:{port}/?pin={access.pin}  (PIN {access.pin})")
    typer.echo(f"staff code for drills and RPE: {access.staff_code}")
    with StoreFeed(board, config.store_path):
        try:
            uvicorn.run(app_, host=host, port=port, log_level="warning")
        except OSError as exc:  # a WebError, or uvicorn's own bind error
            raise CommandError(f"--port: cannot serve on {host}:{port} ({exc})") from exc
