"""Session summaries counted under a club's own action labels: accepted when the summary
names its vocabulary, refused with one message naming the key otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from host.db.engine import engine_for, session_scope
from host.db.models import TrainingSession

CLUB_LABELS = ["instep_kick", "juggle", "dribble"]
CLUB_ACTIONS = {
    "instep_kick": {"n": 12, "impact_mean": 0.55, "impact_max": 0.9},
    "juggle": {"n": 40, "impact_mean": 0.1},
}


def test_a_summary_in_club_labels_is_stored_as_posted(
    client, make_token, summary, settings
) -> None:
    body = summary(action_labels=CLUB_LABELS, actions=CLUB_ACTIONS)
    posted = client.post("/api/v1/sessions", json=body, headers=make_token("device", "pi-1"))
    assert posted.status_code == 201, posted.text
    with session_scope(engine_for(settings.database_url)) as db:
        row = db.scalars(select(TrainingSession)).one()
        assert row.actions == CLUB_ACTIONS
        assert row.payload["action_labels"] == CLUB_LABELS
    read = client.get("/api/v1/sessions/2026-03-02-am/p7", headers=make_token())
    assert read.json()["summary"] == body


def test_a_summary_in_the_papers_labels_still_needs_no_vocabulary(
    client, make_token, summary
) -> None:
    posted = client.post("/api/v1/sessions", json=summary(), headers=make_token("device", "p"))
    assert posted.status_code == 201, posted.text


@pytest.mark.parametrize(
    ("labels", "key", "says"),
    [
        (CLUB_LABELS, "instep kick!", "is not an action label"),
        (CLUB_LABELS, "background", "is not an action label"),
        (CLUB_LABELS, "header", "is not one of action_labels"),
        (None, "juggle", "is not one of the paper's eight actions"),
    ],
)
def test_a_bad_action_key_is_one_422_naming_the_key(
    client, make_token, summary, labels, key, says
) -> None:
    body = summary(actions={key: {"n": 1, "impact_mean": 0.2}})
    if labels is not None:
        body["action_labels"] = labels
    refused = client.post("/api/v1/sessions", json=body, headers=make_token("device", "pi-1"))
    assert refused.status_code == 422
    error = refused.json()
    assert error["field"] == "actions"
    assert error["message"].startswith(f"actions: key {key!r} {says}")


@pytest.mark.parametrize(
    ("labels", "says"),
    [
        (["juggle", "juggle"], "['juggle'] appear more than once"),
        (["juggle", "background"], "'background' is not an action label"),
        ([f"label{i}" for i in range(65)], "at most 64 items"),
    ],
)
def test_a_bad_vocabulary_is_refused_naming_it(client, make_token, summary, labels, says) -> None:
    body = summary(action_labels=labels, actions={"juggle": {"n": 1, "impact_mean": 0.2}})
    refused = client.post("/api/v1/sessions", json=body, headers=make_token("device", "pi-1"))
    assert refused.status_code == 422
    assert refused.json()["field"] == "action_labels"
    assert says in refused.json()["message"]
