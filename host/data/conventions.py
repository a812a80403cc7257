"""How a column writes its numbers, dates and durations, decided from all of its values.

One cell cannot say whether "5.506" is five metres or five thousand, or whether 03/02/2026
is 3 February or 2 March; the whole column (and, failing that, the rest of the file) often
can. Each decision is made once per column and applied to every cell, so a column is never
read two ways. What the file cannot settle is refused, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from firmware_bridge.errors import UserError

SEPARATORS = ".,"
_PLAIN = re.compile(r"-?\d+")
_ONE_SEPARATOR = re.compile(r"-?(\d+)([.,])(\d+)")
_GROUPED = re.compile(r"-?\d{1,3}(?:([.,])\d{3})(?:\1\d{3})+")  # 1.234.567
_BOTH = re.compile(r"-?\d{1,3}(?:([.,])\d{3})*([.,])\d+")  # 12.345,6


class ConventionError(UserError, ValueError):
    """A column that can be read more than one way and nothing in the file settles which."""


@dataclass(frozen=True)
class NumberStyle:
    """The decimal and thousands separators of one column (None: not used or not known)."""

    decimal: str | None = None
    thousands: str | None = None

    def plain(self, text: str) -> str | None:
        """`text` as a plain number ('5.506' -> '5506' with '.' thousands), or None when this
        cell is one the column leaves undecided ('10,850' with no other evidence)."""
        text = text.strip()
        if _PLAIN.fullmatch(text):
            return text
        for separator in SEPARATORS:
            if separator not in text:
                continue
            if separator == self.thousands:
                text = text.replace(separator, "")
            elif separator != self.decimal:
                return None
        return text.replace(",", ".") if self.decimal == "," else text


def _evidence(text: str) -> tuple[str | None, str | None, str | None]:
    """(decimal, thousands, undecided separator) that one cell shows."""
    text = text.strip()
    both = _BOTH.fullmatch(text)
    if both and both.group(1) and both.group(1) != both.group(2):
        return both.group(2), both.group(1), None
    grouped = _GROUPED.fullmatch(text)
    if grouped:
        return None, grouped.group(1), None
    one = _ONE_SEPARATOR.fullmatch(text)
    if not one:
        return None, None, None
    whole, separator, fraction = one.groups()
    if len(fraction) != 3 or len(whole) > 3 or whole.lstrip("-") == "0":
        return separator, None, None
    return None, None, separator


def file_decimal(columns: Iterable[Sequence[str]]) -> str | None:
    """The decimal separator the file's numeric columns show decisively, if just one."""
    seen = {_evidence(value)[0] for values in columns for value in values} - {None}
    return seen.pop() if len(seen) == 1 else None


def number_style(values: Sequence[str], decimal_in_file: str | None, column: str) -> NumberStyle:
    """Decide a column's separators from all its values, then from the file's decimal."""
    decimals: set[str] = set()
    thousands: set[str] = set()
    undecided: set[str] = set()
    for value in values:
        decimal, thousand, open_separator = _evidence(value)
        for found, seen in (
            (decimal, decimals),
            (thousand, thousands),
            (open_separator, undecided),
        ):
            if found is not None:
                seen.add(found)
    both = (decimals & thousands) or (len(decimals) > 1) or (len(thousands) > 1)
    if both:
        raise ConventionError(
            f"column '{column}' writes numbers two ways (both '.' and ',' "
            "as decimal or thousands separators); write it one way"
        )
    decimal = next(iter(decimals), None)
    thousand = next(iter(thousands), None)
    if decimal is None and thousand is not None:
        decimal = _other(thousand)
    if thousand is None and decimal is not None and undecided - {decimal}:
        thousand = _other(decimal)
    if decimal is None and undecided and decimal_in_file is not None:
        decimal = decimal_in_file
        thousand = _other(decimal_in_file) if undecided - {decimal} else None
    return NumberStyle(decimal=decimal, thousands=thousand)


def _other(separator: str) -> str:
    return "," if separator == "." else "."


# --- dates -----------------------------------------------------------------------------------

DateOrder = Literal["day", "month"]
ISO_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d")
NAMED_MONTH_FORMATS = ("%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%d %B %Y", "%b %d %Y", "%b %d, %Y")
_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{2}|\d{4})")


def _day_part(raw: str) -> str:
    return re.split(r"[T ](?=\d{1,2}:)", raw.strip(), maxsplit=1)[0].strip()


def date_order(
    cells: Sequence[tuple[int, str]], column: str, chosen: DateOrder | None
) -> DateOrder | None:
    """Whether the column's numeric dates are day- or month-first.

    A first number above 12 shows day-first, a second above 12 month-first; dotted dates
    (03.02.2026) are day-first wherever they are written. With no such evidence and no
    `chosen` order, a column with dates like 03/02/2026 is refused, never guessed.
    """
    day_rows: list[tuple[int, str]] = []
    month_rows: list[tuple[int, str]] = []
    open_rows: list[tuple[int, str]] = []
    for row, raw in cells:
        found = _NUMERIC_DATE.fullmatch(_day_part(raw))
        if not found:
            continue
        first, separator, second = int(found.group(1)), found.group(2), int(found.group(3))
        if first > 12 or (separator == "." and second <= 12):
            day_rows.append((row, raw))
        elif second > 12:
            month_rows.append((row, raw))
        else:
            open_rows.append((row, raw))
    if chosen is not None:
        return chosen
    if day_rows and month_rows:
        (d_row, d_raw), (m_row, m_raw) = day_rows[0], month_rows[0]
        raise ConventionError(
            f"column '{column}' mixes day-first (row {d_row}: {d_raw!r}) and month-first "
            f"(row {m_row}: {m_raw!r}) dates; write them one way"
        )
    if day_rows:
        return "day"
    if month_rows:
        return "month"
    if open_rows:
        row, raw = open_rows[0]
        raise ConventionError(
            f"column '{column}': dates like {raw!r} (row {row}) could be day-first or "
            "month-first and no date in the column has a day above 12; pass --dayfirst "
            "(03/02/2026 is 3 February) or --monthfirst (it is 2 March)"
        )
    return None


def parse_date(raw: str, order: DateOrder | None) -> date | None:
    """The date a cell writes in ISO, with a named month, or in the column's `order`."""
    text = _day_part(raw)
    for fmt in ISO_FORMATS + NAMED_MONTH_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    found = _NUMERIC_DATE.fullmatch(text)
    if not found or order is None:
        return None
    first, second, year = int(found.group(1)), int(found.group(3)), found.group(4)
    day, month = (first, second) if order == "day" else (second, first)
    full_year = int(year) if len(year) == 4 else 2000 + int(year)
    try:
        return date(full_year, month, day)
    except ValueError:
        return None


# --- durations -------------------------------------------------------------------------------

_CLOCK = re.compile(r"(\d+):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?")


def clock_minutes(text: str) -> float | None:
    """Minutes in `hh:mm:ss` or `mm:ss` (as GPS vendors write durations), else None."""
    found = _CLOCK.fullmatch(text.strip())
    if not found:
        return None
    first, second, third = found.groups()
    if third is None:  # mm:ss
        return int(first) + int(second) / 60
    return int(first) * 60 + int(second) + float(third) / 60
