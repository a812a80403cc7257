"""Every exception Touchline defines descends from TouchlineError (firmware_bridge/errors.py),
so callers catch one base and the command line reports every UserError the same way."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("firmware_bridge", "edge", "host")
BUILTIN_EXCEPTIONS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}
OURS = {"TouchlineError", "UserError"}


def _base_names(node: ast.ClassDef) -> set[str]:
    names = set()
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.add(base.id)
        elif isinstance(base, ast.Attribute):
            names.add(base.attr)
    return names


def _rooted_elsewhere(root: Path, package: str) -> list[str]:
    """Classes deriving straight from a built-in exception without one of our two roots
    (TouchlineError itself aside)."""
    stray = []
    for path in sorted((root / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = _base_names(node)
            if bases & BUILTIN_EXCEPTIONS and not bases & OURS and node.name != "TouchlineError":
                stray.append(f"{path.relative_to(root)}:{node.lineno} {node.name}")
    return stray


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exception_class_has_touchline_error_at_its_root(package: str) -> None:
    assert _rooted_elsewhere(ROOT, package) == []


def test_the_check_finds_a_stray_class(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(
        "class Fine(UserError, ValueError): ...\n"
        "class Derived(Fine): ...\n"
        "class Stray(RuntimeError): ...\n"
    )
    assert _rooted_elsewhere(tmp_path, "pkg") == ["pkg/m.py:3 Stray"]
