"""The staff pages through the app: login, the squad in the API's order, athlete, sessions."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from host.api import create_app
from host.db.engine import engine_for, session_scope
from host.db.models import Token
from host.db.tokens import digest, revoke_tokens
from tests.host.web.seed import seed_squad


def _login(client: TestClient, headers: dict[str, str]) -> None:
    token = headers["Authorization"].removeprefix("Bearer ")
    answer = client.post("/login", data={"token": token, "next": "/squad"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/squad"
    assert "httponly" in answer.headers["set-cookie"].lower()
    assert "samesite=strict" in answer.headers["set-cookie"].lower()


def test_a_visitor_without_a_session_sees_only_the_login(client, settings) -> None:
    seed_squad(settings.database_url)
    for path in ("/squad", "/squad?week=3", "/athletes/A07", "/sessions", "/reports/squad?week=4"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=%2F")
    login = client.get("/squad")
    assert login.url.path == "/login"
    assert 'name="token"' in login.text
    assert "A07" not in login.text and "Squad" not in login.text


def test_wrong_and_device_tokens_are_refused_with_a_reason(client, make_token) -> None:
    wrong = client.post("/login", data={"token": "tl_s_guess"}, follow_redirects=False)
    assert wrong.status_code == 401
    assert "token: unknown, revoked or expired token" in wrong.text
    assert "set-cookie" not in wrong.headers
    device = make_token("device", device_id="pi-1")["Authorization"].removeprefix("Bearer ")
    refused = client.post("/login", data={"token": device}, follow_redirects=False)
    assert refused.status_code == 401 and "device token" in refused.text


def test_login_goes_back_only_to_a_page_of_this_site(client, make_token) -> None:
    token = make_token("staff")["Authorization"].removeprefix("Bearer ")
    back = client.post("/login", data={"token": token, "next": "/sessions"}, follow_redirects=False)
    assert back.headers["location"] == "/sessions"
    away = client.post(
        "/login", data={"token": token, "next": "//evil.example/x"}, follow_redirects=False
    )
    assert away.headers["location"] == "/squad"


def test_squad_page_lists_the_weeks_risk_in_the_apis_order(client, make_token, settings) -> None:
    seed_squad(settings.database_url)
    staff = make_token("staff")
    api = client.get("/api/v1/squad/risk", headers=staff).json()
    _login(client, staff)
    page = client.get("/squad")
    assert page.status_code == 200
    shown = re.findall(r'<tr data-athlete="([^"]+)"', page.text)
    assert (
        shown == [player["athlete_id"] for player in api["players"]] == ["A07", "C03", "B12", "D44"]
    )
    assert "Squad risk, week 4" in page.text
    # The band is a word and a symbol, not only a colour.
    assert re.search(r'band-high">▲▲ high<', page.text)
    assert re.search(r'band-unrated">– unrated<', page.text)
    assert 'href="/athletes/A07"' in page.text and 'href="/reports/squad?week=4"' in page.text
    week3 = client.get("/squad?week=3")
    assert re.findall(r'<tr data-athlete="([^"]+)"', week3.text) == ["B12", "C03", "A07"]
    assert "SYNTHETIC" not in page.text


def test_a_bad_week_is_one_clear_message(client, make_token, settings) -> None:
    seed_squad(settings.database_url)
    _login(client, make_token("staff"))
    bad = client.get("/squad?week=-1")
    assert bad.status_code == 422 and "week: a whole number from 0 is expected" in bad.text
    missing = client.get("/squad?week=40")
    assert missing.status_code == 200 and "Squad risk, week 40" in missing.text
    assert "<tr data-athlete" not in missing.text


def test_no_risk_yet_says_how_to_get_some(client, make_token) -> None:
    _login(client, make_token("staff"))
    empty = client.get("/squad")
    assert empty.status_code == 404 and "touchline risk" in empty.text


def test_synthetic_data_shows_the_banner_on_every_page(client, make_token, settings) -> None:
    seed_squad(settings.database_url, synthetic=True)
    _login(client, make_token("staff"))
    for path in ("/squad", "/athletes/A07", "/sessions"):
        assert "SYNTHETIC data" in client.get(path).text, path


def test_athlete_page_has_risk_history_figures_injuries_and_sessions(
    client, make_token, settings
) -> None:
    seed_squad(settings.database_url)
    _login(client, make_token("staff"))
    page = client.get("/athletes/A07")
    assert page.status_code == 200
    history = page.text.split("<h2>Risk history</h2>")[1].split("<h2>")[0]
    assert re.findall(r'<td class="num">(\d+)</td><td class="num">([\d.]+)</td>', history) == [
        ("4", "0.41"),
        ("3", "0.05"),
    ]
    assert "0.10 means about one player-week in ten" in history
    assert page.text.count("data:image/png;base64,") == 2  # load chart, actions per week
    assert "thigh" in page.text and "20260614T1730-ab12" in page.text
    missing = client.get("/athletes/Z99")
    assert missing.status_code == 404 and "nothing stored for &#x27;Z99&#x27;" in missing.text


def test_sessions_show_times_in_the_club_time_zone(settings, make_token) -> None:
    london = settings.model_copy(update={"club_timezone": "Europe/London"})
    seed_squad(london.database_url)
    with TestClient(create_app(london)) as client:
        with session_scope(engine_for(london.database_url)) as db:
            from host.db.tokens import Role, create_token

            token = create_token(db, Role.STAFF)
        _login(client, {"Authorization": f"Bearer {token}"})
        page = client.get("/sessions")
    assert "2026-06-14 18:30 BST" in page.text  # started 17:30 UTC
    assert "2026-06-14 20:05 BST" in page.text  # received 19:05 UTC
    assert "Times in Europe/London." in page.text


def test_a_revoked_token_ends_the_web_session(client, make_token, settings) -> None:
    seed_squad(settings.database_url)
    staff = make_token("staff")
    _login(client, staff)
    assert client.get("/squad", follow_redirects=False).status_code == 200
    token = staff["Authorization"].removeprefix("Bearer ")
    with session_scope(engine_for(settings.database_url)) as db:
        row = db.query(Token).filter(Token.token_hash == digest(token)).one()
        revoke_tokens(db, token_id=row.id)
    assert client.get("/squad", follow_redirects=False).status_code == 303


def test_logout_forgets_the_session(client, make_token, settings) -> None:
    seed_squad(settings.database_url)
    _login(client, make_token("staff"))
    client.post("/logout", follow_redirects=False)
    assert client.get("/squad", follow_redirects=False).status_code == 303


def test_an_unknown_club_time_zone_is_refused_naming_the_variable(monkeypatch) -> None:
    import pytest

    from host.settings import SettingsError, get_settings

    monkeypatch.setenv("TOUCHLINE_CLUB_TIMEZONE", "Mars/Olympus")
    with pytest.raises(SettingsError, match="TOUCHLINE_CLUB_TIMEZONE: .*IANA time zone"):
        get_settings()
