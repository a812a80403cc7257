"""tools/real_motion/benchmark.py's teacher row: the product's teacher trained on exactly
the fold's test and validation athletes, scored on the fold's test athletes, paired with
the other rows on the same athlete resamples, and leaving the other rows as they were;
trained on a takes dataset of the same recording, its clips paired with their series."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from host.data.dataset import load_dataset
from host.data.takes import import_takes
from host.data.ts_file import read_groups
from host.distill.family import FamilyChoice
from host.distill.ucr import load_collection
from tests.host.data.takes_example import write_takes
from tests.host.distill.motions_data import write_motions
from tests.tools.tool_module import load_tool

TOOL = Path(__file__).resolve().parents[3] / "tools" / "real_motion" / "benchmark.py"
TEACHER = """max_epochs = 2
batch_size = 8
learning_rate = 3e-3
early_stop_on = "action_loss"

[model]
imu_companion = "hydra+minirocket"
"""


def test_teacher_row_trains_on_the_benchmarks_own_folds(tmp_path: Path) -> None:
    benchmark = load_tool(TOOL)
    data = write_motions(tmp_path)
    config = tmp_path / "teacher.toml"
    config.write_text(TEACHER)
    # A six-epoch CNN student beside the baselines: its row would move if training the
    # teacher disturbed the process's random state.
    plain = benchmark.run(data, ["default"], 3, 1, 6, True)
    runs = tmp_path / "runs"
    result = benchmark.run(data, ["default"], 3, 1, 6, True, teacher=config, teacher_runs=runs)
    rows = {row["model"]: row for row in result["rows"]}

    def scores(rows: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [(r["model"], r["macro_f1"], r["ci"], r["fold_macro_f1"]) for r in rows]

    # The other rows are exactly what they are without the teacher.
    assert scores(result["rows"][:-1]) == scores(plain["rows"])
    assert result["rows"][-1]["model"].startswith("teacher")
    name = f"teacher ({config})"
    assert len(rows[name]["fold_macro_f1"]) == 3
    assert [w.startswith("w = ") for w in rows[name]["chosen_per_fold"]] == [True] * 3
    # Each fold's teacher tested on that fold's athletes and stopped on the next fold's.
    groups = read_groups(data.with_name("Motions_groups.txt"), 72, 48)
    folds = benchmark.folds_of(groups, 3, seed=0)
    for k in range(3):
        actions = json.loads((runs / f"fold-{k + 1:02d}" / "splits.json").read_text())["actions"]
        assert set(groups[actions["test"]]) == set(folds[k])
        assert set(groups[actions["val"]]) == set(folds[(k + 1) % 3])
    # Paired: the difference's estimate is the difference of the two pooled scores.
    paired = {pair["model"]: pair for pair in result["paired"]}
    assert set(paired) == set(rows) - {name}
    for model, pair in paired.items():
        expected = rows[name]["macro_f1"] - rows[model]["macro_f1"]
        assert pair["difference"] == pytest.approx(expected)
        low, high = pair["ci"]
        assert low <= high
    # The row's pooled score is the teacher's fold predictions scored together.
    assert 0 <= rows[name]["macro_f1"] <= 1


@pytest.fixture(scope="module")
def takes_and_ts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A takes dataset (IMU + skeleton) and the `.ts` pair written from its clips, p1 and p3
    in the TEST file: the `.ts` series come in another order than the dataset's clips."""
    root = tmp_path_factory.mktemp("takes")
    dataset = import_takes(write_takes(root / "club", per_label=2), root / "dataset").out
    to_ts = load_tool(TOOL.with_name("takes_to_ts.py"))
    to_ts.main([str(dataset), "--out", str(root / "ts"), "--test", "p1,p3", "--pad", "edge"])
    return root / "ts" / "Takes_TRAIN.ts", dataset


