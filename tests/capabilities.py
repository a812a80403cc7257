"""Capabilities some tests need from the machine: PostgreSQL, Chromium, gcc, LiteRT.

On a developer's machine a missing one skips those tests with a reason. Under CI
(`CI=true`, as `.ci/run` is invoked) it fails them instead, so CI can never pass with
whole groups of checks quietly skipped.
"""

from __future__ import annotations

import os
import time
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


# The LiteRT converter's own environment (tools/check_litert.py), built by .ci/litert.sh,
# in the background: the status file appears when the build has finished.
LITERT_VENV_ENV = "TOUCHLINE_LITERT_VENV"
LITERT_STATUS_ENV = "TOUCHLINE_LITERT_BUILD_STATUS"
LITERT_BUILD_WAIT_S = 20 * 60


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
    status = os.environ.get(LITERT_STATUS_ENV)
    if status:
        outcome = _wait_for(Path(status), LITERT_BUILD_WAIT_S)
        if not outcome.startswith("ok"):
            missing_capability(f"the LiteRT converter's environment did not build: {outcome}")
    if not (env / "bin" / "python").is_file():
        missing_capability(f"{LITERT_VENV_ENV}={named} holds no Python environment")
    return env


def _wait_for(status: Path, timeout_s: float, poll_s: float = 5.0) -> str:
    """The status file's text once it exists, or a line saying the build is still going."""
    deadline = time.monotonic() + timeout_s
    while not status.exists():
        if time.monotonic() >= deadline:
            return f"still building after {timeout_s:.0f} s (no {status})"
        time.sleep(poll_s)
    return status.read_text().strip()
