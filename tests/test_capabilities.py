"""Under CI a missing capability fails its tests; elsewhere it skips them."""

from __future__ import annotations

import pytest

from tests import capabilities
from tests.capabilities import (
    LITERT_STATUS_ENV,
    LITERT_VENV_ENV,
    litert_environment,
    missing_capability,
)


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
    monkeypatch.delenv(LITERT_STATUS_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception, match=f"{LITERT_VENV_ENV} is not set"):
        litert_environment()
    monkeypatch.setenv(LITERT_VENV_ENV, str(tmp_path))  # a folder, but no environment
    with pytest.raises(pytest.fail.Exception, match="holds no Python environment"):
        litert_environment()
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").write_text("")
    assert litert_environment() == tmp_path


def _built_environment(monkeypatch, tmp_path, status: str | None):
    """An environment with a Python, and the background build's status file (or none)."""
    monkeypatch.setenv("CI", "true")
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").write_text("")
    monkeypatch.setenv(LITERT_VENV_ENV, str(tmp_path))
    status_file = tmp_path.with_suffix(".status")
    if status is not None:
        status_file.write_text(status)
    monkeypatch.setenv(LITERT_STATUS_ENV, str(status_file))


def test_a_background_build_that_finished_gives_the_environment(monkeypatch, tmp_path) -> None:
    _built_environment(monkeypatch, tmp_path, "ok: built or up to date in 3 s\n")
    assert litert_environment() == tmp_path


def test_a_background_build_that_failed_fails_under_ci_with_its_output(
    monkeypatch, tmp_path
) -> None:
    _built_environment(monkeypatch, tmp_path, "failed:\nFAIL: install torch\n")
    with pytest.raises(pytest.fail.Exception, match="did not build: failed:\nFAIL: install torch"):
        litert_environment()


def test_a_background_build_still_going_is_waited_for_then_named(monkeypatch, tmp_path) -> None:
    _built_environment(monkeypatch, tmp_path, None)
    monkeypatch.setattr(capabilities, "LITERT_BUILD_WAIT_S", 0.0)
    with pytest.raises(pytest.fail.Exception, match="still building after 0 s"):
        litert_environment()