def test_teacher_trained_on_takes_is_paired_with_the_ts_series_take_for_take(
    takes_and_ts: tuple[Path, Path], tmp_path: Path
) -> None:
    benchmark = load_tool(TOOL)
    ts, dataset = takes_and_ts
    config = tmp_path / "teacher.toml"
    config.write_text(TEACHER)
    runs = tmp_path / "runs"
    result = benchmark.run(
        ts, [], 3, 1, None, True, teacher=config, teacher_runs=runs, teacher_data=dataset
    )
    name = f"teacher ({config}, trained on {dataset})"
    rows = {row["model"]: row for row in result["rows"]}
    assert result["pairing"].startswith("by take")
    collection = load_collection(ts)
    groups = np.concatenate([collection.groups_train, collection.groups_test])
    series_labels = np.asarray(collection.classes)[
        np.concatenate([collection.y_train, collection.y_test])
    ]
    loaded = load_dataset(dataset)
    clips = loaded.clips()
    clip_labels = np.asarray(loaded.manifest.labels)[clips.label]
    series = benchmark.series_of_takes(
        clips.clip_id, clips.athlete_id, clip_labels, groups, series_labels, "takes"
    )
    # Each clip lands on the series written from its own samples (the order differs).
    assert clips.imu is not None and clips.imu_valid is not None
    x = np.concatenate([collection.x_train, collection.x_test])
    for clip, s in enumerate(series):
        valid = np.repeat(clips.imu_valid[clip], 6, axis=0)
        assert np.allclose(x[s][valid], clips.imu[clip][valid], atol=1e-4)
    assert not np.array_equal(series, np.arange(len(series)))
    folds = benchmark.folds_of(groups, 3, seed=0)
    pooled_truth, pooled_predicted = [], []
    for k in range(3):
        run_dir = runs / f"fold-{k + 1:02d}"
        # Trained on the dataset, tested on the fold's athletes and stopped on the next's.
        info = json.loads((run_dir / "run.json").read_text())
        assert Path(info["data"]) == dataset
        actions = json.loads((run_dir / "splits.json").read_text())["actions"]
        athletes = clips.athlete_id.astype(str)
        assert set(athletes[actions["test"]]) == set(folds[k])
        assert set(athletes[actions["val"]]) == set(folds[(k + 1) % 3])
        with np.load(run_dir / "predictions.npz") as predicted:
            index, guess = predicted["clip_index"], predicted["clip_predicted"]
        truth = series_labels[series[index]]
        assert list(truth) == list(clip_labels[index])
        names = np.asarray(loaded.manifest.labels)[guess]
        assert rows[name]["fold_macro_f1"][k] == pytest.approx(
            f1_score(truth, names, average="macro")
        )
        pooled_truth += list(truth)
        pooled_predicted += list(names)
    assert rows[name]["macro_f1"] == pytest.approx(
        f1_score(pooled_truth, pooled_predicted, average="macro")
    )
    paired = {pair["model"]: pair["difference"] for pair in result["paired"]}
    for model in ("MiniRocket + ridge", "Hydra"):
        assert paired[model] == pytest.approx(rows[name]["macro_f1"] - rows[model]["macro_f1"])


