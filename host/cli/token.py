"""`touchline token create|list|revoke`: API access for staff, pairing codes for sideline
units, and taking access away again."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console

from edge.cli.errors import CommandError
from host.cli import app
from host.db.roles import Role

token_app = typer.Typer(
    help="Create, list and revoke API tokens and device pairing codes.", no_args_is_help=True
)
app.add_typer(token_app, name="token")

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: TOUCHLINE_DATABASE_URL).")
]
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_lifetime(text: str | None) -> timedelta | None:
    """'30d', '12h', '90m', '2w' or '45s' as a timedelta (None stays None)."""
    if text is None:
        return None
    match = re.fullmatch(r"\s*(\d{1,6})\s*([smhdw])\s*", text)
    if match is None or int(match.group(1)) == 0:
        raise typer.BadParameter(
            f"{text!r}: give a positive number and a unit, e.g. 30d, 12h, 90m, 2w (s, m, h, d, w)"
        )
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


@token_app.command("create")
def create(
    role: Annotated[
        Role,
        typer.Option(
            "--role",
            help="staff: reads risk and reports. device: a sideline unit posting sessions.",
        ),
    ],
    device: Annotated[
        str | None, typer.Option("--device", help="Name of the sideline unit (device role).")
    ] = None,
    label: Annotated[
        str | None, typer.Option("--label", help="Who or what the staff token is for.")
    ] = None,
    expires_in: Annotated[
        str | None,
        typer.Option(
            "--expires-in", help="Staff token lifetime, e.g. 30d, 12h, 2w (default: never)."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a staff token, or a one-time pairing code for a sideline unit.

    A staff token is printed once and only its hash is stored: keep it somewhere safe.
    For a device, a pairing code valid for 24 h is printed instead; type it on the unit
    (`edge pair --host URL --code CODE`), which trades it for its own device token.

    Example:  touchline token create --role staff --label "physio laptop" --expires-in 90d

    Example:  touchline token create --role device --device sideline-1
    """
    # The database stack is imported when the command runs: `touchline --help` stays fast.
    from host.db.engine import engine_for, session_scope
    from host.db.models import utcnow
    from host.db.tokens import create_registration_code, create_token
    from host.settings import get_settings

    console = Console()
    if role is Role.DEVICE:
        if not device:
            raise CommandError("--device: name the sideline unit the code is for", exit_code=2)
        if expires_in:
            raise CommandError(
                "--expires-in: applies to staff tokens; a device "
                "token lasts until `touchline token revoke --device NAME`",
                exit_code=2,
            )
    lifetime = parse_lifetime(expires_in)
    settings = get_settings(database_url=db)
    with session_scope(engine_for(settings.database_url)) as session:
        if role is Role.DEVICE and device:
            secret = create_registration_code(session, device, settings.registration_code_ttl_s)
        else:
            secret = create_token(
                session,
                Role.STAFF,
                label=label,
                token_bytes=settings.token_bytes,
                expires=None if lifetime is None else utcnow() + lifetime,
            )
    if role is Role.STAFF:
        until = "" if expires_in is None else f", valid {expires_in.strip()}"
        console.print(f"Staff token (shown once{until}):")
    else:
        hours = settings.registration_code_ttl_s / 3600
        console.print(f"Pairing code for {device} (one use, valid {hours:.0f} h):")
    typer.echo(secret)


@token_app.command("list")
def list_(db: DbOption = None) -> None:
    """List every token: its id, role, device or label, when it was made, when it expires,
    and whether it is live, expired or revoked. Secrets are never shown (only hashes are kept).

    Example:  touchline token list
    """
    from rich.table import Table

    from host.db.engine import engine_for, session_scope
    from host.db.tokens import list_tokens, token_state
    from host.settings import get_settings

    console = Console()
    table = Table("id", "role", "device / label", "created", "expires", "state")
    with session_scope(engine_for(get_settings(database_url=db).database_url)) as session:
        for row in list_tokens(session):
            table.add_row(
                str(row.id),
                row.role,
                row.device_id or row.label or "",
                f"{row.created:%Y-%m-%d %H:%M}",
                "never" if row.expires is None else f"{row.expires:%Y-%m-%d %H:%M}",
                token_state(row),
            )
    console.print(table if table.row_count else "No tokens yet (touchline token create).")


@token_app.command("revoke")
def revoke(
    token_id: Annotated[
        int | None, typer.Argument(help="Id of the token to revoke, from `touchline token list`.")
    ] = None,
    device: Annotated[
        str | None,
        typer.Option("--device", help="Revoke every live token of this sideline unit instead."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Revoke a token at once: its next request is refused with 401. Give its id, or
    --device to cut off a lost or stolen sideline unit (pair it again with a new code).

    Example:  touchline token revoke 7

    Example:  touchline token revoke --device sideline-1
    """
    from host.db.engine import engine_for, session_scope
    from host.db.tokens import revoke_tokens
    from host.settings import get_settings

    console = Console()
    with session_scope(engine_for(get_settings(database_url=db).database_url)) as session:
        revoked = revoke_tokens(session, token_id=token_id, device_id=device)
    console.print(f"Revoked token{'s' if len(revoked) > 1 else ''} {', '.join(map(str, revoked))}.")
