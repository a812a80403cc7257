#!/usr/bin/env python3
"""Compare Touchline's NMEA decoder with gpsd on gpsd's regression captures.

    python tools/nmea_vs_gpsd.py tests/firmware_bridge/data/gpsd/*.log
    python tools/nmea_vs_gpsd.py GPSD_CHECKOUT/test/daemon/*.log   # the whole suite

For every `.log` with a `.log.chk` beside it, each of our fixes is matched with gpsd's
TPV report of the same UTC time (2D/3D fix on both sides) and positions and speeds are
compared. Prints one line per capture that differs, then the totals. A capture that
raises, or a `decoder_error` reject, counts as an error (exit 1).
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

from firmware_bridge.errors import DECODER_ERROR
from firmware_bridge.standard.nmea import NmeaGpsDecoder

DAY_US = 86_400_000_000
_TIME = re.compile(r"T(\d\d):(\d\d):(\d\d(?:\.\d+)?)Z")


def reference(chk: Path) -> dict[int, dict]:
    """gpsd's TPV reports by UTC time of day in ms, later reports of a time completing it."""
    out: dict[int, dict] = {}
    for line in chk.read_bytes().splitlines():
        if not line.startswith(b'{"class":"TPV"'):
            continue
        try:
            report = json.loads(line)
        except ValueError:
            continue
        match = _TIME.search(report.get("time", ""))
        if match:
            ms = round(((int(match[1]) * 60 + int(match[2])) * 60 + float(match[3])) * 1000)
            out.setdefault(ms, {}).update(report)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logs", nargs="+", type=Path, help="gpsd test/daemon/*.log files")
    parser.add_argument("--tolerance", type=float, default=0.1, help="speed, m/s")
    args = parser.parse_args()
    totals = dict.fromkeys(
        [
            "captures",
            "errors",
            "fixes",
            "compared",
            "position_off",
            "speed_compared",
            "speed_off",
            "nan_speed",
            "zero_where_gpsd_moves",
        ],
        0,
    )
    worst = 0.0
    for log in args.logs:
        totals["captures"] += 1
        decoder = NmeaGpsDecoder(1)
        try:
            fixes = decoder.feed(log.read_bytes()) + decoder.flush()
        except Exception as error:  # the point of the tool: report, then go on
            print(f"{log.name}: raised {error!r}")
            totals["errors"] += 1
            continue
        totals["errors"] += DECODER_ERROR in decoder.rejects
        chk = log.with_name(log.name + ".chk")
        expected = reference(chk) if chk.exists() else {}
        line = dict.fromkeys(["position_off", "speed_off"], 0)
        totals["fixes"] += len(fixes)
        for fix in fixes:
            totals["nan_speed"] += math.isnan(fix.speed_mps)
            report = expected.get(round((fix.t_device_us % DAY_US) / 1000))
            if not fix.fix or report is None or report.get("mode", 0) < 2 or "lat" not in report:
                continue
            totals["compared"] += 1
            if max(abs(fix.lat_deg - report["lat"]), abs(fix.lon_deg - report["lon"])) > 1e-6:
                line["position_off"] += 1
            if not math.isnan(fix.speed_mps) and "speed" in report:
                totals["speed_compared"] += 1
                off = abs(fix.speed_mps - report["speed"])
                line["speed_off"] += off > args.tolerance
                worst = max(worst, off)
            totals["zero_where_gpsd_moves"] += fix.speed_mps == 0.0 and report.get("speed", 0) > 0.1
        if any(line.values()):
            print(f"{log.name}: {line}")
        for name, count in line.items():
            totals[name] += count
    print({**totals, "worst_speed_off": round(worst, 2)})
    return 1 if totals["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
