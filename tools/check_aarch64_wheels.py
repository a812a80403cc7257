"""Check that every dependency of the `edge` extra installs from binary wheels on a
Raspberry Pi (linux aarch64, CPython 3.11), so the sideline never compiles anything.

    python tools/check_aarch64_wheels.py [--python-version 3.11] [--keep DIR]

Reads the `edge` extra from pyproject.toml and runs
`pip download --only-binary=:all: --platform manylinux2014_aarch64 --python-version 3.11
--implementation cp` for it (pip resolves the whole dependency tree for that platform and
fails if any package has no wheel). Prints every wheel it got and exits non-zero when a
dependency would need building from source. Needs network access to the package index.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# manylinux2014 covers glibc 2.17+; newer tags (manylinux_2_28) are accepted as well so
# wheels built only for current Pi OS (glibc 2.36) count.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64", "manylinux_2_34_aarch64")


def edge_requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["edge"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python-version", default="3.11")
    parser.add_argument("--keep", type=Path, help="keep the downloaded wheels here")
    args = parser.parse_args()
    requirements = sorted(set(edge_requirements()))
    with tempfile.TemporaryDirectory() as tmp:
        dest = args.keep or Path(tmp)
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            "--implementation",
            "cp",
            "--python-version",
            args.python_version,
            "--dest",
            str(dest),
            *[arg for platform in PLATFORMS for arg in ("--platform", platform)],
            *requirements,
        ]
        print(
            "$ pip download --only-binary=:all: --platform manylinux2014_aarch64 "
            f"(+ manylinux_2_28/2_34) --python-version {args.python_version} "
            f"<edge extra: {len(requirements)} requirements>"
        )
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stderr.strip().splitlines()[-1] if result.stderr else "pip failed")
            print("FAIL: at least one edge dependency has no linux aarch64 wheel")
            return 1
        wheels = sorted(p.name for p in dest.iterdir() if p.suffix == ".whl")
        for wheel in wheels:
            print(f"  {wheel}")
        not_binary = [w for w in wheels if not (w.endswith("-any.whl") or "aarch64" in w)]
        if not_binary:
            print(f"FAIL: unexpected wheels {not_binary}")
            return 1
        print(f"OK: {len(wheels)} wheels, every edge dependency installs on a Pi without compiling")
    return 0


if __name__ == "__main__":
    sys.exit(main())
