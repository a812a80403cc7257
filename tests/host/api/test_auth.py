from __future__ import annotations

from host.db.engine import engine_for, session_scope
from host.db.models import Athlete, RiskPrediction
from host.db.roles import Role
from host.settings import Settings


def test_device_cannot_post_for_another_device(client, make_token, summary) -> None:
    headers = make_token("device", "pi-1")
    answer = client.post("/api/v1/sessions", json=summary(device_id="pi-2"), headers=headers)
    assert answer.status_code == 403
    assert "pi-1" in answer.json()["message"]


def test_device_cannot_overwrite_or_read_another_devices_session(
    client, make_token, summary
) -> None:
    mine, theirs = make_token("device", "pi-1"), make_token("device", "pi-2")
    assert client.post("/api/v1/sessions", json=summary(), headers=mine).status_code == 201
    hijack = client.post("/api/v1/sessions", json=summary(revision=5), headers=theirs)
    assert hijack.status_code == 403

    path = "/api/v1/sessions/2026-03-02-am/p7"
    assert client.get(path, headers=theirs).status_code == 404
    own = client.get(path, headers=mine)
    assert own.status_code == 200 and own.json()["revision"] == 1
    assert client.get(path, headers=make_token("staff")).json()["summary"]["athlete_id"] == "p7"


def test_risk_is_for_staff_only(client, make_token, settings) -> None:
    with session_scope(engine_for(settings.database_url)) as db:
        db.add(Athlete(athlete_id="p7", prior_injuries=0))
        db.flush()
        db.add(
            RiskPrediction(
                athlete_id="p7",
                week=3,
                probability=0.7,
                band="high",
                drivers={"reasons": ["ACWR 1.6"]},
                model_version="r1",
            )
        )
    device = client.get("/api/v1/squad/risk?week=3", headers=make_token("device", "pi-1"))
    assert device.status_code == 403
    squad = client.get("/api/v1/squad/risk?week=3", headers=make_token("staff"))
    assert squad.status_code == 200
    assert squad.json()["players"][0]["band"] == "high"


def test_pairing_code_gives_a_working_device_token_once(client, pairing_code, summary) -> None:
    code = pairing_code("pi-9")
    answer = client.post("/api/v1/devices/register", json={"code": code.lower()})
    assert answer.status_code == 201
    assert answer.json()["device_id"] == "pi-9"
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    assert client.post("/api/v1/sessions", json=summary(), headers=headers).status_code == 201

    again = client.post("/api/v1/devices/register", json={"code": code})
    assert again.status_code == 400
    assert "already used" in again.json()["message"]
    assert client.post("/api/v1/devices/register", json={"code": "WRONG-CODE1"}).status_code == 400


def test_each_token_is_rate_limited_on_its_own(db_url, tmp_path, make_token) -> None:
    from fastapi.testclient import TestClient

    from host.api import create_app

    app = create_app(
        Settings(database_url=db_url, rate_limit_per_minute=3, bundle_dir=tmp_path / "b")
    )
    with TestClient(app) as limited:
        first, second = make_token("staff"), make_token("staff")
        codes = [limited.get("/api/v1/models/latest", headers=first).status_code for _ in range(4)]
        assert codes[:3] == [404, 404, 404]
        assert codes[3] == 429
        blocked = limited.get("/api/v1/models/latest", headers=first)
        assert int(blocked.headers["Retry-After"]) >= 1
        assert limited.get("/api/v1/models/latest", headers=second).status_code == 404


def test_device_cannot_take_over_a_session_staff_posted_without_a_device(
    client, make_token, summary
) -> None:
    staff, device = make_token("staff"), make_token("device", "pi-1")
    assert client.post("/api/v1/sessions", json=summary(), headers=staff).status_code == 201
    takeover = client.post("/api/v1/sessions", json=summary(revision=2), headers=device)
    assert takeover.status_code == 403
    assert "staff" in takeover.json()["message"]
    path = "/api/v1/sessions/2026-03-02-am/p7"
    assert client.get(path, headers=device).status_code == 404
    kept = client.get(path, headers=staff).json()
    assert kept["revision"] == 1 and "device_id" not in kept["summary"]


def test_staff_replacing_a_devices_session_leaves_it_the_devices(
    client, make_token, summary
) -> None:
    staff, device = make_token("staff"), make_token("device", "pi-1")
    assert client.post("/api/v1/sessions", json=summary(), headers=device).status_code == 201
    assert (
        client.post("/api/v1/sessions", json=summary(revision=2), headers=staff).json()["status"]
        == "replaced"
    )
    again = client.post("/api/v1/sessions", json=summary(revision=3), headers=device)
    assert again.json()["status"] == "replaced"


def test_expired_and_revoked_tokens_are_refused_with_401(client, settings) -> None:
    from datetime import timedelta

    from host.db.models import utcnow
    from host.db.tokens import create_token, revoke_tokens

    with session_scope(engine_for(settings.database_url)) as db:
        expired = create_token(db, Role.STAFF, expires=utcnow() - timedelta(seconds=1))
        later = create_token(db, Role.STAFF, expires=utcnow() + timedelta(days=1))
        revoked = create_token(db, Role.STAFF)
    with session_scope(engine_for(settings.database_url)) as db:
        revoke_tokens(db, token_id=3)
    answers = {
        name: client.get("/api/v1/squad/risk", headers={"Authorization": f"Bearer {t}"})
        for name, t in (("expired", expired), ("later", later), ("revoked", revoked))
    }
    assert answers["expired"].status_code == 401
    assert "expired" in answers["expired"].json()["message"]
    assert answers["revoked"].status_code == 401
    assert answers["later"].status_code == 404  # authenticated; no risk computed yet
