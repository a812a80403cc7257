"""`touchline synth --variability`: a preset or a TOML file sets how differently the squad's
players move and wear their straps; the truth table and the manifest say what was drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from edge.sim.config import NARROW, WIDE
from host.cli import app
from host.synth.build import SynthError
from host.synth.squad import make_squad, traits_table
from host.synth.variability import load_variability


def test_presets_by_name() -> None:
    assert load_variability("wide") == WIDE
    assert load_variability("narrow") == NARROW


def test_a_toml_file_overrides_a_preset(tmp_path: Path) -> None:
    spec = tmp_path / "v.toml"
    spec.write_text('preset = "narrow"\ncalf_mount_deg = [5, 45]\nleft_footed_share = 0.5\n')
    v = load_variability(str(spec))
    assert v.calf_mount_deg == (5.0, 45.0) and v.left_footed_share == 0.5
    assert v.waist_mount_deg == NARROW.waist_mount_deg and v.tempo_sd == 0.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("calf_mount_degs = [0, 10]\n", r"v\.toml: unknown key 'calf_mount_degs'.*calf_mount_deg"),
        ("calf_mount_deg = [0, 10, 20]\n", r"v\.toml: calf_mount_deg: Tuple should have at most 2"),
        ("tempo_sd = 'fast'\n", r"v\.toml: tempo_sd: Input should be a valid number"),
        ("left_footed_share = 1.5\n", r"v\.toml: left_footed_share must be a share in 0-1"),
        ("calf_mount_deg = [30, 10]\n", r"v\.toml: calf_mount_deg must be a range"),
        ('preset = "medium"\n', r"v\.toml: preset 'medium' unknown; choose wide, narrow"),
        ("tempo_sd = \n", r"v\.toml: not a TOML file"),
    ],
)
def test_a_bad_file_is_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    spec = tmp_path / "v.toml"
    spec.write_text(text)
    with pytest.raises(SynthError, match=message):
        load_variability(str(spec))


def test_the_command_refuses_an_unknown_variability_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "squad"
    result = CliRunner().invoke(app, ["synth", str(out), "--size", "tiny", "--variability", "x"])
    assert result.exit_code == 2
    assert "variability 'x': neither a preset (wide, narrow) nor a TOML file" in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_the_truth_table_shows_how_each_player_wears_and_moves() -> None:
    wide = traits_table(make_squad(np.random.default_rng(0), 40, WIDE))
    narrow = traits_table(make_squad(np.random.default_rng(0), 40, NARROW))
    assert wide["calf_mount_deg"].max() > 25 and narrow["calf_mount_deg"].max() <= 21
    assert wide["strength"].std() > 0.05 and (narrow["strength"] == 1.0).all()
    assert wide["calf_along_shank"].std() > 0.05 and (narrow["calf_along_shank"] == 0.4).all()
    assert set(wide["dominant_foot"]) == {"left", "right"}
    assert not narrow["waist_flipped"].any()


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).parents[3] / "configs").glob("synth-*.toml"))
)
def test_shipped_variability_files_load_and_widen_the_default(path: Path) -> None:
    v = load_variability(str(path))
    assert v != WIDE and v.calf_mount_deg[1] >= WIDE.calf_mount_deg[1]
