"""Players differ the way real ones do: straps worn at their own angle and place, their own
tempo and strength, and left-footers whose kicks are the mirror image of a right-footer's."""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from edge.sim import AthleteTraits, random_traits
from edge.sim.actions import perform
from edge.sim.body import Kinematics, kinematics
from edge.sim.config import NARROW, WIDE, G, PlayerVariability
from edge.sim.motion import empty_motion

SQUAD = 80


def _squad(variability: PlayerVariability, seed: int = 0) -> list[AthleteTraits]:
    rng = np.random.default_rng(seed)
    return [random_traits(rng, f"P{i}", variability) for i in range(SQUAD)]


def _angle_deg(mount: np.ndarray) -> float:
    return float(np.degrees(Rotation.from_matrix(mount).magnitude()))


def _kick(traits: AthleteTraits, seed: int = 4, action: str = "shot") -> Kinematics:
    """One action on an otherwise empty plan (no background wander or bumps): everything
    that moves comes from the player and the action."""
    m = empty_motion(500)
    rng = np.random.default_rng(seed)
    perform(m, action, 2.5, traits, rng, 0.7)
    return kinematics(m, traits, rng)


def _still_gravity(traits: AthleteTraits) -> np.ndarray:
    """Unit gravity direction each strap reads while the player stands still (true signal)."""
    kin = kinematics(empty_motion(200), traits, np.random.default_rng(0))
    out = []
    for force, mount in (
        (kin.waist_force_g, traits.waist_mount),
        (kin.calf_force_g, traits.calf_mount),
    ):
        reading = (force @ mount.T).mean(axis=0)
        out.append(reading / np.linalg.norm(reading))
    return np.array(out)


def test_each_strap_is_worn_at_its_own_angle_up_to_about_30_degrees() -> None:
    squad = _squad(WIDE)
    for site in ("waist", "calf"):
        upright = [p for p in squad if not getattr(p, f"{site}_flipped")]
        angles = np.array([_angle_deg(getattr(p, f"{site}_mount")) for p in upright])
        assert angles.max() <= 30.0 + 1e-6 and angles.min() >= 3.0 - 1e-6
        assert angles.max() > 25.0 and np.median(angles) > 10.0
    # The sensors read gravity from different directions: the same standing player, two
    # squads' worth of straps, disagree by the mounting angle.
    a, b = squad[0], squad[1]
    ga, gb = _still_gravity(a), _still_gravity(b)
    tilt = np.degrees(np.arccos(np.clip((ga * gb).sum(axis=1), -1, 1)))
    expected = [
        np.degrees(np.arccos(np.clip((m1 @ [0, 0, 1.0]) @ (m2 @ [0, 0, 1.0]), -1, 1)))
        for m1, m2 in ((a.waist_mount, b.waist_mount), (a.calf_mount, b.calf_mount))
    ]
    assert tilt == pytest.approx(expected, abs=1.0)
    assert max(tilt) > 5.0


def test_some_straps_are_worn_upside_down_and_read_gravity_so() -> None:
    squad = _squad(WIDE)
    flipped = [p for p in squad if p.waist_flipped]
    share = np.mean([p.waist_flipped for p in squad] + [p.calf_flipped for p in squad])
    assert flipped and 0.01 < share < 0.15  # documented: 5 % of straps
    gravity = _still_gravity(flipped[0])[0]
    assert gravity[2] < -0.5  # upside down: the pod's z axis points at the ground
    upright = next(p for p in squad if not p.waist_flipped)
    assert _still_gravity(upright)[0][2] > 0.5


def test_narrow_keeps_generator_1_0_spread() -> None:
    squad = _squad(NARROW)
    assert not any(p.waist_flipped or p.calf_flipped for p in squad)
    assert max(_angle_deg(p.calf_mount) for p in squad) <= 21.0 + 1e-6
    for p in squad:
        assert p.tempo == p.strength == p.cadence == p.knee_lift == 1.0
        assert p.calf_along_shank == 0.4 and not p.waist_offset_m.any()


def test_players_differ_in_tempo_strength_style_and_pod_position() -> None:
    squad = _squad(WIDE)
    for name in ("tempo", "strength", "cadence", "knee_lift", "arm_swing", "calf_along_shank"):
        values = np.array([getattr(p, name) for p in squad])
        assert values.max() / values.min() > 1.3, name
    assert 0.08 < np.mean([not p.dominant_right for p in squad]) < 0.35  # 20 % left-footed


