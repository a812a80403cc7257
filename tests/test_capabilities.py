"""Under CI a missing capability fails its tests; elsewhere it skips them."""

from __future__ import annotations

import pytest

from tests.capabilities import LITERT_VENV_ENV, litert_environment, missing_capability


def test_a_missing_capability_skips_on_a_developer_machine(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no gcc"):
        missing_capability("no gcc")


def test_a_missing_capability_fails_under_ci(monkeypatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI expects this capability: no gcc"):
        missing_capability("no gcc")


def test_the_litert_environment_is_a_capability(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv(LITERT_VENV_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception, match=f"{LITERT_VENV_ENV} is not set"):
        litert_environment()
    monkeypatch.setenv(LITERT_VENV_ENV, str(tmp_path))  # a folder, but no environment
    with pytest.raises(pytest.fail.Exception, match="holds no Python environment"):
        litert_environment()
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").write_text("")
    assert litert_environment() == tmp_path
