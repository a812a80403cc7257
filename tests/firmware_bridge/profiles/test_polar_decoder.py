"""The sideline's Polar decoder: the start answer's factor scales compressed frames, a
refused start is a counted reject with the device's reason, an H10's heart rate arrives on
its own characteristic, and ACC waits for GYR to pair on a Verity Sense."""

from __future__ import annotations

import numpy as np
import pytest

from firmware_bridge.errors import FrameError
from firmware_bridge.profiles import polar
from firmware_bridge.samples import HrSample, ImuSamples
from firmware_bridge.standard.ble_gatt import encode_heart_rate_measurement

FRAME_NS = 800_000_000_000_000_000


def _start_answer(kind: int, factor: float, status: int = 0) -> bytes:
    parameters = bytes([polar.SettingType.FACTOR, 1]) + np.float32(factor).tobytes()
    return bytes([polar.CP_INDEX]) + polar.encode_response(
        polar.OpCode.REQUEST_MEASUREMENT_START, kind, status, parameters
    )


def _acc(counts: np.ndarray, frame_ns: int = FRAME_NS) -> bytes:
    return bytes([polar.DATA_INDEX]) + polar.encode_data(
        polar.MeasurementType.ACC, frame_ns, 0x81, polar.encode_delta_frame(counts)
    )


def test_start_answer_factor_scales_compressed_acc() -> None:
    decoder = polar.H10.new_decoder(9)
    assert decoder.decode(_start_answer(polar.MeasurementType.ACC, 0.5), 0) == []
    (sample,) = decoder.decode(_acc(np.array([[0, 2000, 0], [0, 2002, 0]])), 0)
    # 2000 counts × 0.5 = 1000 mG on device Y, which is up (z) on the chest.
    np.testing.assert_allclose(sample.accel_g[:, 2], [1.0, 1.001])
    assert np.isnan(sample.gyro_dps).all()  # no gyroscope: the edge masks these channels


def test_refused_start_is_a_frame_error_with_the_devices_reason() -> None:
    decoder = polar.H10.new_decoder(9)
    with pytest.raises(FrameError) as caught:
        decoder.decode(_start_answer(polar.MeasurementType.ACC, 1.0, status=13), 0)
    assert caught.value.reason == "refused" and "device in charger" in caught.value.detail


def test_h10_heart_rate_on_its_own_characteristic() -> None:
    decoder = polar.H10.new_decoder(9)
    data = bytes([polar.HR_INDEX]) + encode_heart_rate_measurement(151, [0.4])
    (sample,) = decoder.decode(data, 5_000_000)
    assert isinstance(sample, HrSample) and sample.bpm == 151 and sample.t_device_us == 5_000_000


def test_verity_acc_waits_for_gyro_then_pairs_by_time() -> None:
    decoder = polar.VERITY.new_decoder(9)
    step = round(1e9 / 52)
    counts = np.tile([0, 0, 1000], (4, 1))
    assert decoder.decode(_acc(counts), 0) == []  # no gyro yet
    gyro = np.array([[0, 0, 0], [100, 0, 0], [200, 0, 0], [300, 0, 0]])
    data = bytes([polar.DATA_INDEX]) + polar.encode_data(
        polar.MeasurementType.GYRO, FRAME_NS, 0x80, polar.encode_delta_frame(gyro)
    )
    (sample,) = decoder.decode(data, 0)
    assert isinstance(sample, ImuSamples) and len(sample) == 4
    assert np.abs(np.diff(sample.t_device_us) - step / 1000).max() <= 1  # 52 Hz, in µs
    # Device X (gyro counts 0..300, factor 1) is z in the sensor frame for the shank clip.
    np.testing.assert_allclose(sample.gyro_dps[:, 2], [0, 100, 200, 300])
