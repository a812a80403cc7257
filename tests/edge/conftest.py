"""Shared fixtures of the sideline tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from linear_bundle import toy_windows, train_bundle

from edge.bundle import Bundle, read_bundle


@pytest.fixture(scope="session")
def trained_bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    windows, labels = toy_windows(np.random.default_rng(0), n_per_class=40)
    return train_bundle(tmp_path_factory.mktemp("bundle") / "linear-1", windows, labels)


@pytest.fixture(scope="session")
def trained_bundle(trained_bundle_dir: Path) -> Bundle:
    return read_bundle(trained_bundle_dir)
