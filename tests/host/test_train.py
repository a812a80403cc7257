"""Training end to end on a tiny class-dependent squad: it learns, the run directory is
complete, resume continues exactly, and two data-parallel processes agree."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from host.cli import app
from host.data.dataset import load_dataset
from host.models.config import TrainConfig
from host.models.run import load_run
from host.train import TrainingError, train
from tests.host.models.squad_fixture import write_fixture_squad

FAST = TrainConfig(max_epochs=8, learning_rate=5e-3, batch_size=16, early_stop_patience=8)


@pytest.fixture(scope="module")
def squad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_fixture_squad(tmp_path_factory.mktemp("squad") / "data")


@pytest.fixture(scope="module")
def run(squad: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    return train(squad, tmp_path_factory.mktemp("runs") / "run", FAST, show_progress=False).run_dir


def test_tiny_training_learns(run: Path, squad: Path) -> None:
    history = json.loads((run / "metrics.json").read_text())
    assert history[-1]["train_action_loss"] < history[0]["train_action_loss"]
    loaded = load_run(run)
    splits = json.loads((run / "splits.json").read_text())
    clips = load_dataset(squad).clips().subset(np.array(splits["actions"]["test"]))
    predicted = loaded.predict_proba(clips).argmax(1)
    accuracy = float((predicted == clips.label).mean())
    assert accuracy > 2.0 / len(loaded.labels)  # well above chance on unseen athletes


def test_run_directory_is_complete_and_marked_synthetic(run: Path) -> None:
    for name in (
        "config.json",
        "stats.json",
        "splits.json",
        "metrics.csv",
        "metrics.json",
        "best.pt",
        "last.pt",
        "run.json",
    ):
        assert (run / name).exists(), name
    info = json.loads((run / "run.json").read_text())
    assert info["synthetic"] is True and len(info["data_hash"]) == 64
    header = (run / "metrics.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "epoch" and "val_macro_f1" in header and "val_auc" in header
    stats = json.loads((run / "stats.json").read_text())
    assert len(stats["inputs"]["imu"]["mean"]) == 12


def test_predict_proba_works_without_skeleton(run: Path, squad: Path) -> None:
    import dataclasses

    clips = load_dataset(squad).clips().subset(slice(0, 12))
    blind = dataclasses.replace(clips, skeleton=None, skeleton_conf=None)
    proba = load_run(run).predict_proba(blind)
    assert proba.shape == (12, 9) and np.allclose(proba.sum(1), 1, atol=1e-5)


def test_resume_continues_exactly_as_an_uninterrupted_run(squad: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    short = TrainConfig(max_epochs=2, early_stop_patience=9, learning_rate=1e-3)
    straight = train(squad, tmp_path / "straight", short, show_progress=False)
    train(squad, tmp_path / "cut", short.replace(max_epochs=1), show_progress=False)
    config = json.loads((tmp_path / "cut" / "config.json").read_text())
    config["max_epochs"] = 2
    (tmp_path / "cut" / "config.json").write_text(json.dumps(config))
    resumed = train(squad, tmp_path / "cut", resume=True, show_progress=False)
    assert len(resumed.history) == 2
    assert resumed.history[-1]["val_loss"] == pytest.approx(
        straight.history[-1]["val_loss"], rel=1e-5
    )


def test_time_budget_stops_before_an_epoch_would_overrun(squad: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    budget = TrainConfig(max_epochs=5, batch_size=16, time_budget_min=1e-4)  # 6 ms
    result = train(squad, tmp_path / "capped", budget, show_progress=False)
    assert result.stop_reason == "time_budget" and result.epochs_run == 1
    stop = json.loads((tmp_path / "capped" / "run.json").read_text())["stop"]
    assert stop["reason"] == "time_budget" and stop["best_epoch"] == 1
    assert (tmp_path / "capped" / "best.pt").exists()


@pytest.mark.slow
def test_two_data_parallel_processes_agree(squad: Path, tmp_path: Path) -> None:
    config = tmp_path / "ddp.toml"
    config.write_text("max_epochs = 1\nbatch_size = 16\nlearning_rate = 1e-3\n")
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with socket.socket() as probe:  # a free port for the rendezvous
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            f"--master_port={port}",
            "-m",
            "host.train",
            "--data",
            str(squad),
            "--out",
            str(out),
            "--config",
            str(config),
        ],
        check=True,
        env=env,
        capture_output=True,
        timeout=240,
    )
    digests = sorted((out / "replicas").glob("rank*.sha256"))
    assert [d.name for d in digests] == ["rank0.sha256", "rank1.sha256"]
    assert digests[0].read_text() == digests[1].read_text()
    assert json.loads((out / "run.json").read_text())["world_size"] == 2
    assert load_run(out).predict_proba(load_dataset(squad).clips().subset(slice(0, 2))).shape == (
        2,
        9,
    )


def test_ucr_ts_file_trains_the_imu_branch_with_its_own_labels(tmp_path: Path) -> None:
    from aeon.datasets import load_from_ts_file

    from host.evaluation.evaluate import evaluate_run

    data = Path(load_from_ts_file.__code__.co_filename).parent / "data" / "BasicMotions"
    config = TrainConfig(max_epochs=10, learning_rate=5e-3, batch_size=8, early_stop_patience=10)
    result = train(data / "BasicMotions_TRAIN.ts", tmp_path / "ucr", config, show_progress=False)
    loaded = load_run(result.run_dir)
    assert loaded.labels == ["badminton", "running", "standing", "walking"]
    assert loaded.model_config.branches == ("imu",)
    evaluation = evaluate_run(result.run_dir, resamples=0)
    assert evaluation.actions.n == 40  # the file's own TEST half, never trained on
    assert evaluation.actions.accuracy > 0.5  # chance is 0.25
    # No athlete-weeks in a .ts file: the risk section says so instead of going missing.
    assert evaluation.risk is None
    assert json.loads((result.run_dir / "evaluation.json").read_text())["risk"] is None
    # Distillation reads a dataset folder's clips: a .ts run is sent to student-check.
    refused = CliRunner().invoke(app, ["distill", str(result.run_dir), "--device", "cpu"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "touchline student-check --data" in " ".join(refused.output.split())


def test_ts_series_reach_the_model_on_its_imu_grid_with_the_time_crop(tmp_path: Path) -> None:
    from aeon.datasets import save_to_ts_file

    from edge import taxonomy
    from host.data.ts_file import ts_task
    from host.models.inputs import InputStats

    # 6 s at 100 Hz, as tools/real_motion writes them: a slow swing under a 40 Hz buzz.
    t = np.arange(600) / 100.0
    slow = np.sin(2 * np.pi * 0.5 * t)
    x = np.stack([np.stack([slow * (1 + i % 2), np.sin(2 * np.pi * 40 * t)]) for i in range(8)])
    save_to_ts_file(
        x,
        np.array(["a", "b"] * 4),
        label_type="classification",
        path=str(tmp_path),
        problem_name="Swing_TRAIN",
    )
    config = TrainConfig()
    fitted, task, _ = ts_task(tmp_path / "Swing_TRAIN.ts", config)
    samples = int(taxonomy.STORED_CLIP_S * config.imu_rate_hz)
    assert task.arrays.imu.shape == (8, 3, samples)  # two channels and their validity
    assert task.stats.rates["imu"] == config.imu_rate_hz
    assert fitted.crop_s == config.crop_s  # training still crops in time
    # Low-passed before downsampling: the slow swing survives, the 40 Hz buzz does not alias.
    swing = task.stats.imu.mean[0] + task.stats.imu.std[0] * task.arrays.imu[1, 0]
    grid = np.linspace(0, 6, samples, endpoint=False)
    inner = slice(10, -10)
    assert np.allclose(swing[inner], 2 * np.sin(2 * np.pi * 0.5 * grid)[inner], atol=0.05)
    buzz = task.stats.imu.mean[1] + task.stats.imu.std[1] * task.arrays.imu[:, 1, inner]
    assert np.abs(buzz).max() < 0.1  # of an amplitude of 1
    # A run trained on the file's own samples (saved rate 600 / 8 s) is read back as it was.
    rates = {**task.stats.rates, "imu": 75.0}
    old = InputStats(task.stats.imu, task.stats.gps, task.stats.hr, rates)
    _, again, _ = ts_task(tmp_path / "Swing_TRAIN.ts", config, stats=old)
    assert again.arrays.imu.shape[-1] == 600


def test_train_command_reports_bad_input_in_one_line(tmp_path: Path, squad: Path) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    runner = CliRunner()
    missing = runner.invoke(app, ["train", "--data", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "not a directory" in missing.output
    assert "Traceback" not in missing.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\nuse_video = false\n")
    config = runner.invoke(app, ["train", "--data", str(squad), "--config", str(bad)])
    assert config.exit_code == 1 and "use_video" in config.output and str(bad) in config.output
    resume = runner.invoke(app, ["train", "--data", str(squad), "--out", str(tmp_path), "--resume"])
    assert resume.exit_code == 1 and "last.pt" in resume.output


def test_torchrun_entry_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    """`torchrun -m host.train` (every rank) says what is wrong as the CLI does."""
    done = subprocess.run(
        [sys.executable, "-m", "host.train", "--data", str(tmp_path / "nowhere")]
        + ["--out", str(tmp_path / "run")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and "not a directory" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_commands_end_to_end_on_the_tiny_simulated_squad(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from host.cli import app
    from host.synth.build import synthesize

    data = tmp_path / "tiny"
    synthesize(data, "tiny", seed=3, workers=1)
    run = tmp_path / "run"
    runner = CliRunner()
    trained = runner.invoke(app, ["train", "--data", str(data), "--out", str(run), "--epochs", "1"])
    assert trained.exit_code == 0, trained.output
    assert "best epoch 1 of 1" in " ".join(trained.output.split())  # rich wraps lines
    evaluated = runner.invoke(app, ["evaluate", str(run), "--resamples", "20"])
    assert evaluated.exit_code == 0, evaluated.output
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert evaluation["synthetic"] is True and evaluation["actions"]["n"] > 0
    # The risk section must be there, score every held-out athlete-week, and carry the
    # simulator's oracle beside the model (NaN when the tiny test weeks hold no injury).
    test_weeks = json.loads((run / "splits.json").read_text())["risk"]["test"]
    assert len(test_weeks) > 0 and evaluation["risk"]["n"] == len(test_weeks)
    assert {"auc", "brier", "oracle_auc"} <= evaluation["risk"].keys()
    reported = runner.invoke(app, ["report", str(run)])
    assert reported.exit_code == 0 and (run / "report.html").exists()
    missing = runner.invoke(app, ["evaluate", str(tmp_path)])
    assert missing.exit_code == 1 and "config.json" in missing.output.replace("\n", "")


def test_risk_is_scored_with_the_checkpoint_of_lowest_validation_risk_loss(
    run: Path, squad: Path, tmp_path: Path
) -> None:
    import shutil

    from host.evaluation.evaluate import PREDICTIONS_FILE, evaluate_run, predict_test
    from host.evaluation.splits import SplitPlan
    from host.training.task import load_task_data

    history = json.loads((run / "metrics.json").read_text())
    risk_epoch = int(np.argmin([row["val_risk_loss"] for row in history])) + 1
    stop = json.loads((run / "run.json").read_text())["stop"]
    assert stop["best_risk_epoch"] == risk_epoch and (run / "best_risk.pt").exists()
    # Make the two checkpoints' risk heads certainly differ, on a copy of the run: the
    # best-risk head now says sigmoid(0.7) for every week.
    copy = shutil.copytree(run, tmp_path / "run")
    weights = torch.load(copy / "best_risk.pt", weights_only=True)
    weights["risk_head.layers.3.weight"].zero_()
    weights["risk_head.layers.3.bias"].fill_(0.7)
    torch.save(weights, copy / "best_risk.pt")
    evaluation = evaluate_run(copy, resamples=0)
    assert evaluation.checkpoints.risk.file == "best_risk.pt"
    assert evaluation.checkpoints.risk.epoch == risk_epoch
    plan = SplitPlan.from_dict(json.loads((copy / "splits.json").read_text()))
    written = np.load(copy / PREDICTIONS_FILE)["week_risk"]
    for checkpoint, same in (("best_risk.pt", True), ("best.pt", False)):
        loaded = load_run(copy, checkpoint)
        task = load_task_data(
            load_dataset(squad), loaded.config, plan, loaded.stats, loaded.weekly_normaliser
        )
        assert np.allclose(written, predict_test(loaded, task)["risk"], atol=1e-6) is same
    assert np.allclose(written, 1 / (1 + np.exp(-0.7)))


def test_per_scene_accuracy_carries_an_athlete_bootstrap_interval(run: Path) -> None:
    from host.evaluation.evaluate import evaluate_run

    scenes = evaluate_run(run, resamples=50, write=False).actions.per_scene
    assert scenes  # the fixture squad's clips come from several scenes
    for scene in scenes.values():
        interval = scene.accuracy_ci
        assert interval.value == scene.accuracy
        assert interval.low <= interval.value <= interval.high


def test_attention_warmup_epochs_are_never_kept(squad: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    config = TrainConfig(
        max_epochs=3, batch_size=16, early_stop_patience=1, attention_warmup_epochs=2
    )
    result = train(squad, tmp_path / "warm", config, show_progress=False)
    # Patience 1 cannot end training inside the warm-up, and only epoch 3 used attention.
    assert result.epochs_run == 3 and result.best_epoch == 3
    stop = json.loads((tmp_path / "warm" / "run.json").read_text())["stop"]
    assert stop["best_risk_epoch"] in (-1, 3)


TAKES_CONFIG = TrainConfig(
    max_epochs=30,
    early_stop_patience=30,
    learning_rate=1e-2,
    batch_size=8,
)


def test_imported_takes_train_and_evaluate_with_their_own_labels(tmp_path: Path) -> None:
    from host.data.takes import import_takes
    from host.evaluation.evaluate import evaluate_run
    from tests.host.data.takes_example import LABELS, write_takes

    import_takes(write_takes(tmp_path / "club", per_label=4), tmp_path / "takes")
    result = train(
        tmp_path / "takes",
        tmp_path / "run",
        TAKES_CONFIG,
        show_progress=False,
        test_athletes=["p4"],
    )
    loaded = load_run(result.run_dir)
    assert loaded.labels == list(LABELS)
    assert loaded.model_config.n_labels == 3
    splits = json.loads((result.run_dir / "splits.json").read_text())
    athletes = load_dataset(tmp_path / "takes").clips().athlete_id
    assert set(athletes[splits["actions"]["test"]]) == {"p4"}  # exactly the named athlete
    val = set(athletes[splits["actions"]["val"]])
    trained = set(athletes[splits["actions"]["train"]])
    assert val and trained and not val & trained and "p4" not in val | trained
    evaluation = evaluate_run(result.run_dir, resamples=50)
    assert list(evaluation.actions.per_class) == list(LABELS)
    assert evaluation.actions.athletes == 1
    assert evaluation.actions.macro_f1 > 0.5  # chance is 1/3, on a player never seen
    # The skeleton branch takes part: the takes carry a skeleton.
    assert "skeleton" in loaded.model_config.branches


def test_ts_groups_keep_validation_and_test_athletes_apart(tmp_path: Path) -> None:
    from aeon.datasets import load_from_ts_file

    from host.evaluation.evaluate import evaluate_run

    data = Path(load_from_ts_file.__code__.co_filename).parent / "data" / "BasicMotions"
    groups = tmp_path / "groups.txt"
    athletes = [f"a{i % 8}" for i in range(80)]  # 40 training series, then 40 test series
    groups.write_text("athlete_id\n" + "\n".join(athletes) + "\n")
    config = TrainConfig(max_epochs=2, batch_size=8)
    run = train(
        data / "BasicMotions_TRAIN.ts", tmp_path / "g", config, show_progress=False, groups=groups
    ).run_dir
    splits = json.loads((run / "splits.json").read_text())["actions"]
    names = np.array(athletes)
    assert not set(names[splits["val"]]) & set(names[splits["train"]])
    assert max(splits["train"] + splits["val"]) < 40 and min(splits["test"]) == 40
    held = train(
        data / "BasicMotions_TRAIN.ts",
        tmp_path / "h",
        config,
        show_progress=False,
        groups=groups,
        test_athletes=["a3", "a5"],
    ).run_dir
    splits = json.loads((held / "splits.json").read_text())["actions"]
    assert set(names[splits["test"]]) == {"a3", "a5"} and len(splits["test"]) == 20
    evaluation = evaluate_run(held, resamples=20, test_athletes=["a5"])
    assert evaluation.actions.n == 10 and evaluation.actions.athletes == 1
    short = tmp_path / "short.txt"
    short.write_text("\n".join(athletes[:50]))
    with pytest.raises(TrainingError, match="50 athlete ids for 80 series"):
        train(
            data / "BasicMotions_TRAIN.ts",
            tmp_path / "s",
            config,
            show_progress=False,
            groups=short,
        )


def test_test_athletes_on_the_command_line(tmp_path: Path, squad: Path) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    runner = CliRunner()
    unknown = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(squad),
            "--out",
            str(tmp_path / "r"),
            "--test-athletes",
            "nobody",
            "--epochs",
            "1",
        ],
    )
    assert unknown.exit_code == 1 and "no athlete nobody" in unknown.output
    assert "Traceback" not in unknown.output
    athletes = sorted(set(load_dataset(squad).clips().athlete_id.tolist()))
    chosen = ",".join(athletes[:2])
    done = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(squad),
            "--out",
            str(tmp_path / "r"),
            "--test-athletes",
            chosen,
            "--epochs",
            "1",
        ],
    )
    assert done.exit_code == 0, done.output
    scored = runner.invoke(
        app, ["evaluate", str(tmp_path / "r"), "--resamples", "0", "--test-athletes", athletes[2]]
    )
    assert scored.exit_code == 1 and "not in this run's test part" in scored.output


def test_val_athletes_on_the_command_line(tmp_path: Path, squad: Path) -> None:
    from typer.testing import CliRunner, Result

    from host.cli import app

    runner = CliRunner()
    athletes = sorted(set(load_dataset(squad).clips().athlete_id.tolist()))
    base = ["train", "--data", str(squad), "--epochs", "1", "--test-athletes", athletes[0]]

    def run(out: str, *extra: str) -> Result:
        return runner.invoke(app, [*base, "--out", str(tmp_path / out), *extra])

    for extra, message in (
        (("--val-athletes", "nobody"), "--val-athletes: no athlete nobody"),
        (("--val-athletes", athletes[0]), f"--val-athletes: {athletes[0]} also in --test"),
        (("--val-athletes", f"{athletes[1]},"), "--val-athletes"),
    ):
        refused = run("bad", *extra)
        assert refused.exit_code == 1 and message in refused.output, refused.output
        assert "Traceback" not in refused.output
    alone = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(squad),
            "--out",
            str(tmp_path / "a"),
            "--epochs",
            "1",
            "--val-athletes",
            athletes[1],
        ],
    )
    assert alone.exit_code == 1 and "needs --test-athletes" in alone.output
    done = run("r", "--val-athletes", ",".join(athletes[1:3]))
    assert done.exit_code == 0, done.output
    splits = json.loads((tmp_path / "r" / "splits.json").read_text())["actions"]
    names = load_dataset(squad).clips().athlete_id
    assert set(names[splits["val"]]) == set(athletes[1:3])
    assert set(names[splits["test"]]) == {athletes[0]}
    other = run("r", "--resume", "--epochs", "2", "--val-athletes", athletes[3])
    assert other.exit_code == 1 and "keeps its validation athletes" in other.output


def test_teacher_imu_augmentation_turns_sensors_in_physical_units() -> None:
    """A turned strap keeps each sample's acceleration magnitude; a missing sensor stays
    missing; with the augmentations off nothing is built."""
    from edge import dsp
    from host.training.batches import augment_imu, imu_augmenter

    assert imu_augmenter(TrainConfig()) is None
    augmenter = imu_augmenter(TrainConfig(imu_rotation_deg=90.0))
    assert augmenter is not None
    rng = np.random.default_rng(0)
    physical = rng.normal(0, 1, (4, 12, 50)).astype(np.float32)
    normaliser = dsp.Normaliser(mean=np.linspace(-1, 1, 12), std=np.linspace(0.5, 2, 12))
    valid = np.ones((4, 2, 50), np.float32)
    valid[:, 1] = 0.0  # no calf sensor
    z = normaliser.apply(physical) * np.repeat(valid, 6, axis=1)
    batch = {"imu": torch.from_numpy(np.concatenate([z, valid], axis=1).astype(np.float32))}
    out = augment_imu(batch, augmenter, normaliser, rng)["imu"].numpy()
    back = out[:, :12] * normaliser.std[:, None] + normaliser.mean[:, None]
    assert not np.allclose(back[:, :3], physical[:, :3], atol=1e-3)  # turned
    assert np.allclose(
        np.linalg.norm(back[:, :3], axis=1), np.linalg.norm(physical[:, :3], axis=1), atol=1e-4
    )
    assert np.all(out[:, 6:12] == 0) and np.array_equal(out[:, 12:], valid)


def test_resume_applies_epochs_and_time_budget_and_refuses_a_new_seed(
    squad: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    runner = CliRunner()
    out = str(tmp_path / "r")
    first = runner.invoke(app, ["train", "--data", str(squad), "--out", out, "--epochs", "1"])
    assert first.exit_code == 0, first.output
    reseeded = runner.invoke(
        app,
        ["train", "--data", str(squad), "--out", out, "--resume", "--epochs", "2", "--seed", "7"],
    )
    assert reseeded.exit_code == 1 and "seed 0 -> 7" in " ".join(reseeded.output.split())
    recipe = runner.invoke(
        app, ["train", "--data", str(squad), "--out", out, "--resume", "--config", out]
    )
    assert recipe.exit_code == 1 and "keeps the recipe" in " ".join(recipe.output.split())
    resumed = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(squad),
            "--out",
            out,
            "--resume",
            "--epochs",
            "2",
            "--time-budget",
            "30",
        ],
    )
    assert resumed.exit_code == 0, resumed.output
    assert len(json.loads((tmp_path / "r" / "metrics.json").read_text())) == 2
    saved = json.loads((tmp_path / "r" / "config.json").read_text())
    assert saved["max_epochs"] == 2 and saved["time_budget_min"] == 30
    done = runner.invoke(app, ["train", "--data", str(squad), "--out", out, "--resume"])
    assert done.exit_code == 1 and "trained 2 epoch(s) already" in done.output


def test_train_command_labels_weeks_with_the_settings_and_evaluation_reuses_them(
    squad: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from host.cli import app
    from host.risk.features import FeatureSettings

    monkeypatch.setenv("TOUCHLINE_TIME_LOSS_MIN_DAYS", "9")
    out = tmp_path / "r"
    done = CliRunner().invoke(
        app, ["train", "--data", str(squad), "--out", str(out), "--epochs", "1"]
    )
    assert done.exit_code == 0, done.output
    info = json.loads((out / "run.json").read_text())
    assert FeatureSettings.of_run(info).time_loss_min_days == 9


def test_device_cpu_and_auto_train_identically_on_the_cpu(squad: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    if torch.cuda.is_available():
        pytest.skip("auto picks the GPU on this machine; the CUDA test covers it")
    torch.set_num_threads(1)
    runner = CliRunner()
    histories, computes = [], []
    for device in ("cpu", "auto"):
        out = tmp_path / device
        args = ["train", "--data", str(squad), "--out", str(out), "--epochs", "2"]
        result = runner.invoke(app, [*args, "--seed", "3", "--device", device])
        assert result.exit_code == 0, result.output
        assert "on cpu (fp32)" in " ".join(result.output.split())
        histories.append(json.loads((out / "metrics.json").read_text()))
        computes.append(json.loads((out / "run.json").read_text())["compute"])
        weights = torch.load(out / "last.pt", weights_only=True)["model"]
        histories[-1].append({name: float(t.double().sum()) for name, t in weights.items()})
    assert histories[0] == histories[1]
    assert (
        computes[0]
        == computes[1]
        == {
            "device": "cpu",
            "device_name": "cpu",
            "precision": "fp32",
            "workers": 0,
            "stream_cache_mb": 1024,  # the command streams clips by default
        }
    )


def test_train_command_refuses_cuda_without_a_gpu_in_one_line(squad: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    args = ["train", "--data", str(squad), "--out", str(tmp_path / "gpu"), "--device", "cuda"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "no CUDA device" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "gpu").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (none here)")
def test_training_on_the_gpu_matches_the_cpu_run_closely(squad: Path, tmp_path: Path) -> None:
    from host.device import Compute

    config = TrainConfig(max_epochs=1, batch_size=16, seed=5)
    cpu = train(squad, tmp_path / "cpu", config, show_progress=False)
    gpu = train(
        squad, tmp_path / "gpu", config, show_progress=False, compute=Compute.choose("cuda")
    )
    assert json.loads((tmp_path / "gpu" / "run.json").read_text())["compute"]["device"] == "cuda:0"
    assert gpu.history[0]["val_loss"] == pytest.approx(cpu.history[0]["val_loss"], rel=1e-3)
    assert load_run(tmp_path / "gpu").predict_proba(
        load_dataset(squad).clips().subset(slice(0, 4))
    ).shape == (4, 9)


def test_bf16_autocast_trains_and_validates_end_to_end(squad: Path, tmp_path: Path) -> None:
    """`--precision bf16` is offered on CUDA only; the CPU's own bf16 autocast runs the
    same code path here (forward passes in training, validation and risk pooling)."""
    import math

    from host.device import Compute

    torch.set_num_threads(1)
    config = TrainConfig(max_epochs=1, batch_size=16, seed=1)
    bf16 = Compute(torch.device("cpu"), "bf16")
    mixed = train(squad, tmp_path / "bf16", config, show_progress=False, compute=bf16)
    full = train(squad, tmp_path / "fp32", config, show_progress=False)
    row = mixed.history[0]
    assert all(math.isfinite(row[key]) for key in ("train_loss", "val_loss", "val_risk_loss"))
    assert row["train_loss"] != full.history[0]["train_loss"]  # autocast was on
    assert (
        json.loads((tmp_path / "bf16" / "run.json").read_text())["compute"]["precision"] == "bf16"
    )
