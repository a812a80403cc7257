"""Fixtures of the export tests: a distilled student, from the distillation tests' data."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from host.data.dataset import Dataset
from host.distill.pipeline import DistillResult
from host.export.bundle import ExportResult, export_run


def _signature_data():
    """tests/host/distill/signature_data.py, shared by both test directories."""
    if "signature_data" not in sys.modules:
        path = Path(__file__).parents[1] / "distill" / "signature_data.py"
        spec = importlib.util.spec_from_file_location("signature_data", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["signature_data"] = module
        spec.loader.exec_module(module)
    return sys.modules["signature_data"]


@pytest.fixture(scope="session")
def distilled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, DistillResult]:
    return _signature_data().distil_fixture(tmp_path_factory)


@pytest.fixture(scope="session")
def exported(distilled: tuple[Dataset, DistillResult]) -> ExportResult:
    _, result = distilled
    return export_run(result.out_dir.parent, version="test-1")
