"""tools/bench/stream.py's stage sampler: a peak is charged to the project function the
main thread was in when the resident set was read."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from tests.tools.tool_module import load_tool

TOOL = Path(__file__).resolve().parents[3] / "tools" / "bench" / "stream.py"


def hold_a_large_array(megabytes: int) -> int:
    """Touches every page of a fresh array and holds it while the sampler reads."""
    block = np.ones(megabytes * 2**20, dtype=np.uint8)
    time.sleep(0.3)
    return int(block[-1])


def idle() -> None:
    time.sleep(0.3)


def test_each_stage_keeps_the_largest_resident_set_seen_in_it() -> None:
    sampler = load_tool(TOOL).StageSampler(interval_s=0.01)
    sampler.start()
    idle()
    hold_a_large_array(200)
    sampler.done.set()
    sampler.join()
    here = "tests/tools/bench/test_stream.py"
    peaks = sampler.peaks
    assert peaks[f"{here}:hold_a_large_array"] > peaks[f"{here}:idle"] + 150
    assert sampler.report().splitlines()[0].endswith(f"{here}:hold_a_large_array")
