"""Excel workbooks (.xlsx) read as the rows of a CSV export.

Clubs keep medical logs and GPS summaries in workbooks. One sheet is read (named, else
the first); cells become the text a CSV would hold, written unambiguously: dates as ISO,
times and durations as hh:mm:ss, numbers with a decimal point and no separators.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from firmware_bridge.errors import UserError

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class WorkbookError(UserError, ValueError):
    """A workbook that cannot be read, or has no sheet of the name asked for."""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        seconds = round(value.total_seconds())
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_sheet(path: Path, sheet: str | None) -> list[tuple[int, list[str]]]:
    """[(row number, cells as text)] of one sheet, rows numbered as Excel shows them."""
    from openpyxl import load_workbook  # only workbook imports pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise WorkbookError(f"{path}: not a readable Excel workbook ({exc})") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise WorkbookError(
                f"{path}: no sheet {sheet!r} (sheets: "
                f"{', '.join(workbook.sheetnames)}); choose one with --sheet"
            )
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        rows = [
            (number, [_text(value) for value in values])
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    width = max((i + 1 for _, cells in rows for i, c in enumerate(cells) if c), default=0)
    return [(number, cells[:width] + [""] * (width - len(cells))) for number, cells in rows]
