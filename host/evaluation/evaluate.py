"""Score a trained run on its held-out test part: actions on unseen athletes, risk on the
run's risk split, each with athlete-level bootstrap 95 % intervals, per class, per scene,
and the oracle AUC of the simulator's true hazard on the same athlete-weeks."""

from __future__ import annotations

import dataclasses
import json
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch

from host.data.ts_file import ts_task
from host.device import Compute
from host.evaluation import metrics
from host.evaluation.bootstrap import cluster_bootstrap, on_items
from host.evaluation.results import (
    ActionScores,
    Checkpoint,
    Checkpoints,
    Interval,
    RiskScores,
    RunEvaluation,
    SceneScores,
)
from host.evaluation.splits import Split, SplitError, SplitPlan
from host.models.run import LoadedRun, load_run
from host.risk.features import FeatureSettings
from host.training.objective import embed, risk_probabilities
from host.training.rundir import BEST_CHECKPOINT, BEST_RISK_CHECKPOINT, SPLITS_FILE
from host.training.task import TaskData, load_task_data, week_members

EVALUATION_FILE = "evaluation.json"
# Per-item test predictions beside the scores, so runs on the same splits can be compared
# item by item (paired differences in `touchline ablate`).
PREDICTIONS_FILE = "predictions.npz"


def _interval(value: tuple[float, float, float]) -> Interval:
    return Interval(value=value[0], low=value[1], high=value[2])


def _embed(
    run: LoadedRun, task: TaskData, clips: np.ndarray, compute: Compute | None
) -> tuple[torch.Tensor, torch.Tensor, dict[int, int]]:
    """Fused features and attention weights of `clips`, and each clip's row in them."""
    needed = np.unique(clips).astype(np.int64)
    fused, weights = embed(
        run.model, task.arrays, needed, run.config, task.stats.rates, compute=compute
    )
    return fused, weights, {int(c): i for i, c in enumerate(needed)}


def predict_test(
    run: LoadedRun,
    task: TaskData,
    part: str = "test",
    risk_run: LoadedRun | None = None,
    compute: Compute | None = None,
) -> dict[str, np.ndarray]:
    """Action predictions for the part's clips (the network's, blended with the run's IMU
    companion where it has one) and risk probabilities for its athlete-weeks (from
    `risk_run`, the run's best-risk checkpoint, when given), computed where the models
    were moved to (`compute`: its precision; default the models' device in fp32)."""
    clip_index = getattr(task.plan.actions, part)
    week_rows = getattr(task.plan.risk, part)
    members = week_members(task.weekly)
    week_clips = np.concatenate([members[r] for r in week_rows] or [np.zeros(0, np.int64)])
    # One pass when one model scores both heads; with a risk checkpoint each model
    # embeds only the clips its head reads.
    action_clips = clip_index if risk_run else np.union1d(clip_index, week_clips)
    fused, weights, position = _embed(run, task, action_clips, compute)
    rows = [position[int(c)] for c in clip_index]
    with torch.no_grad():
        logits = run.model.action_head(fused[rows]).cpu()
    proba = torch.softmax(logits, 1).numpy()
    predicted = logits.argmax(1).numpy()
    if run.companion is not None:  # the teacher's IMU companion blended in
        proba = run.companion.blend(proba, run.companion.input_of(task, clip_index))
        predicted = proba.argmax(1)
    p = np.zeros(0)
    if len(week_rows):
        if risk_run is not None:
            fused, _, position = _embed(risk_run, task, week_clips, compute)
        p = risk_probabilities((risk_run or run).model, task, week_rows, fused, position)
    return {
        "clip_index": clip_index,
        "predicted": predicted,
        "proba": proba,
        "attention": weights[rows].cpu().numpy(),
        "week_rows": week_rows,
        "risk": p,
    }


def score(
    run: LoadedRun,
    task: TaskData,
    truth: Any | None,
    checkpoints: Checkpoints,
    resamples: int = 1000,
    seed: int = 0,
    risk_run: LoadedRun | None = None,
    compute: Compute | None = None,
) -> tuple[RunEvaluation, dict[str, np.ndarray]]:
    """All test metrics of a run with intervals, and the per-item test predictions they
    came from; `truth` is the dataset's true hazard table, `checkpoints` the weights each
    head was scored with."""
    labels = run.labels
    with torch.no_grad():
        out = predict_test(run, task, risk_run=risk_run, compute=compute)
    index = out["clip_index"]
    y, pred = task.labels[index], out["predicted"]
    athletes = task.clip_athletes[index]
    n_labels = len(labels)
    report = metrics.action_report(y, pred, labels)
    accuracy_ci = cluster_bootstrap(on_items(metrics.accuracy, y, pred), athletes, resamples, seed)
    macro_f1_ci = cluster_bootstrap(
        on_items(partial(metrics.macro_f1, n_labels=n_labels), y, pred), athletes, resamples, seed
    )
    per_scene = {}
    for s, name in enumerate(run.info.get("scenes", [])):
        mask = task.scenes[index] == s
        if mask.any():
            ys, ps = y[mask], pred[mask]
            scene_ci = cluster_bootstrap(
                on_items(metrics.accuracy, ys, ps),
                athletes[mask],
                resamples,
                seed,
            )
            attention = out["attention"][mask].mean(0).tolist()
            per_scene[name] = SceneScores(
                n=int(mask.sum()),
                accuracy=metrics.accuracy(ys, ps),
                accuracy_ci=_interval(scene_ci),
                macro_f1=metrics.macro_f1(ys, ps, n_labels),
                attention=dict(zip(run.model_config.branches, attention, strict=True)),
            )
    actions = ActionScores(
        **dict(report),
        accuracy_ci=_interval(accuracy_ci),
        macro_f1_ci=_interval(macro_f1_ci),
        n=int(len(index)),
        athletes=int(len(np.unique(athletes))),
        per_scene=per_scene,
    )
    rows = out["week_rows"]
    result = RunEvaluation(
        actions=actions,
        risk=_risk_scores(task, rows, out["risk"], truth, resamples, seed) if len(rows) else None,
        synthetic=run.synthetic,
        split=task.plan.description,
        run=str(run.run_dir),
        checkpoints=checkpoints,
        data_hash=run.info.get("data_hash"),
    )
    predictions = {
        "clip_index": index,
        "clip_label": y,
        "clip_predicted": pred,
        "clip_athlete": athletes.astype(str),
        "week_rows": rows,
        "week_label": task.weekly.label[rows],
        "week_risk": out["risk"],
        "week_athlete": task.weekly.athlete_id[rows].astype(str),
    }
    return result, predictions