def test_takes_that_are_not_the_ts_series_are_refused() -> None:
    benchmark = load_tool(TOOL)
    ids = np.array(["a-1", "b-1", "a-2", "b-2"])
    athletes = np.array(["a", "b", "a", "b"])
    labels = np.array(["kick", "hop", "hop", "kick"])
    groups = np.array(["b", "b", "a", "a"])
    series_labels = np.array(["hop", "kick", "kick", "hop"])
    # Each athlete's clips in order are their series in order, whatever the interleaving.
    series = benchmark.series_of_takes(ids, athletes, labels, groups, series_labels, "takes")
    assert list(series) == [2, 0, 3, 1]
    with pytest.raises(SystemExit, match="takes: athletes a, b, but the groups file names a, c"):
        benchmark.series_of_takes(
            ids, athletes, labels, np.array(["c", "c", "a", "a"]), series_labels, "takes"
        )
    with pytest.raises(SystemExit, match=r"takes: label skip is not one of the \.ts file's"):
        benchmark.series_of_takes(
            ids, athletes, np.array(["kick", "hop", "hop", "skip"]), groups, series_labels, "takes"
        )
    with pytest.raises(SystemExit, match=r"athlete b's takes .* clip 1 \(b-1\) is kick"):
        benchmark.series_of_takes(
            ids, athletes, np.array(["kick", "kick", "hop", "hop"]), groups, series_labels, "t"
        )
    with pytest.raises(SystemExit, match=r"athlete a's takes .*\(2 clips against 3 series\)"):
        benchmark.series_of_takes(
            ids,
            athletes,
            labels,
            np.array(["b", "b", "a", "a", "a"]),
            np.array(["hop", "kick", "kick", "hop", "hop"]),
            "t",
        )


