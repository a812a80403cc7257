"""`touchline serve`: the host API for sideline units and staff."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from host.cli import app


@app.command("serve")
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on; 0.0.0.0 for the club network.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL (default: TOUCHLINE_DATABASE_URL).")
    ] = None,
) -> None:
    """Serve the Touchline API (/api/v1, docs at /api/v1/docs) and the staff pages (/)
    until stopped with Ctrl-C.

    The staff pages (squad risk by week, each athlete, synced sessions, the squad report)
    open at http://HOST:PORT/ in a browser on a phone, tablet or laptop. Staff log in there
    with a staff token from `touchline token create --role staff`; revoking the token ends
    that login. Set TOUCHLINE_CLUB_TIMEZONE (e.g. Europe/London) for the pages' times.

    The database is created or upgraded to the current schema on start. Sideline units
    pair with a code from `touchline token create --role device`.

    Behind a reverse proxy, name it in TOUCHLINE_TRUSTED_PROXIES (e.g. '["127.0.0.1"]')
    so rate limits apply per client; X-Forwarded-For from anyone else is ignored.

    Example:  touchline serve --host 0.0.0.0 --port 8000

    then, on a tablet on the club network, open http://CLUB-PC:8000/ and give the staff
    token (tl_s_…) on the login page.
    """
    # The server stack is imported when the command runs: `touchline --help` stays fast.
    import uvicorn

    from host.api import create_app
    from host.db.engine import safe_url
    from host.settings import get_settings

    console = Console(stderr=True, soft_wrap=True)
    settings = get_settings(database_url=db)
    api = create_app(settings)
    console.print(
        f"Touchline API on http://{host}:{port}/api/v1 (database {safe_url(settings.database_url)})"
    )
    # The app believes X-Forwarded-For only from TOUCHLINE_TRUSTED_PROXIES; uvicorn's own
    # default (trust it from loopback) would let any local client pick its rate-limit key.
    uvicorn.run(api, host=host, port=port, log_level="info", proxy_headers=False)
