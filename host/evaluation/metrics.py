"""Metrics of the paper (Eq. 14–16; AUC, high-risk recall) via scikit-learn, plus calibration.

High-risk recall is the share of actual next-week injuries whose predicted risk fell in
the paper's high band (P ≥ 0.65): the athletes staff would have been warned about.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from edge import taxonomy
from host.evaluation.results import ActionReport, Calibration, ClassScores, RiskReport, Roc

HIGH_RISK = dict(taxonomy.RISK_BANDS)["high"]


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(skm.accuracy_score(y_true, y_pred))


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_labels: int) -> float:
    """Macro-F1 over the classes present in the truth (absent classes would add zeros)."""
    present = np.unique(y_true)
    return float(skm.f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0))


def action_report(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> ActionReport:
    """Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix."""
    index = list(range(len(labels)))
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=index, zero_division=0
    )
    return ActionReport(
        accuracy=accuracy(y_true, y_pred),
        macro_f1=macro_f1(y_true, y_pred, len(labels)),
        per_class={
            label: ClassScores(
                precision=float(precision[i]),
                recall=float(recall[i]),
                f1=float(f1[i]),
                support=int(support[i]),
            )
            for i, label in enumerate(labels)
        },
        confusion=skm.confusion_matrix(y_true, y_pred, labels=index).tolist(),
    )


def auc(y_true: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC; NaN when only one class is present (an interval then says so)."""
    if len(np.unique(y_true)) < 2:
        return float("nan")
    return float(skm.roc_auc_score(y_true, p))


def high_risk_recall(y_true: np.ndarray, p: np.ndarray, threshold: float = HIGH_RISK) -> float:
    positives = y_true > 0.5
    if not positives.any():
        return float("nan")
    return float((p[positives] >= threshold).mean())


def risk_report(y_true: np.ndarray, p: np.ndarray, bins: int = 10) -> RiskReport:
    """AUC, high-risk recall, sensitivity/specificity at 0.5, Brier score, ROC and calibration
    (the last two only when both outcomes occur)."""
    y = (y_true > 0.5).astype(int)
    predicted = p >= 0.5
    roc, reliability = None, None
    if len(np.unique(y)) == 2:
        fpr, tpr, _ = skm.roc_curve(y, p)
        roc = Roc(fpr=fpr.tolist(), tpr=tpr.tolist())
        observed, predicted_mean = calibration_curve(y, p, n_bins=bins, strategy="quantile")
        reliability = Calibration(predicted=predicted_mean.tolist(), observed=observed.tolist())
    return RiskReport(
        auc=auc(y, p),
        high_risk_recall=high_risk_recall(y, p),
        brier=float(skm.brier_score_loss(y, p)) if len(y) else float("nan"),
        n=int(len(y)),
        positives=int(y.sum()),
        sensitivity=float(predicted[y == 1].mean()) if y.any() else float("nan"),
        specificity=float((~predicted[y == 0]).mean()) if (y == 0).any() else float("nan"),
        roc=roc,
        calibration=reliability,
    )
