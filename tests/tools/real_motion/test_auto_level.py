"""tools/real_motion/auto_level.py: each level keeps the family its share allows, scored
on the fold's test athletes (the family `auto` kept by the auto row itself); near-ties go
to the most cautious level; runs lacking rows or shares are refused."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from host.distill.family import FamilyChoice
from tests.tools.tool_module import load_tool

TOOL = Path(__file__).resolve().parents[3] / "tools" / "real_motion" / "auto_level.py"
HYDRA = "Hydra student (16 groups, 8x pooled, 8 augmented copies, seed {seed})"


def _choice(kept: str, share: float) -> str:
    """As the benchmark records an auto row's pick."""
    held_out = {"cnn": 0.900, "hydra": 0.950}
    choice = FamilyChoice(kept, "", held_out, {"hydra": (0.05, -0.01, 0.09)}, {"hydra": share})
    return _benchmark().choice_summary(choice)


@cache
def _benchmark() -> ModuleType:
    return load_tool(TOOL.with_name("benchmark.py"))


def _run(
    shares: list[list[float]], cnn: list[float], hydra: list[float], cnn_row: str = "default"
) -> dict:
    """A benchmark run: family rows, and auto rows that score what the family they kept
    scores, fold by fold."""
    rows = []
    for seed, seed_shares in enumerate(shares):
        rows.append({"model": f"student ({cnn_row}, seed {seed})", "fold_macro_f1": cnn})
        rows.append({"model": HYDRA.format(seed=seed), "fold_macro_f1": hydra})
        kept = ["hydra" if s >= 0.975 else "cnn" for s in seed_shares]
        scores = [(hydra if k == "hydra" else cnn)[fold] for fold, k in enumerate(kept)]
        picks = [_choice(k, s) for k, s in zip(kept, seed_shares, strict=True)]
        rows.append(
            {
                "model": f"student auto (seed {seed})",
                "fold_macro_f1": scores,
                "chosen_per_fold": picks,
            }
        )
    return {"rows": rows}


def test_each_level_keeps_hydra_where_its_share_reaches_it() -> None:
    tool = load_tool(TOOL)
    run = _run([[0.85, 0.99], [0.6, 0.92]], cnn=[0.70, 0.80], hydra=[0.74, 0.78])
    folds = tool.fold_seeds(run, run)
    assert [f.share for f in folds] == [0.85, 0.99, 0.6, 0.92]
    assert tool.score_at(0.975, folds) == (pytest.approx((0.70 + 0.78 + 0.70 + 0.80) / 4), 1)
    assert tool.score_at(0.8, folds) == (pytest.approx((0.74 + 0.78 + 0.70 + 0.78) / 4), 3)
    assert tool.score_at(0.5, folds)[1] == 4


def test_the_best_level_over_sets_and_near_ties_go_to_the_most_cautious() -> None:
    tool = load_tool(TOOL)
    hydra_pays = tool.fold_seeds(*[_run([[0.7, 0.9]], cnn=[0.5, 0.5], hydra=[0.9, 0.9])] * 2)
    cnn_pays = tool.fold_seeds(*[_run([[0.7, 0.9]], cnn=[0.9, 0.9], hydra=[0.5, 0.5])] * 2)
    assert tool.best_level([hydra_pays]) == 0.5
    assert tool.best_level([cnn_pays]) == 0.975
    # Gains and losses cancel over the two sets: every level ties, the most cautious wins.
    assert tool.best_level([hydra_pays, cnn_pays]) == 0.975


def test_runs_without_family_rows_or_shares_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tool = load_tool(TOOL)
    run = _run([[0.9]], cnn=[0.7], hydra=[0.8])
    without_hydra = {"rows": [r for r in run["rows"] if not r["model"].startswith("Hydra")]}
    # auto kept the CNN on the one fold: scoring the Hydra pick needs the Hydra row.
    with pytest.raises(tool.LevelError, match="seed 0, fold 1: auto kept cnn; no hydra row"):
        tool.fold_seeds(run, without_hydra)
    run["rows"][-1]["chosen_per_fold"] = ["cnn (cnn 0.9 hydra 0.8; hydra -0.1 [-0.2, 0.0])"]
    with pytest.raises(tool.LevelError, match="seed 0, fold 1: no share"):
        tool.fold_seeds(run, run)
    with pytest.raises(tool.LevelError, match="no `student auto` rows"):
        tool.fold_seeds(without_hydra | {"rows": []}, run)
    # From the command line: one table row per level, and the level kept.
    path = tmp_path / "run.json"
    path.write_text(json.dumps(_run([[0.9]], cnn=[0.7], hydra=[0.8])))
    tool.main([str(path)])
    out = capsys.readouterr().out
    assert "| 0.5 | 0.8000 (Hydra 1/1) | 0.8000 |" in out and "| 0.975 | 0.7000 (Hydra 0/1)" in out
    assert out.rstrip().endswith("level kept: 0.9")  # 0.5-0.9 tie: the most cautious


def test_the_kept_familys_score_is_the_auto_rows_and_the_cnn_row_is_named() -> None:
    tool = load_tool(TOOL)
    # Auto's pair (another CNN row than the family run's one CNN) kept on both folds.
    auto = _run([[0.4, 0.96]], cnn=[0.88, 0.90], hydra=[0.80, 0.93], cnn_row="pair")
    families = _run([[0.4, 0.96]], cnn=[0.70, 0.70], hydra=[0.80, 0.93])  # one CNN's rows
    family_rows = {"rows": [r for r in families["rows"] if not r["model"].startswith("student (")]}
    folds = tool.fold_seeds(auto, family_rows, "student (pair, seed {seed})")
    assert [(f.cnn, f.hydra) for f in folds] == [(0.88, 0.80), (0.90, 0.93)]
    # Where auto kept the Hydra student, the CNN's score must come from the named row.
    auto["rows"][-1]["chosen_per_fold"][1] = _choice("hydra", 0.99)
    auto["rows"][-1]["fold_macro_f1"][1] = 0.93
    with pytest.raises(tool.LevelError, match="auto kept hydra; no cnn row"):
        tool.fold_seeds(auto, family_rows, "student (pair, seed {seed})")
    folds = tool.fold_seeds(auto, auto, "student (pair, seed {seed})")
    assert folds[1].cnn == 0.90 and folds[1].hydra == 0.93


def test_the_hydra_row_is_named_so_a_run_holding_two_hydra_students_scores_the_chosen_one() -> None:
    tool = load_tool(TOOL)
    # auto kept the CNN on both folds; the run also holds the Hydra student reading the
    # proportions, whose rows score the other pick when named.
    run = _run([[0.4, 0.6]], cnn=[0.80, 0.80], hydra=[0.70, 0.75])
    proportions = (
        "Hydra student (16 groups, 8x pooled, 8 augmented copies, proportions, seed {seed})"
    )
    run["rows"].append({"model": proportions.format(seed=0), "fold_macro_f1": [0.85, 0.90]})
    assert [f.hydra for f in tool.fold_seeds(run, run)] == [0.70, 0.75]
    named = tool.fold_seeds(run, run, hydra_row=proportions)
    assert [(f.cnn, f.hydra) for f in named] == [(0.80, 0.85), (0.80, 0.90)]
    assert tool.score_at(0.5, named) == (pytest.approx(0.85), 1)  # fold 2: 0.6 reaches 0.5
