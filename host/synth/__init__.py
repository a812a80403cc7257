"""The synthetic squad: a season of players, sessions, loads, injuries and sensor clips,
simulated with `edge.sim` physics and written as a dataset directory (docs/synthetic.md).

Everything it writes is marked `synthetic: true`; models trained on it carry the flag.
The simulator (numpy, scipy, scikit-learn, pandas) is imported on first use, so the sizes
can be listed (`touchline synth --help`) without loading it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from host.synth.config import SIZES

if TYPE_CHECKING:
    from host.synth.build import SynthError, SynthSummary, oracle_auc, synthesize

__all__ = ["SIZES", "SynthError", "SynthSummary", "oracle_auc", "synthesize"]

_FROM_BUILD = frozenset({"SynthError", "SynthSummary", "oracle_auc", "synthesize"})


def __getattr__(name: str) -> object:
    if name in _FROM_BUILD:
        return getattr(importlib.import_module("host.synth.build"), name)
    raise AttributeError(f"module 'host.synth' has no attribute {name!r}")
