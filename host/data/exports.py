"""Read a club's export file, CSV or Excel, into a header and numbered rows of text.

CSV exports come with any delimiter, a byte-order mark, or Excel's Windows encoding;
workbooks give typed cells (host.data.excel). Rows are numbered as a spreadsheet shows
them (header = row 1), so every message can point at the cell staff must fix.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from host.data.excel import EXCEL_SUFFIXES, WorkbookError, read_sheet
from host.data.import_errors import ImportFileError


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):  # cp1252: what Excel on Windows saves
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"{path}: not a text file (neither UTF-8 nor Windows-1252)")


DELIMITERS = ",;\t|"


def _read_csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from None
    text = _decode(raw, path)
    if not text.strip():
        raise ImportFileError(f"{path}: empty file (expected a header row, then one row each)")
    try:
        return list(enumerate(csv.reader(io.StringIO(text), delimiter=_delimiter(text)), start=1))
    except csv.Error as exc:
        raise ImportFileError(f"{path}: not readable as CSV ({exc})") from None


def _delimiter(text: str) -> str:
    """The delimiter giving the header the most columns with most rows agreeing.

    csv.Sniffer guesses ',' for semicolon files with decimal commas ("6,5"), which are
    exactly the European exports we must read, so the choice is made on row shape.
    """
    sample = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_columns = ",", 1
    for candidate in DELIMITERS:
        widths = [len(row) for row in csv.reader(sample, delimiter=candidate)]
        if widths[0] > best_columns and widths.count(widths[0]) >= 0.8 * len(widths):
            best, best_columns = candidate, widths[0]
    return best


def read_export(
    path: Path, sheet: str | None = None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(row number, cells)]) of a CSV export or an Excel sheet; blank rows skipped.

    The delimiter (comma, semicolon, tab or pipe) is sniffed; a UTF-8 byte-order mark is
    dropped. Row numbers count the header as row 1, as a spreadsheet shows them.
    """
    if not path.exists():
        raise ImportFileError(f"{path}: no such file")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        try:
            records = read_sheet(path, sheet)
        except WorkbookError as exc:
            raise ImportFileError(str(exc)) from None
    else:
        if sheet is not None:
            raise ImportFileError(f"{path}: --sheet is for Excel workbooks (.xlsx)")
        records = _read_csv_rows(path)
    records = [(number, cells) for number, cells in records if any(c.strip() for c in cells)]
    if not records:
        raise ImportFileError(f"{path}: empty file (expected a header row, then one row each)")
    header = [cell.strip() for cell in records[0][1]]
    return header, records[1:]
