"""The paper's multimodal model: one module per branch (stgcn, sequence), fusion, heads,
one config whose switches are the Table 3 ablations, and trained runs read back.

The configs are light; trained runs need torch, so `LoadedRun`, `RunError` and `load_run`
are imported on first use: reading a config (or `touchline --help`) does not load torch."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from host.models.config import ModelConfig, TrainConfig

if TYPE_CHECKING:
    from host.models.run import LoadedRun, RunError, load_run

__all__ = ["LoadedRun", "ModelConfig", "RunError", "TrainConfig", "load_run"]

_FROM_RUN = frozenset({"LoadedRun", "RunError", "load_run"})


def __getattr__(name: str) -> object:
    if name in _FROM_RUN:
        return getattr(importlib.import_module("host.models.run"), name)
    raise AttributeError(f"module 'host.models' has no attribute {name!r}")
