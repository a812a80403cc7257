"""`TrainState` round-trips through last.pt, reads runs saved before the risk tracker, and
a resumed recipe may change how long the run goes on and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from host.models.config import TrainConfig
from host.training.errors import TrainingError
from host.training.state import TrainState, check_resumable, saved_config
from host.training.tracking import BestTracker


def _model_and_optimiser(seed: int) -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(seed)
    net = nn.Linear(3, 2)
    optimiser = torch.optim.AdamW(net.parameters(), lr=1e-2)
    net(torch.ones(4, 3)).sum().backward()
    optimiser.step()
    return net, optimiser


def test_state_round_trips_with_weights_and_optimiser(tmp_path: Path) -> None:
    net, optimiser = _model_and_optimiser(0)
    state = TrainState(
        epochs_done=3,
        history=[{"epoch": 1.0, "val_loss": 0.7}],
        best=BestTracker(0.7, 1, 2),
        best_risk=BestTracker(0.4, 2, 1),
    )
    state.save(tmp_path / "last.pt", net, optimiser)
    other, other_optimiser = _model_and_optimiser(1)
    back = TrainState.load(tmp_path / "last.pt", other, other_optimiser)
    assert back.epochs_done == 3 and back.history == state.history
    assert back.best == BestTracker(0.7, 1, 2)
    assert (back.best_risk.value, back.best_risk.epoch) == (0.4, 2)
    assert torch.equal(other.weight, net.weight)
    moments = other_optimiser.state_dict()["state"][0]["exp_avg"]
    assert torch.equal(moments, optimiser.state_dict()["state"][0]["exp_avg"])
    assert not (tmp_path / "last.pt.tmp").exists()


def test_a_checkpoint_from_before_the_risk_tracker_resumes(tmp_path: Path) -> None:
    net, optimiser = _model_and_optimiser(0)
    old = {
        "model": net.state_dict(),
        "optimiser": optimiser.state_dict(),
        "epoch": 4,
        "history": [],
        "best_loss": 0.5,
        "best_epoch": 3,
        "stale": 2,
    }
    torch.save(old, tmp_path / "last.pt")
    state = TrainState.load(tmp_path / "last.pt", *_model_and_optimiser(1))
    assert state.epochs_done == 5 and state.best == BestTracker(0.5, 3, 2)
    assert state.best_risk.epoch == -1


def test_an_unreadable_checkpoint_is_named(tmp_path: Path) -> None:
    (tmp_path / "last.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(TrainingError, match="last.pt: cannot resume from it"):
        TrainState.load(tmp_path / "last.pt", *_model_and_optimiser(0))
    with pytest.raises(TrainingError, match="no last.pt to resume from"):
        saved_config(tmp_path / "elsewhere")


def test_a_resumed_recipe_may_only_change_how_long_it_runs(tmp_path: Path) -> None:
    saved = TrainConfig(max_epochs=4, seed=2)
    check_resumable(tmp_path, saved, saved.replace(max_epochs=9, time_budget_min=5.0))
    with pytest.raises(TrainingError, match=r"seed 2 -> 3.*only max_epochs"):
        check_resumable(tmp_path, saved, saved.replace(seed=3, max_epochs=9))
    with pytest.raises(TrainingError, match="learning_rate"):
        check_resumable(tmp_path, saved, saved.replace(learning_rate=1.0))
