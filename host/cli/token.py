"""`touchline token create`: API access for staff, and pairing codes for sideline units."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from host.cli import app
from host.db.roles import Role

token_app = typer.Typer(help="Create API tokens and device pairing codes.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def create(
    role: Annotated[Role, typer.Option(
        "--role", help="staff: reads risk and reports. device: a sideline unit posting sessions.")],
    device: Annotated[str | None, typer.Option(
        "--device", help="Name of the sideline unit (device role).")] = None,
    label: Annotated[str | None, typer.Option(
        "--label", help="Who or what the staff token is for.")] = None,
    db: Annotated[str | None, typer.Option(
        "--db", help="Database URL (default: TOUCHLINE_DATABASE_URL).")] = None,
) -> None:
    """Create a staff token, or a one-time pairing code for a sideline unit.

    A staff token is printed once and only its hash is stored: keep it somewhere safe.
    For a device, a pairing code valid for 24 h is printed instead; type it on the unit
    (`edge pair --host URL --code CODE`), which trades it for its own device token.

    Example:  touchline token create --role staff --label "physio laptop"

    Example:  touchline token create --role device --device sideline-1
    """
    # The database stack is imported when the command runs: `touchline --help` stays fast.
    from host.db.engine import DatabaseError, engine_for, session_scope
    from host.db.tokens import create_registration_code, create_token
    from host.settings import SettingsError, get_settings

    console = Console()
    if role is Role.DEVICE and not device:
        console.print("[red]error:[/red] --device: name the sideline unit the code is for")
        raise typer.Exit(2)
    try:
        settings = get_settings()
        url = db or settings.database_url
        with session_scope(engine_for(url)) as session:
            if role is Role.STAFF:
                secret = create_token(session, Role.STAFF, label=label,
                                      token_bytes=settings.token_bytes)
            else:
                secret = create_registration_code(session, device,
                                                  settings.registration_code_ttl_s)
    except (DatabaseError, SettingsError) as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    if role is Role.STAFF:
        console.print("Staff token (shown once):")
    else:
        hours = settings.registration_code_ttl_s / 3600
        console.print(f"Pairing code for {device} (one use, valid {hours:.0f} h):")
    typer.echo(secret)
