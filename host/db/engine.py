"""Engines, sessions and schema upgrades. Every process brings the schema to head on start,
so an older database is migrated in place, its rows kept."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from firmware_bridge.errors import UserError

HEAD = "head"


class DatabaseError(UserError, RuntimeError):
    """The database cannot be opened or migrated; the message names the URL (without password)."""


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets its directory created, WAL and foreign keys on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(
            dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry
        ) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("host.db") / "migrations"))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = HEAD) -> None:
    """Bring the schema to `revision` (head by default), keeping every row."""
    try:
        command.upgrade(alembic_config(engine), revision)
    except Exception as exc:  # driver errors differ per backend; one message for staff
        raise DatabaseError(f"{safe_url(str(engine.url))}: cannot migrate schema ({exc})") from exc


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(url: str) -> Engine:
    """A migrated engine for `url`, shared within the process."""
    with _engines_lock:
        if url not in _engines:
            try:
                engine = make_engine(url)
            except (ArgumentError, NoSuchModuleError) as exc:
                raise DatabaseError(
                    f"database URL {url!r} is not usable ({exc}); expected e.g. "
                    "sqlite:///path/touchline.db or postgresql+psycopg://user@host/db"
                ) from None
            upgrade(engine)
            _engines[url] = engine
        return _engines[url]


def dispose_engines() -> None:
    """Close every shared engine's connections (tests, and processes that switch database)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed on success and rolled back on any error."""
    session = sessionmaker(engine, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
