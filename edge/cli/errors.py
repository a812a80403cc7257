"""How every `edge` and `touchline` command reports an error it understands.

A `UserError` (firmware_bridge/errors.py) raised anywhere under a command is printed as
one line, `error: <message>`, on stderr and ends the command with the error's exit code;
anything else is a bug and propagates with its traceback. The root group of both apps
does it (`ReportsUserErrors`), so commands raise and never list error types by hand, as
click does with its ClickException.

Imported by host/cli too (host may import edge); it loads typer only, so `--help` stays
fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from firmware_bridge.errors import UserError

if TYPE_CHECKING:
    # typer ships its own copy of click; TyperGroup.invoke takes that copy's Context.
    from typer._click import Context

EXIT_CODES = (
    "Exit status: 0 done; 1 refused, with one line saying what and where; 2 the same for an "
    "argument, an option or the sideline's configuration that cannot be used; 3 an optional "
    "install is missing."
)


class CommandError(UserError):
    """A refusal of the command itself, where no library function raised: options that go
    together, nothing to do, a session id that is not in the store."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ReportsUserErrors(TyperGroup):
    """Root group of a command-line app: a UserError from any command under it becomes
    one line on stderr and its exit code; every other exception goes on up."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as error:
            typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
            raise typer.Exit(error.exit_code) from None
