"""Cross-validation grouped by athlete: K folds (the paper reports 10 for risk), and
leave-one-athlete-out for squads too small for a steady 70/15/15 split of athletes.

Each fold retrains the whole model from scratch on the other athletes, with its own
validation athletes for early stopping, and scores on the fold's athletes only.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np

from host.data.ts_file import ts_task
from host.device import Compute
from host.evaluation import metrics
from host.evaluation.bootstrap import cluster_bootstrap, on_items
from host.evaluation.evaluate import PREDICTIONS_FILE, evaluate_run
from host.evaluation.results import Result
from host.evaluation.splits import grouped_folds, leave_one_athlete_out
from host.models.config import TrainConfig
from host.risk.features import FeatureSettings
from host.train import train
from host.training.rundir import RUN_FILE
from host.training.task import athlete_weeks

CV_FILE = "crossval.json"
LOAO_FILE = "loao.json"
FOLD_METRICS = ("accuracy", "macro_f1", "auc", "high_risk_recall", "sensitivity", "specificity")


class FoldScores(Result):
    """One grouped fold scored on its test athletes; risk scores are NaN where the fold's
    run had no risk split, oracle AUC where the data has no true hazard."""

    fold: int
    accuracy: float
    macro_f1: float
    auc: float
    high_risk_recall: float
    sensitivity: float
    specificity: float
    oracle_auc: float
    # The teacher's IMU companion weight this fold chose on its validation athletes
    # (None: the run has no companion).
    companion_weight: float | None = None


class Spread(Result):
    """Mean, sample standard deviation and range of one metric over the folds."""

    mean: float
    sd: float
    min: float
    max: float


class MacroF1Scores(Result):
    """Accuracy and macro-F1 with its 95 % interval on `n` test clips."""

    n: int
    accuracy: float
    macro_f1: float
    macro_f1_low: float
    macro_f1_high: float


class PooledScores(MacroF1Scores):
    """Every fold's test predictions scored together; the interval is over athletes."""

    athletes: int


class CrossValidation(Result):
    """`crossval.json`: K folds grouped by athlete. A metric no fold could score (risk on
    data without weeks) has no spread (None)."""

    folds: list[FoldScores]
    summary: dict[str, Spread | None]
    pooled: PooledScores
    synthetic: bool
    grouping: str
    seed: int


class AthleteFold(MacroF1Scores):
    """One leave-one-athlete-out fold: the held-out athlete's clips; the interval is over
    its clips (one athlete: nothing else to resample)."""

    fold: int
    athlete: str
    companion_weight: float | None = None  # as in FoldScores


class LeaveOneAthleteOut(Result):
    """`loao.json`: one fold per athlete and the pooled score of all of them."""

    folds: list[AthleteFold]
    pooled: PooledScores
    fold_macro_f1_mean: float
    synthetic: bool
    grouping: str
    seed: int


def cross_validate(
    data: Path,
    out: Path,
    config: TrainConfig,
    folds: int = 10,
    resamples: int = 200,
    show_progress: bool = True,
    groups: Path | None = None,
    features: FeatureSettings | None = None,
    compute: Compute | None = None,
    cache_mb: float = 0,
) -> CrossValidation:
    """Train and score `folds` grouped folds under `out/fold-K`; summary, and the pooled
    macro-F1 of all folds' predictions with an interval over athletes, in
    `out/crossval.json`. `data` is a dataset directory or a `.ts` file with its `groups`;
    `compute` and `cache_mb` are training's and evaluation's (see `host.train.train`)."""
    clip_groups, week_groups, seed, synthetic = _athletes(data, config, groups)
    plans = grouped_folds(clip_groups, week_groups, folds, seed)
    rows: list[FoldScores] = []
    run_dirs: list[Path] = []
    for k, plan in enumerate(plans, start=1):
        run_dir = out / f"fold-{k:02d}"
        train(
            data,
            run_dir,
            config,
            plan=plan,
            show_progress=show_progress,
            groups=groups,
            features=features,
            compute=compute,
            cache_mb=cache_mb,
        )
        result = evaluate_run(
            run_dir, data, resamples=resamples, compute=compute, cache_mb=cache_mb
        )
        run_dirs.append(run_dir)
        risk = result.risk
        oracle = risk.oracle_auc if risk is not None else None
        rows.append(
            FoldScores(
                fold=k,
                accuracy=result.actions.accuracy,
                macro_f1=result.actions.macro_f1,
                **{
                    name: getattr(risk, name) if risk is not None else float("nan")
                    for name in FOLD_METRICS[2:]
                },
                oracle_auc=float("nan") if oracle is None else oracle,
                companion_weight=_companion_weight(run_dir),
            )
        )
    summary: dict[str, Spread | None] = {}
    for name in (*FOLD_METRICS, "oracle_auc"):
        values = np.array([getattr(row, name) for row in rows], dtype=float)
        finite = values[np.isfinite(values)]
        summary[name] = (
            Spread(
                mean=float(finite.mean()),
                sd=float(finite.std(ddof=1)) if len(finite) > 1 else 0.0,
                min=float(finite.min()),
                max=float(finite.max()),
            )
            if len(finite)
            else None
        )
    report = CrossValidation(
        folds=rows,
        summary=summary,
        pooled=_pooled(run_dirs, resamples, config.seed),
        synthetic=synthetic,
        grouping="athlete",
        seed=seed,
    )
    _write(out / CV_FILE, report)
    return report


