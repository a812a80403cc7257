"""Fixtures of the export tests: distilled students, from the distillation tests' data."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from host.data.dataset import Dataset
from host.distill.pipeline import DistillResult
from host.export.bundle import ExportResult, export_run
from host.signing import ClubKey, load_or_create_key


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
def one_cnn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, DistillResult]:
    """The fixture student of one CNN (`touchline distill --cnn-members 1`)."""
    return _signature_data().distil_fixture(tmp_path_factory, cnn_members=1)


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The club key directory of these tests (never the user's own)."""
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(autouse=True)
def _club_key_dir(key_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`touchline export` and `touchline key` read Settings.key_dir from the environment."""
    monkeypatch.setenv("TOUCHLINE_KEY_DIR", str(key_dir))


@pytest.fixture(scope="session")
def club_key(key_dir: Path) -> ClubKey:
    return load_or_create_key(key_dir)[0]


@pytest.fixture(scope="session")
def exported(distilled: tuple[Dataset, DistillResult], club_key: ClubKey) -> ExportResult:
    _, result = distilled
    return export_run(result.out_dir.parent, version="test-1", signing_key=club_key)
