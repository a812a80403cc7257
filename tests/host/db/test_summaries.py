from __future__ import annotations

import copy
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from host.db.engine import engine_for
from host.db.models import TrainingSession
from host.db.summaries import (
    StaleRevisionError,
    StoreOutcome,
    SummaryError,
    _refusal,
    store_summary,
    validate_summary,
)
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


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("session", "type"), "friendly", "session.type"),
        (("actions", "tackle"), {"n": 1, "impact_mean": 0.5}, "actions"),
        (("quality", "loss_pct"), 140, "quality.loss_pct"),
        (("revision",), 0, "revision"),
    ],
)
def test_validation_names_the_field(path, value, field) -> None:
    summary = copy.deepcopy(SUMMARY)
    target = summary
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(SummaryError) as caught:
        validate_summary(summary)
    assert caught.value.field == field


def test_a_refused_post_whose_row_went_away_is_told_to_post_again(db_url: str) -> None:
    # The refusal is explained from a fresh read; a row deleted in between is no 500.
    with sessionmaker(engine_for(db_url))() as db:
        with pytest.raises(StaleRevisionError, match="changed while storing revision 1"):
            _refusal(db, copy.deepcopy(SUMMARY), None)
