"""NMEA 0183 GPS receivers on a serial line (GGA, RMC, VTG, GSA), parsed by pynmea2.

Receivers send several sentences per fix (e.g. RMC, VTG, GGA, GSA at 1-10 Hz) under
any talker ID (GP GPS, GL GLONASS, GA Galileo, GN multi-constellation). The decoder
merges the sentences of one epoch (same UTC time) into one `GpsSample`, emitted when
the next epoch starts or on `flush()`. Checksums are required and verified; a sentence
that fails is counted in `rejects` and skipped. The device clock of a GPS sample is
its UTC time of day in µs, continuing past midnight (day rollovers are counted).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

import pynmea2

from firmware_bridge.samples import GpsSample

KNOT_MPS = 1852.0 / 3600.0
MAX_SENTENCE_BYTES = 120  # NMEA allows 82; some receivers send longer proprietary lines
_DAY_US = 86_400_000_000
USED_TYPES = frozenset({"GGA", "RMC", "VTG", "GSA"})


@dataclass
class _Epoch:
    """What the sentences of one fix have said so far."""

    time: dt.time
    lat: float = math.nan
    lon: float = math.nan
    speed_mps: float = math.nan
    hdop: float = math.nan
    sats: int = 0
    fix_votes: list[bool] = field(default_factory=list)


def _float(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else math.nan
    except ValueError:
        return math.nan


class NmeaGpsDecoder:
    """Incremental NMEA decoder for one GPS receiver."""

    def __init__(self, sensor_id: int) -> None:
        self.sensor_id = sensor_id
        self.rejects: Counter[str] = Counter()
        self.ignored: Counter[str] = Counter()  # valid sentences Touchline does not use
        self._buffer = bytearray()
        self._epoch: _Epoch | None = None
        self._seq = 0
        self._day = 0
        self._last_time_us: int | None = None

    def feed(self, chunk: bytes) -> list[GpsSample]:
        """Bytes from the serial port; returns the fixes completed by them."""
        self._buffer += chunk
        *lines, tail = self._buffer.split(b"\n")
        if len(tail) > MAX_SENTENCE_BYTES:
            self.rejects["oversized"] += 1
            tail = bytearray()
        self._buffer = tail
        out: list[GpsSample] = []
        for line in lines:
            line = line.strip(b"\r\x00 ")
            if not line:
                continue
            if len(line) > MAX_SENTENCE_BYTES:
                self.rejects["oversized"] += 1
                continue
            try:
                text = line.decode("ascii")
            except UnicodeDecodeError:
                self.rejects["bad_encoding"] += 1
                continue
            out += self.feed_sentence(text)
        return out

    def feed_sentence(self, sentence: str) -> list[GpsSample]:
        """One sentence ("$GNGGA,...*hh"); returns a fix if it closed the previous epoch."""
        start = sentence.find("$")
        if start < 0:
            self.rejects["parse_error"] += 1
            return []
        try:
            message = pynmea2.parse(sentence[start:], check=True)
        except pynmea2.ChecksumError:
            self.rejects["bad_checksum"] += 1
            return []
        except (pynmea2.ParseError, ValueError, TypeError, AttributeError):
            self.rejects["parse_error"] += 1
            return []
        kind = type(message).__name__
        if kind not in USED_TYPES:
            self.ignored[kind] += 1
            return []
        try:
            return self._merge(kind, message)
        except (ValueError, TypeError, AttributeError):
            self.rejects["parse_error"] += 1
            return []

    def flush(self) -> list[GpsSample]:
        """Emit the epoch in progress (end of stream)."""
        out = [self._emit(self._epoch)] if self._epoch else []
        self._epoch = None
        return out

    def _merge(self, kind: str, message: pynmea2.NMEASentence) -> list[GpsSample]:
        out: list[GpsSample] = []
        if kind in ("GGA", "RMC"):
            if message.timestamp is None:
                self.rejects["no_time"] += 1
                return out
            if self._epoch is None or self._epoch.time != message.timestamp:
                out = self.flush()
                self._epoch = _Epoch(time=message.timestamp)
        epoch = self._epoch
        if epoch is None:
            return out  # VTG/GSA before any timed sentence: nothing to attach to
        if kind == "GGA":
            epoch.fix_votes.append(int(message.gps_qual or 0) > 0)
            epoch.sats = int(message.num_sats or 0)
            epoch.hdop = _float(message.horizontal_dil)
            self._take_position(epoch, message)
        elif kind == "RMC":
            epoch.fix_votes.append(message.status == "A")
            if message.spd_over_grnd is not None:
                epoch.speed_mps = float(message.spd_over_grnd) * KNOT_MPS
            self._take_position(epoch, message)
        elif kind == "VTG":
            if message.spd_over_grnd_kmph is not None:
                epoch.speed_mps = float(message.spd_over_grnd_kmph) / 3.6
        else:  # GSA: fix type 1 = no fix, 2 = 2D, 3 = 3D
            epoch.fix_votes.append(message.mode_fix_type in ("2", "3"))
            if math.isnan(epoch.hdop):
                epoch.hdop = _float(message.hdop)
        return out

    @staticmethod
    def _take_position(epoch: _Epoch, message: pynmea2.NMEASentence) -> None:
        if message.lat and message.lon:
            epoch.lat, epoch.lon = float(message.latitude), float(message.longitude)

    def _emit(self, epoch: _Epoch) -> GpsSample:
        t = epoch.time
        time_us = ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
        if self._last_time_us is not None and time_us < self._last_time_us - _DAY_US // 2:
            self._day += 1
        self._last_time_us = time_us
        fix = bool(epoch.fix_votes) and all(epoch.fix_votes) and not math.isnan(epoch.lat)
        sample = GpsSample(
            sensor_id=self.sensor_id,
            seq=self._seq,
            t_device_us=self._day * _DAY_US + time_us,
            lat_deg=epoch.lat if fix else math.nan,
            lon_deg=epoch.lon if fix else math.nan,
            speed_mps=0.0 if math.isnan(epoch.speed_mps) else epoch.speed_mps,
            hdop=epoch.hdop,
            sats=epoch.sats,
            fix=fix,
        )
        self._seq += 1
        return sample


def _ddmm(value: float, width: int) -> str:
    degrees = int(abs(value))
    minutes = (abs(value) - degrees) * 60.0
    return f"{degrees:0{width}d}{minutes:08.5f}"


def format_epoch(
    time_of_day_s: float,
    lat_deg: float,
    lon_deg: float,
    speed_mps: float,
    hdop: float,
    sats: int,
    fix: bool,
    talker: str = "GN",
) -> list[str]:
    """The RMC, VTG, GGA and GSA sentences a receiver sends for one fix (virtual GPS)."""
    centis = round(time_of_day_s * 100) % 8_640_000
    hh, rest = divmod(centis, 360_000)
    mm, cs = divmod(rest, 6000)
    stamp = f"{hh:02d}{mm:02d}{cs // 100:02d}.{cs % 100:02d}"
    has_position = fix and not (math.isnan(lat_deg) or math.isnan(lon_deg))
    lat = _ddmm(lat_deg, 2) if has_position else ""
    lon = _ddmm(lon_deg, 3) if has_position else ""
    ns = ("N" if lat_deg >= 0 else "S") if has_position else ""
    ew = ("E" if lon_deg >= 0 else "W") if has_position else ""
    knots = f"{speed_mps / KNOT_MPS:.3f}"
    kmh = f"{speed_mps * 3.6:.3f}"
    sentences = [
        pynmea2.RMC(
            talker,
            "RMC",
            (
                stamp,
                "A" if fix else "V",
                lat,
                ns,
                lon,
                ew,
                knots,
                "",
                "010125",
                "",
                "",
                "A" if fix else "N",
            ),
        ),
        pynmea2.VTG(talker, "VTG", ("", "T", "", "M", knots, "N", kmh, "K", "A" if fix else "N")),
        pynmea2.GGA(
            talker,
            "GGA",
            (
                stamp,
                lat,
                ns,
                lon,
                ew,
                "1" if fix else "0",
                f"{sats:02d}",
                f"{hdop:.2f}",
                "50.0",
                "M",
                "47.0",
                "M",
                "",
                "",
            ),
        ),
        pynmea2.GSA(talker, "GSA", ("A", "3" if fix else "1", *([""] * 12), "", f"{hdop:.2f}", "")),
    ]
    return [str(s) for s in sentences]
