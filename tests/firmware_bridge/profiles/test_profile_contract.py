"""One contract for every sensor family in the registry: whatever bytes arrive, its decoder
raises nothing but FrameError with a reason of its own (never the `decoder_error` net), and
what its virtual device sends decodes without a reject."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_bridge.errors import DECODER_ERROR, FrameError
from firmware_bridge.profiles import PROFILES, get_profile, polar, recognise
from firmware_bridge.profiles.base import ProfileError
from firmware_bridge.virtual.vendors import VirtualMovesense, VirtualPolar, VirtualWitMotion

T = np.arange(0, 2, 0.01)
MOTION = {
    "t_s": T,
    "accel_g": np.stack([np.sin(T), np.cos(T), 1 + 0 * T], axis=1),
    "gyro_dps": np.stack([100 * np.sin(3 * T), -50 * T, 20 + 0 * T], axis=1),
}
VENDOR_BYTES = {
    "polar_h10": [e.data for e in VirtualPolar(1, profile=polar.H10, **MOTION).emissions()],
    "polar_verity": [e.data for e in VirtualPolar(1, profile=polar.VERITY, **MOTION).emissions()],
    "movesense": [e.data for e in VirtualMovesense(1, **MOTION).emissions()],
    "witmotion": [e.data for e in VirtualWitMotion(1, **MOTION).emissions()],
}


@pytest.mark.parametrize("name", sorted(VENDOR_BYTES))
def test_virtual_device_bytes_decode_without_rejects(name: str) -> None:
    decoder = get_profile(name).new_decoder(1)
    samples = [
        s for i, data in enumerate(VENDOR_BYTES[name]) for s in decoder.decode(data, 10_000 * i)
    ]
    assert samples and not decoder.rejects


@pytest.mark.parametrize("name", sorted(PROFILES))
@settings(max_examples=150, deadline=None)
@given(
    chunks=st.lists(st.binary(max_size=260), min_size=1, max_size=6), flip=st.integers(0, 10_000)
)
def test_decoders_raise_only_their_own_frame_errors(
    name: str, chunks: list[bytes], flip: int
) -> None:
    decoder = get_profile(name).new_decoder(1)
    valid = VENDOR_BYTES.get(name, [])
    mutated = []
    for data in valid[:4]:
        changed = bytearray(data)
        changed[flip % len(changed)] ^= 1 + flip % 255
        mutated += [bytes(changed), data[: flip % len(data)]]
    for index, data in enumerate([*chunks, *mutated, *valid[:4]]):
        try:
            decoder.decode(data, 1_000_000 + index)
        except FrameError as error:
            assert error.reason != DECODER_ERROR, error.detail
    assert DECODER_ERROR not in decoder.rejects


def test_registry_names_and_recognition() -> None:
    assert recognise("Polar H10 A1B2C3D4").name == "polar_h10"
    assert recognise("Polar Sense 1234").name == "polar_verity"
    assert recognise("Movesense 174630000192").name == "movesense"
    assert recognise("WT901BLE68").name == "witmotion"
    assert recognise("Touchline-0012").name == "frame"
    assert recognise("", ("0000180d-0000-1000-8000-00805f9b34fb",)).name == "ble_hr"
    assert recognise("Someone's phone") is None
    with pytest.raises(ProfileError, match="known: frame, ble_hr"):
        get_profile("garmin")


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_axis_map_is_a_rotation(name: str) -> None:
    matrix = get_profile(name).axes.matrix
    assert np.allclose(matrix @ matrix.T, np.eye(3))
    assert np.linalg.det(matrix) == pytest.approx(1.0)  # right-handed, not a mirror
