"""`touchline key create|rotate|show`: the club's Ed25519 key that signs model bundles."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from edge.cli.errors import CommandError
from host.cli import app

if TYPE_CHECKING:
    from host.signing import ClubKey

key_app = typer.Typer(
    help="The club's bundle-signing key: sidelines install only bundles it signed.\n\n"
    "Example:  touchline key show",
    no_args_is_help=True,
)
app.add_typer(key_app, name="key")
KeyDirOption = typer.Option(
    None,
    "--key-dir",
    help="Key directory; default $TOUCHLINE_KEY_DIR, else keys/ in the host data directory.",
    file_okay=False,
)


def _key_dir(key_dir: Path | None) -> Path:
    from host.settings import get_settings

    return key_dir if key_dir is not None else get_settings().key_dir


def _describe(key: ClubKey) -> None:
    typer.echo(f"key id:      {key.key_id}")
    typer.echo(f"public key:  {key.public_key}")
    typer.echo(f"private key: {key.path} (mode 600; back up its directory)")
    if key.endorsements:
        typer.echo(f"rotations:   {len(key.endorsements)} (each new key signed by the one before)")


@key_app.command("create")
def create(key_dir: Path | None = KeyDirOption) -> None:
    """Make the club's signing key (once; `touchline export` also makes it on first use).

    Sidelines paired afterwards (`edge pair --host ... --code ...`) store its public key.

    Example:  touchline key create
    """
    from host.signing import create_key

    try:
        key = create_key(_key_dir(key_dir))
    except OSError as exc:  # the key directory cannot be written
        raise CommandError(str(exc)) from exc
    _describe(key)


@key_app.command("rotate")
def rotate(key_dir: Path | None = KeyDirOption) -> None:
    """Replace the signing key with a new one that the old key endorses.

    Sidelines keep working: every bundle carries the endorsement, and a sideline learns
    the new key from the first bundle it installs. If the old key may have leaked, rotate
    and then re-pair every sideline (`edge pair --host ... --code ...`), which makes it
    trust the new key alone.

    Example:  touchline key rotate
    """
    from host.signing import load_key, rotate_key

    directory = _key_dir(key_dir)
    try:
        old = load_key(directory)
        key = rotate_key(directory)
    except OSError as exc:  # the key directory cannot be read or written
        raise CommandError(str(exc)) from exc
    typer.echo(f"rotated: {old.key_id} -> {key.key_id} (old key kept in {directory / 'retired'})")
    _describe(key)


@key_app.command("show")
def show(key_dir: Path | None = KeyDirOption) -> None:
    """Show the signing key's id and public key, to compare with what a sideline trusts.

    Example:  touchline key show
    """
    from host.signing import load_key

    try:
        key = load_key(_key_dir(key_dir))
    except OSError as exc:  # the key file cannot be read
        raise CommandError(str(exc)) from exc
    _describe(key)
