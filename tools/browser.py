"""Headless Chromium through Selenium, for the browser tests and tools/screenshots.py.

Debian's `chromium` and `chromium-driver` packages (apt-get install chromium
chromium-driver) are used as installed; nothing is downloaded at run time.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
DRIVERS = ("chromedriver", "/usr/lib/chromium/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--hide-scrollbars",
    "--disable-background-networking",
)


class BrowserMissing(RuntimeError):
    """Selenium, Chromium or its driver is not installed; says which."""


def _first(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name) or (name if Path(name).is_file() else None)
        if found:
            return found
    return None


def open_chromium(width: int = 1280, height: int = 900, *, mobile: bool = False) -> WebDriver:
    """A headless Chromium whose page is exactly `width` x `height` CSS pixels (a phone or
    tablet viewport, touch-sized, with `mobile`)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise BrowserMissing("selenium is not installed (pip install selenium)") from None
    browser, driver = _first(BROWSERS), _first(DRIVERS)
    if browser is None:
        raise BrowserMissing("Chromium is not installed (apt-get install chromium)")
    if driver is None:
        raise BrowserMissing("chromedriver is not installed (apt-get install chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    chrome = webdriver.Chrome(options=options, service=Service(driver))
    chrome.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )
    if mobile:
        chrome.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    return chrome
