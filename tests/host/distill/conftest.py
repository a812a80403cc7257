"""Fixtures of the distillation tests: one small dataset and one distilled student."""

from __future__ import annotations

import pytest
from signature_data import distil_fixture

from host.data.dataset import Dataset
from host.distill.pipeline import DistillResult


@pytest.fixture(scope="session")
def distilled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, DistillResult]:
    return distil_fixture(tmp_path_factory)
