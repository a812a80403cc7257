from __future__ import annotations

import copy
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from host.db.engine import engine_for
from host.db.models import TrainingSession
from host.db.summaries import StoreOutcome, SummaryError, store_summary, validate_summary
from tests.host.api.sample import SUMMARY


def test_two_identical_posts_racing_store_one_row(db_url: str) -> None:
    engine = engine_for(db_url)
    factory = sessionmaker(engine, expire_on_commit=False)
    start = threading.Barrier(2)
    outcomes: list[StoreOutcome] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            with factory() as db:
                start.wait()
                outcomes.append(store_summary(db, copy.deepcopy(SUMMARY), "pi-1").outcome)
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == sorted([StoreOutcome.CREATED, StoreOutcome.UNCHANGED])
    with factory() as db:
        assert db.scalar(select(func.count()).select_from(TrainingSession)) == 1


@pytest.mark.parametrize(("path", "value", "field"), [
    (("session", "type"), "friendly", "session.type"),
    (("actions", "tackle"), {"n": 1, "impact_mean": 0.5}, "actions"),
    (("quality", "loss_pct"), 140, "quality.loss_pct"),
    (("revision",), 0, "revision"),
])
def test_validation_names_the_field(path, value, field) -> None:
    summary = copy.deepcopy(SUMMARY)
    target = summary
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(SummaryError) as caught:
        validate_summary(summary)
    assert caught.value.field == field
