"""The paper's multimodal model: one module per branch (stgcn, sequence), fusion, heads,
one config whose switches are the Table 3 ablations, and trained runs read back."""

from host.models.config import ModelConfig, TrainConfig
from host.models.run import LoadedRun, RunError, load_run

__all__ = ["LoadedRun", "ModelConfig", "RunError", "TrainConfig", "load_run"]
