"""What a failed import says: the file as a whole, or one cell by row and column."""

from __future__ import annotations

from firmware_bridge.errors import UserError


class ImportFileError(UserError, ValueError):
    """The file as a whole cannot be imported (unreadable, empty, a required column
    missing, a bad --map, or a target dataset that cannot take it)."""


class ImportRowError(UserError, ValueError):
    """One bad cell (or row): where it is in the file and what is wrong with it."""

    def __init__(self, row: int, column: str | None, value: str | None, reason: str) -> None:
        self.row, self.column, self.value, self.reason = row, column, value, reason
        where = f"row {row}" + (f", column '{column}'" if column else "")
        shown = f"{value!r} " if value not in (None, "") else ""
        super().__init__(f"{where}: {shown}{reason}")
