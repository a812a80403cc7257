"""NMEA 0183 GPS receivers on a serial line (GGA, RMC, VTG, GSA), parsed by pynmea2.

Receivers send several sentences per fix (e.g. RMC, VTG, GGA, GSA at 1-10 Hz) under
any talker ID (GP GPS, GL GLONASS, GA Galileo, GN multi-constellation), often between
binary packets of the vendor's own protocol (u-blox UBX, SiRF, ...). The decoder merges
the sentences of one epoch (same UTC time) into one `GpsSample`, emitted when the next
epoch starts or on `flush()`. The device clock of a GPS sample is its UTC time of day in
µs, continuing past midnight (day rollovers are counted).

Every sentence is read into checked, typed fields before it may touch the epoch in
progress, so a sentence with a valid checksum and a bad field (a time of `12AB19`, a
latitude of 95°) is that sentence's reject, counted in `rejects` by reason, and never
reaches the decoder's state. Speed the receiver did not send is NaN, never 0.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import pynmea2

from firmware_bridge.errors import FrameError, reject_reason
from firmware_bridge.samples import GpsSample

KNOT_MPS = 1852.0 / 3600.0
MAX_SENTENCE_BYTES = 120  # NMEA allows 82; some receivers send longer proprietary lines
MAX_SPEED_MPS = 200.0  # faster than any receiver on a person: a corrupt field
_DAY_US = 86_400_000_000
_HOUR_US = 3_600_000_000
USED_TYPES = frozenset({"GGA", "RMC", "VTG", "GSA"})
_PIECES = re.compile(rb"(?=\$)|\n")  # a sentence ends at a newline or the next start
_HEAD = re.compile(r"[A-Z0-9]+")  # talker + type ("GNGGA") or a proprietary name ("PGRME")


@dataclass(frozen=True)
class _Fields:
    """What one sentence says, checked and in physical units (NaN/None: not sent)."""

    kind: str
    time: dt.time | None = None
    fix_vote: bool | None = None
    lat: float = math.nan
    lon: float = math.nan
    speed_mps: float = math.nan
    hdop: float = math.nan
    sats: int | None = None


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


def _number(message: pynmea2.NMEASentence, name: str, low: float, high: float) -> float:
    """A numeric field as float; NaN when empty; FrameError("bad_value") otherwise."""
    raw = getattr(message, name)
    if raw is None or raw == "":
        return math.nan
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise FrameError("bad_value", f"{message.sentence_type} {name} {raw!r}") from None
    if not low <= value <= high:  # NaN fails too: "nan" and "inf" parse as floats
        raise FrameError("bad_value", f"{message.sentence_type} {name} {raw!r} out of range")
    return value


def _time(message: pynmea2.NMEASentence) -> dt.time:
    stamp = message.timestamp
    if stamp is None:
        raise FrameError("no_time", f"{message.sentence_type} without UTC time")
    if not isinstance(stamp, dt.time):  # pynmea2 hands back the raw text it could not parse
        raise FrameError("bad_time", f"{message.sentence_type} time {stamp!r}")
    return stamp


def _coordinate(text: str, hemisphere: str, signs: tuple[str, str], limit: float) -> float:
    whole, _, fraction = text.partition(".")
    if len(whole) < 3 or not whole.isdigit() or (fraction and not fraction.isdigit()):
        raise FrameError("bad_value", f"coordinate {text!r} is not [d]ddmm.mmmm")
    degrees, minutes = int(whole[:-2]), float(whole[-2:] + "." + (fraction or "0"))
    if hemisphere not in signs or minutes >= 60.0:
        raise FrameError("bad_value", f"coordinate {text!r} {hemisphere!r}")
    value = (degrees + minutes / 60.0) * (1 if hemisphere == signs[0] else -1)
    if abs(value) > limit:
        raise FrameError("bad_value", f"coordinate {text!r} beyond {limit:g} degrees")
    return value


def _position(message: pynmea2.NMEASentence) -> tuple[float, float]:
    """(lat, lon) in degrees, NaN when the sentence carries none."""
    if not message.lat and not message.lon:
        return math.nan, math.nan
    return (
        _coordinate(message.lat or "", message.lat_dir or "", ("N", "S"), 90.0),
        _coordinate(message.lon or "", message.lon_dir or "", ("E", "W"), 180.0),
    )


def _read(kind: str, message: pynmea2.NMEASentence) -> _Fields:
    """The checked fields of one used sentence; FrameError names the first bad one."""
    if kind == "GGA":
        quality = _number(message, "gps_qual", 0, 9)
        sats = _number(message, "num_sats", 0, 255)
        lat, lon = _position(message)
        return _Fields(
            kind,
            time=_time(message),
            fix_vote=not math.isnan(quality) and quality > 0,
            lat=lat,
            lon=lon,
            hdop=_number(message, "horizontal_dil", 0, 100),
            sats=None if math.isnan(sats) else int(sats),
        )
    if kind == "RMC":
        lat, lon = _position(message)
        knots = _number(message, "spd_over_grnd", 0, MAX_SPEED_MPS / KNOT_MPS)
        return _Fields(
            kind,
            time=_time(message),
            fix_vote=message.status == "A",
            lat=lat,
            lon=lon,
            speed_mps=knots * KNOT_MPS,
        )
    if kind == "VTG":  # knots first: more digits than km/h on most receivers
        knots = _number(message, "spd_over_grnd_kts", 0, MAX_SPEED_MPS / KNOT_MPS)
        if math.isnan(knots):
            kmh = _number(message, "spd_over_grnd_kmph", 0, MAX_SPEED_MPS * 3.6)
            return _Fields(kind, speed_mps=kmh / 3.6)
        return _Fields(kind, speed_mps=knots * KNOT_MPS)
    # GSA: fix type 1 = no fix, 2 = 2D, 3 = 3D
    return _Fields(
        kind,
        fix_vote=message.mode_fix_type in ("2", "3"),
        hdop=_number(message, "hdop", 0, 100),
    )


class NmeaGpsDecoder:
    """Incremental NMEA decoder for one GPS receiver; never stops on bad input."""

    def __init__(self, sensor_id: int) -> None:
        self.sensor_id = sensor_id
        self.rejects: Counter[str] = Counter()
        self.ignored: Counter[str] = Counter()  # valid sentences Touchline does not use
        self._buffer = bytearray()
        self._discarding = False  # inside an over-long piece: skip to the next $ or newline
        self._epoch: _Epoch | None = None
        self._seq = 0
        self._day = 0
        self._last_time_us: int | None = None

    def feed(self, chunk: bytes) -> list[GpsSample]:
        """Bytes from the serial port; returns the fixes completed by them.

        A sentence runs from a `$` to the next newline or `$`, so binary packets of
        another protocol around it, or a sentence cut short by the next one, cost only
        themselves. The output does not depend on how the bytes are chunked.
        """
        *pieces, tail = _PIECES.split(self._buffer + chunk)
        if pieces and self._discarding:
            del pieces[0]  # the end of an over-long piece, already counted
            self._discarding = False
        if len(tail) > MAX_SENTENCE_BYTES and not self._discarding:
            self._count_bad_piece(tail)
            self._discarding = True
        self._buffer = bytearray() if self._discarding else bytearray(tail)
        out: list[GpsSample] = []
        for piece in pieces:
            sentence = piece.rstrip(b"\r\x00 ")
            if sentence.startswith(b"$") and len(sentence) <= MAX_SENTENCE_BYTES:
                try:
                    text = sentence.decode("ascii")
                except UnicodeDecodeError:
                    self.rejects["bad_encoding"] += 1
                    continue
                out += self.feed_sentence(text)
            elif sentence.strip(b"\r\x00 \t"):
                self._count_bad_piece(sentence)
        return out

    def _count_bad_piece(self, piece: bytes) -> None:
        self.rejects["oversized" if piece.startswith(b"$") else "noise"] += 1

    def feed_sentence(self, sentence: str) -> list[GpsSample]:
        """One sentence ("$GNGGA,...*hh"); returns a fix if it closed the previous epoch."""
        try:
            fields = self._parse(sentence)
        except Exception as error:  # any failure is this sentence's reject
            self.rejects[reject_reason(error)] += 1
            return []
        return self._merge(fields) if fields else []

    def flush(self) -> list[GpsSample]:
        """Emit the epoch in progress (end of stream)."""
        out = [self._emit(self._epoch)] if self._epoch else []
        self._epoch = None
        return out

    def _parse(self, sentence: str) -> _Fields | None:
        """The checked fields of a used sentence, None for a valid one Touchline ignores."""
        start = sentence.rfind("$")
        if start < 0:
            raise FrameError("noise", "no '$' sentence start")
        sentence = sentence[start:].strip()
        head = _HEAD.match(sentence, 1)
        name = head.group() if head else ""
        if len(name) < 3:
            raise FrameError("parse_error", f"no sentence name in {sentence[:12]!r}")
        vendor = name.startswith("P") or len(name) != 5  # $PGRME, $PUBX, $GYOACC, ...
        if vendor or name[2:] not in USED_TYPES:
            self.ignored[name if vendor else name[2:]] += 1  # valid, not used here
            return None
        try:
            message = pynmea2.parse(sentence, check=True)
        except pynmea2.ChecksumError as error:
            raise FrameError("bad_checksum", str(error)) from None
        except (pynmea2.ParseError, ValueError, TypeError, AttributeError) as error:
            raise FrameError("parse_error", str(error)) from None
        return _read(name[2:], message)

    def _merge(self, fields: _Fields) -> list[GpsSample]:
        """Fold checked fields into the epoch; nothing here can fail."""
        out: list[GpsSample] = []
        if fields.time is not None and (self._epoch is None or self._epoch.time != fields.time):
            out = self.flush()
            self._epoch = _Epoch(time=fields.time)
        epoch = self._epoch
        if epoch is None:
            return out  # VTG/GSA before any timed sentence: nothing to attach to
        if fields.fix_vote is not None:
            epoch.fix_votes.append(fields.fix_vote)
        if not math.isnan(fields.lat):
            epoch.lat, epoch.lon = fields.lat, fields.lon
        rmc_first = fields.kind == "RMC" or math.isnan(epoch.speed_mps)
        if not math.isnan(fields.speed_mps) and rmc_first:
            epoch.speed_mps = fields.speed_mps  # RMC's speed wins over VTG's, as in gpsd
        if not math.isnan(fields.hdop) and (fields.kind == "GGA" or math.isnan(epoch.hdop)):
            epoch.hdop = fields.hdop  # GGA's HDOP wins over GSA's
        if fields.sats is not None:
            epoch.sats = fields.sats
        return out

    def _emit(self, epoch: _Epoch) -> GpsSample:
        t = epoch.time
        time_us = ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
        # Midnight passed only from the last hour of a day into the first of the next: one
        # wrong time of day from a confused receiver must not shift every later fix a day.
        last = self._last_time_us
        if last is not None and last >= _DAY_US - _HOUR_US and time_us < _HOUR_US:
            self._day += 1
        self._last_time_us = time_us
        fix = bool(epoch.fix_votes) and all(epoch.fix_votes) and not math.isnan(epoch.lat)
        sample = GpsSample(
            sensor_id=self.sensor_id,
            seq=self._seq,
            t_device_us=self._day * _DAY_US + time_us,
            lat_deg=epoch.lat if fix else math.nan,
            lon_deg=epoch.lon if fix else math.nan,
            speed_mps=epoch.speed_mps,  # NaN when no sentence of the epoch carried speed
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
