"""Host settings from the environment: the impact weights of a club's own labels."""

from __future__ import annotations

import pytest

from edge import taxonomy
from host.risk.features import impact_weight
from host.settings import DEFAULT_IMPACT_WEIGHTS, SettingsError, get_settings


def test_impact_weights_take_a_clubs_labels_beside_the_papers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOUCHLINE_IMPACT_WEIGHTS", '{"instep_kick": 0.9, "landing": 1.2}')
    weights = get_settings().impact_weights
    assert weights["instep_kick"] == 0.9 and weights["landing"] == 1.2
    assert weights["pass"] == 0.0  # a paper action left out weighs nothing, as before
    assert list(weights)[: len(taxonomy.ACTIONS)] == list(taxonomy.ACTIONS)
    assert impact_weight("instep_kick", weights) == 0.9  # named: its own weight
    assert impact_weight("juggle", weights) == pytest.approx(1.2 / 8)  # unnamed: the mean


def test_the_default_weighs_a_club_label_as_the_papers_mean() -> None:
    weights = get_settings().impact_weights
    assert weights == DEFAULT_IMPACT_WEIGHTS
    mean = sum(DEFAULT_IMPACT_WEIGHTS.values()) / len(DEFAULT_IMPACT_WEIGHTS)
    assert impact_weight("instep_kick", weights) == pytest.approx(mean)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ('{"instep kick": 1.0}', "not action labels ['instep kick']"),
        ('{"background": 1.0}', "never 'background'"),
        ('{"juggle": -1}', "must be >= 0"),
    ],
)
def test_a_bad_impact_weight_names_the_variable_and_label(
    monkeypatch: pytest.MonkeyPatch, value: str, words: str
) -> None:
    monkeypatch.setenv("TOUCHLINE_IMPACT_WEIGHTS", value)
    with pytest.raises(SettingsError) as caught:
        get_settings()
    assert str(caught.value).startswith("TOUCHLINE_IMPACT_WEIGHTS: ") and words in str(caught.value)
