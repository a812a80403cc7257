"""`touchline import takes`: a club's labelled takes in the real format become a dataset
with the club's own labels; a bad row is named by row and column and leaves nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from edge import taxonomy
from host.cli import app
from host.data.dataset import load_dataset
from host.data.takes import TakesError, import_takes
from tests.host.data.takes_example import LABELS, write_takes


def _one_take(root: Path, rate: float, **extra: str) -> Path:
    """One take: waist_ax a 3 Hz sine at `rate` from 20 s to 26 s, event at 23 s."""
    t = 20.0 + np.arange(0, 6.0, 1 / rate)
    pd.DataFrame({"t_s": t, "waist_ax": np.sin(2 * np.pi * 3 * t), "waist_gz": 5.0}).to_csv(
        root / "take.csv", index=False
    )
    row = {"take_id": "t1", "athlete_id": "p1", "label": "juggling", "imu": "take.csv", **extra}
    pd.DataFrame([row]).to_csv(root / "TAKES.csv", index=False)
    return root / "TAKES.csv"


@pytest.mark.parametrize("rate", [50.0, 100.0, 200.0, 33.3])
def test_imu_at_any_rate_is_resampled_to_100_hz_on_the_event(tmp_path: Path, rate: float) -> None:
    takes = _one_take(tmp_path, rate, t_event_s="23.0")
    import_takes(takes, tmp_path / "ds", today=date(2026, 3, 2))
    clips = load_dataset(tmp_path / "ds").clips()
    assert clips.imu is not None and clips.imu_valid is not None
    assert clips.imu.shape == (1, 12, 800)  # 8 s stored clip at 100 Hz
    assert clips.t_start_s[0] == pytest.approx(19.0)  # centred on the event: 23 - 4
    t = 19.0 + np.arange(800) / 100.0
    waist, calf = clips.imu_valid[0]
    inside = (t >= 20.0) & (t <= 25.9)
    assert waist[inside[:]].all() and not waist[t < 19.95].any() and not waist[t > 26.05].any()
    assert not calf.any()  # no calf channel in the file: that sensor is absent
    core = (t > 20.5) & (t < 25.5)
    expected = np.sin(2 * np.pi * 3 * t[core])
    assert np.abs(clips.imu[0, 0, core] - expected).max() < 0.05
    assert np.allclose(clips.imu[0, 5, core], 5.0, atol=0.05)  # waist_gz kept in deg/s
    assert (clips.imu[0, :, ~waist] == 0).all()  # outside the recording: zeros, invalid


def test_takes_carry_the_clubs_labels_and_skeletons(tmp_path: Path) -> None:
    takes = write_takes(tmp_path / "club", athletes=("p1", "p3"), per_label=1)
    report = import_takes(takes, tmp_path / "ds")
    dataset = load_dataset(tmp_path / "ds")
    assert dataset.manifest.labels == list(LABELS) == report.labels
    assert not dataset.manifest.synthetic
    clips = dataset.clips()
    table = pd.read_csv(takes)
    order = {take: i for i, take in enumerate(clips.clip_id.tolist())}
    for _, row in table.iterrows():
        i = order[row["take_id"]]
        assert dataset.manifest.labels[clips.label[i]] == row["label"]
        assert clips.athlete_id[i] == row["athlete_id"]
    nose, ankle = taxonomy.JOINTS.index("nose"), taxonomy.JOINTS.index("right_ankle")
    assert clips.skeleton_conf is not None and clips.skeleton is not None
    assert (clips.skeleton_conf[:, :, nose] == 0).all()  # never tracked: left empty
    t = clips.t_start_s[:, None] + np.arange(480)[None, :] / 60.0
    inside = (t > 10.1) & (t < 14.8)
    assert np.allclose(clips.skeleton_conf[:, :, ankle][inside], 0.9)
    assert (clips.skeleton_conf[:, :, ankle][t < 9.9] == 0).all()
    kick = clips.label == dataset.manifest.labels.index("instep_kick")
    assert clips.skeleton[kick, :, ankle, 2].max() > 0.4 > clips.skeleton[~kick, :, ankle, 2].max()
    assert set(dataset.sessions["session_id"]) == {"drills-p1", "drills-p3"}
    assert (dataset.sessions["duration_min"] > 0).all()


BAD_ROWS = [
    ({"imu": "missing.csv"}, "imu", "no such file"),
    ({"date": "02/03/2026"}, "date", "not an ISO date"),
    ({"t_event_s": "99"}, "t_event_s", "outside the IMU recording"),
    ({"label": "instep kick!"}, "label", f"is not a label: {taxonomy.LABEL_RULE}"),
    ({"label": "k" * 41}, "label", "is not a label"),
    ({"athlete_id": ""}, "athlete_id", "empty"),
    ({"take_id": "p1-dribble-0"}, "take_id", "appears earlier in this file"),
    ({"skeleton": "imu/p1-juggling-0.csv"}, "skeleton", "unknown column(s) waist_ax"),
]


@pytest.mark.parametrize(("change", "column", "reason"), BAD_ROWS)
def test_a_bad_row_is_named_and_nothing_is_written(
    tmp_path: Path, change: dict[str, str], column: str, reason: str
) -> None:
    takes = write_takes(tmp_path / "club", athletes=("p1",), per_label=1)
    table = pd.read_csv(takes, dtype=str)
    for key, value in change.items():
        table.loc[2, key] = value  # the third take: row 4 of the file
    table.to_csv(takes, index=False)
    with pytest.raises(TakesError) as caught:
        import_takes(takes, tmp_path / "out" / "ds")
    message = str(caught.value)
    assert f"row 4, column '{column}'" in message and reason in message
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []  # no dataset, no half-built copy


def test_more_action_labels_than_a_bundle_carries_are_refused_before_reading(
    tmp_path: Path,
) -> None:
    takes = _one_take(tmp_path, 100.0)
    too_many = taxonomy.MAX_ACTION_LABELS + 1
    rows = [
        {"take_id": f"t{k}", "athlete_id": "p1", "label": f"drill{k}", "imu": "take.csv"}
        for k in range(too_many)
    ]
    pd.DataFrame(rows).to_csv(takes, index=False)
    with pytest.raises(TakesError, match=f"{too_many} action labels .* at most 64"):
        import_takes(takes, tmp_path / "ds")
    assert not (tmp_path / "ds").exists()


def test_a_bad_number_inside_an_imu_file_names_the_take_row_and_the_file_row(
    tmp_path: Path,
) -> None:
    takes = write_takes(tmp_path / "club", athletes=("p1",), per_label=1)
    imu = tmp_path / "club" / "imu" / "p1-instep_kick-0.csv"
    table = pd.read_csv(imu, dtype=str)
    table.loc[10, "calf_gx"] = "n/a"
    table.to_csv(imu, index=False)
    with pytest.raises(TakesError, match=r"row 3, column 'imu': .*row 12, column 'calf_gx'"):
        import_takes(takes, tmp_path / "ds")
    assert not (tmp_path / "ds").exists()


def test_takes_join_a_dataset_that_pose_wrote_without_changing_it(tmp_path: Path) -> None:
    from host.pose.extract import TrackRecords
    from host.pose.writer import ClipLabels, write_track

    k = 240
    records = TrackRecords(
        frame=np.arange(k),
        t_s=np.arange(k) / 30.0,
        track=np.zeros(k, np.int32),
        image_xy=np.zeros((k, 13, 2), np.float32),
        joints=np.ones((k, 13, 3), np.float32),
        confidence=np.full((k, 13), 0.8, np.float32),
        box=np.zeros((k, 4), np.float32),
    )
    root = tmp_path / "club"
    write_track(
        root, records, 30.0, ClipLabels("p1", "video-1", session_date=date(2026, 3, 2)), "video-1"
    )
    before = load_dataset(root)
    old_labels = list(before.manifest.labels)
    old = before.clips()
    takes = write_takes(tmp_path / "takes", athletes=("p1", "p2"), per_label=1)
    report = import_takes(takes, root)
    after = load_dataset(root)
    assert not report.created
    assert after.manifest.labels == [*old_labels, *LABELS]  # appended: old ids keep meaning
    clips = after.clips()
    pose = np.isin(clips.clip_id, old.clip_id)
    assert (clips.label[pose] == old.label).all()
    assert np.array_equal(clips.skeleton[pose], old.skeleton)
    assert clips.imu_valid is not None and clips.imu_valid[~pose].any()
    assert set(after.athletes["athlete_id"]) == {"p1", "p2"}
    # ... and pose output can join a takes dataset under one of the club's labels.
    write_track(
        root,
        records,
        30.0,
        ClipLabels("p2", "video-2", label="juggling", session_date=date(2026, 3, 2)),
        "video-2",
    )
    assert len(load_dataset(root).clips()) == len(clips) + 1


def test_cli_imports_and_reports_one_line_errors(tmp_path: Path) -> None:
    takes = write_takes(tmp_path / "club", athletes=("p1",), per_label=1)
    runner = CliRunner()
    result = runner.invoke(app, ["import", "takes", str(takes), "--out", str(tmp_path / "ds")])
    assert result.exit_code == 0, result.output
    assert "3 take(s) of 1 athlete(s)" in result.output and "instep_kick" in result.output
    again = runner.invoke(app, ["import", "takes", str(takes), "--out", str(tmp_path / "ds")])
    assert again.exit_code == 1
    assert "row 2, column 'take_id'" in again.output and "Traceback" not in again.output
    helped = runner.invoke(app, ["import", "takes", "--help"])
    assert "Example:" in helped.output


def test_custom_labels_reach_the_bundle_and_the_sideline_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import json

    from rich.console import Console

    from edge.bundle import read_bundle
    from edge.config import EdgeConfig
    from edge.infer import ActionModel
    from edge.live import session_table
    from edge.session import record
    from edge.store import Store
    from edge.transports.virtual import SquadSpec, VirtualSquadTransport
    from host.distill.config import DistillConfig
    from host.distill.pipeline import distill_run
    from host.export.bundle import export_run
    from host.models.config import TrainConfig
    from host.train import train

    monkeypatch.setenv("TOUCHLINE_KEY_DIR", str(tmp_path / "keys"))
    import_takes(write_takes(tmp_path / "club", per_label=3), tmp_path / "takes")
    run = train(
        tmp_path / "takes",
        tmp_path / "run",
        TrainConfig(max_epochs=4, batch_size=8, learning_rate=1e-2),
        show_progress=False,
    ).run_dir
    distilled = distill_run(
        run,
        config=DistillConfig(max_epochs=3, min_steps=0, batch_size=8, bootstrap_samples=20),
        minirocket_kernels=84,
    )
    assert json.loads((distilled.out_dir / "distill.json").read_text())["labels"] == list(LABELS)
    exported = export_run(run, version="takes-1", key_dir=tmp_path / "keys")
    bundle = read_bundle(exported.bundle_dir)
    assert bundle.manifest.labels == list(LABELS)
    assert set(bundle.manifest.events.thresholds) == set(LABELS)

    squad = "virtual://squad?athletes=2&duration_s=30&seed=3"
    snapshots = []
    with Store(tmp_path / "edge" / "store.db") as store:
        asyncio.run(
            record(
                EdgeConfig(data_dir=tmp_path / "edge"),
                SquadSpec.from_address(squad).roles(),
                [VirtualSquadTransport(squad)],
                ActionModel.from_bundle(bundle),
                store,
                observer=lambda *view: snapshots.append(view),
                observe_every_s=0.0,
            )
        )
    processor, statuses, session_s = snapshots[-1]
    events = [e for athlete in processor.athletes.values() for e in athlete.events]
    assert events and {e.label for e in events} <= set(LABELS)
    console = Console(width=120, record=True)
    console.print(session_table(processor, statuses, session_s))
    text = console.export_text()
    assert any(f"{label}:" in text for label in LABELS)


def test_an_empty_imu_cell_is_a_missing_sample_of_that_sensor(tmp_path: Path) -> None:
    takes = _one_take(tmp_path, 100.0, t_event_s="23.0")
    imu = pd.read_csv(tmp_path / "take.csv")
    imu.loc[250:349, "waist_ax"] = np.nan  # 1 s of empty cells, 22.5 s to 23.49 s
    imu.to_csv(tmp_path / "take.csv", index=False)
    import_takes(takes, tmp_path / "ds", today=date(2026, 3, 2))
    clips = load_dataset(tmp_path / "ds").clips()
    assert clips.imu_valid is not None
    t = 19.0 + np.arange(800) / 100.0
    waist = clips.imu_valid[0, 0]
    assert not waist[(t > 22.52) & (t < 23.47)].any()
    assert waist[(t > 20.5) & (t < 22.4)].all() and waist[(t > 23.6) & (t < 25.5)].all()
