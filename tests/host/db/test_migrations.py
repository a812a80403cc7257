from __future__ import annotations

from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from host.db.engine import current_revision, make_engine, session_scope, upgrade
from host.db.models import Athlete, Base, Injury, TrainingSession


def test_migrations_at_head_match_the_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    engine.dispose()


def test_upgrade_keeps_rows_of_a_database_made_at_revision_1(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO athletes (athlete_id, position, prior_injuries, created) "
                "VALUES ('a7', 'DF', 2, '2026-01-01 00:00:00+00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO sessions (session_id, athlete_id, revision, source, date, "
                "duration_min, rpe, received) VALUES ('s1', 'a7', 3, 'summary', '2026-01-05', "
                "75.0, 6.0, '2026-01-05 12:00:00+00:00')"
            )
        )

    upgrade(engine)

    assert current_revision(engine) != "0001"
    with session_scope(engine) as session:
        athlete = session.get(Athlete, "a7")
        assert athlete is not None and athlete.prior_injuries == 2
        kept = session.scalars(select(TrainingSession)).one()
        assert (kept.session_id, kept.revision, kept.duration_min) == ("s1", 3, 75.0)
        session.add(Injury(athlete_id="a7", date=date(2026, 2, 1), days_lost=9))
    with session_scope(engine) as session:
        assert session.scalars(select(Injury.days_lost)).one() == 9
    engine.dispose()


def test_tokens_made_before_expiry_existed_stay_valid_and_never_expire(
    empty_db_url: str,
) -> None:
    from host.db.tokens import authenticate, digest, list_tokens

    engine = make_engine(empty_db_url)
    upgrade(engine, "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tokens (token_hash, role, label, created) "
                "VALUES (:hash, 'staff', 'old laptop', '2026-01-01 00:00:00+00:00')"
            ),
            {"hash": digest("tl_s_old")},
        )
    upgrade(engine)
    with session_scope(engine) as session:
        assert authenticate(session, "tl_s_old") is not None
        assert [(row.label, row.expires) for row in list_tokens(session)] == [("old laptop", None)]
    engine.dispose()
