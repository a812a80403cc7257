"""Fuzzing: over a million random and mutated frames, and no exception escapes.

The bulk part builds frames as numpy rows (pristine, one-byte-corrupted, random header
fields with a valid CRC, pure noise) so a million of them take seconds; the stream part
pushes mutated COBS traffic through FrameStream in random chunk sizes; hypothesis adds
arbitrary bytes and chunkings. Each part also checks what must come out, not only that
nothing raised.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.cobs import cobs_encode
from firmware_bridge.frame import FrameError, crc16_many, decode_frame, decode_frames_bulk
from firmware_bridge.stream import FrameStream

BATCHES, BATCH = 10, 100_000  # 1 000 000 frames


def _rows(frames: list[bytes], count: int, rng: np.random.Generator) -> np.ndarray:
    base = np.frombuffer(b"".join(frames), np.uint8).reshape(len(frames), -1)
    return base[rng.integers(0, len(frames), count)].copy()


def _split(rows: np.ndarray) -> list[bytes]:
    data, width = rows.tobytes(), rows.shape[1]
    return [data[i : i + width] for i in range(0, len(data), width)]


@pytest.mark.slow
def test_a_million_random_and_mutated_frames_are_decoded_or_counted(imu_frames) -> None:
    rng = np.random.default_rng(2024)
    pool = imu_frames(256, seed=9)
    total_ok = total_rejected = 0
    for batch in range(BATCHES):
        rows = _rows(pool, BATCH, rng)
        kind = rng.choice(4, BATCH, p=[0.4, 0.3, 0.2, 0.1])
        # 1: one byte changed (a burst of <= 8 bits: CRC-16 always detects it).
        hit = np.flatnonzero(kind == 1)
        cols = rng.integers(0, rows.shape[1], hit.size)
        rows[hit, cols] ^= rng.integers(1, 256, hit.size, dtype=np.uint8)
        # 2: random header fields, CRC made valid, so the later checks are reached.
        deep = np.flatnonzero(kind == 2)
        rows[deep, :20] = rng.integers(0, 256, (deep.size, 20), dtype=np.uint8)
        rows[deep, 0] = rng.choice([1, 1, 1, 2], deep.size)
        rows[deep, 1] = rng.choice([1, 1, 1, 3, 7], deep.size)
        rows[deep, 18] = rng.choice([10, 10, 10, 0, 200], deep.size)
        rows[deep, 2:4] = (2, 0)  # sensor 2 marks deep rows; the pool is sensor 1
        crc = crc16_many(rows[deep], rows.shape[1] - 2)
        rows[deep, -2], rows[deep, -1] = crc & 0xFF, crc >> 8
        # 3: pure noise.
        noise = np.flatnonzero(kind == 3)
        rows[noise] = rng.integers(0, 256, (noise.size, rows.shape[1]), dtype=np.uint8)
        frames = _split(rows)
        # A few hundred of odd lengths take the per-frame path.
        cut = set(rng.integers(0, BATCH, 300).tolist())
        for i in cut:
            frames[i] = frames[i][: int(rng.integers(0, 142))] + bytes(int(rng.integers(0, 3)))

        if batch % 2:
            # Half the batches go over the wire: COBS packets cut into random chunks,
            # split by FrameStream.unframe, then decoded in bulk (the serial read path).
            wire = b"".join([cobs_encode(f) for f in frames])
            stream = FrameStream()
            edges = np.sort(rng.integers(0, len(wire), 2000))
            frames = [
                raw
                for a, b in zip([0, *edges], [*edges, len(wire)], strict=True)
                for raw in stream.unframe(wire[a:b])
            ]
            assert len(frames) == BATCH and not stream.rejects
        result = decode_frames_bulk(frames)

        ok_frames = len(result.imu) // 10
        assert ok_frames + len(result.other) + sum(result.rejects.values()) == BATCH
        # Exactly the untouched frames of sensor 1 decode: no corrupted or noise frame
        # is accepted, no intact one is lost.
        intact = int(np.sum(kind == 0)) - sum(1 for i in cut if kind[i] == 0)
        assert int(np.sum(result.imu.sensor_id[::10] == 1)) == intact
        assert set(result.imu.sensor_id.tolist()) <= {1, 2}
        total_ok += ok_frames
        total_rejected += sum(result.rejects.values())
    assert total_ok + total_rejected >= 1_000_000
    assert 0.4 * 1_000_000 < total_ok < 0.7 * 1_000_000


def test_bulk_and_single_decoders_agree_on_deep_mutations(imu_frames) -> None:
    rng = np.random.default_rng(77)
    rows = _rows(imu_frames(64), 3000, rng)
    rows[:, :20] = rng.integers(0, 256, (3000, 20), dtype=np.uint8)
    rows[:, 0], rows[:, 1] = 1, rng.choice([1, 1, 2], 3000)
    rows[:, 18] = rng.choice([10, 10, 3], 3000)
    rows[:, 19] = rng.choice([0x33, 0x40, 0x04, 0x99], 3000)
    rows[:, 15] &= rng.choice([0x7F, 0x7F, 0xFF], 3000).astype(np.uint8)
    crc = crc16_many(rows, rows.shape[1] - 2)
    rows[:, -2], rows[:, -1] = crc & 0xFF, crc >> 8
    frames = _split(rows)
    reasons = []
    for frame in frames:
        try:
            decode_frame(frame)
            reasons.append("ok")
        except FrameError as error:
            reasons.append(error.reason)
    bulk = decode_frames_bulk(frames)
    expected = {r: reasons.count(r) for r in set(reasons) - {"ok"}}
    assert dict(bulk.rejects) == expected
    assert len(bulk.imu) == 10 * reasons.count("ok") and reasons.count("ok") > 100


def test_stream_of_mutated_cobs_traffic_yields_exactly_the_intact_frames(imu_frames) -> None:
    rng = np.random.default_rng(5)
    # 20 000 frames that differ in seq, built as rows with a vectorised CRC.
    rows = _rows(imu_frames(1), 20_000, rng)
    rows[:, 4:8] = np.arange(20_000, dtype="<u4").view(np.uint8).reshape(-1, 4)
    crc = crc16_many(rows, rows.shape[1] - 2)
    rows[:, -2], rows[:, -1] = crc & 0xFF, crc >> 8
    frames = _split(rows)
    wire = bytearray()
    expected = []
    previous_ended_clean = True
    for seq, frame in enumerate(frames):
        action = rng.random()
        packet = bytearray(cobs_encode(frame))
        if action < 0.05:  # corrupt one byte (maybe into a zero, splitting the packet)
            at = int(rng.integers(0, len(packet) - 1))
            packet[at] ^= int(rng.integers(1, 256))
        elif action < 0.08:  # lose the tail, delimiter included
            packet = packet[: int(rng.integers(1, len(packet) - 1))]
        elif action < 0.10:  # noise without delimiter in front: merges into this frame
            packet = (
                bytearray(rng.integers(1, 256, int(rng.integers(1, 30)), dtype=np.uint8)) + packet
            )
        elif previous_ended_clean:
            expected.append(seq)
        previous_ended_clean = packet.endswith(b"\x00")
        wire += packet
    stream = FrameStream()
    got = []
    position = 0
    while position < len(wire):
        size = int(rng.integers(1, 600))
        got += [s.seq for s in stream.feed(bytes(wire[position : position + size]))]
        position += size
    # Corruption that slips past CRC would show up as an unexpected seq.
    assert set(got) >= set(expected)
    assert len(set(got) - set(expected)) <= 2  # a lucky mutation may keep a frame valid
    assert stream.frames_ok == len(got) and sum(stream.rejects.values()) > 0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_decode_frame_raises_only_frame_error(data: bytes) -> None:
    try:
        decode_frame(data)
    except FrameError as error:
        assert error.reason


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=12), st.data())
def test_stream_output_does_not_depend_on_chunking(chunks: list[bytes], data) -> None:
    wire = b"".join(chunks)
    once = FrameStream()
    expected = [(type(s), s.seq) for s in once.feed(wire)]
    cuts = sorted(data.draw(st.lists(st.integers(0, len(wire)), max_size=8)))
    pieces = [wire[a:b] for a, b in zip([0, *cuts], [*cuts, len(wire)], strict=True)]
    split = FrameStream()
    got = [(type(s), s.seq) for piece in pieces for s in split.feed(piece)]
    assert got == expected and split.rejects == once.rejects
