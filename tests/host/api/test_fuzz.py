"""Schemathesis against the running API's own OpenAPI, on SQLite and PostgreSQL: requests
that follow the schema and requests that break it, with a staff token, a device token or
none. Whatever comes, the answer is never a 5xx. Bounded: a few seconds per database."""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from host.api import create_app
from host.db.engine import engine_for, session_scope
from host.db.tokens import Role, create_registration_code, create_token
from host.settings import Settings

EXAMPLES_PER_OPERATION = 40


def test_fuzzed_requests_never_get_a_server_error(db_url, tmp_path) -> None:
    app = create_app(
        Settings(
            database_url=db_url, bundle_dir=tmp_path / "bundles", rate_limit_per_minute=1_000_000
        )
    )
    with session_scope(engine_for(db_url)) as db:
        tokens = [create_token(db, Role.STAFF), create_token(db, Role.DEVICE, device_id="pi-1")]
        codes = [create_registration_code(db, "pi-2", ttl_s=600) for _ in range(3)]
    auth = st.sampled_from(
        [{"Authorization": f"Bearer {token}"} for token in tokens]
        + [{"Authorization": "Bearer tl_s_unknown"}, {}]
    )
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    with TestClient(app):
        for result in schema.get_all_operations():
            operation = result.ok()
            # Valid and invalid requests mixed (an operation without parameters has no
            # invalid ones); real pairing codes too, so a registration can succeed.
            strategy = st.one_of(
                operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
            )
            if operation.path.endswith("/devices/register"):
                strategy = st.one_of(
                    strategy,
                    st.sampled_from(codes).map(
                        lambda code, op=operation: op.Case(body={"code": code})
                    ),
                )

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy, headers=auth)
            def call(case, headers) -> None:
                response = case.call(headers=headers)
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} {case.as_curl_command()}")

            call()
    assert failures == []
