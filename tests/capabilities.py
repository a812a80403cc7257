"""Capabilities some tests need from the machine: PostgreSQL, Chromium, gcc.

On a developer's machine a missing one skips those tests with a reason. Under CI
(`CI=true`, as `.ci/run` is invoked) it fails them instead, so CI can never pass with
whole groups of checks quietly skipped.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_capability(reason: str, *, module_level: bool = False) -> NoReturn:
    """Skip the test (or module) for `reason`; under CI, fail it instead."""
    if in_ci():
        pytest.fail(f"CI expects this capability: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)
