"""Open a Touchline HTML report in headless Chromium, screenshot it, and check it rendered.

A page "renders" when Chromium loads it, its DOM still holds every embedded figure, and the
screenshot is not blank. Look at the screenshot too: this checks the page draws, not that
it reads well.

    python tools/check_report_renders.py runs/small/report.html --screenshot report.png
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from matplotlib import image

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--hide-scrollbars",
)


class RenderError(RuntimeError):
    """The page did not load, lost its figures, or drew nothing."""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def check_renders(
    page: Path, screenshot: Path, width: int = 1200, height: int = 4000, timeout_s: float = 120.0
) -> dict[str, int | float]:
    """Screenshot `page` and return what was checked; raises RenderError if it did not render."""
    browser = find_chromium()
    if browser is None:
        raise RenderError("no Chromium found (Debian: apt-get install chromium)")
    url = page.resolve().as_uri()
    expected_figures = page.read_text(encoding="utf-8").count('src="data:image/png;base64,')
    with tempfile.TemporaryDirectory() as profile:
        common = [browser, *FLAGS, f"--user-data-dir={profile}"]
        dom = subprocess.run(
            [*common, "--dump-dom", url], capture_output=True, text=True, timeout=timeout_s
        )
        if dom.returncode != 0 or "<body" not in dom.stdout:
            raise RenderError(
                f"{page}: Chromium could not load the page ({dom.stderr.strip()[-300:]})"
            )
        shot = subprocess.run(
            [
                *common,
                f"--screenshot={screenshot.resolve()}",
                f"--window-size={width},{height}",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    if shot.returncode != 0 or not screenshot.exists():
        raise RenderError(f"{page}: no screenshot ({shot.stderr.strip()[-300:]})")
    rendered_figures = dom.stdout.count("data:image/png;base64,")
    if rendered_figures < expected_figures:
        raise RenderError(
            f"{page}: {expected_figures} figures in the file, {rendered_figures} in the DOM"
        )
    pixels = image.imread(screenshot)[..., :3]
    ink = float((pixels.mean(axis=2) < 0.9).mean())  # share of non-white pixels
    colours = len(np.unique((pixels * 15).astype(np.uint8).reshape(-1, 3), axis=0))
    if ink < 0.01 or colours < 8:
        raise RenderError(f"{page}: the screenshot is blank ({ink:.1%} ink, {colours} colours)")
    return {"figures": rendered_figures, "ink": ink, "colours": colours}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--screenshot", type=Path, default=Path("report.png"))
    args = parser.parse_args()
    try:
        checked = check_renders(args.page, args.screenshot)
    except (RenderError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{args.page}: rendered, {checked['figures']} figures, {checked['ink']:.1%} ink; "
        f"screenshot {args.screenshot}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
