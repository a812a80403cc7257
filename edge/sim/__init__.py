"""Physics-based simulation of footballers and the sensors they wear (numpy/scipy only).

The sideline runtime uses it for `edge replay --simulate N` and demos; the host composes
it into a synthetic squad (`host.synth`). A motion plan (background locomotion plus
action templates) drives a stick-figure body; the waist and calf IMUs, GPS, heart rate
and video skeleton observe that one body through imperfect devices.

    rng = np.random.default_rng(7)
    player = random_traits(rng, "A001")
    clip = simulate_clip(player, rng, "shot", "small_sided_game")
    session = simulate_session(player, rng, 600.0, "full_match", "match")
"""

from edge.sim.sensors import SensorClock
from edge.sim.session import (
    SESSION_TYPES,
    SessionSignals,
    SimEvent,
    SimulationError,
    action_intensity,
    plan_session,
    simulate_clip,
    simulate_session,
)
from edge.sim.traits import AthleteTraits, ImuSpec, random_traits

__all__ = [
    "SESSION_TYPES",
    "AthleteTraits",
    "ImuSpec",
    "SensorClock",
    "SessionSignals",
    "SimEvent",
    "SimulationError",
    "action_intensity",
    "plan_session",
    "random_traits",
    "simulate_clip",
    "simulate_session",
]
