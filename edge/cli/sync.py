"""`edge sync`: post queued session summaries to the host."""

from __future__ import annotations

from pathlib import Path

import typer

from edge.cli import app
from edge.cli._common import ConfigOption, edge_config
from edge.cli.errors import CommandError


@app.command("sync")
def sync_command(config_path: Path | None = ConfigOption) -> None:
    """Send every summary waiting in the outbox to the club's host.

    Each is posted once with an idempotency key; failures are retried later with
    backoff, so running this again (or from a timer) is always safe.

    Example:  edge sync
    """
    from edge.outbox import Outbox
    from edge.store import Store

    config = edge_config(config_path)
    with Store(config.store_path) as store:
        outbox = Outbox(store, config.host_url, config.device_token, config.sync)
        try:
            report = outbox.sync()
        finally:
            outbox.close()
    typer.echo(
        f"{report.sent} sent, {report.retrying} will be retried, "
        f"{report.rejected} refused by the host, {report.pending} waiting"
    )
    if report.rejected:
        raise CommandError("some summaries were refused: see `edge status`")
