"""`touchline nightly`: ingest → features → retrain (warm start) → evaluate on the newest
held-out weeks → (distil → export) → publish only what beats the current model.

The risk gate compares like with like: the candidate and the current head are scored only
on held-out weeks neither was trained on. A published head records its training cut-off
(`RiskHead.trained_on`, also in the registry's metrics); when that cut-off already covers
the held-out weeks (last night's head was fitted on every week), the current head's recipe
(its features and settings) is refitted on the candidate's training weeks instead, so an
incumbent never wins by being scored on weeks it learnt from.

One run at a time: an exclusive `flock` on the lock file, released by the kernel even if
the run is killed, so a crash never leaves a stale lock. Every step is logged to the
nightly log with its outcome, and a model that does not beat the current one is kept
out with the reason written down.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firmware_bridge.errors import UserError
from host.data.dataset import DatasetError, load_dataset
from host.db.engine import engine_for, session_scope
from host.db.models import ModelVersion, RiskPrediction, TrainingSession
from host.db.registry import latest_published, publish_bundle, record_model
from host.risk.bands import bands, high_threshold
from host.risk.drivers import top_drivers
from host.risk.evaluate import EvaluationError, auc, evaluate, time_ordered_split
from host.risk.features import LABEL, FeatureSettings
from host.risk.head import RiskHead
from host.risk.recipe import fit_calibrated
from host.risk.scoring import fit_until
from host.risk.service import current_features
from host.risk.store import holds_synthetic_data, import_dataset
from host.settings import Settings, get_settings

if TYPE_CHECKING:
    from host.device import Compute

log = logging.getLogger("touchline.nightly")

# A candidate risk head must raise held-out AUC by this much over the current one, without
# losing more than RECALL_TOLERANCE of high-risk recall.
MIN_AUC_GAIN = 0.0
RECALL_TOLERANCE = 0.05
# A candidate edge bundle must raise the student's test macro-F1 by this much.
MIN_F1_GAIN = 0.0


class NightlyLocked(UserError, RuntimeError):
    """Another nightly run holds the lock."""


@dataclass
class Decision:
    """Whether a candidate model was published, and why in one sentence."""

    published: bool
    reason: str
    version: str | None = None


@dataclass
class NightlyReport:
    started: str
    new_summaries: int
    imported: dict[str, int] = field(default_factory=dict)
    player_weeks: int = 0
    risk: Decision | None = None
    risk_metrics: dict[str, Any] = field(default_factory=dict)
    bundle: Decision | None = None

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["risk"] = None if self.risk is None else self.risk.__dict__
        out["bundle"] = None if self.bundle is None else self.bundle.__dict__
        return out


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold `path` exclusively for the block, or raise `NightlyLocked` at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise NightlyLocked(f"{path}: a nightly run is already going ({holder})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _logging_to(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()


def run_nightly(
    settings: Settings | None = None,
    *,
    data: Path | None = None,
    work_dir: Path | None = None,
    edge_model: bool = False,
) -> NightlyReport:
    """One nightly run. `data`: a dataset directory to import (and, with `edge_model`, to
    train the teacher on, distil and export a new sideline bundle on the settings' device,
    with their loader workers and stream cache)."""
    settings = settings or get_settings()
    compute = nightly_compute(settings) if edge_model else None  # refused before any work
    with exclusive_lock(settings.nightly_lock), _logging_to(settings.nightly_log):
        log.info("nightly run starts")
        try:
            report = _run(settings, data, work_dir, compute)
        except Exception:
            log.exception("nightly run failed; published models unchanged")
            raise
        log.info("nightly run done: %s", json.dumps(report.to_dict(), default=str))
        return report


def nightly_compute(settings: Settings) -> Compute:
    """Where the edge stage trains and distils: the settings' device, precision and loader
    workers (TOUCHLINE_DEVICE, TOUCHLINE_PRECISION, TOUCHLINE_LOADER_WORKERS)."""
    from host.device import Compute, DeviceError

    try:
        return Compute.choose(settings.device, settings.precision, settings.loader_workers)
    except DeviceError as exc:
        raise DeviceError(f"nightly (TOUCHLINE_DEVICE, TOUCHLINE_PRECISION): {exc}") from None


def _run(
    settings: Settings, data: Path | None, work_dir: Path | None, compute: Compute | None
) -> NightlyReport:
    """The nightly steps; the edge stage runs when `compute` (its device) is given."""
    engine = engine_for(settings.database_url)
    started = datetime.now(UTC)
    with session_scope(engine) as db:
        last = db.scalar(select(func.max(ModelVersion.created)).where(ModelVersion.kind == "risk"))
        query = (
            select(func.count())
            .select_from(TrainingSession)
            .where(TrainingSession.source == "summary")
        )
        if last is not None:
            query = query.where(TrainingSession.received > last)
        report = NightlyReport(
            started=started.isoformat(timespec="seconds"), new_summaries=int(db.scalar(query) or 0)
        )
        log.info("ingest: %d new synced summaries", report.new_summaries)
        if data is not None:
            dataset = load_dataset(data)
            report.imported = import_dataset(db, dataset)
            log.info("ingest: imported %s from %s", report.imported, data)
        features = current_features(db, settings)
        synthetic = holds_synthetic_data(db)
        report.player_weeks = len(features)
        log.info("features: %d player-weeks updated", len(features))

    report.risk, report.risk_metrics = _retrain_risk(settings, features, started, synthetic)
    log.info("risk head: %s", report.risk.reason)
    if compute is not None:
        report.bundle = _refresh_bundle(settings, data, work_dir, started, compute)
        log.info("edge bundle: %s", report.bundle.reason)
    return report


def _current_risk_head(settings: Settings) -> tuple[ModelVersion | None, RiskHead | None]:
    with session_scope(engine_for(settings.database_url)) as db:
        current = latest_published(db, "risk")
    if current is None or current.path is None or not Path(current.path).exists():
        return current, None
    return current, RiskHead.load(Path(current.path))


def risk_gate(
    new_auc: float, new_recall: float, current_auc: float | None, current_recall: float | None
) -> tuple[bool, str]:
    """Publish a candidate risk head only when its held-out AUC beats the current head's on
    the same weeks without losing more than `RECALL_TOLERANCE` of high-risk recall."""
    if not np.isfinite(new_auc):
        return False, (
            "not published: the held-out weeks hold no injury (or only injuries), "
            "so the candidate cannot be judged"
        )
    if current_auc is None or not np.isfinite(current_auc):
        return True, f"no current risk head; publishing (held-out AUC {new_auc:.3f})"
    if not new_auc > current_auc + MIN_AUC_GAIN:
        return False, (
            f"kept the current head: candidate held-out AUC {new_auc:.3f} does not "
            f"beat the current head's {current_auc:.3f} on the same weeks"
        )
    if current_recall is not None and new_recall < current_recall - RECALL_TOLERANCE:
        return False, (
            f"kept the current head: high-risk recall would fall from "
            f"{current_recall:.2f} to {new_recall:.2f}"
        )
    return True, f"published: held-out AUC {new_auc:.3f} beats the current {current_auc:.3f}"


def _score_current(
    head: RiskHead, features: pd.DataFrame, train: np.ndarray, test: np.ndarray
) -> dict[str, Any]:
    """The current head's held-out AUC, recall and Brier on weeks it never saw: as published
    when its training cut-off lies before the held-out weeks, else its recipe refitted on
    the candidate's training weeks."""
    first_test = int(features.index.get_level_values("week").to_numpy()[test].min())
    cut_off = None if head.trained_on is None else head.trained_on.last_week
    if cut_off is not None and cut_off < first_test:
        scored, how = head, "as published"
    else:
        scored = fit_calibrated(features, train, head.config, columns=head.features)
        how = "recipe refitted on the candidate's training weeks"
    x = features[scored.features].to_numpy(dtype=np.float64)[test]
    y = features[LABEL].to_numpy(dtype=np.float64)[test]
    p = scored.predict_proba(x)
    injured = y > 0.5
    high = high_threshold(scored.trained_on.base_rate) if scored.trained_on else np.inf
    value = auc(y, p)
    return {
        "auc": value if np.isfinite(value) else None,
        "high_risk_recall": float((p[injured] >= high).mean()) if injured.any() else None,
        "brier": float(np.mean((p - y) ** 2)),
        "scored": how,
        "trained_through": cut_off,
    }


