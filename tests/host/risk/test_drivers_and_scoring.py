from __future__ import annotations

import numpy as np
import pytest

from host.risk.bands import UNRATED, band, history_problem
from host.risk.drivers import sentence, top_drivers
from host.risk.evaluate import EvaluationError
from host.risk.features import CLUB_ACTIONS, LABEL, RiskTables, features_from_tables
from host.risk.scoring import fit_until, squad_table
from tests.host.risk.squad import risky_squad


@pytest.fixture(scope="module")
def features():
    frames = risky_squad(athletes=30, weeks=8, seed=5)
    return features_from_tables(
        RiskTables(
            frames["athletes.csv"],
            frames["sessions.csv"],
            frames["injuries.csv"],
            frames["weekly.csv"],
            weeks=8,
        )
    )


def test_drivers_name_what_pushed_risk_up_in_words() -> None:
    names = ["acwr_rolling", "n_landing", "wellness", "movement_quality", "injuries_before"]
    values = np.array([1.62, 14.0, 4.0, 0.55, 0.0])
    pushes = np.array([0.9, 0.5, -0.3, 0.2, 0.4])
    z = np.array([2.1, 1.8, 0.5, -1.5, -0.6])
    drivers = top_drivers(names, values, pushes, z)
    # no previous injuries pushed risk up here, but it is no reason: left out
    assert drivers == ["ACWR 1.6", "14 hard landings this week", "movement quality 0.55"]
    assert sentence(drivers[:2]) == "ACWR 1.6 and 14 hard landings this week"
    assert sentence([]) == "nothing above an average week"


def test_squad_table_ranks_players_and_bands_them_against_the_base_rate(features) -> None:
    head = fit_until(features, week=6)
    table = squad_table(features, head, week=6)
    assert len(table) == 30
    assert table["probability"].is_monotonic_decreasing
    rate = head.trained_on.base_rate
    assert rate == pytest.approx(
        features[LABEL][features.index.get_level_values("week") < 6].mean()
    )
    assert all(band(p, rate) == b for p, b in zip(table["probability"], table["band"], strict=True))
    assert set(table["band"]) <= {"low", "medium", "high"}
    assert table["change"].notna().all()
    top = table.iloc[0]
    assert top["drivers"], "the riskiest player has reasons"
    spiked = features.xs(6, level="week").loc[top["athlete_id"]]
    assert spiked["srpe_load"] > features.xs(6, level="week")["srpe_load"].median()


def test_with_too_little_history_nobody_is_rated(features) -> None:
    head = fit_until(features, week=1)  # one week of outcomes to learn from
    table = squad_table(features, head, week=1)
    assert set(table["band"]) == {UNRATED}
    assert "too little history" in history_problem(head.trained_on)
    assert table["probability"].max() < 0.99  # not everyone 1.00


def test_model_for_week_w_never_sees_outcomes_after_w(features) -> None:
    leaked = features.copy()
    later = leaked.index.get_level_values("week") >= 4
    leaked.loc[later, "injured_next_week"] = 1 - leaked.loc[later, "injured_next_week"]
    clean = squad_table(features, fit_until(features, 4), 4)
    flipped = squad_table(leaked, fit_until(leaked, 4), 4)
    np.testing.assert_allclose(clean["probability"], flipped["probability"])


def test_week_without_history_is_refused(features) -> None:
    with pytest.raises(EvaluationError, match="week 0"):
        fit_until(features, 0)
    with pytest.raises(EvaluationError, match="not in the data"):
        squad_table(features, fit_until(features, 6), 42)


def test_drivers_say_a_clubs_action_counts_in_its_own_words() -> None:
    names = [CLUB_ACTIONS, "n_instep_kick", "n_landing"]
    drivers = top_drivers(
        names, np.array([52.0, 31.0, 9.0]), np.array([0.6, 0.4, 0.2]), np.array([1.5, 1.2, 0.8])
    )
    assert drivers == [
        "52 actions in the club's own labels this week",
        "31 instep kick this week",
        "9 hard landings this week",
    ]
