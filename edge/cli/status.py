"""`edge status`: configuration, paired sensors, model, store and outbox at a glance."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from edge.cli import app
from edge.cli._common import ConfigOption, edge_config

PROBE_TIMEOUT_S = 4.0


ProbeOption = typer.Option(
    False, "--probe", help="Also read a few frames from every paired sensor (a few seconds each)."
)


def _probe(address: str) -> str:
    from edge.pairing import PairingError, verify

    try:
        checked = asyncio.run(verify(address, frames=5, timeout_s=PROBE_TIMEOUT_S))
    except PairingError as exc:
        return f"[red]silent[/red] ({exc})"
    battery = f", battery {checked.battery_pct}%" if checked.battery_pct is not None else ""
    return f"[green]sending[/green] ({checked.frames} frames{battery})"


@app.command("status")
def status_command(config_path: Path | None = ConfigOption, probe: bool = ProbeOption) -> None:
    """Show the configuration, paired sensors, model in use, sessions and the outbox.

    Example:  edge status --probe
    """
    from rich.console import Console
    from rich.table import Table

    from edge.config import resolve_config_path
    from edge.models_store import ModelStore, ModelStoreError
    from edge.store import Store, StoreError
    from edge.transports import kind_of

    config = edge_config(config_path)
    path, _ = resolve_config_path(config_path)
    console = Console()
    console.print(f"config   {path}{'' if path.exists() else '  (not written yet: defaults)'}")
    host = config.host_url or "not paired (edge pair --host URL --code CODE)"
    console.print(f"host     {host}" + ("  [token ok]" if config.device_token else ""))
    try:
        current = ModelStore(config.models_dir).current_version
    except ModelStoreError as exc:
        current = f"unreadable: {exc}"
    console.print(
        f"model    {current or 'none installed (edge models pull)'}  backend {config.model_backend}"
    )

    table = Table(title="Paired sensors")
    columns = ["athlete", "site", "side", "kind", "address", "sensor id"]
    for column in columns + (["now"] if probe else []):
        table.add_column(column)
    for sensor in config.sensors:
        row = [
            sensor.athlete_id,
            sensor.site,
            sensor.side or "–",
            kind_of(sensor.address),
            sensor.address,
            str(sensor.sensor_id) if sensor.sensor_id else "–",
        ]
        table.add_row(*row, *([_probe(sensor.address)] if probe else []))
    console.print(table if config.sensors else "sensors  none paired (edge pair)")

    if not config.store_path.exists():
        console.print(f"store    {config.store_path} (empty)")
        return
    try:
        with Store(config.store_path) as store:
            sessions = store.sessions()
            counts = store.outbox_counts()
            rejected = [i for i in store.outbox_items() if i.state == "rejected"]
    except StoreError as exc:
        console.print(f"store    {exc}")
        return
    open_ids = [s.session_id for s in sessions if s.status == "recording"]
    console.print(
        f"store    {config.store_path}: {len(sessions)} sessions"
        + (f", open: {', '.join(open_ids)} (edge close)" if open_ids else "")
    )
    console.print(
        f"outbox   {counts['pending']} waiting, {counts['sent']} sent, "
        f"{counts['rejected']} refused by the host"
    )
    for item in rejected[-3:]:
        console.print(f"  refused {item.idempotency_key}: {item.last_error}")
