"""FrameStream and SerialFrameReader: any chunking, garbage, resynchronisation."""

from __future__ import annotations

import serial

from firmware_bridge.cobs import cobs_decode, cobs_encode
from firmware_bridge.config import MAX_ENCODED_BYTES
from firmware_bridge.frame import FrameError, encode_gps, encode_status
from firmware_bridge.samples import GpsSample, ImuSamples, StatusSample
from firmware_bridge.stream import FrameStream, SerialFrameReader


def test_byte_by_byte_and_all_at_once_give_the_same_samples(imu_frames) -> None:
    wire = b"".join(cobs_encode(f) for f in imu_frames(20))
    whole = FrameStream().feed(wire)
    trickle = FrameStream()
    pieces = [s for i in range(len(wire)) for s in trickle.feed(wire[i : i + 1])]
    assert [s.seq for s in whole] == [s.seq for s in pieces] == list(range(20))
    assert all(isinstance(s, ImuSamples) and len(s) == 10 for s in pieces)


def test_reader_started_mid_frame_resynchronises_at_next_delimiter(imu_frames) -> None:
    frames = imu_frames(5)
    wire = b"".join(cobs_encode(f) for f in frames)
    stream = FrameStream()
    samples = stream.feed(wire[37:])  # joined 37 bytes into the first frame
    assert [s.seq for s in samples] == [1, 2, 3, 4]
    assert sum(stream.rejects.values()) == 1 and stream.frames_ok == 4


def test_garbage_between_frames_is_counted_and_skipped(imu_frames) -> None:
    frames = imu_frames(3)
    noise = b"\x00\x13\x37\xff\xfe\x00" + b"\x00" * 5  # junk packet + idle zeros
    wire = cobs_encode(frames[0]) + noise + cobs_encode(frames[1]) + cobs_encode(frames[2])
    stream = FrameStream()
    assert [s.seq for s in stream.feed(wire)] == [0, 1, 2]
    assert sum(stream.rejects.values()) == 1


def test_corrupt_frames_are_counted_by_reason_and_the_stream_goes_on(imu_frames) -> None:
    frames = imu_frames(4)
    flipped = bytearray(frames[1])
    flipped[60] ^= 0x04
    wire = (
        cobs_encode(frames[0])
        + cobs_encode(bytes(flipped))
        + cobs_encode(frames[2][:50])
        + b"\x03\x01\x00"  # COBS that claims more bytes than it has
        + cobs_encode(frames[3])
    )
    stream = FrameStream()
    assert [s.seq for s in stream.feed(wire)] == [0, 3]
    assert stream.rejects == {"bad_crc": 1, "truncated": 1, "bad_cobs": 1}


def test_endless_bytes_without_delimiter_are_dropped_not_buffered(imu_frames) -> None:
    stream = FrameStream()
    for _ in range(100):
        assert stream.feed(b"\x55" * 1000) == []
    assert stream.rejects == {"oversized": 1}
    assert len(stream._pending) <= MAX_ENCODED_BYTES
    # The first delimiter ends the junk; the next frame decodes.
    assert [s.seq for s in stream.feed(b"\x00" + cobs_encode(imu_frames(1)[0]))] == [0]


def test_mixed_kinds_come_out_as_their_sample_types_with_raw_bytes() -> None:
    frames = [
        encode_gps(2, 0, 10, 51.5, -0.1, 3.0, 0.8, 9, True),
        encode_status(2, 1, 20, 80, 30.0),
    ]
    decoded = FrameStream().feed_frames(b"".join(cobs_encode(f) for f in frames))
    assert [type(d.sample) for d in decoded] == [GpsSample, StatusSample]
    assert [d.raw for d in decoded] == frames


def test_cobs_decode_names_bad_packets() -> None:
    try:
        cobs_decode(b"\x05\x01\x02")
    except FrameError as error:
        assert error.reason == "bad_cobs"
    else:
        raise AssertionError("invalid COBS was accepted")


def test_serial_reader_reads_frames_through_pyserial_loopback(imu_frames) -> None:
    # pyserial's loop:// device is a real SerialBase: what is written is read back.
    port = serial.serial_for_url("loop://", timeout=0.05)
    frames = imu_frames(6)
    port.write(b"\x07\x07" + b"".join(cobs_encode(f) for f in frames))
    reader = SerialFrameReader(port)
    got = list(reader.frames())
    assert [d.sample.seq for d in got] == [1, 2, 3, 4, 5]  # frame 0 merged with the junk
    assert sum(reader.rejects.values()) == 1
    port.close()


def test_unframe_feeds_the_bulk_decoder_with_the_same_result(imu_frames) -> None:
    from firmware_bridge.frame import decode_frames_bulk

    frames = imu_frames(30)
    broken = bytearray(frames[4])
    broken[30] ^= 0xFF
    frames[4] = bytes(broken)
    wire = b"\x09\x09\x00" + b"".join(cobs_encode(f) for f in frames)
    one_by_one = FrameStream()
    samples = one_by_one.feed(wire)
    bulk_stream = FrameStream()
    result = decode_frames_bulk(bulk_stream.unframe(wire))
    assert result.imu.seq[::10].tolist() == [s.seq for s in samples]
    assert bulk_stream.rejects + result.rejects == one_by_one.rejects
