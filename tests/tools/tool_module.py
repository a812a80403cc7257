"""A script under tools/ loaded as a module, for the tests of that script."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_tool(path: Path) -> ModuleType:
    """`path` executed as module `tool_<stem>`, registered in `sys.modules` so that the
    dataclasses it defines can look their module up by name."""
    name = f"tool_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
