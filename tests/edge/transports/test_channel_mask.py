"""An accelerometer-only sensor (a Polar H10) on a model site feeds its acceleration and
marks the site's gyro channels absent, exactly as a missing modality is fed."""

from __future__ import annotations

import numpy as np

from edge.infer import ActionModel
from edge.packets import Packet, SensorRole
from edge.stream import SessionProcessor
from firmware_bridge.profiles import polar
from firmware_bridge.virtual.vendors import VirtualMovesense, VirtualPolar


class _Recording:
    """The installed model, keeping what the pipeline handed it."""

    def __init__(self, model: ActionModel) -> None:
        self.model, self.manifest, self.present = model, model.manifest, []

    def predict(self, windows: np.ndarray, present: np.ndarray) -> np.ndarray:
        assert np.isfinite(windows).all()
        self.present.append(present)
        return self.model.predict(windows, present)


def test_h10_on_the_calf_masks_calf_gyro_only(trained_bundle) -> None:
    t = np.arange(0, 20, 0.01)
    motion = {
        "t_s": t,
        "accel_g": np.tile([0.0, 0.0, 1.0], (len(t), 1)),
        "gyro_dps": np.tile([5.0, 0.0, 0.0], (len(t), 1)),
    }
    roles = [
        SensorRole("waist-ms", "7", "waist", "movesense"),
        SensorRole("calf-h10", "7", "calf", "polar_h10"),
    ]
    model = _Recording(ActionModel.from_bundle(trained_bundle))
    processor = SessionProcessor(roles, model)  # type: ignore[arg-type]
    packets = [Packet("waist-ms", e.data, e.t_s) for e in VirtualMovesense(1, **motion).emissions()]
    packets += [
        Packet("calf-h10", e.data, e.t_s)
        for e in VirtualPolar(2, profile=polar.H10, **motion).emissions()
    ]
    for packet in sorted(packets, key=lambda p: p.arrival_s):
        processor.feed(packet)
    processor.advance(final=True)
    assert not processor.rejects and model.present
    present = np.concatenate(model.present)
    names = model.manifest.channel_names
    absent = {name for name, seen in zip(names, present.any(axis=0), strict=True) if not seen}
    assert absent == {"calf_gx", "calf_gy", "calf_gz"}
    assert present[:, [names.index(n) for n in ("calf_ax", "waist_gx")]].all()
