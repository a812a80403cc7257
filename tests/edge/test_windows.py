"""Gap finding, the paper's drop rules and sliding windows."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge import taxonomy
from edge.windows import (
    GPS_LOSS,
    IMU_LOSS,
    OCCLUSION,
    Gap,
    WindowError,
    WindowSpec,
    drop_reason,
    find_gaps,
    occluded_frames,
    window_starts,
)

LOWER_BODY = [taxonomy.JOINTS.index(j) for j in ("left_knee",)]
UPPER_BODY = [taxonomy.JOINTS.index(j) for j in ("nose", "left_wrist")]


def _valid(n: int, *missing: tuple[int, int]) -> np.ndarray:
    valid = np.ones(n, dtype=bool)
    for start, end in missing:
        valid[start:end] = False
    return valid


def test_find_gaps_reports_each_run_of_missing_samples_in_seconds() -> None:
    gaps = find_gaps(_valid(1000, (0, 10), (500, 850), (995, 1000)), 100.0)
    assert gaps == [Gap(0.0, 0.1), Gap(5.0, 8.5), Gap(9.95, 10.0)]
    assert gaps[1].duration_s == pytest.approx(3.5)
    assert find_gaps(np.ones(50, dtype=bool), 100.0) == []


def test_reason_strings_come_from_the_paper_limits() -> None:
    assert (IMU_LOSS, GPS_LOSS, OCCLUSION) == ("imu_loss>3s", "gps_loss>3s", "occlusion>1.5s")


def test_imu_loss_just_over_three_seconds_drops_and_exactly_three_keeps() -> None:
    assert drop_reason(imu_valid=_valid(800, (100, 400))) is None  # 300 samples = 3.0 s
    assert drop_reason(imu_valid=_valid(800, (100, 401))) == IMU_LOSS


def test_imu_loss_is_checked_per_sensor_and_an_absent_sensor_is_not_a_loss() -> None:
    waist = _valid(800)
    calf = _valid(800, (0, 350))
    assert drop_reason(imu_valid=np.stack([waist, calf])) == IMU_LOSS
    # A session recorded without a calf sensor: the model's mask handles it.
    assert drop_reason(imu_valid=np.stack([waist, np.zeros(800, dtype=bool)])) is None
    # Many short drop-outs adding to more than 3 s are not one long loss.
    choppy = _valid(800, *[(s, s + 50) for s in range(0, 800, 100)])
    assert drop_reason(imu_valid=choppy) is None


def test_gps_loss_uses_the_gps_rate() -> None:
    assert drop_reason(gps_valid=_valid(80, (10, 41))) == GPS_LOSS  # 31 samples = 3.1 s at 10 Hz
    assert drop_reason(gps_valid=_valid(80, (10, 40))) is None
    assert drop_reason(gps_valid=_valid(80, (10, 41)), gps_rate_hz=20.0) is None


def _conf(frames: int, occluded: tuple[int, int] | None, joints: list[int]) -> np.ndarray:
    conf = np.ones((frames, len(taxonomy.JOINTS)), dtype=np.float32)
    if occluded:
        conf[occluded[0] : occluded[1], joints] = 0.2
    return conf


def test_lower_body_occlusion_over_1_5_s_drops_the_window() -> None:
    assert drop_reason(skeleton_conf=_conf(480, (100, 191), LOWER_BODY)) == OCCLUSION  # 91 frames
    assert drop_reason(skeleton_conf=_conf(480, (100, 190), LOWER_BODY)) is None  # 1.5 s exactly


def test_occlusion_of_head_and_arms_does_not_count() -> None:
    conf = _conf(480, (0, 400), UPPER_BODY)
    assert not occluded_frames(conf).any()
    assert drop_reason(skeleton_conf=conf) is None


def test_confidence_of_exactly_0_5_is_visible() -> None:
    conf = _conf(480, None, LOWER_BODY)
    conf[:, LOWER_BODY] = 0.5
    assert not occluded_frames(conf).any()


def test_several_reasons_are_all_given() -> None:
    reason = drop_reason(
        imu_valid=_valid(800, (0, 400)),
        gps_valid=_valid(80, (0, 40)),
        skeleton_conf=_conf(480, (0, 200), LOWER_BODY),
    )
    assert reason == f"{IMU_LOSS}, {GPS_LOSS}, {OCCLUSION}"


def test_malformed_skeleton_confidence_is_refused_with_its_shape() -> None:
    with pytest.raises(ValueError, match=r"\(T, 13\).*\(480, 12\)"):
        drop_reason(skeleton_conf=np.ones((480, 12)))


def test_windows_span_the_clip_with_context_and_step_by_the_hop() -> None:
    starts = window_starts(2000, 100.0)
    spec = WindowSpec()
    assert spec.samples == 800 and spec.hop_samples == 50
    np.testing.assert_array_equal(starts, np.arange(0, 1201, 50))
    np.testing.assert_array_equal(spec.starts(2000), starts)
    assert window_starts(799, 100.0).size == 0
    assert window_starts(600, 100.0, context_s=0.0).tolist() == [0]


def test_windows_skip_a_long_loss_but_not_a_short_one() -> None:
    starts = window_starts(3000, 100.0, valid=_valid(3000, (1000, 1400)))
    assert starts.size and all(s + 800 <= 1000 or s >= 1400 for s in starts)
    np.testing.assert_array_equal(
        window_starts(3000, 100.0, valid=_valid(3000, (1000, 1200))), window_starts(3000, 100.0)
    )


@given(
    n=st.integers(800, 4000),
    hop=st.sampled_from([0.1, 0.5, 1.0]),
    gaps=st.lists(st.tuples(st.integers(0, 4000), st.integers(1, 800)), max_size=4),
)
def test_windows_never_straddle_a_dropped_gap(
    n: int, hop: float, gaps: list[tuple[int, int]]
) -> None:
    valid = _valid(n, *[(start, start + length) for start, length in gaps])
    starts = window_starts(n, 100.0, hop_s=hop, valid=valid)
    if not valid.any():  # a sensor with no data at all is absent, not lost
        np.testing.assert_array_equal(starts, window_starts(n, 100.0, hop_s=hop))
        return
    for start in starts:
        assert 0 <= start and start + 800 <= n
        assert drop_reason(imu_valid=valid[start : start + 800]) is None
        for gap in find_gaps(valid, 100.0):
            if gap.duration_s > taxonomy.MAX_SENSOR_GAP_S + 1e-9:
                assert start + 800 <= round(gap.start_s * 100) or start >= round(gap.end_s * 100)


def test_bad_window_settings_are_refused() -> None:
    with pytest.raises(WindowError, match="hop"):
        window_starts(1000, 1.0, hop_s=0.2)
    with pytest.raises(WindowError, match="1000 samples"):
        window_starts(900, 100.0, valid=np.ones(1000, dtype=bool))
