"""The dataset loader accepts the documented format and names the file and field of any fault."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from edge import taxonomy
from host.cli import app
from host.data.check import summarise
from host.data.dataset import (
    DatasetError,
    load_dataset,
    write_clip_shard,
    write_manifest,
    write_table,
)
from host.data.manifest import Generator, new_manifest

N_CLIPS = 6


def clip_arrays(
    manifest, n: int = N_CLIPS, first: int = 0, rng_seed: int = 0
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(rng_seed)
    t_imu, t_gps, t_hr, t_sk = (manifest.samples(m) for m in ("imu", "gps", "hr", "skeleton"))
    skeleton_conf = np.ones((n, t_sk, len(taxonomy.JOINTS)), np.float32)
    skeleton_conf[0, :100, taxonomy.JOINTS.index("left_knee")] = 0.1  # 1.7 s occluded: dropped
    imu_valid = np.ones((n, 2, t_imu), bool)
    imu_valid[1] = False  # one clip without IMU at all
    return {
        "clip_id": np.array([f"c{first + i}" for i in range(n)]),
        "athlete_id": np.array(["a1", "a2"] * (n // 2)),
        "session_id": np.array(["s1"] * n),
        "label": np.arange(n, dtype=np.int16) % len(manifest.labels),
        "scene": np.arange(n, dtype=np.int16) % len(manifest.scenes),
        "week": np.zeros(n, np.int16),
        "t_start_s": np.arange(n, dtype=np.float64) * 10,
        "imu": rng.normal(size=(n, 12, t_imu)).astype(np.float32),
        "imu_valid": imu_valid,
        "gps": rng.normal(size=(n, 3, t_gps)).astype(np.float32),
        "gps_valid": np.ones((n, t_gps), bool),
        "hr": np.full((n, 1, t_hr), 140, np.float32),
        "hr_valid": np.ones((n, t_hr), bool),
        "skeleton": rng.normal(size=(n, t_sk, len(taxonomy.JOINTS), 3)).astype(np.float32),
        "skeleton_conf": skeleton_conf,
    }


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    root = tmp_path / "ds"
    manifest = new_manifest(
        "fixture", synthetic=True, generator=Generator(name="test", version="1", seed=0), weeks=2
    )
    write_manifest(root, manifest)
    write_table(
        root, "athletes.csv", pd.DataFrame({"athlete_id": ["a1", "a2"], "position": ["DF", "FW"]})
    )
    write_table(
        root,
        "sessions.csv",
        pd.DataFrame(
            {
                "session_id": ["s1", "s1"],
                "athlete_id": ["a1", "a2"],
                "date": pd.to_datetime(["2026-01-05"] * 2),
                "duration_min": [90, 75],
                "rpe": [6, 7],
            }
        ),
    )
    write_table(
        root,
        "injuries.csv",
        pd.DataFrame(
            {"athlete_id": ["a2"], "date": pd.to_datetime(["2026-01-09"]), "days_lost": [5]}
        ),
    )
    write_table(
        root,
        "weekly.csv",
        pd.DataFrame({"athlete_id": ["a1", "a2"], "week": [0, 0], "injured_next_week": [0, 1]}),
    )
    write_clip_shard(root, 0, clip_arrays(manifest), manifest)
    write_clip_shard(root, 1, clip_arrays(manifest, first=N_CLIPS, rng_seed=1), manifest)
    return root


def test_loads_tables_and_clips(dataset_dir: Path) -> None:
    ds = load_dataset(dataset_dir)
    assert ds.manifest.synthetic is True
    assert list(ds.athletes.athlete_id) == ["a1", "a2"]
    assert ds.sessions["date"].dt.day.tolist() == [5, 5]
    clips = ds.clips()
    assert len(clips) == 2 * N_CLIPS
    assert clips.imu.shape == (2 * N_CLIPS, 12, 800)
    assert clips.skeleton.shape == (2 * N_CLIPS, 480, 13, 3)
    assert clips.clip_id.dtype.kind == "U"
    a2 = clips.subset(clips.athlete_id == "a2")
    assert set(a2.athlete_id) == {"a2"} and len(a2) == N_CLIPS


def test_summary_counts_classes_scenes_and_missing_modalities(dataset_dir: Path) -> None:
    summary = summarise(load_dataset(dataset_dir))
    assert summary.clips == 12 and summary.athletes == 2 and summary.injuries == 1
    assert sum(summary.clips_per_label.values()) == 12
    assert summary.clips_per_label["sprint"] == 2
    assert summary.missing_rate["imu"] == pytest.approx(2 / 12)  # clip 1 of each shard
    assert summary.missing_rate["gps"] == 0.0
    assert 0 < summary.skeleton_occlusion_rate < 0.1
    assert summary.skeleton_coverage < 1.0
    assert summary.dropped == {"occlusion>1.5s": 2}  # clip 0 of each shard


def test_written_files_are_readable_by_others(dataset_dir: Path) -> None:
    for name in ("manifest.json", "athletes.csv", "sessions.csv"):
        assert (dataset_dir / name).stat().st_mode & 0o044 == 0o044, name


def test_content_hash_follows_the_bytes(dataset_dir: Path) -> None:
    before = load_dataset(dataset_dir).content_hash
    assert load_dataset(dataset_dir).content_hash == before
    (dataset_dir / "injuries.csv").write_text("athlete_id,date\na1,2026-01-06\n")
    assert load_dataset(dataset_dir).content_hash != before


def _break(path: Path, text: str) -> None:
    path.write_text(text)


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        ("manifest.json", "{not json", "manifest.json: not valid JSON"),
        (
            "manifest.json",
            json.dumps({"schema": 2, "name": "x", "synthetic": False, "labels": ["a"]}),
            "schema 2 is not supported",
        ),
        (
            "manifest.json",
            json.dumps({"schema": 1, "name": "x", "labels": ["a"]}),
            "field 'synthetic'",
        ),
        (
            "sessions.csv",
            "session_id,athlete_id,date\ns1,a1,2026-01-01\n",
            "missing column(s) duration_min",
        ),
        (
            "sessions.csv",
            "session_id,athlete_id,date,duration_min\ns1,a1,2026-01-01,ninety\n",
            "row 2, column 'duration_min': 'ninety' is not a number",
        ),
        (
            "sessions.csv",
            "session_id,athlete_id,date,duration_min\ns1,a1,05/01/2026,90\n",
            "row 2, column 'date': '05/01/2026' is not an ISO date",
        ),
        (
            "injuries.csv",
            "athlete_id,date\na9,2026-01-01\n",
            "row 2, column 'athlete_id': 'a9' is not in athletes.csv",
        ),
        ("athletes.csv", "athlete_id\na1\na1\n", "row 3: athlete_id appears twice"),
        ("injuries.csv", "", "empty file"),
    ],
)
def test_bad_tables_name_file_and_field(
    dataset_dir: Path, file: str, content: str, expected: str
) -> None:
    _break(dataset_dir / file, content)
    with pytest.raises(DatasetError, match=None) as info:
        load_dataset(dataset_dir)
    assert expected in str(info.value)
    assert file in str(info.value)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["shot", "instep kick!", "background"], "'instep kick!' is not a label: up to 40"),
        (["shot", "pass\n", "background"], "'pass\\n' is not a label"),
        ([f"drill{k}" for k in range(65)], "65 action labels; a model bundle carries at most 64"),
    ],
)
def test_a_manifest_label_outside_the_label_rule_names_the_label_and_file(
    dataset_dir: Path, labels: list[str], expected: str
) -> None:
    path = dataset_dir / "manifest.json"
    raw = json.loads(path.read_text())
    path.write_text(json.dumps({**raw, "labels": labels}))
    with pytest.raises(DatasetError) as info:
        load_dataset(dataset_dir)
    message = str(info.value)
    assert message.startswith(f"{path}: field 'labels'") and expected in message
    assert "\n" not in message  # one line, the label shown as its repr


def test_missing_table_is_named(dataset_dir: Path) -> None:
    (dataset_dir / "injuries.csv").unlink()
    with pytest.raises(DatasetError, match="injuries.csv: missing"):
        load_dataset(dataset_dir)


def _rewrite_shard(dataset_dir: Path, **changes: np.ndarray | None) -> None:
    shard = dataset_dir / "clips" / "shard-00001.npz"
    with np.load(shard) as npz:
        arrays = {k: npz[k] for k in npz.files}
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    np.savez_compressed(shard, **arrays)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"imu": np.zeros((N_CLIPS, 12, 700), np.float32)},
            "'imu' has shape (6, 12, 700), expected (6, 12, 800)",
        ),
        ({"label": np.full(N_CLIPS, 42, np.int16)}, "'label' outside 0..8"),
        ({"gps_valid": None}, "'gps' and 'gps_valid' must come together"),
        ({"hr": np.full((N_CLIPS, 1, 8), np.nan, np.float32)}, "'hr' holds NaN"),
        (
            {"clip_id": np.array([f"c{i}" for i in range(N_CLIPS)])},
            "clip_id 'c0' appears more than once",
        ),
        ({"week": None}, "missing key(s) week"),
        ({"mystery": np.zeros(N_CLIPS)}, "unknown key(s) mystery"),
    ],
)
def test_bad_shards_are_refused_with_reason(dataset_dir: Path, changes, expected: str) -> None:
    _rewrite_shard(dataset_dir, **changes)
    with pytest.raises(DatasetError) as info:
        load_dataset(dataset_dir).clips()
    assert expected in str(info.value)


def test_truncated_shard_is_named(dataset_dir: Path) -> None:
    shard = dataset_dir / "clips" / "shard-00000.npz"
    shard.write_bytes(shard.read_bytes()[:1000])
    with pytest.raises(DatasetError, match="shard-00000.npz: not a readable .npz shard"):
        load_dataset(dataset_dir).clips()


def test_writer_refuses_a_bad_shard_and_keeps_the_good_one(dataset_dir: Path) -> None:
    ds = load_dataset(dataset_dir)
    bad = clip_arrays(ds.manifest)
    bad["skeleton"] = bad["skeleton"][:, :, :8]
    before = (dataset_dir / "clips" / "shard-00000.npz").read_bytes()
    with pytest.raises(DatasetError, match="shard-00000.npz: 'skeleton' has shape"):
        write_clip_shard(dataset_dir, 0, bad, ds.manifest)
    assert (dataset_dir / "clips" / "shard-00000.npz").read_bytes() == before
    assert not list((dataset_dir / "clips").glob(".*"))


def test_cli_check_prints_summary_and_fails_clearly(dataset_dir: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["data", "check", str(dataset_dir)])
    assert ok.exit_code == 0, ok.output
    assert "fixture" in ok.output and "synthetic" in ok.output and "sprint" in ok.output
    (dataset_dir / "athletes.csv").write_text("player\nx\n")
    bad = runner.invoke(app, ["data", "check", str(dataset_dir)])
    assert bad.exit_code == 1
    assert "athletes.csv: missing column(s) athlete_id" in bad.output
    assert "Traceback" not in bad.output
