"""Wellness questionnaire scales: clubs ask on 1–5, 1–7 or 1–10, some with 1 = best.

The dataset keeps every item on 1–5 with 5 = best (docs/dataset.md), so each item is read on
its declared scale (`--scale sleep=1-7:high-good`) and mapped linearly onto 1–5. An item
read without a declaration is taken to be on 1–5, and a column holding a value above 5 is
refused as a whole: a 1–7 answer of 4 is never kept as if it were 4 of 5.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from firmware_bridge.errors import UserError

WELLNESS_ITEMS = ("sleep", "soreness", "fatigue", "stress", "mood")
_SCALE = re.compile(r"(\d+)-(\d+)(?::(high-good|low-good))?")


class ScaleError(UserError, ValueError):
    """A --scale option that cannot be used."""


@dataclass(frozen=True)
class Scale:
    """An item's answer range and which end is good."""

    low: int = 1
    high: int = 5
    high_good: bool = True

    def __str__(self) -> str:
        return f"{self.low}–{self.high} ({'high' if self.high_good else 'low'} = good)"

    def to_dataset(self, value: float) -> float:
        """The answer on the dataset's 1–5, 5 = best."""
        position = (value - self.low) / (self.high - self.low)
        return round(1 + 4 * (position if self.high_good else 1 - position), 4)


DATASET_SCALE = Scale()


def parse_scales(entries: Iterable[str]) -> dict[str, Scale]:
    """`["sleep=1-7:high-good", "fatigue=1-10:low-good"]` into {item: Scale}."""
    scales = {}
    for entry in entries:
        item, sep, text = entry.partition("=")
        found = _SCALE.fullmatch(text.strip().lower())
        if not sep or found is None:
            raise ScaleError(
                f"--scale {entry!r}: expected ITEM=LOW-HIGH:high-good or "
                ":low-good, e.g. 'sleep=1-7:high-good'"
            )
        if item.strip() not in WELLNESS_ITEMS:
            raise ScaleError(
                f"--scale {entry!r}: '{item.strip()}' is not a wellness item "
                f"(one of {', '.join(WELLNESS_ITEMS)})"
            )
        low, high, direction = int(found.group(1)), int(found.group(2)), found.group(3)
        if high <= low:
            raise ScaleError(f"--scale {entry!r}: the top of the scale must be above its bottom")
        if direction is None:
            raise ScaleError(
                f"--scale {entry!r}: say which end is good, e.g. "
                f"'{item.strip()}={low}-{high}:high-good'"
            )
        scales[item.strip()] = Scale(low, high, direction == "high-good")
    return scales