def _athletes(
    data: Path, config: TrainConfig, groups: Path | None
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """(athlete of each clip, athlete of each labelled week, split seed, synthetic)."""
    if Path(data).suffix == ".ts":
        _, task, _ = ts_task(Path(data), config, groups=groups)
        return task.clip_athletes, np.zeros(0, str), config.seed, False
    from host.data.dataset import load_dataset
    from host.data.shards import ShardIndex

    dataset = load_dataset(data)
    identity = ShardIndex.of(dataset).identity  # ids only: the signals stay on disk
    return (
        identity.athlete_id,
        athlete_weeks(dataset, clips=identity).athlete_id,
        dataset.manifest.splits.seed,
        dataset.manifest.synthetic,
    )


def _predictions(run_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(label, predicted label, athlete) of each test clip a fold's run saved."""
    with np.load(run_dir / PREDICTIONS_FILE) as saved:
        return saved["clip_label"], saved["clip_predicted"], saved["clip_athlete"]


def _companion_weight(run_dir: Path) -> float | None:
    """The blend weight of the fold run's IMU companion, as its run.json records it."""
    info = json.loads((run_dir / RUN_FILE).read_text())
    return float(info["companion"]["weight"]) if "companion" in info else None


def _write(path: Path, report: CrossValidation | LeaveOneAthleteOut) -> None:
    """Save a cross-validation report as JSON beside its fold runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.model_dump_json(indent=2))


def _pooled(run_dirs: list[Path], resamples: int, seed: int) -> PooledScores:
    """Macro-F1 of every fold's test predictions together, 95 % interval over athletes."""
    parts = [_predictions(run_dir) for run_dir in run_dirs]
    y, pred, athlete = (np.concatenate([p[i] for p in parts]) for i in range(3))
    n_labels = int(max(y.max(initial=0), pred.max(initial=0))) + 1
    value, low, high = cluster_bootstrap(
        lambda i: metrics.macro_f1(y[i], pred[i], n_labels), athlete, resamples, seed
    )
    return PooledScores(
        n=len(y),
        athletes=len(np.unique(athlete)),
        accuracy=metrics.accuracy(y, pred),
        macro_f1=value,
        macro_f1_low=low,
        macro_f1_high=high,
    )


def leave_one_athlete_out_cv(
    data: Path,
    out: Path,
    config: TrainConfig,
    resamples: int = 1000,
    groups: Path | None = None,
    show_progress: bool = True,
    features: FeatureSettings | None = None,
    compute: Compute | None = None,
    cache_mb: float = 0,
) -> LeaveOneAthleteOut:
    """One fold per athlete under `out/athlete-K`: train on the others (early stopping on
    validation athletes drawn from them), score the held-out athlete. Reports each fold's
    macro-F1 with an interval over its clips (one athlete: nothing else to resample) and
    the pooled macro-F1 of every fold's predictions with an interval over athletes; the
    summary goes to `out/loao.json`. `data` is a dataset directory or a `.ts` file with its
    `groups` file."""
    clip_groups, week_groups, seed, synthetic = _athletes(data, config, groups)
    plans = leave_one_athlete_out(clip_groups, week_groups, seed)
    folds: list[AthleteFold] = []
    run_dirs: list[Path] = []
    for k, plan in enumerate(plans, start=1):
        run_dir = out / f"athlete-{k:02d}"
        train(
            data,
            run_dir,
            config,
            plan=plan,
            show_progress=show_progress,
            groups=groups,
            features=features,
            compute=compute,
            cache_mb=cache_mb,
        )
        evaluate_run(run_dir, data, resamples=0, compute=compute, cache_mb=cache_mb)
        run_dirs.append(run_dir)
        y, pred, athlete = _predictions(run_dir)
        value, low, high = cluster_bootstrap(
            on_items(partial(metrics.macro_f1, n_labels=0), y, pred),
            np.arange(len(y)).astype(str),
            resamples,
            config.seed,
        )
        folds.append(
            AthleteFold(
                fold=k,
                athlete=str(athlete[0]) if len(athlete) else "",
                n=len(y),
                accuracy=metrics.accuracy(y, pred),
                macro_f1=value,
                macro_f1_low=low,
                macro_f1_high=high,
                companion_weight=_companion_weight(run_dir),
            )
        )
    report = LeaveOneAthleteOut(
        folds=folds,
        pooled=_pooled(run_dirs, resamples, config.seed),
        fold_macro_f1_mean=float(np.mean([f.macro_f1 for f in folds])),
        synthetic=synthetic,
        grouping="leave one athlete out",
        seed=seed,
    )
    _write(out / LOAO_FILE, report)
    return report