def _retrain_risk(
    settings: Settings, features: pd.DataFrame, started: datetime, synthetic: bool
) -> tuple[Decision, dict[str, Any]]:
    current_row, current_head = _current_risk_head(settings)
    kept = current_row.version if current_row else None
    try:
        train, test = time_ordered_split(features, settings.risk_holdout_weeks)
        first_test = int(features.index.get_level_values("week").to_numpy()[test].min())
        # A warm start from a head that learnt the held-out weeks would carry them into
        # the candidate; only a head trained before them may seed it.
        seed = (
            current_head
            if (
                current_head is not None
                and current_head.trained_on is not None
                and current_head.trained_on.last_week < first_test
            )
            else None
        )
        candidate = evaluate(
            features,
            holdout_weeks=settings.risk_holdout_weeks,
            synthetic=synthetic,
            warm_start=seed,
        )
    except EvaluationError as exc:
        return Decision(False, f"kept the current head: {exc}", kept), {}
    metrics = candidate.to_dict()
    current_auc = current_recall = None
    if current_row is not None and current_head is not None:
        current = _score_current(current_head, features, train, test)
        metrics["current"] = {"version": current_row.version, **current}
        current_auc, current_recall = current["auc"], current["high_risk_recall"]
    publish, reason = risk_gate(
        candidate.head["auc"].value,
        candidate.head["high_risk_recall"].value,
        current_auc,
        current_recall,
    )
    if "current" in metrics:
        reason += f" (current head scored {metrics['current']['scored']})"
    if not publish:
        return Decision(False, reason, kept), metrics

    newest = int(features.index.get_level_values("week").max())
    final = fit_until(features, newest + 1, warm_start=candidate.model)
    metrics["published_trained_on"] = asdict(final.trained_on) if final.trained_on else None
    version = f"risk-{started.strftime('%Y%m%d-%H%M%S')}"
    settings.bundle_dir.mkdir(parents=True, exist_ok=True)
    path = settings.bundle_dir / f"{version}.json"
    final.save(path)
    with session_scope(engine_for(settings.database_url)) as db:
        record_model(db, version, "risk", metrics, synthetic=synthetic, path=path, publish=True)
        _store_predictions(db, features, final, newest, version)
    return Decision(True, reason, version), metrics


