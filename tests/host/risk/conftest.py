"""Fixtures of the risk tests: the small squad of `squad.py` written as a dataset directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.host.risk.squad import squad_frames, write_squad


@pytest.fixture
def squad_dir(tmp_path: Path) -> Path:
    return write_squad(tmp_path / "squad", squad_frames())
