"""The synthetic squad: a season of players, sessions, loads, injuries and sensor clips,
simulated with `edge.sim` physics and written as a dataset directory (docs/synthetic.md).

Everything it writes is marked `synthetic: true`; models trained on it carry the flag.
"""

from host.synth.build import SynthError, SynthSummary, oracle_auc, synthesize
from host.synth.config import SIZES

__all__ = ["SIZES", "SynthError", "SynthSummary", "oracle_auc", "synthesize"]
