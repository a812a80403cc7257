"""Real receiver captures (gpsd's regression suite, see data/gpsd/README.md) through the
NMEA decoder: several vendors, NMEA between u-blox UBX, Ashtech and SiRF binary packets,
cold-boot noise and out-of-range fields. No exception escapes, no chunking changes the
output, decoding goes on after garbage, fixes agree with gpsd's own decoded output, and
a speed the receiver did not send is NaN, never 0."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from firmware_bridge.errors import DECODER_ERROR
from firmware_bridge.samples import GpsSample
from firmware_bridge.standard.nmea import NmeaGpsDecoder, format_epoch

DATA = Path(__file__).resolve().parents[1] / "data" / "gpsd"
CAPTURES = sorted(path.name for path in DATA.glob("*.log"))
REASONS = {
    "noise",
    "oversized",
    "bad_encoding",
    "bad_checksum",
    "parse_error",
    "no_time",
    "bad_time",
    "bad_value",
}
# Fixes with a 2D/3D fix at a time gpsd also reports: the comparison is never vacuous.
MATCHED_FIXES = {
    "ublox8-uniqid-monhw.log": 6,
    "ac12_binary.log": 4,
    "mr-350p.log": 13,
    "nmea-fuzzy-cases.log": 14,
    "tcp-torture.log": 1,
}
_DAY_US = 86_400_000_000


def receiver_bytes(name: str) -> bytes:
    """The capture without gpsd's leading `#` comment lines (not the receiver's output)."""
    data = (DATA / name).read_bytes()
    while data.startswith(b"#"):
        data = data[data.index(b"\n") + 1 :]
    return data


def decode(data: bytes, cuts: list[int] | None = None) -> tuple[list[GpsSample], Counter]:
    decoder = NmeaGpsDecoder(sensor_id=5)
    edges = [0, *(cuts or []), len(data)]
    fixes = [fix for a, b in zip(edges, edges[1:], strict=False) for fix in decoder.feed(data[a:b])]
    return fixes + decoder.flush(), decoder.rejects


def key(fix: GpsSample) -> tuple:
    """A fix as comparable values (NaN as None, so equal NaNs compare equal)."""

    def value(x: float) -> float | None:
        return None if math.isnan(x) else x

    return (
        fix.seq,
        fix.t_device_us,
        fix.fix,
        value(fix.lat_deg),
        value(fix.lon_deg),
        value(fix.speed_mps),
        value(fix.hdop),
        fix.sats,
    )


def reference(name: str) -> dict[int, dict]:
    """gpsd's TPV reports by UTC time of day (ms), later reports of a time completing it."""
    out: dict[int, dict] = {}
    for line in (DATA / f"{name}.chk").read_text(errors="replace").splitlines():
        if not line.startswith('{"class":"TPV"'):
            continue
        report = json.loads(line)
        if "time" in report:
            t = datetime.fromisoformat(report["time"].replace("Z", "+00:00"))
            ms = ((t.hour * 60 + t.minute) * 60 + t.second) * 1000 + t.microsecond // 1000
            out.setdefault(ms, {}).update(report)
    return out


@pytest.mark.parametrize("name", CAPTURES)
def test_a_capture_decodes_alike_in_any_chunking_and_only_counts_rejects(name: str) -> None:
    data = receiver_bytes(name)
    whole, rejects = decode(data)
    assert set(rejects) <= REASONS and DECODER_ERROR not in rejects
    rng = np.random.default_rng(len(data))
    random_cuts = np.cumsum(rng.integers(1, 97, len(data))).tolist()
    for cuts in (random_cuts, list(range(1, len(data)))):
        fixes, split_rejects = decode(data, [c for c in cuts if c < len(data)])
        assert [key(f) for f in fixes] == [key(f) for f in whole]
        assert split_rejects == rejects