def _risk_scores(
    task: TaskData,
    rows: np.ndarray,
    p: np.ndarray,
    truth: Any | None,
    resamples: int,
    seed: int,
) -> RiskScores:
    """Risk scores of the test athlete-weeks `rows`, with intervals over athletes and the
    simulator's oracle beside them where the data has its true hazard."""
    y = task.weekly.label[rows]
    week_athletes = task.weekly.athlete_id[rows]
    auc_ci = cluster_bootstrap(lambda i: metrics.auc(y[i], p[i]), week_athletes, resamples, seed)
    recall_ci = cluster_bootstrap(
        lambda i: metrics.high_risk_recall(y[i], p[i]), week_athletes, resamples, seed
    )
    oracle_auc = oracle_recall = None
    if truth is not None:
        hazard = truth.set_index(["athlete_id", "week"])["hazard"]
        keys = list(zip(week_athletes.tolist(), task.weekly.week[rows].tolist(), strict=True))
        oracle = np.array([hazard.get(k, np.nan) for k in keys], dtype=float)
        known = np.isfinite(oracle)
        if known.any():
            oracle_auc = metrics.auc(y[known], oracle[known])
            oracle_recall = metrics.high_risk_recall(y[known], oracle[known])
    return RiskScores(
        **dict(metrics.risk_report(y, p)),
        auc_ci=_interval(auc_ci),
        high_risk_recall_ci=_interval(recall_ci),
        oracle_auc=oracle_auc,
        oracle_high_risk_recall=oracle_recall,
    )


def only_athletes(plan: SplitPlan, groups: np.ndarray, athletes: list[str]) -> SplitPlan:
    """The plan with its test part cut down to `athletes`, each of whom must be held out
    in it: scoring an athlete the model trained on would flatter it."""
    test = plan.actions.test
    held = set(groups[test].tolist())
    trained = [a for a in athletes if a not in held]
    if trained:
        raise SplitError(
            f"--test-athletes: {', '.join(trained)} not in this run's test part "
            f"(held out: {', '.join(sorted(held))}); train with --test-athletes to hold them out"
        )
    chosen = test[np.isin(groups[test], athletes)]
    return SplitPlan(
        Split(plan.actions.train, plan.actions.val, chosen),
        plan.risk,
        f"{plan.description}; scored on {', '.join(athletes)}",
    )


def evaluate_run(
    run_dir: Path,
    data: Path | None = None,
    resamples: int = 1000,
    write: bool = True,
    test_athletes: list[str] | None = None,
    compute: Compute | None = None,
    cache_mb: float = 0,
) -> RunEvaluation:
    """Score the run on its own saved test split (only `test_athletes` of it, when given)
    and write `evaluation.json` beside it. The models run on `compute`'s device (default
    the CPU); with `cache_mb` above 0 the clips stream from their shards."""
    from host.data.dataset import load_dataset

    compute = compute or Compute()
    run = load_run(run_dir)
    run.model.to(compute.device)
    plan = SplitPlan.from_dict(json.loads((Path(run_dir) / SPLITS_FILE).read_text()))
    source = Path(data or run.info["data"])
    if run.info.get("format") == "ts":
        groups = Path(run.info["groups"]) if run.info.get("groups") else None
        _, task, _ = ts_task(source, run.config, plan=plan, stats=run.stats, groups=groups)
        truth = None
    else:
        dataset = load_dataset(source)
        task = load_task_data(
            dataset,
            run.config,
            plan,
            run.stats,
            run.weekly_normaliser,
            features=FeatureSettings.of_run(run.info),
            cache_mb=cache_mb,
        )
        truth = dataset.truth_hazard()
    if test_athletes:
        task = dataclasses.replace(
            task, plan=only_athletes(task.plan, task.clip_athletes, test_athletes)
        )
    risk_weights = Path(run_dir) / BEST_RISK_CHECKPOINT
    risk_run = load_run(run_dir, BEST_RISK_CHECKPOINT) if risk_weights.exists() else None
    if risk_run is not None:
        risk_run.model.to(compute.device)
    stop = run.info.get("stop", {})
    checkpoints = Checkpoints(
        actions=Checkpoint(file=BEST_CHECKPOINT, epoch=stop.get("best_epoch")),
        risk=Checkpoint(
            file=BEST_RISK_CHECKPOINT if risk_run else BEST_CHECKPOINT,
            epoch=stop.get("best_risk_epoch") if risk_run else stop.get("best_epoch"),
        ),
    )
    evaluation, predictions = score(
        run, task, truth, checkpoints, resamples, run.config.seed, risk_run, compute
    )
    if write:
        evaluation.save(Path(run_dir) / EVALUATION_FILE)
        # numpy's stub has an allow_pickle keyword, so mypy refuses any **dict of arrays.
        np.savez(Path(run_dir) / PREDICTIONS_FILE, **predictions)  # type: ignore[arg-type]
    return evaluation