def test_cli_refuses_a_takes_dataset_of_other_athletes_before_any_fold(
    takes_and_ts: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    benchmark = load_tool(TOOL)
    ts, dataset = takes_and_ts
    copy = tmp_path / "ts"
    shutil.copytree(ts.parent, copy)
    groups = copy / "Takes_groups.txt"
    groups.write_text(groups.read_text().replace("p5", "p9"))
    runs = tmp_path / "runs"
    argv = [str(copy / ts.name), "--teacher", str(tmp_path / "teacher.toml"), "--teacher-runs"]
    with pytest.raises(SystemExit, match="athletes p1, p2, p3, p4, p5, but the groups file"):
        benchmark.main([*argv, str(runs), "--teacher-data", str(dataset)])
    assert not runs.exists()
    with pytest.raises(SystemExit, match="--teacher-data: .*not a directory"):
        benchmark.main([*argv, str(runs), "--teacher-data", str(tmp_path / "none")])
    with pytest.raises(SystemExit):
        benchmark.main([str(ts), "--teacher-data", str(dataset)])
    assert "give --teacher CONFIG too" in capsys.readouterr().err


def test_rows_of_one_model_over_seeds_share_a_family() -> None:
    tool = load_tool(TOOL)
    assert tool.seed_family("Hydra") == tool.seed_family("Hydra (seed 3)") == "Hydra"
    assert tool.seed_family("MiniRocket + ridge (seed 12)") == "MiniRocket + ridge"
    size = "Hydra student (16 groups, 8x pooled, 8 augmented copies"
    assert tool.seed_family(f"{size}, seed 4)") == f"{size})"
    assert tool.seed_family(f"{size}, penalty by leave-one-out, seed 0)") == (
        f"{size}, penalty by leave-one-out)"
    )


def test_family_differences_average_each_side_over_its_seeds_on_shared_draws() -> None:
    tool = load_tool(TOOL)
    rng = np.random.default_rng(0)
    y = np.tile(np.arange(3), 20)
    groups = np.repeat(np.arange(6), 10).astype(str)

    def row(name: str, wrong: float) -> object:
        flip = rng.random(len(y)) < wrong
        return tool.Row(name, np.where(flip, (y + 1) % 3, y), [], 0.0)

    rows = [
        row("Hydra student (8 groups, seed 0)", 0.1),
        row("Hydra student (8 groups, seed 1)", 0.2),
        row("Hydra", 0.3),
        row("Hydra (seed 1)", 0.4),
        row("MiniRocket + ridge", 0.0),
        row("teacher (a config)", 0.0),  # neither side of a comparison
    ]
    out = tool.family_differences(y, groups, rows, resamples=200)
    assert [(d["student"], d["baseline"]) for d in out] == [
        ("Hydra student (8 groups)", "Hydra"),
        ("Hydra student (8 groups)", "MiniRocket + ridge"),
    ]

    def f1(r: object) -> float:
        return float(f1_score(y, r.predictions, average="macro"))

    expected = (f1(rows[0]) + f1(rows[1])) / 2 - (f1(rows[2]) + f1(rows[3])) / 2
    assert out[0]["difference"] == pytest.approx(expected)
    assert out[0]["seeds"] == [2, 2] and out[1]["seeds"] == [2, 1]
    low, high = out[0]["ci"]
    assert low <= expected <= high and low > 0  # 10-20 % wrong against 30-40 %
    assert out[1]["ci"][1] < 0  # against a baseline that is never wrong


def test_auto_rows_are_the_row_of_the_family_each_fold_chose(tmp_path: Path) -> None:
    benchmark = load_tool(TOOL)
    data = write_motions(tmp_path)
    result = benchmark.run(
        data,
        ["pair"],
        3,
        1,
        3,
        False,
        hydra_students=(16,),
        hydra_copies=8,
        hydra_pool=8,
        auto_student=True,
        hydra_ppv=True,
        hydra_kernels=6,
    )
    rows = {row["model"]: row for row in result["rows"]}
    auto = rows["student auto (seed 0)"]
    family_rows = {
        "cnn": rows["student (pair, seed 0)"],  # the product's CNN: two averaged
        # The product's Hydra student: 6 kernels a group, reading the proportions.
        "hydra": rows[
            "Hydra student (16 groups, 8x pooled, 8 augmented copies, 6 kernels, proportions, "
            "seed 0)"
        ],
    }
    # Each fold says what it chose and on which held-out figures, then trains that family
    # by the product's recipe: the same student as that family's own row.
    for k, choice in enumerate(auto["chosen_per_fold"]):
        family = choice.split()[0]
        assert "cnn " in choice and "hydra " in choice and "[" in choice
        assert auto["fold_macro_f1"][k] == family_rows[family]["fold_macro_f1"][k]


def test_an_ensemble_row_per_group_of_seeds(tmp_path: Path) -> None:
    # Groups of the recipes' one-CNN seeds; the product's pair (recipe `pair`) trains its
    # members from member seeds of its own.
    benchmark = load_tool(TOOL)
    data = write_motions(tmp_path)
    result = benchmark.run(data, ["default"], 3, 2, 3, True, cnn_ensemble=2)
    rows = {row["model"]: row for row in result["rows"]}
    ensemble = rows["student ensemble of 2 (default, seed 0)"]
    assert len(ensemble["fold_macro_f1"]) == 3 and ensemble["ms_per_window"] > 0
    assert ensemble["fit_seconds"] > rows["student (default, seed 0)"]["fit_seconds"]
    assert "student ensemble of 2 (default)" in {pair["student"] for pair in result["families"]}


def test_fewer_than_three_folds_are_refused_before_any_fit(tmp_path: Path) -> None:
    benchmark = load_tool(TOOL)
    data = write_motions(tmp_path)
    with pytest.raises(SystemExit, match="give --folds 3 or more"):
        benchmark.run(data, ["default"], 2, 1, 1, True)


def test_proportions_rows_sit_beside_the_hydra_students_on_the_same_kernels(
    tmp_path: Path,
) -> None:
    benchmark = load_tool(TOOL)
    data = write_motions(tmp_path)
    common = {"hydra_students": (8,), "hydra_pool": 1, "hydra_seeds": 2}
    plain = benchmark.run(data, [], 3, 1, 1, False, **common)
    result = benchmark.run(data, [], 3, 1, 1, False, hydra_ppv=True, **common)
    rows = {row["model"]: row for row in result["rows"]}
    for seed in (0, 1):
        name = f"Hydra student (8 groups, 1x pooled, 0 augmented copies, seed {seed})"
        proportions = rows[name.replace(f", seed {seed}", f", proportions, seed {seed}")]
        assert len(proportions["fold_macro_f1"]) == 3 and proportions["ms_per_window"] > 0
        # The rows without proportions are those of a run without the option.
        assert rows[name]["fold_macro_f1"] == plain["rows"][seed]["fold_macro_f1"]


def test_a_pick_made_without_athletes_held_out_records_why() -> None:
    benchmark = load_tool(TOOL)
    reason = "cnn: hydra left out: its model would take 103 KB even with its matrix weights"
    summary = benchmark.choice_summary(FamilyChoice("cnn", reason, {}, {}, {}))
    assert summary == f"cnn (nothing held out: {reason})"


def test_cross_fitted_targets_come_from_fits_that_never_saw_the_athlete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    benchmark = load_tool(TOOL)
    athletes = np.repeat(np.array(["a", "b", "c", "d", "e"]), 6)
    z = np.zeros((len(athletes), 2, 8), dtype=np.float32)
    z[:, 0, 0] = np.repeat(np.arange(5), 6)  # each series carries its athlete's number
    y = np.tile(np.arange(3), 10)
    fitted_on: list[set[float]] = []

    def fake_fit(inputs: np.ndarray, labels: np.ndarray) -> set[float]:
        fitted_on.append(set(inputs[:, 0, 0].tolist()))
        return fitted_on[-1]

    def fake_decision(seen: set[float], _: set[float], inputs: np.ndarray, n: int) -> np.ndarray:
        assert not seen & set(inputs[:, 0, 0].tolist()), "a fit decided its own athlete"
        decision = np.full((len(inputs), n), -np.inf)
        decision[:, :2] = [[1.0, 0.0]]  # a label no fit has an opinion on stays at 0
        return decision

    monkeypatch.setattr(benchmark, "fit_minirocket", fake_fit)
    monkeypatch.setattr(benchmark, "fit_hydra", fake_fit)
    monkeypatch.setattr(benchmark, "teacher_decision", fake_decision)
    soft = benchmark.cross_fitted_targets(z, y, athletes, 4)
    assert soft.shape == (30, 4)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=1e-6)
    assert np.all(soft[:, 2:] == 0) and np.all(soft[:, 0] > soft[:, 1])
    # auto's four grouped folds: every athlete held out once, each fit on the rest.
    assert len(fitted_on) == 8 and set().union(*fitted_on) == {0.0, 1.0, 2.0, 3.0, 4.0}


