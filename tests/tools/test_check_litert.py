"""tools/check_litert.py: the `.tflite` path checked in the LiteRT converter's own
environment, which .ci/litert.sh builds for CI (a missing one fails under CI=true)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.capabilities import litert_environment
from tests.tools.tool_module import load_tool

TOOL = Path(__file__).resolve().parents[2] / "tools" / "check_litert.py"


def _check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # trains a student and converts it in the environment
def test_the_litert_check_passes_in_the_converter_environment() -> None:
    # The host's own tests already run in .venv; here only what needs the converter.
    done = _check("--venv", str(litert_environment()), "--no-install", "--converter-only")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    # every test of tests/host/export/test_tflite.py ran there (the tool fails on a skip)
    converted = re.search(r"conversion, LiteRT vs torch and onnxruntime: (\d+) passed", done.stdout)
    assert converted is not None and int(converted.group(1)) >= 6, done.stdout
    assert done.stdout.rstrip().endswith("runs on the sideline's LiteRT backend")


def test_checking_an_environment_never_built_fails_naming_it(tmp_path: Path) -> None:
    done = _check("--venv", str(tmp_path / "none"), "--no-install")
    assert done.returncode == 1
    assert done.stdout.startswith(f"FAIL: no environment at {tmp_path / 'none'}")


def test_an_environment_built_from_this_pyproject_is_not_reinstalled(tmp_path: Path) -> None:
    tool = load_tool(TOOL)
    (tmp_path / tool.BUILT_FROM).write_text(tool._recipe())
    assert tool.build(tmp_path) == [
        f"ok   environment {tmp_path}: built from this pyproject.toml, nothing to install"
    ]
    assert not (tmp_path / "bin").exists()  # no venv made, no pip run


def test_an_environment_built_from_another_pyproject_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = load_tool(TOOL)
    (tmp_path / tool.BUILT_FROM).write_text("0" * 64)
    ran: list[list[str]] = []

    def refuse(cmd: list[str], step: str) -> str:
        ran.append(cmd)
        raise tool.StepFailed(step)

    monkeypatch.setattr(tool.venv, "create", lambda *args, **kwargs: None)
    monkeypatch.setattr(tool, "_run", refuse)
    with pytest.raises(tool.StepFailed, match="install torch"):
        tool.build(tmp_path)
    assert ran == [
        [
            str(tmp_path / "bin" / "pip"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            tool.TORCH,
        ]
    ]


def test_build_only_and_no_install_need_an_environment_to_name() -> None:
    done = _check("--build-only")
    assert done.returncode == 2 and "--build-only and --no-install need --venv" in done.stderr
