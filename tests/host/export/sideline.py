"""Run a script as the sideline does: a fresh interpreter in which torch cannot be imported,
so any hidden dependency of the edge on torch fails the test that uses it."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

_NO_TORCH = """
import importlib.abc, sys

class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "torch":
            raise ImportError("torch is not installed on the sideline")

sys.meta_path.insert(0, NoTorch())
"""


def run_without_torch(script: str, *args: str) -> Any:
    """Run `script` with `args` as `sys.argv[1:]` and return the JSON it prints."""
    out = subprocess.run(
        [sys.executable, "-c", _NO_TORCH + script, *args], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)
