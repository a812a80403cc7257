"""Dependencies point host -> edge -> firmware_bridge; the sideline never needs torch."""

import subprocess
import sys

import pytest

FORBIDDEN = {
    "firmware_bridge": ("torch", "host", "edge"),
    "edge": ("torch", "host"),
}


def _modules_of(package: str) -> list[str]:
    import importlib
    import pkgutil

    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        names.append(info.name)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_forbidden(package: str) -> None:
    # A fresh interpreter, so nothing imported by other tests hides a violation.
    code = (
        "import importlib, sys\n"
        f"for name in {_modules_of(package)!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN[package]!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{package} imports {out.stdout.strip()}"
