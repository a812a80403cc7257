from __future__ import annotations

import json

from sqlalchemy import func, select

from host.db.engine import engine_for, session_scope
from host.db.models import TrainingSession


def _rows(settings) -> list[TrainingSession]:
    with session_scope(engine_for(settings.database_url)) as db:
        return list(db.scalars(select(TrainingSession)))


def test_same_summary_twice_keeps_one_row(client, make_token, summary, settings) -> None:
    headers = make_token("device", "pi-1")
    first = client.post("/api/v1/sessions", json=summary(), headers=headers)
    again = client.post("/api/v1/sessions", json=summary(), headers=headers)
    assert (first.status_code, first.json()["status"]) == (201, "created")
    assert (again.status_code, again.json()["status"]) == (200, "unchanged")
    rows = _rows(settings)
    assert len(rows) == 1
    assert rows[0].device_id == "pi-1"
    assert rows[0].duration_min == 90.0
    assert rows[0].srpe_load == 540.0
    assert rows[0].actions["landing"]["n"] == 14


def test_higher_revision_replaces_and_older_is_refused(
    client, make_token, summary, settings
) -> None:
    headers = make_token("device", "pi-1")
    client.post("/api/v1/sessions", json=summary(), headers=headers)
    newer = summary(revision=2)
    newer["session"]["rpe"] = 8
    replaced = client.post("/api/v1/sessions", json=newer, headers=headers)
    assert replaced.json()["status"] == "replaced"
    stale = client.post("/api/v1/sessions", json=summary(revision=1), headers=headers)
    assert stale.status_code == 409
    assert "older than stored revision 2" in stale.json()["message"]
    rows = _rows(settings)
    assert [(row.revision, row.rpe) for row in rows] == [(2, 8.0)]


def test_bad_body_names_the_field(client, make_token, summary) -> None:
    headers = make_token("device", "pi-1")
    body = summary()
    body["session"]["rpe"] = 11
    answer = client.post("/api/v1/sessions", json=body, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["field"] == "session.rpe"
    assert "11" in answer.json()["message"]

    missing = summary()
    del missing["load"]
    answer = client.post("/api/v1/sessions", json=missing, headers=headers)
    assert (answer.status_code, answer.json()["field"]) == (422, "load")
    assert "required" in answer.json()["message"]

    bad_time = summary()
    bad_time["session"]["start"] = "yesterday"
    answer = client.post("/api/v1/sessions", json=bad_time, headers=headers)
    assert (answer.status_code, answer.json()["field"]) == (422, "session.start")


def test_broken_json_and_oversized_bodies_are_refused(
    client, make_token, summary, settings
) -> None:
    headers = {**make_token("device", "pi-1"), "Content-Type": "application/json"}
    broken = client.post("/api/v1/sessions", content=b'{"schema": 1,', headers=headers)
    assert broken.status_code == 422
    assert broken.json()["message"] == "body: not valid JSON"

    huge = summary(padding="x" * (settings.max_body_bytes + 1))
    answer = client.post("/api/v1/sessions", content=json.dumps(huge), headers=headers)
    assert answer.status_code == 413
    assert str(settings.max_body_bytes) in answer.json()["message"]
    assert _rows(settings) == []


def test_unknown_token_is_refused(client, summary, settings) -> None:
    answer = client.post(
        "/api/v1/sessions", json=summary(), headers={"Authorization": "Bearer tl_d_guess"}
    )
    assert answer.status_code == 401
    with session_scope(engine_for(settings.database_url)) as db:
        assert db.scalar(select(func.count()).select_from(TrainingSession)) == 0


def test_same_revision_with_other_content_is_a_409_that_says_so(
    client, make_token, summary, settings
) -> None:
    headers = make_token("device", "pi-1")
    assert client.post("/api/v1/sessions", json=summary(), headers=headers).status_code == 201
    changed = summary()
    changed["session"]["rpe"] = 9
    answer = client.post("/api/v1/sessions", json=changed, headers=headers)
    assert answer.status_code == 409
    assert answer.json()["field"] == "revision"
    assert "already stored with different content" in answer.json()["message"]
    assert [(row.revision, row.rpe) for row in _rows(settings)] == [(1, 6.0)]
    identical = client.post("/api/v1/sessions", json=summary(), headers=headers)
    assert (identical.status_code, identical.json()["status"]) == (200, "unchanged")
