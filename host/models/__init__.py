"""The paper's multimodal model: one module per branch (stgcn, sequence), fusion, heads,
one config whose switches are the Table 3 ablations, and trained runs read back
(`host.models.run`, which needs torch: reading a config or `touchline --help` does not)."""

from host.models.config import ModelConfig, TrainConfig

__all__ = ["ModelConfig", "TrainConfig"]
