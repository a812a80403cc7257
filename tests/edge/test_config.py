"""One TOML file, found by --config, env var or the user config dir; bad values name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.config import (
    CONFIG_ENV_VAR,
    ConfigError,
    EdgeConfig,
    EventSettings,
    SensorConfig,
    load_config,
    save_config,
)


def test_round_trip_keeps_sensors_and_settings(tmp_path: Path) -> None:
    config = EdgeConfig(
        host_url="http://club.example:8000/",
        data_dir=tmp_path / "data",
        sensors=[SensorConfig(address="virtual://squad/0/waist", site="waist", athlete_id="7")],
    )
    config.events.thresholds["shot"] = 0.7
    path = save_config(config, tmp_path / "edge.toml")
    loaded = load_config(path)
    assert loaded.host_url == "http://club.example:8000"
    assert loaded.sensors[0].site == "waist" and loaded.sensors[0].athlete_id == "7"
    assert loaded.events.thresholds == {"shot": 0.7}
    assert loaded.store_path == tmp_path / "data" / "edge.sqlite"


def test_env_var_is_used_when_no_path_is_given(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "ci.toml"
    path.write_text('host_url = "http://ci:9000"\n')
    monkeypatch.setenv(CONFIG_ENV_VAR, str(path))
    assert load_config().host_url == "http://ci:9000"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("[record]\nwindow_s = -1\n", "record.window_s", "greater than 0"),
        ("[record]\nwindoe_s = 6\n", "record.windoe_s", "unknown setting"),
        (
            '[[sensors]]\naddress = "x"\nsite = "knee"\nathlete_id = "7"\n',
            "sensors.0.site",
            "waist",
        ),
        ('[events.thresholds]\n"bicycle kick" = 0.5\n', "events.thresholds", "not an action label"),
        ("[events.thresholds]\nvolley = 1.5\n", "events.thresholds", "must lie in (0, 1)"),
        ('host_url = "club:8000"\n', "host_url", "http://"),
        ('host_public_keys = ["c2hvcnQ="]\n', "host_public_keys", "not an Ed25519 public key"),
        ('host_public_keys = ["not base64!"]\n', "host_public_keys", "not an Ed25519"),
    ],
)
def test_bad_value_gives_one_line_naming_file_and_key(tmp_path: Path, text, key, words) -> None:
    path = tmp_path / "edge.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}:")
    assert words in message


def test_broken_toml_and_missing_named_file_are_config_errors(tmp_path: Path) -> None:
    path = tmp_path / "edge.toml"
    path.write_text("host_url = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "absent.toml")


def test_thresholds_take_a_clubs_own_labels(tmp_path: Path) -> None:
    path = tmp_path / "edge.toml"
    path.write_text("[events.thresholds]\nbicycle_kick = 0.6\nshot = 0.7\n")
    assert load_config(path).events.thresholds == {"bicycle_kick": 0.6, "shot": 0.7}


def test_thresholds_the_bundle_lacks_are_named_with_the_bundles_actions() -> None:
    events = EventSettings(thresholds={"bicycle_kick": 0.6, "shot": 0.7, "volly": 0.4})
    club = ("volley", "bicycle_kick", "background")
    warning = events.unknown_thresholds(club)
    assert warning is not None and "\n" not in warning
    assert "names shot, volly," in warning and "its actions: volley, bicycle_kick)" in warning
    assert EventSettings(thresholds={"volley": 0.5}).unknown_thresholds(club) is None
