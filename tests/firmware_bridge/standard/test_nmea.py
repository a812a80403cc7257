"""NMEA GPS decoding on sentences taken from receiver documentation and public captures."""

from __future__ import annotations

import math

import pytest

from firmware_bridge.standard.nmea import NmeaGpsDecoder, format_epoch

# u-blox M8 Receiver Description (UBX-13003221), NMEA examples for GGA, RMC and VTG.
UBLOX_GGA = "$GPGGA,092725.00,4717.11399,N,00833.91590,E,1,08,1.01,499.6,M,48.0,M,,*5B"
UBLOX_RMC = "$GPRMC,083559.00,A,4717.11437,N,00833.91522,E,0.004,77.52,091202,,,A*57"
UBLOX_VTG = "$GPVTG,77.52,T,,M,0.004,N,0.008,K,A*06"
# The classic GSA example of the NMEA reference pages (gpsinformation.org, "GSA").
GSA_EXAMPLE = "$GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1*39"
# Beitian BN-400 multi-constellation receiver, serial capture in a public Qt project
# (GpsAnaly comments): two consecutive 1 Hz epochs with GN/GL talkers.
BN400 = [
    "$GLGSV,2,2,08,83,27,142,32,84,86,097,35,85,34,326,34,,,,38*5E",
    "$GNGLL,4147.45445,N,12323.09859,E,075543.00,A,D*7C",
    "$GNRMC,075544.00,A,4147.45450,N,12323.09836,E,0.014,,130818,,,D*69",
    "$GNVTG,,T,,M,0.014,N,0.026,K,D*39",
    "$GNGGA,075544.00,4147.45450,N,12323.09836,E,2,12,0.62,58.7,M,8.3,M,,0000*43",
    "$GNGSA,A,3,02,09,19,06,42,25,05,50,13,29,12,07,1.15,0.62,0.97*1A",
    "$GNGSA,A,3,85,70,84,68,83,,,,,,,,1.15,0.62,0.97*10",
    "$GPGSV,4,1,16,02,78,345,35,05,57,265,32,06,44,103,36,07,10,093,33*78",
    "$GLGSV,2,1,08,68,29,037,40,69,82,343,,70,34,228,21,77,02,023,*62",
    "$GNGLL,4147.45450,N,12323.09836,E,075544.00,A,D*76",
    "$GNRMC,075545.00,A,4147.45454,N,12323.09813,E,0.003,,130818,,,D*6D",
    "$GNVTG,,T,,M,0.003,N,0.005,K,D*3E",
    "$GNGGA,075545.00,4147.45454,N,12323.09813,E,2,12,0.61,59.3,M,8.3,M,,0000*47",
]
# Quectel-based RTK receiver log in a public NMEA0183 handler project (GA = Galileo).
GALILEO_GSV = "$GAGSV,2,1,07,25,81,345,22,03,38,235,15,24,36,076,20,08,32,301,17,7*7E"
QUECTEL_GGA = "$GNGGA,010709.000,4740.262183,N,12219.447475,W,1,17,1.12,91.5,M,-17.3,M,,*7D"


def _feed(lines: list[str], decoder: NmeaGpsDecoder | None = None):
    decoder = decoder or NmeaGpsDecoder(sensor_id=8)
    out = decoder.feed(("\r\n".join(lines) + "\r\n").encode())
    return out + decoder.flush(), decoder


def test_ublox_gga_position_fix_quality_and_hdop() -> None:
    [fix], _ = _feed([UBLOX_GGA])
    assert fix.fix and fix.sats == 8 and fix.hdop == pytest.approx(1.01)
    assert fix.lat_deg == pytest.approx(47 + 17.11399 / 60)
    assert fix.lon_deg == pytest.approx(8 + 33.91590 / 60)
    assert fix.t_device_us == ((9 * 60 + 27) * 60 + 25) * 1_000_000


def test_ublox_rmc_then_vtg_speed_in_metres_per_second() -> None:
    [fix], _ = _feed([UBLOX_RMC, UBLOX_VTG])
    # VTG gives 0.008 km/h, which wins over RMC's 0.004 kn (the same speed, rounded).
    assert fix.speed_mps == pytest.approx(0.008 / 3.6)
    assert fix.lat_deg == pytest.approx(47.285239, abs=1e-6)


