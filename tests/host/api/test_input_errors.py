"""Client mistakes that used to be 500s, or were stored changed: each is now a 4xx in the
API's error format, naming the field, and nothing is stored."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from host.api import create_app
from host.db.engine import engine_for, session_scope
from host.db.models import TrainingSession
from host.db.summaries import store_summary
from host.db.tokens import Role, create_token
from host.settings import Settings

SESSIONS = "/api/v1/sessions"


def _stored(settings) -> int:
    with session_scope(engine_for(settings.database_url)) as db:
        return db.scalar(select(func.count()).select_from(TrainingSession))


def _post_raw(client, headers, text: str):
    return client.post(
        SESSIONS,
        content=text.encode("utf-8", "surrogatepass"),
        headers={**headers, "Content-Type": "application/json"},
    )


def test_start_with_a_time_zone_and_end_without_names_the_naive_one(
    client, make_token, summary, settings
) -> None:
    body = summary()
    body["session"]["end"] = "2026-03-02T11:00:00"
    answer = client.post(SESSIONS, json=body, headers=make_token("device", "pi-1"))
    assert answer.status_code == 422
    assert answer.json()["field"] == "session.end"
    assert "UTC offset" in answer.json()["message"]
    assert _stored(settings) == 0


@pytest.mark.parametrize("revision", [2**63, 2**63 + 1, 2**31])
def test_revision_beyond_the_database_is_a_422(
    client, make_token, summary, settings, revision
) -> None:
    answer = client.post(
        SESSIONS, json=summary(revision=revision), headers=make_token("device", "pi-1")
    )
    assert (answer.status_code, answer.json()["field"]) == (422, "revision")
    assert _stored(settings) == 0


@pytest.mark.parametrize("week", [2**63, 2**64, 2**31])
def test_week_beyond_the_database_is_a_422(client, make_token, week) -> None:
    answer = client.get(f"/api/v1/squad/risk?week={week}", headers=make_token("staff"))
    assert (answer.status_code, answer.json()["field"]) == (422, "query.week")
    answer = client.get(f"/api/v1/athletes/p7/risk?week={week}", headers=make_token("staff"))
    assert (answer.status_code, answer.json()["field"]) == (422, "query.week")


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("session", "duration_s"), "NaN", "session.duration_s"),
        (("session", "rpe"), "NaN", "session.rpe"),
        (("load", "player_load"), "Infinity", "load.player_load"),
        (("quality", "longest_gap_s"), "Infinity", "quality.longest_gap_s"),
        (("session", "duration_s"), "1e306", "session.duration_s"),
        (("heart_rate", "max_bpm"), "1e5", "heart_rate.max_bpm"),
    ],
)
def test_non_finite_and_impossible_numbers_are_refused_not_stored(
    client, make_token, summary, settings, path, value, field
) -> None:
    body = summary()
    body[path[0]][path[1]] = "__X__"
    text = json.dumps(body).replace('"__X__"', value)
    answer = _post_raw(client, make_token("device", "pi-1"), text)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field
    assert _stored(settings) == 0


@pytest.mark.parametrize("value", ["\ud800", "model\x00version", "\udfff tail"])
def test_lone_surrogates_and_nuls_are_refused_and_never_break_a_read(
    client, make_token, summary, settings, value
) -> None:
    headers = make_token("device", "pi-1")
    text = json.dumps(summary(model_version=value))  # escapes as \\ud800, \\u0000
    answer = _post_raw(client, headers, text)
    assert answer.status_code == 422
    assert answer.json()["field"] == "model_version"
    assert "\\" in answer.json()["message"]  # the value is shown escaped, never raw
    assert _stored(settings) == 0
    assert client.get("/api/v1/sessions/2026-03-02-am/p7", headers=headers).status_code == 404


def test_identifiers_in_paths_and_pairing_codes_are_checked(client, make_token) -> None:
    staff = make_token("staff")
    for path in (
        "/api/v1/sessions/a%00b/p7",
        "/api/v1/athletes/p%00/risk",
        "/api/v1/models/v%00/bundle",
    ):
        answer = client.get(path, headers=staff)
        assert answer.status_code == 422, path
    answer = client.post(
        "/api/v1/devices/register",
        content=b'{"code": "ABCDE-\\ud800FGH"}',
        headers={"Content-Type": "application/json"},
    )
    assert (answer.status_code, answer.json()["field"]) == (422, "code")


@pytest.mark.parametrize("body", [b'{"code": "\xff\xfe"}', b"[" * 30_000 + b"]" * 30_000])
def test_bodies_that_cannot_be_decoded_name_the_body(client, make_token, body) -> None:
    headers = {**make_token("staff"), "Content-Type": "application/json"}
    for path in (SESSIONS, "/api/v1/devices/register"):
        answer = client.post(path, content=body, headers=headers)
        assert answer.status_code == 400
        assert answer.json() == {"message": "body: not valid JSON in UTF-8", "field": "body"}


def test_a_lone_surrogate_stored_before_input_was_checked_is_still_readable(
    summary, tmp_path
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"  # SQLite kept such rows; PostgreSQL refused them
    with session_scope(engine_for(url)) as db:
        store_summary(db, summary(model_version="v\ud800"), None)
        staff = {"Authorization": f"Bearer {create_token(db, Role.STAFF)}"}
    with TestClient(create_app(Settings(database_url=url, bundle_dir=tmp_path))) as old:
        answer = old.get("/api/v1/sessions/2026-03-02-am/p7", headers=staff)
    assert answer.status_code == 200
    assert b'"model_version":"v\\ud800"' in answer.content
