#!/usr/bin/env python3
"""Check the `.tflite` path of the student in an environment of its own: install the host
with the litert-torch converter, convert a trained student, and check LiteRT against torch
and onnxruntime (tests/host/export/test_tflite.py), then run the host's pydantic, FastAPI,
typer and bundle tests beside the converter.

    python tools/check_litert.py                      # temporary environment, removed after
    python tools/check_litert.py --venv ../litvenv    # kept there and reused next time
    python tools/check_litert.py --venv ../litvenv --build-only   # install, test nothing
    python tools/check_litert.py --venv ../litvenv --no-install   # test what is installed

CI builds the environment once under .ci-cache/ (.ci/litert.sh) and the test suite runs the
checks in it (tests/tools/test_check_litert.py), so a LiteRT that cannot run fails CI.

Exits 1 on failure and says which step failed. Separate because litert-torch pulls
transformers, torchao, jax and a LiteRT converter (≈ 0.9 GB) and, through that converter,
pins typing-extensions below 4.13, which takes pydantic back to 2.11: the project's own
environment (`make install`) stays without it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]
# First and alone: any other torch requirement makes pip fetch the multi-GB CUDA build.
TORCH = "torch==2.13.0"
HOST_EXTRAS = "edge,host,dev,litert"
CONVERTER_MODULE = "test_tflite"
CONVERTER_TESTS = [f"tests/host/export/{CONVERTER_MODULE}.py"]
# Everything that validates with pydantic or serves through FastAPI/typer, with the
# converter's older pydantic and typing-extensions.
HOST_TESTS = [
    "tests/host/api",
    "tests/edge/test_config.py",
    "tests/edge/test_bundle.py",
    "tests/edge/test_cli.py",
    "tests/edge/test_models_store.py",
    "tests/host/data/test_dataset.py",
    "tests/host/export/test_export.py",
    "tests/host/export/test_cli.py",
    "tests/host/export/test_edge_parity.py",
]
# Written into a built environment: what it was built from, so a rebuild installs nothing
# until pyproject.toml (or the pins here) change.
BUILT_FROM = "touchline-built-from"
WATCHED = ("pydantic", "pydantic-core", "typing-extensions", "anyio", "fastapi", "typer")


class StepFailed(Exception):
    """One step of the check failed; the message says which and why."""


def _run(cmd: list[str], step: str) -> str:
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise StepFailed(f"{step}: `{' '.join(cmd)}` exited {done.returncode}\n{tail}")
    return done.stdout


def _freeze(pip: Path) -> dict[str, str]:
    listed = _run([str(pip), "list", "--format=freeze"], "pip list")
    pairs = (line.split("==", 1) for line in listed.splitlines() if "==" in line)
    return {name.lower().replace("_", "-"): version for name, version in pairs}


def _pytest(python: Path, paths: list[str], junit: Path) -> dict[str, Counter[str]]:
    """Run pytest on `paths` in the environment; outcome counts per test module."""
    pytest = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    _run([*pytest, f"--junitxml={junit}", *paths], "tests in the environment")
    outcomes: dict[str, Counter[str]] = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        module = case.get("classname", "").split(".")
        name = next((part for part in module if part.startswith("test_")), ".".join(module))
        kinds = {child.tag for child in case} & {"skipped", "failure", "error"}
        outcomes.setdefault(name, Counter())[kinds.pop() if kinds else "passed"] += 1
    return outcomes


def _recipe() -> str:
    pyproject = (ROOT / "pyproject.toml").read_bytes()
    return hashlib.sha256(f"{TORCH} {HOST_EXTRAS}\n".encode() + pyproject).hexdigest()


def build(env_dir: Path) -> list[str]:
    """Build (or bring up to date) the environment at `env_dir`; lines to print."""
    stamp = env_dir / BUILT_FROM
    if stamp.exists() and stamp.read_text() == _recipe():
        return [f"ok   environment {env_dir}: built from this pyproject.toml, nothing to install"]
    if not (env_dir / "bin" / "python").exists():
        venv.create(env_dir, with_pip=True)
    pip = env_dir / "bin" / "pip"
    quiet = ["--quiet", "--disable-pip-version-check"]
    _run([str(pip), "install", *quiet, TORCH], "install torch")
    _run([str(pip), "install", *quiet, "-e", f"{ROOT}[{HOST_EXTRAS}]"], "install the host")
    before = _freeze(pip)
    _run(
        [str(pip), "install", *quiet, "-e", f"{ROOT}[{HOST_EXTRAS},litert-convert]"],
        "install the litert-torch converter",
    )
    after = _freeze(pip)
    changed = [
        f"{name} {before[name]} -> {after[name]}"
        for name in sorted(before)
        if name in after and after[name] != before[name]
    ]
    added = sorted(set(after) - set(before))
    _run([str(pip), "check"], "pip check")
    stamp.write_text(_recipe())
    return [
        f"ok   environment {env_dir}: litert-torch {after.get('litert-torch')}, "
        f"ai-edge-litert {after.get('ai-edge-litert')}, torch {after.get('torch')}, "
        f"numpy {after.get('numpy')}",
        f"ok   the converter added {len(added)} packages and changed: "
        + (", ".join(changed) or "nothing"),
        "ok   pip check: no broken requirement ("
        + ", ".join(f"{name} {after[name]}" for name in WATCHED if name in after)
        + ")",
    ]


def verify(env_dir: Path, host_tests: bool = True) -> list[str]:
    """Run the converter's tests (and, with `host_tests`, the host's) in the built
    environment; lines to print. Fails when any converter test skips: that is LiteRT not
    running."""
    python = env_dir / "bin" / "python"
    if not python.exists():
        raise StepFailed(f"no environment at {env_dir}: build it first (without --no-install)")
    lines: list[str] = []
    chosen = [*CONVERTER_TESTS, *HOST_TESTS] if host_tests else CONVERTER_TESTS
    outcomes = _pytest(python, chosen, env_dir / "junit.xml")
    converter = outcomes.pop(CONVERTER_MODULE, Counter())
    if converter["skipped"] or not converter["passed"]:
        raise StepFailed(
            f"conversion and LiteRT parity: {converter['passed']} passed, "
            f"{converter['skipped']} skipped (is litert-torch importable?)"
        )
    lines.append(f"ok   conversion, LiteRT vs torch and onnxruntime: {converter['passed']} passed")
    if not host_tests:
        return lines
    host = sum(outcomes.values(), Counter())
    lines.append(
        f"ok   host tests with the converter installed: {host['passed']} passed, "
        f"{host['skipped']} skipped ({' '.join(HOST_TESTS)})"
    )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venv", type=Path, help="environment to build or reuse (kept)")
    steps = parser.add_mutually_exclusive_group()
    steps.add_argument("--build-only", action="store_true", help="install, run no test")
    steps.add_argument("--no-install", action="store_true", help="test the --venv as it is")
    parser.add_argument(
        "--converter-only",
        action="store_true",
        help="skip the host's own tests in the environment (the suite's check: they run in .venv)",
    )
    args = parser.parse_args()
    if (args.build_only or args.no_install) and args.venv is None:
        parser.error("--build-only and --no-install need --venv")
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # the build host is shared
    try:
        if args.venv:
            env_dir = args.venv.resolve()
            lines = [] if args.no_install else build(env_dir)
            if not args.build_only:
                lines += verify(env_dir, host_tests=not args.converter_only)
        else:
            with tempfile.TemporaryDirectory(prefix="touchline-litert-venv-") as tmp:
                venv_dir = Path(tmp) / "venv"
                lines = build(venv_dir) + verify(venv_dir, host_tests=not args.converter_only)
    except StepFailed as exc:
        print(f"FAIL: {exc}")
        return 1
    print("\n".join(lines))
    if args.build_only:
        print(f"BUILT: the converter environment at {env_dir}")
    else:
        print("PASS: the .tflite path converts, matches and runs on the sideline's LiteRT backend")
    return 0


if __name__ == "__main__":
    sys.exit(main())
