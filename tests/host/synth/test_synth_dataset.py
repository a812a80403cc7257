"""`touchline synth` writes a dataset the loader and `touchline data check` accept,
deterministically, with continuous sessions whose clocks can be recovered."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from edge.taxonomy import ACTIONS, LABELS
from host.cli import app
from host.data.dataset import load_dataset
from host.synth import SIZES
from host.synth.build import SynthError, synthesize

SEED = 5


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "tiny"
    synthesize(out, "tiny", SEED, workers=1)
    return out


def test_loader_accepts_the_output_and_it_says_synthetic(tiny: Path) -> None:
    data = load_dataset(tiny)
    manifest = data.manifest
    assert manifest.synthetic is True
    assert manifest.generator.name == "touchline.synth" and manifest.generator.seed == SEED
    assert manifest.generator.size == "tiny"
    assert manifest.generator.version == "1.1"  # players drawn with PlayerVariability
    assert manifest.generator.model_dump()["variability"]["calf_mount_deg"] == [3.0, 30.0]
    assert manifest.labels == list(LABELS) and manifest.weeks == SIZES["tiny"].weeks
    clips = data.clips()
    spec = SIZES["tiny"]
    background = round(spec.action_clips * spec.background_fraction)
    assert len(clips) == spec.action_clips + background
    labels = np.bincount(clips.as_dict()["label"], minlength=len(LABELS))
    assert labels[LABELS.index("background")] == background and (labels > 0).all()
    impact = clips.as_dict()["impact"]
    assert ((impact >= 0) & (impact <= 1)).all()
    assert len(data.weekly) == spec.athletes * spec.weeks


def test_data_check_command_accepts_the_output(tiny: Path) -> None:
    result = CliRunner().invoke(app, ["data", "check", str(tiny)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "synthetic" in result.output


def test_clip_labels_match_the_signals(tiny: Path) -> None:
    arrays = load_dataset(tiny).clips().as_dict()
    calf_rate = np.abs(arrays["imu"][:, 9:12, 300:500]).max(axis=(1, 2))
    shot = arrays["label"] == ACTIONS.index("shot")
    walk = arrays["label"] == LABELS.index("background")
    assert np.median(calf_rate[shot]) > 2 * np.median(calf_rate[walk])
    # Clips point back to real sessions of the season.
    sessions = pd.read_csv(tiny / "sessions.csv")
    keys = set(zip(sessions["session_id"], sessions["athlete_id"], strict=True))
    assert all(k in keys for k in zip(arrays["session_id"], arrays["athlete_id"], strict=True))


def test_weekly_counts_and_truth_line_up(tiny: Path) -> None:
    weekly = pd.read_csv(tiny / "weekly.csv")
    hazard = pd.read_csv(tiny / "truth" / "hazard.csv")
    merged = weekly.merge(hazard, on=["athlete_id", "week"], validate="one_to_one")
    assert len(merged) == len(weekly)
    assert merged["hazard"].between(0, 1).all()
    assert set(weekly["injured_next_week"]) <= {0, 1}
    assert (weekly[[f"n_{a}" for a in ACTIONS]].sum(axis=1) > 0).mean() > 0.8


def test_continuous_sessions_hold_events_and_recoverable_clocks(tiny: Path) -> None:
    files = sorted((tiny / "continuous").glob("*__*.npz"))
    assert len(files) == SIZES["tiny"].continuous_sessions
    for path in files:
        with np.load(path) as f:
            assert f["waist"].shape == (f["imu_t_s"].size, 6) and f["waist"].dtype == np.float32
            assert f["events_t_s"].size > 0 and f["events_label"].max() < len(LABELS)
            for site in ("waist", "calf"):
                ok = f[f"{site}_valid"]
                slope, _ = np.polyfit(f["imu_t_s"][ok], f[f"{site}_device_us"][ok].astype(float), 1)
                assert (slope / 1e6 - 1) * 1e6 == pytest.approx(f[f"{site}_clock"][1], abs=0.05)
        session_id, athlete_id = path.stem.split("__")
        sessions = pd.read_csv(tiny / "sessions.csv")
        assert (
            (sessions["session_id"] == session_id) & (sessions["athlete_id"] == athlete_id)
        ).any()


def test_same_seed_gives_the_same_dataset_with_any_worker_count(tiny: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    synthesize(again, "tiny", SEED, workers=2)
    for table in ("athletes.csv", "sessions.csv", "injuries.csv", "weekly.csv", "truth/hazard.csv"):
        assert (tiny / table).read_text() == (again / table).read_text(), table
    with (
        np.load(tiny / "clips" / "shard-00000.npz") as a,
        np.load(again / "clips" / "shard-00000.npz") as b,
    ):
        for key in ("imu", "skeleton", "label", "clip_id"):
            assert np.array_equal(a[key], b[key]), key


def test_refuses_to_overwrite_or_guess(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(SynthError, match="new or empty directory"):
        synthesize(tiny, "tiny", SEED)
    runner = CliRunner()
    result = runner.invoke(app, ["synth", str(tiny), "--size", "tiny"])
    assert result.exit_code == 2 and "new or empty directory" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["synth", str(tmp_path / "x"), "--size", "huge"])
    assert result.exit_code == 2 and "unknown size 'huge'" in result.output
    assert not (tmp_path / "x").exists()
