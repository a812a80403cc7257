"""Screenshots of the staff pages at phone and tablet sizes, portrait and landscape, in
headless Chromium, to look at before a release (does anything overflow, is every band
readable, does the sideline grid reflow).

    python tools/screenshots.py --sideline 'http://pi.local:8080/?pin=123456' \\
        --host http://127.0.0.1:8000 --token tl_s_… --out shots/

Writes one PNG per page and viewport, e.g. shots/sideline-phone-portrait.png.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.browser import BrowserMissing, open_chromium  # noqa: E402

# CSS pixels: a common phone (iPhone 13/14) and tablet (iPad 10.2").
VIEWPORTS = {"phone": (390, 844), "tablet": (810, 1080)}
HOST_PAGES = ("/squad", "/sessions")


def capture(
    out: Path, sideline: str | None, host: str | None, token: str | None, athlete: str | None
) -> list[Path]:
    """Every page in every viewport; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for device, (width, height) in VIEWPORTS.items():
        for orientation, (w, h) in (("portrait", (width, height)), ("landscape", (height, width))):
            chrome = open_chromium(w, h, mobile=True)
            try:
                if sideline:
                    chrome.get(sideline)
                    time.sleep(2.5)  # the first server-sent event draws the cards
                    written.append(_shot(chrome, out / f"sideline-{device}-{orientation}.png"))
                if host and token:
                    chrome.get(f"{host}/login")
                    chrome.find_element("id", "token").send_keys(token)
                    chrome.find_element("css selector", "form.login button").click()
                    pages = [*HOST_PAGES, *([f"/athletes/{athlete}"] if athlete else [])]
                    for path in pages:
                        chrome.get(host + path)
                        name = path.strip("/").replace("/", "-")
                        written.append(_shot(chrome, out / f"{name}-{device}-{orientation}.png"))
            finally:
                chrome.quit()
    return written


def _shot(chrome, path: Path) -> Path:
    chrome.save_screenshot(str(path))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sideline", help="the sideline page's URL with ?pin=…")
    parser.add_argument("--host", help="the host's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--token", help="a staff token for the host pages")
    parser.add_argument("--athlete", help="also capture this athlete's page")
    parser.add_argument("--out", type=Path, default=Path("shots"))
    args = parser.parse_args()
    if not args.sideline and not (args.host and args.token):
        parser.error("give --sideline URL, or --host URL with --token, or both")
    try:
        for path in capture(args.out, args.sideline, args.host, args.token, args.athlete):
            print(path)
    except BrowserMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
