"""`edge record` and `edge close`: thin layers over `edge.session`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from edge.cli import app
from edge.cli._common import BundleOption, ConfigOption, edge_config
from edge.cli.errors import CommandError

if TYPE_CHECKING:
    from rich.console import Console

    from edge.config import EdgeConfig
    from edge.infer import ActionModel
    from edge.packets import SensorRole
    from edge.session import RecordResult
    from edge.store import Store
    from edge.web.sideline import Sideline


def load_model(config: EdgeConfig, bundle: Path | None) -> ActionModel:
    """The bundle given on the command line, else the installed current one."""
    from edge.bundle import read_bundle
    from edge.infer import ActionModel
    from edge.models_store import ModelStore

    loaded = read_bundle(bundle) if bundle else ModelStore(config.models_dir).load()
    return ActionModel.from_bundle(loaded, config.model_backend)


def check_model_fits(
    config: EdgeConfig, model: ActionModel, console: Console, roles: list[SensorRole] | None = None
) -> None:
    """Before any frame is read: refuse `roles` that cannot feed the model's required
    channels (the refusal `edge pair` gives, re-checked because the model may have changed
    since pairing), and warn of event thresholds naming actions the model lacks."""
    from edge.pairing import check_feeds_model

    if roles is not None:
        check_feeds_model(roles, model.manifest)
    warning = config.events.unknown_thresholds(model.manifest.labels)
    if warning:
        console.print(f"[yellow]{warning}[/yellow]", soft_wrap=True, highlight=False)


def _roles(config: EdgeConfig, simulate: str | None) -> list[SensorRole]:
    from edge.packets import SensorRole
    from edge.transports.virtual import SquadSpec

    if simulate:
        return SquadSpec.from_address(simulate).roles()
    if not config.sensors:
        raise CommandError(
            "no sensors paired: run `edge pair …` first, or try "
            "`edge record --simulate 'virtual://squad?athletes=4'`",
            exit_code=2,
        )
    return [SensorRole(s.address, s.athlete_id, s.site, s.protocol) for s in config.sensors]


def _try_sync(config: EdgeConfig, store: Store, console: Console) -> None:
    from edge.outbox import Outbox, SyncError

    if not (config.sync.auto and config.host_url and config.device_token):
        return
    try:
        outbox = Outbox(store, config.host_url, config.device_token, config.sync)
        report = outbox.sync()
        outbox.close()
        console.print(f"synced: {report.sent} sent, {report.pending} waiting for the host")
    except SyncError as exc:
        console.print(f"[yellow]sync skipped: {exc}[/yellow]")


def print_result(result: RecordResult, console: Console) -> None:
    from rich.table import Table

    table = Table(title=f"Session {result.session_id}: {result.stopped_by}")
    for column in ("athlete", "min", "PlayerLoad", "dist m", "HSR m", "sprints", "actions"):
        table.add_column(column, justify="left" if column in ("athlete", "actions") else "right")
    for athlete_id, summary in result.summaries.items():
        load = summary["load"]
        actions = ", ".join(f"{k} {v['n']}" for k, v in summary["actions"].items())
        table.add_row(
            athlete_id,
            f"{summary['session']['duration_s'] / 60:.1f}",
            f"{load['player_load']:.0f}",
            f"{load['distance_m'] or 0:.0f}",
            f"{load['hsr_m'] or 0:.0f}",
            str(load["sprints"] or 0),
            actions or "–",
        )
    console.print(table)
    speed = result.session_s / result.wall_s if result.wall_s else 0.0
    console.print(
        f"{result.packets} frames, {result.events} actions, {result.session_s:.0f} s of "
        f"session in {result.wall_s:.1f} s ({speed:.1f}× real time); summaries queued for sync"
    )


def _sideline(
    store: Store, session_id: str, port: int, model: ActionModel, console: Console
) -> Sideline | None:
    """The sideline page, started; None when turned off or its port is taken (recording
    goes on either way)."""
    if not port:
        return None
    from edge.web.server import WebError
    from edge.web.sideline import Sideline

    try:
        page = Sideline(store.path, session_id, port=port, synthetic=model.manifest.synthetic)
        for line in page.start():
            console.print(line, soft_wrap=True, highlight=False)
    except WebError as exc:
        console.print(f"[yellow]{exc}; recording without the page[/yellow]", soft_wrap=True)
        return None
    return page


@app.command("record")
def record_command(
    config_path: Path | None = ConfigOption,
    duration: float | None = typer.Option(
        None, "--duration", "-d", min=1, help="Stop after this many seconds of session."
    ),
    simulate: str | None = typer.Option(
        None,
        "--simulate",
        help="Record a virtual squad instead of the paired sensors, "
        "e.g. 'virtual://squad?athletes=4&speed=10', or with the club's athlete ids: "
        "'virtual://squad?ids=A001,A002&loss=0.02&disconnect=60:5'. kit=mixed gives each "
        "player sensors a club buys, sending their vendors' own bytes: a WitMotion on the "
        "waist, a Movesense on the calf, a Polar H10 on the chest, a BLE heart-rate strap "
        "and NMEA GPS, e.g. 'virtual://squad?athletes=4&kit=mixed'.",
    ),
    bundle: Path | None = BundleOption,
    live: bool = typer.Option(True, "--live/--no-live", help="Show the live table."),
    web_port: int = typer.Option(
        8080,
        "--web-port",
        min=0,
        max=65535,
        help="Serve the sideline page for tablets and "
        "phones on the Pi's network on this port; its address, PIN and staff code are printed "
        "at start. 0 turns the page off.",
    ),
) -> None:
    """Record a session from the paired sensors until Ctrl-C (or --duration).

    Actions are detected live and shown per athlete, in the terminal and on the sideline
    page; raw frames, events and one summary per athlete are kept in the store and queued
    for `edge sync`. RPE entered during the session (page or `edge rpe`) goes into the
    summaries.

    The paired sensors are checked against the model first: a set that cannot feed a
    channel the model requires stops the command with one line naming it (exit 2).

    Example:  edge record --duration 5400 --web-port 8080

    Example:  edge record --simulate 'virtual://squad?athletes=4&kit=mixed' --duration 600
    """
    from rich.console import Console

    from edge.live import LiveView
    from edge.marks import SessionMarks
    from edge.session import new_session_id, record, stop_on_signals
    from edge.store import Store
    from edge.transports import build_transports

    config = edge_config(config_path)
    roles = _roles(config, simulate)
    model = load_model(config, bundle)
    console = Console()
    check_model_fits(config, model, console, roles)
    store = Store(config.store_path)
    transports = build_transports(roles, config.reconnect)
    session_id = new_session_id()
    page = _sideline(store, session_id, web_port, model, console)

    async def run() -> RecordResult:
        from edge.web.sideline import fan_out

        stop = asyncio.Event()
        if page:
            loop = asyncio.get_running_loop()

            def closed() -> None:  # called on the page's thread
                loop.call_soon_threadsafe(stop.set)

            page.on_close(closed)
        board = page.board if page else None
        with stop_on_signals(stop):
            if live:
                with LiveView(console) as view:
                    return await record(
                        config,
                        roles,
                        transports,
                        model,
                        store,
                        session_id=session_id,
                        duration_s=duration,
                        stop=stop,
                        observer=fan_out(view, board),
                    )
            return await record(
                config,
                roles,
                transports,
                model,
                store,
                session_id=session_id,
                duration_s=duration,
                stop=stop,
                observer=board,
            )

    with store:
        try:
            result = asyncio.run(run())
            with SessionMarks(store) as marks:
                marks.apply_rpe(session_id)
        finally:
            if page:
                page.stop()
        if result.disk_full:
            raise CommandError(result.stopped_by)
        print_result(result, console)
        _try_sync(config, store, console)


@app.command("close")
def close_command(
    session_id: str = typer.Argument(None, help="Session to close; default: every open one."),
    config_path: Path | None = ConfigOption,
    bundle: Path | None = BundleOption,
) -> None:
    """Close a session left open by a crash or power cut, from what was stored.

    Its raw frames are run through the pipeline again and its summaries are queued.

    Example:  edge close
    """
    from rich.console import Console

    from edge.session import close_session
    from edge.store import Store

    config = edge_config(config_path)
    model = load_model(config, bundle)
    console = Console()
    check_model_fits(config, model, console)
    with Store(config.store_path) as store:
        ids = [session_id] if session_id else [s.session_id for s in store.sessions("recording")]
        if not ids:
            console.print("no open sessions")
            return
        for sid in ids:
            row = store.session(sid)
            if row is None:
                raise CommandError(f"no session {sid!r} in {config.store_path}")
            summaries = close_session(store, sid, model, config)
            console.print(f"closed {sid}: {len(summaries)} summaries queued")
