"""A running API on a real database (SQLite and PostgreSQL), tokens, and summaries."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from host.api import create_app
from host.db.engine import engine_for, session_scope
from host.db.tokens import Role, create_registration_code, create_token
from host.settings import Settings
from tests.host.api.sample import SUMMARY


@pytest.fixture
def settings(db_url: str, tmp_path) -> Settings:
    return Settings(
        database_url=db_url,
        bundle_dir=tmp_path / "bundles",
        rate_limit_per_minute=1000,
        max_body_bytes=64 * 1024,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
    engine_for(settings.database_url).dispose()


@pytest.fixture
def make_token(settings: Settings, client: TestClient) -> Callable[..., dict[str, str]]:
    """Authorization headers for a new staff token, or a device token for `device_id`."""

    def make(role: str = "staff", device_id: str | None = None) -> dict[str, str]:
        with session_scope(engine_for(settings.database_url)) as db:
            token = create_token(db, Role(role), device_id=device_id)
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def pairing_code(settings: Settings, client: TestClient) -> Callable[[str], str]:
    def make(device_id: str) -> str:
        with session_scope(engine_for(settings.database_url)) as db:
            return create_registration_code(db, device_id, ttl_s=600)

    return make


@pytest.fixture
def summary() -> Callable[..., dict[str, Any]]:
    def make(**changes: Any) -> dict[str, Any]:
        body = copy.deepcopy(SUMMARY)
        body.update(changes)
        return body

    return make
