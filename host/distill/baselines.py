"""MiniRocket + ridge and Hydra: the strong, cheap time-series baselines the student must
match per ms.

MiniRocket (Dempster et al. 2021): 10 000 random dilated convolution features, then a
ridge classifier with cross-validated regularisation; aeon provides the transform,
scikit-learn the rest. Hydra (Dempster et al. 2023): competing groups of random
convolutional kernels counted per group, then the same kind of ridge; aeon's classifier
with its defaults (8 kernels × 64 groups).
"""

from __future__ import annotations

import numpy as np
from aeon.classification.convolution_based import HydraClassifier
from aeon.transformations.collection.convolution_based import MiniRocket
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from host.distill.config import MINIROCKET_KERNELS, RIDGE_ALPHAS


def minirocket_ridge(seed: int = 0, n_kernels: int = MINIROCKET_KERNELS) -> Pipeline:
    """An unfitted MiniRocket → scaler → RidgeClassifierCV pipeline over `(N, C, T)` input."""
    return make_pipeline(
        MiniRocket(n_kernels=n_kernels, n_jobs=1, random_state=seed),
        StandardScaler(with_mean=False),
        RidgeClassifierCV(alphas=np.array(RIDGE_ALPHAS)),
    )


def fit_minirocket(
    inputs: np.ndarray, labels: np.ndarray, seed: int = 0, n_kernels: int = MINIROCKET_KERNELS
) -> Pipeline:
    """Fit the baseline on prepared windows (the same ones the student sees)."""
    model = minirocket_ridge(seed, n_kernels)
    model.fit(np.ascontiguousarray(inputs, dtype=np.float32), labels)
    return model


def fit_hydra(inputs: np.ndarray, labels: np.ndarray, seed: int = 0) -> HydraClassifier:
    """Fit Hydra (aeon defaults, one thread) on prepared windows."""
    model = HydraClassifier(n_jobs=1, random_state=seed)
    model.fit(np.ascontiguousarray(inputs, dtype=np.float32), labels)
    return model
