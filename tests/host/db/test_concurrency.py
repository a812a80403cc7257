"""Races against one database: revisions of one summary, and one pairing code.

Every thread has its own session (a connection of its own), as the server's request
threads do; SQLite is a file in WAL mode, as the server opens it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from host.db.engine import engine_for, session_scope
from host.db.models import TrainingSession
from host.db.summaries import StaleRevisionError, StoreOutcome, store_summary
from host.db.tokens import RegistrationError, create_registration_code, redeem_registration_code
from tests.host.api.sample import SUMMARY

THREADS = 8


def _race(factory: sessionmaker[Session], work: Callable[[Session, int], Any]) -> list[Any]:
    """Run `work(session, i)` in THREADS threads released at the same moment."""
    start = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(index: int) -> None:
        with factory() as db:
            start.wait()
            try:
                results[index] = work(db, index)
            except BaseException as exc:  # refusals and errors alike: the caller judges them
                db.rollback()
                results[index] = exc

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_racing_revisions_leave_the_highest_acknowledged_one_stored(db_url: str) -> None:
    engine = engine_for(db_url)
    factory = sessionmaker(engine, expire_on_commit=False)

    def post(session_id: str) -> Callable[[Session, int], Any]:
        def work(db: Session, index: int) -> Any:
            summary = copy.deepcopy(SUMMARY)
            summary.update(session_id=session_id, revision=index + 1)
            summary["session"]["rpe"] = index + 1
            return store_summary(db, summary, "pi-1")

        return work

    for round_ in range(50):
        session_id = f"race-{round_}"
        results = _race(factory, post(session_id))
        unexpected = [
            r
            for r in results
            if not isinstance(r, StaleRevisionError) and not hasattr(r, "outcome")
        ]
        assert unexpected == []
        acknowledged = [
            r.revision
            for r in results
            if hasattr(r, "outcome") and r.outcome in (StoreOutcome.CREATED, StoreOutcome.REPLACED)
        ]
        assert (
            sum(1 for r in results if hasattr(r, "outcome") and r.outcome is StoreOutcome.CREATED)
            == 1
        )
        with session_scope(engine) as db:
            stored = db.scalars(
                select(TrainingSession).where(TrainingSession.session_id == session_id)
            ).one()
            assert (stored.revision, stored.rpe) == (max(acknowledged), max(acknowledged)), (
                f"round {round_}: acknowledged {sorted(acknowledged)}, stored {stored.revision}"
            )
            assert stored.revision == THREADS


def test_one_pairing_code_raced_has_exactly_one_winner(db_url: str) -> None:
    engine = engine_for(db_url)
    factory = sessionmaker(engine, expire_on_commit=False)

    def redeem(code: str) -> Callable[[Session, int], Any]:
        def work(db: Session, _: int) -> Any:
            won = redeem_registration_code(db, code)
            db.commit()
            return won

        return work

    for round_ in range(10):
        with session_scope(engine) as db:
            code = create_registration_code(db, f"pi-{round_}", ttl_s=600)
        results = _race(factory, redeem(code))
        winners = [r for r in results if isinstance(r, tuple)]
        losers = [r for r in results if isinstance(r, RegistrationError)]
        assert len(winners) == 1, f"round {round_}: {results}"
        assert len(losers) == THREADS - 1
        assert all("already used" in str(loser) for loser in losers)
        assert winners[0][0] == f"pi-{round_}"