def test_the_same_seed_draws_the_same_players() -> None:
    a, b, c = _squad(WIDE, 3), _squad(WIDE, 3), _squad(WIDE, 4)

    def same(x: AthleteTraits, y: AthleteTraits) -> bool:
        return all(
            np.array_equal(np.asarray(getattr(x, f.name)), np.asarray(getattr(y, f.name)))
            for f in fields(AthleteTraits)
            if f.name not in ("waist_imu", "calf_imu")
        )

    assert all(same(x, y) for x, y in zip(a, b, strict=True))
    assert not same(a[0], c[0])
    assert np.array_equal(_kick(a[0]).calf_force_g, _kick(b[0]).calf_force_g)


def _right_footed(seed: int = 1) -> AthleteTraits:
    player = random_traits(np.random.default_rng(seed), "R", WIDE)
    return replace(player, dominant_right=True, waist_offset_m=np.zeros(3))


@pytest.mark.parametrize("action", ["shot", "pass"])
def test_a_left_footers_kick_is_the_mirror_image(action: str) -> None:
    right = _right_footed()
    left = replace(right, dominant_right=False)
    r, lf = _kick(right, action=action), _kick(left, action=action)
    # Forward and vertical stay; left-right force, roll and yaw rates change sign.
    np.testing.assert_allclose(lf.waist_force_g[:, [0, 2]], r.waist_force_g[:, [0, 2]], atol=1e-9)
    np.testing.assert_allclose(lf.waist_force_g[:, 1], -r.waist_force_g[:, 1], atol=1e-9)
    np.testing.assert_allclose(lf.waist_rate_dps[:, 1], r.waist_rate_dps[:, 1], atol=1e-9)
    np.testing.assert_allclose(
        lf.waist_rate_dps[:, [0, 2]], -r.waist_rate_dps[:, [0, 2]], atol=1e-9
    )
    np.testing.assert_allclose(lf.calf_force_g[:, 1], -r.calf_force_g[:, 1], atol=1e-9)
    np.testing.assert_allclose(lf.calf_rate_dps[:, 1], r.calf_rate_dps[:, 1], atol=1e-9)
    # and the mirrored parts are the kick's own rotation, not noise.
    assert np.abs(r.waist_rate_dps[:, 2]).max() > 50.0
    assert np.abs(r.calf_force_g[:, 1]).max() > 0.3
    assert not left.dominant_right and not lf.sensor_leg_right


def test_a_pod_lower_on_the_shank_swings_harder() -> None:
    player = _right_footed()
    high = _kick(replace(player, calf_along_shank=0.25))
    low = _kick(replace(player, calf_along_shank=0.6))
    peak = lambda k: np.linalg.norm(k.calf_force_g, axis=1).max()  # noqa: E731
    assert peak(low) > 1.3 * peak(high)
    # the angular rate of a rigid shank is the same wherever the pod sits
    np.testing.assert_allclose(low.calf_rate_dps, high.calf_rate_dps)


def test_a_waist_pod_off_the_pelvis_centre_feels_the_turn() -> None:
    player = _right_footed()
    spin = empty_motion(300)
    spin.yaw_rate[:] = 2 * np.pi  # turning on the spot, one turn a second
    centred = kinematics(spin, player, np.random.default_rng(0))
    behind = kinematics(
        spin, replace(player, waist_offset_m=np.array([-0.1, 0.0, 0.0])), np.random.default_rng(0)
    )
    extra = (behind.waist_force_g - centred.waist_force_g)[50:-50]
    # centripetal: omega^2 r towards the axis, i.e. forward for a pod behind the centre
    np.testing.assert_allclose(extra[:, 0], (2 * np.pi) ** 2 * 0.1 / G, rtol=1e-3)
    np.testing.assert_allclose(extra[:, 1:], 0.0, atol=1e-9)


def test_strength_and_tempo_shape_the_kick() -> None:
    player = _right_footed()
    weak = _kick(replace(player, strength=0.8))
    strong = _kick(replace(player, strength=1.25))
    swing = lambda k: np.abs(k.calf_rate_dps[:, 1]).max()  # noqa: E731
    assert swing(strong) > 1.4 * swing(weak)

    def wind_up_s(tempo: float) -> float:
        """From the fastest backswing to the fastest downswing of the kicking shank."""
        gy = _kick(replace(player, tempo=tempo)).calf_rate_dps[:, 1]  # minus shank rate
        down = int(np.argmin(gy))
        back = int(np.argmax(gy[:down]))
        return (down - back) / 100.0

    assert wind_up_s(1.3) == pytest.approx(0.3 * 1.3, abs=0.03)
    assert wind_up_s(0.8) == pytest.approx(0.3 * 0.8, abs=0.03)
