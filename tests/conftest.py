"""Database fixtures: every database test runs on SQLite and, where
TOUCHLINE_TEST_POSTGRES_URL names a server, on a fresh PostgreSQL database too.

`db_url` is a database already at the newest schema, copied from a template migrated once
per test session (migrating every test's database would dominate the suite's time);
`empty_db_url` is a database with no tables at all, for migration tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.capabilities import missing_capability

POSTGRES_ENV = "TOUCHLINE_TEST_POSTGRES_URL"


def _postgres_server() -> str:
    server = os.environ.get(POSTGRES_ENV)
    if not server:
        missing_capability(
            f"{POSTGRES_ENV} is not set (source .ci/services.sh to start PostgreSQL)"
        )
    return server


def _forget_engines() -> None:
    from host.db.engine import dispose_engines

    dispose_engines()


class _Postgres:
    """Creates and drops databases on the test server."""

    def __init__(self, server_url: str) -> None:
        from sqlalchemy import create_engine

        self.server_url = server_url
        self.admin = create_engine(server_url, isolation_level="AUTOCOMMIT")

    def url(self, name: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        from sqlalchemy import text

        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        return self.url(name)

    def drop(self, name: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _migrated(url: str) -> None:
    from host.db.engine import make_engine, upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "touchline.db"
    _migrated(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_template() -> Iterator[tuple[_Postgres, str]]:
    server = _Postgres(_postgres_server())
    name = f"touchline_template_{uuid.uuid4().hex[:8]}"
    _migrated(server.create(name))
    yield server, name
    server.drop(name)
    server.admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the newest schema: a SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "touchline.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        yield f"sqlite:///{path}"
        _forget_engines()
        return
    server, template = request.getfixturevalue("_postgres_template")
    name = f"touchline_test_{uuid.uuid4().hex[:12]}"
    url = server.create(name, template=template)
    yield url
    _forget_engines()
    server.drop(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        _forget_engines()
        return
    server = _Postgres(_postgres_server())
    name = f"touchline_test_{uuid.uuid4().hex[:12]}"
    url = server.create(name)
    yield url
    _forget_engines()
    server.drop(name)
    server.admin.dispose()
