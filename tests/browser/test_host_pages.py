"""The host's staff pages in headless Chromium against a running `touchline serve` app."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from host.db.engine import engine_for, session_scope
from host.db.tokens import Role, create_token
from tests.host.web.seed import seed_squad

ROWS = "table.sortable tbody tr"


def _staff_token(settings) -> str:
    with session_scope(engine_for(settings.database_url)) as db:
        return create_token(db, Role.STAFF)


def test_visitor_sees_only_the_login_then_staff_see_the_squad_in_api_order(
    chrome, live_host, settings
) -> None:
    seed_squad(settings.database_url)
    token = _staff_token(settings)
    chrome.get(f"{live_host}/squad")
    assert chrome.current_url.startswith(f"{live_host}/login")
    assert chrome.find_elements(By.CSS_SELECTOR, ROWS) == []
    assert "A07" not in chrome.page_source and "Log out" not in chrome.page_source

    chrome.find_element(By.ID, "token").send_keys(token)
    chrome.find_element(By.CSS_SELECTOR, "form.login button").click()
    WebDriverWait(chrome, 20).until(lambda c: c.current_url == f"{live_host}/squad")
    shown = [
        row.get_attribute("data-athlete") for row in chrome.find_elements(By.CSS_SELECTOR, ROWS)
    ]
    api = httpx.get(
        f"{live_host}/api/v1/squad/risk", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert shown == [player["athlete_id"] for player in api["players"]]
    first = chrome.find_element(By.CSS_SELECTOR, ROWS)
    assert "▲▲ high" in first.text  # the band in words and symbols, not only colour

    chrome.find_element(By.XPATH, "//th/button[text()='probability']").click()
    ascending = [
        row.get_attribute("data-athlete") for row in chrome.find_elements(By.CSS_SELECTOR, ROWS)
    ]
    assert ascending == list(reversed(shown))

    chrome.find_element(By.LINK_TEXT, "A07").click()
    WebDriverWait(chrome, 20).until(lambda c: c.current_url.endswith("/athletes/A07"))
    assert "Risk history" in chrome.page_source and "thigh" in chrome.page_source
    chrome.find_element(By.XPATH, "//button[text()='Log out']").click()
    WebDriverWait(chrome, 20).until(lambda c: "/login" in c.current_url)
    chrome.get(f"{live_host}/sessions")
    assert "/login" in chrome.current_url


def test_a_table_wider_than_the_screen_says_it_scrolls(chrome, live_host, settings) -> None:
    seed_squad(settings.database_url)
    chrome.get(f"{live_host}/login")
    chrome.find_element(By.ID, "token").send_keys(_staff_token(settings))
    chrome.find_element(By.CSS_SELECTOR, "form.login button").click()
    WebDriverWait(chrome, 20).until(lambda c: c.current_url == f"{live_host}/squad")
    hint = "return getComputedStyle(document.querySelector('.scroll'), '::before').content"
    assert chrome.execute_script(hint) == "none"  # the squad fits a laptop's width
    _viewport(chrome, 390, 844)  # a phone: drivers and trend are off the edge
    WebDriverWait(chrome, 10).until(lambda c: "Swipe the table sideways" in c.execute_script(hint))
    _viewport(chrome, 1024, 900)
    WebDriverWait(chrome, 10).until(lambda c: c.execute_script(hint) == "none")


def _viewport(chrome, width: int, height: int) -> None:
    chrome.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
