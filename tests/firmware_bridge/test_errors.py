"""The safety net behind every decoder: a failure no check anticipated is still only that
input's reject, counted as `decoder_error` and logged so the missing check gets written."""

from __future__ import annotations

import logging
import math

import pynmea2
import pytest

from firmware_bridge.errors import DECODER_ERROR, FrameError, frame_errors_only, reject_reason
from firmware_bridge.standard.nmea import NmeaGpsDecoder, format_epoch


def test_a_message_decoder_raises_only_frame_errors(caplog: pytest.LogCaptureFixture) -> None:
    @frame_errors_only
    def fifth_byte(data: bytes) -> int:
        """A decoder that forgot its length check."""
        return data[4]

    assert fifth_byte(b"abcde") == ord("e")
    with caplog.at_level(logging.WARNING), pytest.raises(FrameError) as caught:
        fifth_byte(b"abc")
    assert caught.value.reason == DECODER_ERROR and "IndexError" in caught.value.detail
    assert "decoder failed on one input" in caplog.text
    with pytest.raises(FrameError) as own:  # its own errors pass through unchanged
        frame_errors_only(lambda: (_ for _ in ()).throw(FrameError("bad_crc", "x")))()
    assert own.value.reason == "bad_crc"
    assert reject_reason(FrameError("truncated", "3 bytes")) == "truncated"


def test_an_unexpected_failure_in_one_sentence_leaves_the_next_ones_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_parse = pynmea2.parse
    calls = []

    def parse_failing_once(sentence: str, check: bool = False) -> pynmea2.NMEASentence:
        calls.append(sentence)
        if len(calls) == 1:
            raise KeyError("a library surprise")
        return real_parse(sentence, check=check)

    monkeypatch.setattr(pynmea2, "parse", parse_failing_once)
    decoder = NmeaGpsDecoder(1)
    fixes = []
    for t in (10.0, 11.0):
        for sentence in format_epoch(t, 48.1, 11.5, 4.0, 0.8, 9, True):
            fixes += decoder.feed_sentence(sentence)
    fixes += decoder.flush()
    assert decoder.rejects == {DECODER_ERROR: 1}  # the first RMC
    assert [f.t_device_us for f in fixes] == [10_000_000, 11_000_000]
    # Without its RMC, the first epoch's VTG came before any timed sentence: speed unknown.
    assert all(f.fix for f in fixes) and math.isnan(fixes[0].speed_mps)
    assert fixes[1].speed_mps == pytest.approx(4.0, abs=1e-3)