def test_only_the_distilled_recipe_trains_on_the_cross_fitted_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    benchmark = load_tool(TOOL)
    data = write_motions(tmp_path)
    seen: dict[str, np.ndarray | None] = {}
    train = benchmark.train_recipe_student

    def spy(x: np.ndarray, y: np.ndarray, *args: object, soft_fit: np.ndarray | None = None):
        seen["distilled" if soft_fit is not None else "labels"] = soft_fit
        if soft_fit is not None:
            assert soft_fit.shape == (len(y), 3)
            np.testing.assert_allclose(soft_fit.sum(axis=1), 1.0, rtol=1e-6)
        return train(x, y, *args, soft_fit=soft_fit)

    monkeypatch.setattr(benchmark, "train_recipe_student", spy)
    result = benchmark.run(data, ["pair", "pair-distilled"], 3, 1, 1, False)
    assert set(seen) == {"labels", "distilled"}
    rows = {row["model"] for row in result["rows"]}
    assert {"student (pair, seed 0)", "student (pair-distilled, seed 0)"} <= rows


def test_a_later_first_seed_adds_the_rows_a_longer_run_would_have(tmp_path: Path) -> None:
    benchmark = load_tool(TOOL)
    data = write_motions(tmp_path)
    both = benchmark.run(data, ["default"], 3, 2, 1, False)
    later = benchmark.run(data, ["default"], 3, 1, 1, False, first_seed=1)
    assert [row["model"] for row in later["rows"]] == ["student (default, seed 1)"]
    assert later["rows"][0]["fold_macro_f1"] == both["rows"][1]["fold_macro_f1"]