def test_multi_constellation_capture_gives_one_sample_per_epoch() -> None:
    fixes, decoder = _feed(BN400)
    assert [f.t_device_us for f in fixes] == [
        ((7 * 60 + 55) * 60 + 44) * 1_000_000,
        ((7 * 60 + 55) * 60 + 45) * 1_000_000,
    ]
    first = fixes[0]
    assert first.fix and first.sats == 12 and first.hdop == pytest.approx(0.62)
    assert first.speed_mps == pytest.approx(0.026 / 3.6)
    assert first.lat_deg == pytest.approx(41 + 47.45450 / 60)
    assert first.lon_deg == pytest.approx(123 + 23.09836 / 60)
    assert [f.seq for f in fixes] == [0, 1]
    assert decoder.rejects == {}
    assert decoder.ignored == {"GSV": 3, "GLL": 2}  # GL and GP talkers parsed, unused


def test_galileo_and_quectel_sentences_parse() -> None:
    fixes, decoder = _feed([GALILEO_GSV, QUECTEL_GGA])
    assert decoder.ignored == {"GSV": 1} and decoder.rejects == {}
    assert fixes[0].lon_deg == pytest.approx(-(122 + 19.447475 / 60))
    assert fixes[0].sats == 17


def test_gsa_reports_fix_type_and_hdop() -> None:
    lines = [UBLOX_GGA, GSA_EXAMPLE]
    [fix], _ = _feed(lines)
    assert fix.fix and fix.hdop == pytest.approx(1.01)  # GGA's HDOP is kept
    no_fix = GSA_EXAMPLE.replace("A,3,", "A,1,")
    [lost], decoder = _feed([UBLOX_GGA, _with_checksum(no_fix)])
    assert not lost.fix and math.isnan(lost.lat_deg)


def _with_checksum(sentence: str) -> str:
    body = sentence[1 : sentence.index("*")]
    value = 0
    for char in body:
        value ^= ord(char)
    return f"${body}*{value:02X}"


def test_bad_checksum_missing_checksum_and_junk_are_counted() -> None:
    corrupted = UBLOX_GGA.replace("4717.11399", "4717.11398")
    missing = UBLOX_GGA.split("*")[0]
    fixes, decoder = _feed([corrupted, missing, "\x00\x00garbage", UBLOX_RMC])
    assert len(fixes) == 1 and fixes[0].speed_mps == pytest.approx(0.004 * 1852 / 3600)
    assert decoder.rejects == {"bad_checksum": 2, "parse_error": 1}


def test_non_ascii_and_overlong_lines_do_not_stop_the_stream() -> None:
    decoder = NmeaGpsDecoder(1)
    data = b"\xff\xfe$GP\r\n" + b"A" * 500 + b"\r\n" + (UBLOX_GGA + "\r\n").encode()
    assert decoder.feed(data) == []
    assert decoder.flush()[0].sats == 8
    assert decoder.rejects == {"bad_encoding": 1, "oversized": 1}


def test_fix_loss_gives_nan_position_and_recovery_resumes() -> None:
    lines = (
        format_epoch(43200.0, 51.5, -0.12, 6.0, 0.9, 10, True)
        + format_epoch(43200.1, math.nan, math.nan, 0.0, 99.0, 3, False)
        + format_epoch(43200.2, 51.50001, -0.12, 6.0, 0.9, 10, True)
    )
    fixes, decoder = _feed(lines)
    assert [f.fix for f in fixes] == [True, False, True]
    assert math.isnan(fixes[1].lat_deg) and decoder.rejects == {}


@pytest.mark.parametrize("rate_hz", [1, 5, 10])
@pytest.mark.parametrize("talker", ["GP", "GN", "GL", "GA"])
def test_generated_receiver_output_round_trips_at_1_to_10_hz(rate_hz: int, talker: str) -> None:
    lines = []
    for i in range(2 * rate_hz):
        lines += format_epoch(
            86399.0 + i / rate_hz, -33.9 + i * 1e-5, 151.2, 7.5, 0.7, 14, True, talker=talker
        )
    fixes, decoder = _feed(lines)
    assert len(fixes) == 2 * rate_hz and decoder.rejects == {}
    steps = {b.t_device_us - a.t_device_us for a, b in zip(fixes, fixes[1:], strict=False)}
    assert steps == {1_000_000 // rate_hz}  # including across midnight
    assert fixes[-1].lat_deg == pytest.approx(-33.9 + (2 * rate_hz - 1) * 1e-5, abs=1e-7)
    assert fixes[0].speed_mps == pytest.approx(7.5, abs=1e-3)
