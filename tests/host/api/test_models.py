from __future__ import annotations

import hashlib

from alembic.script import ScriptDirectory

from host.db.engine import alembic_config, engine_for, session_scope
from host.db.registry import publish_bundle


def test_latest_bundle_downloads_with_its_sha256(client, make_token, settings, tmp_path) -> None:
    headers = make_token("device", "pi-1")
    assert client.get("/api/v1/models/latest", headers=headers).status_code == 404
    archive = tmp_path / "bundle.tar.gz"
    for version, payload in (("2026.03.01", b"old bundle"), ("2026.03.02", b"new bundle")):
        archive.write_bytes(payload)
        with session_scope(engine_for(settings.database_url)) as db:
            publish_bundle(
                db,
                archive,
                version,
                {"macro_f1": 0.9},
                synthetic=True,
                bundle_dir=settings.bundle_dir,
            )

    latest = client.get("/api/v1/models/latest", headers=headers).json()
    assert latest["version"] == "2026.03.02"
    assert latest["synthetic"] is True
    download = client.get(latest["bundle_url"], headers=headers)
    assert download.status_code == 200
    assert download.content == b"new bundle"
    assert download.headers["X-Bundle-SHA256"] == hashlib.sha256(b"new bundle").hexdigest()
    assert latest["sha256"] == download.headers["X-Bundle-SHA256"]
    assert client.get("/api/v1/models/1999/bundle", headers=headers).status_code == 404


def test_health_reports_schema(client, settings) -> None:
    answer = client.get("/api/v1/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"
    head = ScriptDirectory.from_config(alembic_config(engine_for(settings.database_url)))
    assert answer.json()["schema_revision"] == head.get_current_head()


def test_openapi_lists_every_contract_6_route(client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/devices/register",
        "/api/v1/sessions",
        "/api/v1/models/latest",
        "/api/v1/models/{version}/bundle",
        "/api/v1/athletes/{athlete_id}/risk",
        "/api/v1/squad/risk",
        "/api/v1/health",
    } <= set(paths)
    assert "post" in paths["/api/v1/sessions"] and "post" in paths["/api/v1/devices/register"]


def test_every_json_answer_has_a_response_schema(client) -> None:
    """Clients (and schemathesis) check answers against the OpenAPI document: every
    success of a JSON route names its schema, not an empty one."""
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if not code.startswith("2") or path.endswith("/bundle"):
                    continue
                schema = response["content"]["application/json"]["schema"]
                assert "$ref" in schema, f"{method.upper()} {path} {code}: no response schema"
                assert schemas[schema["$ref"].rsplit("/", 1)[1]]["properties"], (method, path)
    squad = schemas["SquadRisk"]["properties"]["players"]["items"]["$ref"]
    assert squad.endswith("/AthleteRisk")
