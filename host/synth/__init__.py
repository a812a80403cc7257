"""The synthetic squad: a season of players, sessions, loads, injuries and sensor clips,
simulated with `edge.sim` physics and written as a dataset directory (docs/synthetic.md).

Everything it writes is marked `synthetic: true`; models trained on it carry the flag.
The simulator itself (`host.synth.build`: numpy, scipy, scikit-learn, pandas) is not
imported here, so the sizes can be listed (`touchline synth --help`) without loading it.
"""

from host.synth.config import SIZES

__all__ = ["SIZES"]
