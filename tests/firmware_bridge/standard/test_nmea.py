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
    # RMC's 0.004 kn wins over VTG's 0.008 km/h (the same speed, rounded), as in gpsd.
    assert fix.speed_mps == pytest.approx(0.004 * 1852 / 3600)
    [vtg_only], _ = _feed([UBLOX_GGA, UBLOX_VTG])
    assert vtg_only.speed_mps == pytest.approx(0.004 * 1852 / 3600)  # its knots field
    assert fix.lat_deg == pytest.approx(47.285239, abs=1e-6)


def test_multi_constellation_capture_gives_one_sample_per_epoch() -> None:
    fixes, decoder = _feed(BN400)
    assert [f.t_device_us for f in fixes] == [
        ((7 * 60 + 55) * 60 + 44) * 1_000_000,
        ((7 * 60 + 55) * 60 + 45) * 1_000_000,
    ]
    first = fixes[0]
    assert first.fix and first.sats == 12 and first.hdop == pytest.approx(0.62)
    assert first.speed_mps == pytest.approx(0.014 * 1852 / 3600)
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
    assert decoder.rejects == {"bad_checksum": 2, "noise": 1}


def test_non_ascii_and_overlong_lines_do_not_stop_the_stream() -> None:
    decoder = NmeaGpsDecoder(1)
    data = (
        b"$GP\xff\xfe\r\n"
        + b"$"
        + b"A" * 500
        + b"\r\n"
        + b"\xb5\x62\x01\x07binary$\x00"  # a binary packet in front of a sentence
        + (UBLOX_GGA + "\r\n").encode()
    )
    assert decoder.feed(data) == []
    assert decoder.flush()[0].sats == 8
    assert decoder.rejects == {"bad_encoding": 1, "oversized": 1, "noise": 1, "parse_error": 1}


def test_a_sentence_cut_short_by_the_next_one_costs_only_itself() -> None:
    # From a receiver's cold boot (gpsd test/daemon/gp-320fw-2019-04-07-coldboot.log):
    # a GSA without its line end, straight into the next RMC.
    cut = "$GPGSA,A,1,,,,,,,,,,,,,,,*1E$GPRMC,235949.00,V,0000.0000,N,00000.0000,E,,,161206,,,N*44"
    fixes, decoder = _feed([cut, UBLOX_GGA])
    assert decoder.rejects == {} and [f.fix for f in fixes] == [False, True]
    assert fixes[0].t_device_us == ((23 * 60 + 59) * 60 + 49) * 1_000_000


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


# -- one bad sentence never stops the decoder (issue 15, item 4) ----------------------------

MUNICH_GGA = "GNGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"
MUNICH_RMC = "GNRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W"


def _checked(body: str) -> str:
    return _with_checksum(f"${body}*00")


def _later_epochs() -> list[str]:
    return format_epoch(45_400.0, 48.1, 11.5, 4.0, 0.8, 9, True) + format_epoch(
        45_401.0, 48.10002, 11.5, 4.2, 0.8, 9, True
    )


def test_a_bad_gga_time_with_a_valid_checksum_is_one_reject_and_later_fixes_decode() -> None:
    bad = _checked(MUNICH_GGA.replace("123519", "12AB19"))
    fixes, decoder = _feed([_checked(MUNICH_GGA), bad, *_later_epochs()])
    assert decoder.rejects == {"bad_time": 1}
    assert [f.t_device_us for f in fixes] == [45_319_000_000, 45_400_000_000, 45_401_000_000]
    assert all(f.fix for f in fixes) and fixes[2].speed_mps == pytest.approx(4.2, abs=1e-3)
    assert decoder.flush() == []  # flushing twice is fine too


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (MUNICH_GGA.replace("123519", "12AB19"), "bad_time"),
        (MUNICH_GGA.replace("123519", "256199"), "bad_time"),
        (MUNICH_GGA.replace("123519,", ","), "no_time"),
        (MUNICH_GGA.replace("4807.038", "48O7.038"), "bad_value"),
        (MUNICH_GGA.replace("4807.038", "9507.038"), "bad_value"),  # 95 degrees north
        (MUNICH_GGA.replace("4807.038", "4867.038"), "bad_value"),  # 67 minutes
        (MUNICH_GGA.replace(",N,", ",X,"), "bad_value"),
        (MUNICH_GGA.replace(",N,", ",,"), "bad_value"),  # pynmea2 alone would say 0 degrees
        (MUNICH_GGA.replace(",1,08,", ",Q,08,"), "bad_value"),
        (MUNICH_GGA.replace(",08,", ",-8,"), "bad_value"),
        (MUNICH_GGA.replace(",0.9,", ",nan,"), "bad_value"),
        (MUNICH_RMC.replace("022.4", "inf"), "bad_value"),
        (MUNICH_RMC.replace("022.4", "-3.0"), "bad_value"),
        (MUNICH_RMC.replace("022.4", "9e9"), "bad_value"),
        ("GNVTG,084.4,T,,M,02x.4,N,41.5,K", "bad_value"),
        ("GNVTG,084.4,T,,M,,N,4l.5,K", "bad_value"),
        ("GNGSA,A,3,04,05,,09,12,,,24,,,,,2.5,x.3,2.1", "bad_value"),
        ("GNGGA", "parse_error"),
        ("GN", "parse_error"),
    ],
)
def test_a_sentence_with_a_valid_checksum_and_a_bad_field_never_poisons_the_state(
    body: str, reason: str
) -> None:
    clean, _ = _feed(_later_epochs())
    fixes, decoder = _feed([_checked(MUNICH_GGA), _checked(body), *_later_epochs()])
    assert decoder.rejects == {reason: 1}
    # The epoch before it is whole, and what follows decodes exactly as if it never came.
    assert fixes[0].t_device_us == 45_319_000_000 and fixes[0].fix
    assert [(f.t_device_us, f.lat_deg, f.speed_mps) for f in fixes[1:]] == [
        (f.t_device_us, f.lat_deg, f.speed_mps) for f in clean
    ]


def test_unknown_speed_is_nan_and_a_reported_zero_stays_zero() -> None:
    [gga_only], _ = _feed([_checked(MUNICH_GGA)])
    [empty_speed], _ = _feed([_checked(MUNICH_RMC.replace("022.4", ""))])
    [standing], _ = _feed([_checked(MUNICH_RMC.replace("022.4", "0.0"))])
    assert gga_only.fix and math.isnan(gga_only.speed_mps)
    assert empty_speed.fix and math.isnan(empty_speed.speed_mps)
    assert standing.speed_mps == 0.0
    # VTG with only the knots field filled still gives the speed.
    [knots_only], _ = _feed([_checked(MUNICH_GGA), _checked("GNVTG,,T,,M,2.0,N,,K")])
    assert knots_only.speed_mps == pytest.approx(2.0 * 1852 / 3600)


def test_one_wrong_time_of_day_does_not_shift_later_fixes_by_a_day() -> None:
    early = _checked(MUNICH_GGA.replace("123519", "000001"))  # valid checksum, wrong time
    fixes, _ = _feed([_checked(MUNICH_GGA), early, *_later_epochs()])
    assert [f.t_device_us for f in fixes] == [
        45_319_000_000,
        1_000_000,
        45_400_000_000,
        45_401_000_000,
    ]
