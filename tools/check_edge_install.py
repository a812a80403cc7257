#!/usr/bin/env python3
"""Install `touchline[edge]` into a brand-new virtual environment and check the sideline
gets no torch and a working `edge` command.

    python tools/check_edge_install.py            # exits 1 on failure, says why

The Pi installs exactly this; torch there would cost hundreds of MB and minutes of boot.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("torch", "torchvision", "torchaudio")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="touchline-edge-venv-") as tmp:
        env_dir = Path(tmp) / "venv"
        venv.create(env_dir, with_pip=True)
        bin_dir = env_dir / "bin"
        subprocess.run(
            [bin_dir / "pip", "install", "--quiet", "--disable-pip-version-check", f"{ROOT}[edge]"],
            check=True,
        )
        listed = subprocess.run(
            [bin_dir / "pip", "list", "--format=freeze"], check=True, capture_output=True, text=True
        ).stdout
        installed = {line.split("==")[0].lower() for line in listed.splitlines()}
        bad = [name for name in FORBIDDEN if name in installed]
        if bad:
            print(f"FAIL: the edge extra installed {', '.join(bad)}")
            return 1
        help_text = subprocess.run(
            [bin_dir / "edge", "--help"], check=True, capture_output=True, text=True
        ).stdout
        if "Usage: edge" not in help_text:
            print("FAIL: `edge --help` printed no usage")
            return 1
        print(f"ok: {len(installed)} packages, none of {', '.join(FORBIDDEN)}; `edge --help` works")
    return 0


if __name__ == "__main__":
    sys.exit(main())