def _store_predictions(
    db: Session, features: pd.DataFrame, head: RiskHead, week: int, version: str
) -> None:
    now = features.xs(week, level="week")
    x = now[head.features].to_numpy(dtype=np.float64)
    probability = head.predict_proba(x)
    pushes = head.contributions(x)
    z = head.standardise(x).numpy()
    rated = bands(probability, head.trained_on)
    for i, athlete in enumerate(now.index):
        db.add(
            RiskPrediction(
                athlete_id=str(athlete),
                week=week,
                probability=float(probability[i]),
                band=rated[i],
                model_version=version,
                drivers={
                    "reasons": top_drivers(head.features, x[i], pushes[i], z[i]),
                    "change": None,
                },
            )
        )


def bundle_gate(candidate: dict[str, float], current: dict[str, float] | None) -> tuple[bool, str]:
    """Publish a new edge bundle only when its student's validation macro-F1 beats the
    current bundle's. Validation athletes, not test ones: the test split is for reporting,
    and deciding what ships on it night after night would tune on it."""
    new = candidate.get("val_macro_f1")
    if new is None:
        return False, "candidate bundle carries no val_macro_f1; not publishing"
    old = None if current is None else current.get("val_macro_f1")
    if old is None:
        return True, f"no comparable current bundle; publishing (student val macro-F1 {new:.3f})"
    if new > old + MIN_F1_GAIN:
        return True, f"published: student val macro-F1 {new:.3f} beats the current {old:.3f}"
    return False, (
        f"kept the current bundle: candidate val macro-F1 {new:.3f} does not beat "
        f"the current {old:.3f}"
    )


def _refresh_bundle(
    settings: Settings,
    data: Path | None,
    work_dir: Path | None,
    started: datetime,
    compute: Compute,
) -> Decision:
    """Teacher → student → bundle with the training, distillation and export stages;
    published only when the student beats the current bundle."""
    if data is None:
        return Decision(False, "no dataset given (--data); the edge bundle was not retrained")
    from edge.bundle import BundleError, read_bundle
    from host.distill.pipeline import DistillError, distill_run
    from host.distill.trained import StudentRunError
    from host.distill.windows import StudentDataError
    from host.export.bundle import ExportError, export_run
    from host.train import TrainingError, train

    version = started.strftime("%Y%m%d-%H%M%S")
    run_dir = (work_dir or settings.bundle_dir.parent / "runs") / f"nightly-{version}"
    # host.train offers resume of an interrupted run, not a warm start from last night's
    # teacher, so the teacher is trained afresh; the student and bundle follow from it.
    try:
        train(
            data,
            run_dir,
            show_progress=False,
            features=FeatureSettings.from_settings(settings),
            compute=compute,
            cache_mb=settings.stream_cache_mb,
        )
        distill_run(run_dir, data, compute=compute, stream=settings.stream_cache_mb > 0)
        exported = export_run(run_dir, None, data, False, version, key_dir=settings.key_dir)
        candidate = read_bundle(exported.archive).manifest
    except (
        DatasetError,
        TrainingError,
        DistillError,
        StudentRunError,
        StudentDataError,
        ExportError,
        BundleError,
    ) as exc:
        log.warning("edge bundle stage stopped: %s", exc)
        return Decision(False, f"kept the current bundle: {type(exc).__name__}: {exc}")
    with session_scope(engine_for(settings.database_url)) as db:
        current = latest_published(db, "bundle")
        publish, reason = bundle_gate(candidate.metrics, current.metrics if current else None)
        if publish:
            publish_bundle(
                db,
                exported.archive,
                candidate.version,
                candidate.metrics,
                synthetic=candidate.synthetic,
                bundle_dir=settings.bundle_dir,
            )
    return Decision(publish, reason, candidate.version if publish else None)
