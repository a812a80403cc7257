"""Rate limits: keyed on the real client, bounded in memory, and spent by bad tokens too."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from host.api import create_app
from host.api.limits import RateLimiter
from host.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_buckets_are_evicted_when_full_again_and_beyond_the_cap() -> None:
    clock = Clock()
    limiter = RateLimiter(60, clock=clock, max_keys=100)
    for client in range(1000):  # e.g. a rotating spoofed address
        assert limiter.retry_after(("register", client)) == 0.0
    assert len(limiter) == 100
    clock.now += 2.0  # every bucket has refilled: none needs keeping
    limiter.retry_after("someone")
    assert len(limiter) == 1


def test_eviction_never_forgets_a_client_still_limited() -> None:
    clock = Clock()
    limiter = RateLimiter(2, clock=clock, max_keys=100)
    assert [limiter.retry_after("busy") for _ in range(2)] == [0.0, 0.0]
    assert limiter.retry_after("busy") > 0
    for other in range(50):
        limiter.retry_after(other)
    assert limiter.retry_after("busy") > 0


def _limited(db_url, tmp_path, **settings) -> TestClient:
    app = create_app(
        Settings(
            database_url=db_url, rate_limit_per_minute=3, bundle_dir=tmp_path / "b", **settings
        )
    )
    return TestClient(app, client=("127.0.0.1", 50000))


def test_a_rotating_x_forwarded_for_does_not_escape_the_pairing_limit(db_url, tmp_path) -> None:
    with _limited(db_url, tmp_path) as limited:
        codes = [
            limited.post(
                "/api/v1/devices/register",
                json={"code": "WRONG-CODE1"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            ).status_code
            for i in range(5)
        ]
    assert codes == [400, 400, 400, 429, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(db_url, tmp_path) -> None:
    with _limited(db_url, tmp_path, trusted_proxies=["127.0.0.0/8"]) as limited:

        def register(client: str) -> int:
            return limited.post(
                "/api/v1/devices/register",
                json={"code": "WRONG-CODE1"},
                headers={"X-Forwarded-For": client},
            ).status_code

        assert [register(f"203.0.113.{i}") for i in range(5)] == [400] * 5
        assert [register("198.51.100.7") for _ in range(4)] == [400, 400, 400, 429]


def test_bad_tokens_are_rate_limited_per_client(db_url, tmp_path) -> None:
    with _limited(db_url, tmp_path) as limited:
        codes = [
            limited.get(
                "/api/v1/models/latest", headers={"Authorization": f"Bearer tl_s_guess{i}"}
            ).status_code
            for i in range(5)
        ]
    assert codes == [401, 401, 401, 429, 429]


def test_serve_does_not_let_uvicorn_believe_forwarding_headers(db_url, monkeypatch) -> None:
    import uvicorn

    from host.cli import app

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda api, **options: seen.update(options))
    result = CliRunner().invoke(app, ["serve", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False
    config = uvicorn.Config(lambda *a: None, **seen)
    assert config.proxy_headers is False