@pytest.mark.parametrize("name", CAPTURES)
def test_decoding_goes_on_after_binary_packets_and_noise(name: str) -> None:
    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    sirf = receiver_bytes("bu303-nofix.log")  # SiRF binary, nothing NMEA in it
    data = receiver_bytes(name) + b"\r\n"
    alone, _ = decode(data)
    later = "".join(
        s + "\r\n" for t in (1.0, 2.0) for s in format_epoch(t, -33.9, 151.2, 5.0, 0.7, 14, True)
    ).encode()
    fixes, rejects = decode(sirf + noise + data + noise + b"\r\n" + later)
    assert [key(f)[1:] for f in fixes[: len(alone)]] == [key(f)[1:] for f in alone]
    assert [(f.t_device_us % _DAY_US, f.fix) for f in fixes[len(alone) :]] == [
        (1_000_000, True),
        (2_000_000, True),
    ]
    assert fixes[-1].speed_mps == pytest.approx(5.0, abs=1e-3)
    assert DECODER_ERROR not in rejects


@pytest.mark.parametrize("name", sorted(MATCHED_FIXES))
def test_fixes_agree_with_the_reference_decoder(name: str) -> None:
    fixes, _ = decode(receiver_bytes(name))
    expected = reference(name)
    matched = 0
    for fix in fixes:
        report = expected.get(round((fix.t_device_us % _DAY_US) / 1000))
        if not fix.fix or report is None or report.get("mode", 0) < 2:
            continue
        matched += 1
        assert fix.lat_deg == pytest.approx(report["lat"], abs=1e-6)
        assert fix.lon_deg == pytest.approx(report["lon"], abs=1e-6)
        if not math.isnan(fix.speed_mps):  # a speed we report, the receiver sent
            assert fix.speed_mps == pytest.approx(report["speed"], abs=0.01)
    assert matched >= MATCHED_FIXES[name]


@pytest.mark.parametrize("name", CAPTURES)
def test_unknown_speed_is_never_reported_as_zero(name: str) -> None:
    fixes, _ = decode(receiver_bytes(name))
    if (DATA / f"{name}.chk").exists():
        expected = reference(name)
        for fix in fixes:
            report = expected.get(round((fix.t_device_us % _DAY_US) / 1000), {})
            if fix.speed_mps == 0.0 and "speed" in report:
                assert report["speed"] == pytest.approx(0.0, abs=0.01)


def test_a_receiver_that_never_sends_speed_gives_nan_where_gpsd_derives_one() -> None:
    fixes, _ = decode(receiver_bytes("mr-350p.log"))  # GGA, GSA and ZDA only
    assert len(fixes) == 14 and all(math.isnan(f.speed_mps) for f in fixes)
    # gpsd derives a speed from successive positions (up to 0.53 m/s of jitter for a
    # receiver that stands still on a mast); reporting 0 would disagree with it, and
    # reporting a derivation at 10 Hz would amplify that jitter tenfold.
    derived = [r["speed"] for r in reference("mr-350p.log").values() if "speed" in r]
    assert derived and max(derived) > 0.1


def test_a_receiver_without_fix_sending_impossible_latitudes_keeps_its_time() -> None:
    fixes, rejects = decode(receiver_bytes("tn200.log"))
    assert rejects["bad_value"] == 19  # RMC at 360 degrees north, valid checksums
    assert len(fixes) == 19 and not any(f.fix for f in fixes)
    steps = {b.t_device_us - a.t_device_us for a, b in zip(fixes, fixes[1:], strict=False)}
    assert 1_000_000 in steps


def test_the_capture_that_once_stopped_all_gps_costs_one_sentence() -> None:
    """Read raw, gpsd's write-boundary marks `|` sit inside the GGA's time and latitude;
    four of them cancel out in the XOR checksum, so the sentence passes it."""
    raw = receiver_bytes("tcp-torture.log")
    [fix], rejects = decode(raw)
    assert rejects == {"noise": 1, "bad_value": 1}  # a cut-off first line, the marked GGA
    [expected] = reference("tcp-torture.log").values()
    assert fix.fix and fix.lat_deg == pytest.approx(expected["lat"], abs=1e-6)
    assert fix.speed_mps == pytest.approx(expected["speed"], abs=0.01)
    # Split where the marks say, as gpsd's harness does: the GGA decodes too.
    pieces = raw.split(b"|")
    cuts = np.cumsum([len(p) for p in pieces[:-1]]).tolist()
    [whole], rejects = decode(b"".join(pieces), cuts)
    assert rejects == {"noise": 1} and (whole.sats, whole.hdop) == (4, 1.7)
