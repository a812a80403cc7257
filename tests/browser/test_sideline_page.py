"""The sideline page in headless Chromium against a running `edge record` of a virtual
squad: it shows the athletes and follows the actions as they are detected, and a staff
member marks a drill, enters an RPE and closes the session, which the store then holds."""

from __future__ import annotations

import json
import re

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from edge.marks import SessionMarks
from edge.store import Store

CARDS = "#cards article.card"


def _texts(chrome, selector: str, attribute: str = "textContent") -> list[str]:
    """Read in one script call: the cards are redrawn on every update, so element handles
    go stale between two WebDriver calls."""
    return chrome.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".map(e => e.getAttribute(arguments[1]) ?? e[arguments[1]]);",
        selector,
        attribute,
    )


def _actions_total(chrome) -> int:
    texts = _texts(chrome, "#cards .actions")
    return sum(int(n) for text in texts for n in re.findall(r"\b(\d+)\b", text))


def _enter_rpe(chrome, athlete: str, value: str) -> bool:
    """Type and save an RPE; False (try again) if the card was redrawn meanwhile."""
    try:
        form = chrome.find_element(By.CSS_SELECTOR, f'form.rpe[data-athlete="{athlete}"]')
        field = form.find_element(By.NAME, "rpe")
        field.click()  # a card holding the focus is not redrawn
        field.clear()
        field.send_keys(value)
        form.find_element(By.TAG_NAME, "button").click()
        return True
    except StaleElementReferenceException:
        return False


def _open(chrome, recording) -> None:
    chrome.get(recording.url + "/")
    assert chrome.find_elements(By.CSS_SELECTOR, CARDS) == []
    chrome.find_element(By.ID, "pin").send_keys(recording.pin)
    chrome.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(chrome, 20).until(lambda c: len(c.find_elements(By.CSS_SELECTOR, CARDS)) == 4)


def test_page_shows_the_squad_and_follows_detected_actions(chrome, start_recording) -> None:
    recording = start_recording()
    _open(chrome, recording)
    assert _texts(chrome, CARDS, "data-athlete") == ["V01", "V02", "V03", "V04"]
    first_card = _texts(chrome, CARDS)[0]
    assert "battery" in first_card and "PlayerLoad" in first_card
    assert "W ✓" in first_card  # link state in words, not only colour
    start_clock = chrome.find_element(By.ID, "clock").text
    WebDriverWait(chrome, 90).until(lambda c: _actions_total(c) >= 1)
    first = _actions_total(chrome)
    WebDriverWait(chrome, 90).until(lambda c: _actions_total(c) > first)
    assert chrome.find_element(By.ID, "clock").text != start_clock
    assert any(text.startswith("last: ") for text in _texts(chrome, "#cards .last"))
    assert "Staff code" in chrome.page_source  # read-only until staff log in
    assert chrome.find_element(By.ID, "drill-form").is_displayed() is False


def test_a_wrong_pin_shows_nothing_of_the_session(chrome, start_recording) -> None:
    recording = start_recording()
    wrong = "000000" if recording.pin != "000000" else "111111"
    chrome.get(f"{recording.url}/?pin={wrong}")
    assert "wrong PIN for this session" in chrome.page_source
    assert chrome.find_elements(By.CSS_SELECTOR, CARDS) == []
    chrome.get(f"{recording.url}/state")
    assert "open the page with the session PIN first" in chrome.page_source


def test_staff_mark_a_drill_enter_rpe_and_close_into_the_store(chrome, start_recording) -> None:
    recording = start_recording()
    _open(chrome, recording)

    def status_says(text: str) -> None:
        WebDriverWait(chrome, 20).until(lambda c: text in c.find_element(By.ID, "status").text)

    chrome.find_element(By.ID, "code").send_keys(recording.staff_code)
    chrome.find_element(By.CSS_SELECTOR, "#staff-login button").click()
    WebDriverWait(chrome, 20).until(
        lambda c: "staff" in c.find_element(By.TAG_NAME, "body").get_attribute("class")
    )
    chrome.find_element(By.ID, "drill-name").send_keys("rondo 4v2")
    chrome.find_element(By.CSS_SELECTOR, "#drill-form button[type=submit]").click()
    status_says("drill: 'rondo 4v2' started")
    WebDriverWait(chrome, 5).until(
        lambda c: c.find_element(By.ID, "drill").text == "drill: rondo 4v2"
    )
    chrome.find_element(By.ID, "drill-end").click()
    status_says("drill: 'rondo 4v2' ended")
    WebDriverWait(chrome, 10).until(lambda c: _enter_rpe(c, "V02", "7"))
    status_says("rpe: V02 7 saved")
    chrome.find_element(By.ID, "close").click()
    chrome.switch_to.alert.accept()
    status_says("session: closing")
    assert recording.wait() == 0, "\n".join(recording.output)
    assert any("stopped by staff" in line for line in recording.output)

    with Store(recording.store_path) as store, SessionMarks(store) as marks:
        (session,) = store.sessions()
        assert session.status == "closed"
        (drill,) = marks.drills(session.session_id)
        assert drill.name == "rondo 4v2" and drill.ended_at is not None
        assert marks.rpes(session.session_id) == {"V02": 7.0}
        summaries = {a: json.loads(body) for a, body in store.summaries(session.session_id).items()}
    assert summaries["V02"]["session"]["rpe"] == 7.0
    assert summaries["V02"]["revision"] == 2  # the RPE is a new revision, queued for the host
    assert "rpe" not in summaries["V01"]["session"]
