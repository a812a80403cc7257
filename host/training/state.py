"""`TrainState`: what `--resume` needs to continue a run exactly as an uninterrupted one
would, saved after every epoch as the run's last checkpoint, and what a resumed run may change."""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from host.models.config import TrainConfig
from host.training.errors import TrainingError
from host.training.rundir import CONFIG_FILE, LAST_CHECKPOINT
from host.training.tracking import BestTracker

# Fields a resumed run may change: how long it goes on and how many threads it uses.
# Anything else (seed, data, model, optimiser) would make it a different run.
RESUMABLE_FIELDS = ("max_epochs", "time_budget_min", "threads")


@dataclass
class TrainState:
    """The epochs so far and both heads' best trackers; saved with the weights and the
    optimiser, which live in the model and optimiser themselves."""

    epochs_done: int = 0
    history: list[dict[str, float]] = field(default_factory=list)
    best: BestTracker = field(default_factory=BestTracker)  # the early-stopping quantity
    best_risk: BestTracker = field(default_factory=BestTracker)  # validation risk loss

    def save(self, path: Path, net: nn.Module, optimiser: torch.optim.Optimizer) -> None:
        """Write the state with `net`'s weights and `optimiser`'s moments to `path`
        (written aside, then renamed: an interrupted save never leaves half a file)."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        torch.save(
            {
                "model": net.state_dict(),
                "optimiser": optimiser.state_dict(),
                "epoch": self.epochs_done - 1,  # the last finished epoch, 0-based
                "history": self.history,
                "best_loss": self.best.value,
                "best_epoch": self.best.epoch,
                "stale": self.best.stale,
                "best_risk_loss": self.best_risk.value,
                "best_risk_epoch": self.best_risk.epoch,
            },
            tmp,
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, net: nn.Module, optimiser: torch.optim.Optimizer) -> TrainState:
        """Restore `net` and `optimiser` from a state written by `save` and return the
        rest (runs saved before the risk tracker existed resume with no best risk epoch)."""
        try:
            saved = torch.load(path, map_location="cpu", weights_only=True)
            net.load_state_dict(saved["model"])
            optimiser.load_state_dict(saved["optimiser"])
            return cls(
                epochs_done=int(saved["epoch"]) + 1,
                history=list(saved["history"]),
                best=BestTracker(saved["best_loss"], saved["best_epoch"], saved["stale"]),
                best_risk=BestTracker(
                    saved.get("best_risk_loss", math.inf), saved.get("best_risk_epoch", -1)
                ),
            )
        except FileNotFoundError:
            raise TrainingError(f"{path.parent}: no {path.name} to resume from") from None
        except (
            pickle.UnpicklingError,
            RuntimeError,
            EOFError,
            OSError,
            KeyError,
            TypeError,
            ValueError,
        ) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise TrainingError(f"{path}: cannot resume from it ({reason})") from None


def saved_config(run_dir: Path) -> TrainConfig:
    """The recipe a run was trained with; refuses a directory with nothing to resume."""
    if not (run_dir / LAST_CHECKPOINT).exists():
        raise TrainingError(f"{run_dir}: no {LAST_CHECKPOINT} to resume from")
    path = run_dir / CONFIG_FILE
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise TrainingError(f"{path}: cannot be read to resume the run ({exc})") from None
    return TrainConfig.from_dict(data, str(path))


def check_resumable(run_dir: Path, saved: TrainConfig, config: TrainConfig) -> None:
    """Refuse a recipe for resuming that differs from the saved one in more than
    `RESUMABLE_FIELDS`, naming the fields: the resumed run would no longer be this run.
    `config` is compared once the data have filled in its labels and V_t columns."""
    changed = [
        f"{f.name} {getattr(saved, f.name)!r} -> {getattr(config, f.name)!r}"
        for f in dataclasses.fields(TrainConfig)
        if f.name not in RESUMABLE_FIELDS and getattr(saved, f.name) != getattr(config, f.name)
    ]
    if changed:
        raise TrainingError(
            f"{run_dir}: a resumed run keeps its recipe, but {'; '.join(changed)}; only "
            f"{', '.join(RESUMABLE_FIELDS)} may change (train a new run in another --out)"
        )
