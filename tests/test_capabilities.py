"""Under CI a missing capability fails its tests; elsewhere it skips them."""

from __future__ import annotations

import pytest

from tests.capabilities import missing_capability


def test_a_missing_capability_skips_on_a_developer_machine(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no gcc"):
        missing_capability("no gcc")


def test_a_missing_capability_fails_under_ci(monkeypatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI expects this capability: no gcc"):
        missing_capability("no gcc")
