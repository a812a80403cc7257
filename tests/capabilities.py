"""Capabilities some tests need from the machine: PostgreSQL, Chromium, gcc, LiteRT.

On a developer's machine a missing one skips those tests with a reason. Under CI
(`CI=true`, as `.ci/run` is invoked) it fails them instead, so CI can never pass with
whole groups of checks quietly skipped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_capability(reason: str, *, module_level: bool = False) -> NoReturn:
    """Skip the test (or module) for `reason`; under CI, fail it instead."""
    if in_ci():
        pytest.fail(f"CI expects this capability: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)


# The LiteRT converter's own environment (tools/check_litert.py), built by .ci/litert.sh.
LITERT_VENV_ENV = "TOUCHLINE_LITERT_VENV"


def litert_environment() -> Path:
    """The environment that holds litert-torch and ai-edge-litert beside the host; where
    none was built, the LiteRT tests skip (fail under CI)."""
    named = os.environ.get(LITERT_VENV_ENV)
    if not named:
        missing_capability(
            f"{LITERT_VENV_ENV} is not set (source .ci/services.sh to build the LiteRT "
            "converter's environment, or run python tools/check_litert.py)"
        )
    env = Path(named)
    if not (env / "bin" / "python").is_file():
        missing_capability(f"{LITERT_VENV_ENV}={named} holds no Python environment")
    return env
