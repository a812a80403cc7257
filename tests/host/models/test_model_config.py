"""Config files: defaults are the paper's recipe; a bad file names the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from host.models.config import ABLATIONS, PAPER_TABLE3, ConfigError, TrainConfig, load_config


def test_defaults_are_the_papers_recipe() -> None:
    config = TrainConfig()
    assert (
        config.learning_rate,
        config.batch_size,
        config.max_epochs,
        config.early_stop_patience,
    ) == (2e-4, 32, 80, 8)
    assert set(ABLATIONS) == set(PAPER_TABLE3)


def test_toml_overrides_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('max_epochs = 3\nrisk_split = "random"\n[model]\nuse_attention = false\n')
    config = load_config(path)
    assert config.max_epochs == 3 and config.risk_split == "random"
    assert config.model.use_attention is False and config.model.use_skeleton is True
    assert TrainConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    "text, field",
    [
        ("epochs = 3\n", "epochs"),
        ("[model]\nuse_video = false\n", "use_video"),
        ("batch_size = 'big'\n", "batch_size"),
        ("[model]\nmultitask = 1\n", "multitask"),
        ("risk_split = 'shuffled'\n", "risk_split"),
        ("early_stop_on = 'val_accuracy'\n", "early_stop_on"),
        ("max_epochs = 5\nattention_warmup_epochs = 5\n", "attention_warmup_epochs"),
        ("time_budget_min = -1\n", "time_budget_min"),
        ("max_epochs = \n", "not valid TOML"),
    ],
)
def test_bad_config_names_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=field) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_committed_recipes_load() -> None:
    """Every training recipe under configs/ that docs/results.md quotes is a valid config.

    `synth-*.toml` files are simulator variability files, loaded by the synthesis tests."""
    from pathlib import Path

    from host.models.config import load_config

    configs = sorted(
        path
        for path in (Path(__file__).parents[3] / "configs").glob("*.toml")
        if not path.name.startswith("synth-")
    )
    assert any(path.name == "takes.toml" for path in configs)
    for path in configs:
        load_config(path)
    takes = load_config(Path(__file__).parents[3] / "configs" / "takes.toml")
    assert not takes.model.use_attention and takes.model.use_skeleton
