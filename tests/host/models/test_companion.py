"""The teacher's random-kernel IMU companion: fitted on training athletes' IMU at its
stored rate, calibrated and weighted on the validation clips set aside for its blend only
(not those that stopped the network early), saved as arrays and read back to predict the
same (format-1 and format-2 files too), blended into every teacher prediction, and off
unless the config asks for it; the kind with the Hydra student's recipe as a third
member averages the three."""

from __future__ import annotations

import dataclasses
import inspect
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from host.data.ts_file import ts_task
from host.distill import hydra_student
from host.distill.augment import Augmenter, imu_sensors
from host.distill.baselines import fit_hydra, fit_minirocket
from host.distill.config import REAL_MOTION_AUGMENT, StudentConfig
from host.distill.train_student import predict_logits
from host.evaluation.evaluate import evaluate_run, predict_test
from host.evaluation.splits import SplitPlan, halve_validation
from host.models.companion import (
    COMPANION_FILE,
    MODEL_GRID,
    STORED,
    WEIGHTS,
    Companion,
    CompanionError,
    choose_weight,
    fit_companion,
    imu_of,
    load_companion,
)
from host.models.config import (
    PAIR_COMPANION,
    STUDENT_COMPANION,
    ConfigError,
    ModelConfig,
    TrainConfig,
)
from host.models.inputs import ClipArrays, stored_imu
from host.models.run import LoadedRun, RunError, load_run
from host.train import train
from host.training.task import TaskData
from tests.host.distill.motions_data import write_motions

CONFIG = TrainConfig(
    model=ModelConfig(imu_companion="hydra+minirocket"),
    max_epochs=2,
    batch_size=8,
    learning_rate=3e-3,
    early_stop_on="action_loss",
)


@pytest.fixture(scope="module")
def motions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_motions(tmp_path_factory.mktemp("motions"))


@pytest.fixture(scope="module")
def task(motions: Path) -> TaskData:
    groups = motions.with_name("Motions_groups.txt")
    task = ts_task(motions, CONFIG, groups=groups)[1]
    actions = halve_validation(task.plan.actions, task.labels, task.clip_athletes)
    return dataclasses.replace(task, plan=SplitPlan(actions, task.plan.risk, "halved"))


@pytest.fixture(scope="module")
def run(motions: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("runs") / "companion"
    groups = motions.with_name("Motions_groups.txt")
    train(motions, out, CONFIG, show_progress=False, groups=groups)
    return out


def _uniform(n_labels: int) -> Callable[[np.ndarray], np.ndarray]:
    """A network that knows nothing: every label equally likely."""
    return lambda index: np.full((len(index), n_labels), 1.0 / n_labels)


def _stored(task: TaskData) -> np.ndarray:
    assert task.companion_imu is not None
    return task.companion_imu


def test_the_ts_path_hands_the_companion_the_series_as_stored(
    motions: Path, task: TaskData
) -> None:
    # The companion reads each series as the file stores it (100 samples of 6 channels
    # here), z-scored with the run's normaliser and without a validity channel, while the
    # network reads the model grid (200 samples, 6 + 1 channels).
    from aeon.datasets import load_from_ts_file

    stored = np.concatenate(
        [
            load_from_ts_file(str(motions))[0],
            load_from_ts_file(str(motions.with_name("Motions_TEST.ts")))[0],
        ]
    )
    assert stored.shape[1:] == (6, 100)
    imu = _stored(task)
    assert imu.shape == stored.shape and imu.dtype == np.float32
    np.testing.assert_allclose(imu, task.stats.imu.apply(stored), rtol=1e-5, atol=1e-5)
    assert imu_of(task.arrays, np.arange(2)).shape == (2, 7, 200)
    companion = fit_companion(task, _uniform(3), 3, seed=0)
    assert (companion.reads, companion.input_shape) == (STORED, (6, 100))
    # Built only when the config has a companion (the paper-size squad has 18k clips).
    plain = dataclasses.replace(CONFIG, model=ModelConfig())
    groups = motions.with_name("Motions_groups.txt")
    assert ts_task(motions, plain, groups=groups)[1].companion_imu is None
    with pytest.raises(CompanionError, match="prepared without it"):
        fit_companion(dataclasses.replace(task, companion_imu=None), _uniform(3), 3, seed=0)


def test_decision_is_the_fitted_baselines_mean_decision(task: TaskData) -> None:
    # The companion applies the fitted pipelines from arrays; it must be exactly them.
    companion = fit_companion(task, _uniform(3), 3, seed=0)
    train, test = task.plan.actions.train, task.plan.actions.test
    x, y = _stored(task)[train], task.labels[train]
    rocket, hydra = fit_minirocket(x, y, 0), fit_hydra(x, y, 0)
    held_out = _stored(task)[test]
    expected = (rocket.decision_function(held_out) + hydra.clf_.decision_function(held_out)) / 2
    np.testing.assert_allclose(companion.decision(held_out), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(CompanionError, match=r"reads clips of 6 channels x 100 samples"):
        companion.decision(held_out[:, :, :50])


def test_weight_zero_is_the_network_alone(task: TaskData) -> None:
    companion = dataclasses.replace(fit_companion(task, _uniform(3), 3, seed=0), weight=0.0)
    network = np.random.default_rng(1).dirichlet(np.ones(3), size=len(task.labels))
    np.testing.assert_array_equal(companion.blend(network, _stored(task)), network)
    # A companion that only adds error on validation is given no weight ...
    labels = network.argmax(1)
    wrong = np.eye(3)[(labels + 1) % 3]
    assert choose_weight(network, wrong, labels) == 0.0
    # ... and one that is right where the network is unsure takes the blend over.
    assert choose_weight(np.full_like(network, 1 / 3), np.eye(3)[labels], labels) == WEIGHTS[-1]


def test_weight_and_temperature_are_chosen_on_validation_only(task: TaskData) -> None:
    fitted = fit_companion(task, _uniform(3), 3, seed=0)
    # Scramble the test athletes' signals and labels: a fit that read them would change.
    test = task.plan.actions.test
    rng = np.random.default_rng(7)
    assert isinstance(task.arrays, ClipArrays)  # a .ts file is prepared in memory
    imu, stored = task.arrays.imu.copy(), _stored(task).copy()
    imu[test] = rng.normal(0, 3, imu[test].shape)
    stored[test] = rng.normal(0, 3, stored[test].shape)
    labels = task.labels.copy()
    labels[test] = rng.permutation(labels[test])
    leaked = dataclasses.replace(
        task,
        arrays=dataclasses.replace(task.arrays, imu=imu),
        labels=labels,
        companion_imu=stored,
    )
    again = fit_companion(leaked, _uniform(3), 3, seed=0)
    assert (again.weight, again.temperature) == (fitted.weight, fitted.temperature)
    np.testing.assert_array_equal(again.hydra_coef, fitted.hydra_coef)
    # ... nor do the validation clips that stopped the network early ...
    stop = task.plan.actions.stop
    labels = task.labels.copy()
    labels[stop] = (labels[stop] + 1) % 3
    unmoved = fit_companion(dataclasses.replace(task, labels=labels), _uniform(3), 3, seed=0)
    assert (unmoved.weight, unmoved.temperature) == (fitted.weight, fitted.temperature)
    # ... while the labels of the validation clips set aside for the blend do steer it.
    blend = task.plan.actions.blend
    labels = task.labels.copy()
    labels[blend] = (labels[blend] + 1) % 3
    steered = fit_companion(dataclasses.replace(task, labels=labels), _uniform(3), 3, seed=0)
    assert steered.temperature != fitted.temperature


def test_the_network_is_asked_only_about_the_blend_half(task: TaskData) -> None:
    asked: list[np.ndarray] = []

    def network(index: np.ndarray) -> np.ndarray:
        asked.append(np.array(index))
        return _uniform(3)(index)

    fit_companion(task, network, 3, seed=0)
    assert len(asked) == 1
    np.testing.assert_array_equal(asked[0], task.plan.actions.blend)
    assert not set(asked[0].tolist()) & set(task.plan.actions.stop.tolist())
    whole = dataclasses.replace(
        task,
        plan=SplitPlan(
            dataclasses.replace(task.plan.actions, blend=np.zeros(0, np.int64)),
            task.plan.risk,
            "not halved",
        ),
    )
    with pytest.raises(CompanionError, match="set aside for its blend"):
        fit_companion(whole, network, 3, seed=0)


def test_saved_companion_reads_back_and_predicts_identically(
    task: TaskData, tmp_path: Path
) -> None:
    fitted = fit_companion(task, _uniform(3), 3, seed=0)
    fitted.save(tmp_path / COMPANION_FILE)
    with np.load(tmp_path / COMPANION_FILE, allow_pickle=False) as saved:
        assert all(saved[key].dtype != object for key in saved.files)
    loaded = load_companion(tmp_path / COMPANION_FILE)
    x = _stored(task)
    np.testing.assert_array_equal(loaded.proba(x), fitted.proba(x))
    assert (loaded.weight, loaded.temperature) == (fitted.weight, fitted.temperature)
    assert (loaded.reads, loaded.input_shape) == (STORED, (6, 100))
    index = np.array([3, 0, 7])
    np.testing.assert_array_equal(loaded.input_of(task, index), x[index])
    # Fed another shape, it says which file expects which.
    with pytest.raises(CompanionError, match=f"{tmp_path / COMPANION_FILE}: .*6 channels x 100"):
        loaded.decision(imu_of(task.arrays, index))


def _as_format_1(companion: Companion, path: Path) -> None:
    """Write `companion` as format 1 wrote it: the same arrays, no `reads`."""
    companion.save(path)
    with np.load(path, allow_pickle=False) as saved:
        arrays = {key: saved[key] for key in saved.files if key != "reads"}
    np.savez(path, **{**arrays, "format": np.array(1)})


def _model_grid(task: TaskData) -> TaskData:
    """The task with its companion input replaced by the network's prepared IMU, which a
    format-1 companion was fitted on."""
    return dataclasses.replace(task, companion_imu=imu_of(task.arrays, np.arange(len(task.labels))))


def test_a_format_1_companion_still_reads_the_model_grid(task: TaskData, tmp_path: Path) -> None:
    old = fit_companion(_model_grid(task), _uniform(3), 3, seed=0)
    path = tmp_path / COMPANION_FILE
    _as_format_1(old, path)
    loaded = load_companion(path)
    assert (loaded.reads, loaded.input_shape) == (MODEL_GRID, (7, 200))
    index = task.plan.actions.test
    grid = loaded.input_of(task, index)
    np.testing.assert_array_equal(grid, imu_of(task.arrays, index))
    np.testing.assert_array_equal(loaded.proba(grid), old.proba(grid))
    with pytest.raises(CompanionError, match=f"{path}: .*7 channels x 200 samples"):
        loaded.decision(_stored(task)[index])
    with np.load(path, allow_pickle=False) as saved:
        np.savez(path, **{**{k: saved[k] for k in saved.files}, "format": np.array(4)})
    with pytest.raises(CompanionError, match=f"{path}: companion format 4, not 1, 2 or 3"):
        load_companion(path)


def _fit_with_student(task: TaskData, seed: int = 0) -> Companion:
    return fit_companion(task, _uniform(3), 3, seed=seed, kind=STUDENT_COMPANION)


def test_the_student_kind_averages_three_members_the_student_fitted_on_the_athletes(
    task: TaskData, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, object]] = []
    fit_student = hydra_student.fit_hydra_student

    def spy(*args: object, **kwargs: object) -> hydra_student.HydraStudent:
        calls.append(inspect.signature(fit_student).bind(*args, **kwargs).arguments)
        return fit_student(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(hydra_student, "fit_hydra_student", spy)
    companion = _fit_with_student(task, seed=4)
    assert companion.kind == companion.describe()["kind"] == STUDENT_COMPANION
    # One student, fitted on the training clips' stored IMU with their athletes, its
    # copies augmented in the units the companion's normaliser took them from, at the
    # sideline student's size and the run's seed.
    (call,) = calls
    train, test = task.plan.actions.train, task.plan.actions.test
    x, y = _stored(task)[train], task.labels[train]
    np.testing.assert_array_equal(call["inputs"], x)
    np.testing.assert_array_equal(call["groups"], task.clip_athletes[train])
    assert call["normaliser"] is task.stats.imu
    config = call["config"]
    assert isinstance(config, hydra_student.HydraConfig) and config.seed == 4
    default = StudentConfig()
    assert (config.groups, config.pool, config.augmented_copies, config.summaries) == (
        default.hydra_groups,
        default.hydra_pool,
        default.hydra_copies,
        default.hydra_summaries,
    )
    # Hydra's 8 kernels a group and no proportions, as the teacher was measured, whatever
    # the sideline's Hydra student reads.
    assert (config.kernels_per_group, config.ppv) == (8, False)
    assert (default.hydra_kernels, default.hydra_ppv) != (8, False)
    # Its decision is the mean of the three members', each fitted here on its own.
    augmenter = Augmenter(
        dataclasses.replace(REAL_MOTION_AUGMENT, mixup_alpha=0.0), imu_sensors(x.shape[1] // 6)
    )
    student = fit_student(
        x, y, 3, config, augmenter, task.stats.imu, groups=task.clip_athletes[train]
    )
    rocket, hydra = fit_minirocket(x, y, 4), fit_hydra(x, y, 4)
    held_out = _stored(task)[test]
    members = (
        rocket.decision_function(held_out),
        hydra.clf_.decision_function(held_out),
        predict_logits(student, held_out),
    )
    np.testing.assert_allclose(companion.decision(held_out), sum(members) / 3, rtol=1e-5, atol=1e-5)


def test_the_student_kind_reads_back_and_predicts_identically(
    task: TaskData, tmp_path: Path
) -> None:
    fitted = _fit_with_student(task)
    path = tmp_path / COMPANION_FILE
    fitted.save(path)
    with np.load(path, allow_pickle=False) as saved:
        assert all(saved[key].dtype != object for key in saved.files)
        arrays = {key: saved[key] for key in saved.files}
    assert str(arrays["kind"]) == STUDENT_COMPANION
    loaded = load_companion(path)
    assert loaded.kind == STUDENT_COMPANION and loaded.student is not None
    assert fitted.student is not None and loaded.student.config == fitted.student.config
    x = _stored(task)
    np.testing.assert_array_equal(loaded.decision(x), fitted.decision(x))
    np.testing.assert_array_equal(loaded.proba(x), fitted.proba(x))
    # A member's array missing or of another shape: one error naming the file.
    np.savez(path, **{k: v for k, v in arrays.items() if k != "student_head.weight"})
    with pytest.raises(CompanionError, match=f"{path}: not a companion .*'student_head.weight'"):
        load_companion(path)
    np.savez(path, **{**arrays, "student_mu": arrays["student_mu"][:-1]})
    with pytest.raises(CompanionError, match=f"{path}: the student's arrays do not fit it"):
        load_companion(path)
    np.savez(path, **{**arrays, "student_config": np.array("{not json")})
    with pytest.raises(CompanionError, match=f"{path}: the student's config is not readable"):
        load_companion(path)
    np.savez(path, **{**arrays, "kind": np.array("rocket")})
    with pytest.raises(CompanionError, match=f"{path}: kind 'rocket', not one of"):
        load_companion(path)
    with pytest.raises(CompanionError, match="no IMU companion 'rocket': the kinds are"):
        fit_companion(task, _uniform(3), 3, seed=0, kind="rocket")


def test_the_pair_and_a_format_2_file_are_as_before(task: TaskData, tmp_path: Path) -> None:
    pair = fit_companion(task, _uniform(3), 3, seed=0)
    assert pair.kind == pair.describe()["kind"] == PAIR_COMPANION and pair.student is None
    path = tmp_path / COMPANION_FILE
    pair.save(path)
    with np.load(path, allow_pickle=False) as saved:
        arrays = {key: saved[key] for key in saved.files}
    assert not [key for key in arrays if key.startswith("student")]
    # Format 2 wrote the same arrays without the kind: a pair.
    np.savez(path, **{**{k: v for k, v in arrays.items() if k != "kind"}, "format": np.array(2)})
    loaded = load_companion(path)
    assert loaded.kind == PAIR_COMPANION and loaded.student is None
    x = _stored(task)
    np.testing.assert_array_equal(loaded.proba(x), pair.proba(x))


def test_training_saves_the_companion_and_every_teacher_prediction_blends_it(run: Path) -> None:
    info = json.loads((run / "run.json").read_text())
    assert info["companion"]["file"] == COMPANION_FILE
    # The run stopped early on one half of its validation clips and weighed the blend on
    # the other; splits.json keeps both, so evaluation and a resumed run see them too.
    actions = _plan(run).actions
    assert len(actions.blend) == info["clips"]["val_blend"] > 0
    np.testing.assert_array_equal(
        actions.blend, halve_validation(actions, *_labels_and_athletes(run)).blend
    )
    loaded = load_run(run)
    assert loaded.companion is not None
    assert loaded.companion.weight == info["companion"]["weight"] in WEIGHTS
    task = _task_of(run, loaded)
    blended = predict_test(loaded, task)
    alone = predict_test(dataclasses.replace(loaded, companion=None), task)
    assert info["companion"]["reads"] == STORED and info["companion"]["shape"] == [6, 100]
    imu = _stored(task)[blended["clip_index"]]
    w = loaded.companion.weight
    expected = (1 - w) * alone["proba"] + w * loaded.companion.proba(imu)
    np.testing.assert_allclose(blended["proba"], expected, rtol=1e-6)
    np.testing.assert_array_equal(blended["predicted"], expected.argmax(1))
    # A reloaded run predicts what the evaluated one did.
    evaluate_run(run, resamples=10)
    with np.load(run / "predictions.npz") as saved:
        np.testing.assert_array_equal(saved["clip_predicted"], blended["predicted"])
    with_zero = dataclasses.replace(
        loaded, companion=dataclasses.replace(loaded.companion, weight=0.0)
    )
    np.testing.assert_array_equal(predict_test(with_zero, task)["proba"], alone["proba"])


def _task_of(run: Path, loaded: LoadedRun) -> TaskData:
    """The run's `.ts` task on its saved split and statistics, as evaluation rebuilds it."""
    info = json.loads((run / "run.json").read_text())
    _, task, _ = ts_task(
        Path(info["data"]),
        loaded.config,
        plan=_plan(run),
        stats=loaded.stats,
        groups=Path(info["groups"]),
    )
    return task


def _copy_of(run: Path, tmp_path: Path) -> Path:
    """A copy of the run's files (not its folders), to damage or replace one of them."""
    copy = tmp_path / "run"
    copy.mkdir()
    for file in run.iterdir():
        if file.is_file():
            (copy / file.name).write_bytes(file.read_bytes())
    return copy


def test_a_run_saved_with_a_format_1_companion_evaluates_as_before(
    run: Path, tmp_path: Path
) -> None:
    copy = _copy_of(run, tmp_path)
    network = dataclasses.replace(load_run(run), companion=None)
    task = _task_of(run, network)
    old = dataclasses.replace(fit_companion(_model_grid(task), _uniform(3), 3, seed=0), weight=0.5)
    _as_format_1(old, copy / COMPANION_FILE)
    loaded = load_run(copy)
    assert loaded.companion is not None and loaded.companion.reads == MODEL_GRID
    blended = predict_test(loaded, task)
    grid = imu_of(task.arrays, blended["clip_index"])
    alone = predict_test(network, task)["proba"]
    np.testing.assert_allclose(blended["proba"], 0.5 * alone + 0.5 * old.proba(grid), rtol=1e-6)


def test_missing_or_damaged_companion_is_one_error_naming_the_file(
    run: Path, tmp_path: Path
) -> None:
    copy = _copy_of(run, tmp_path)
    target = copy / COMPANION_FILE
    target.unlink()
    with pytest.raises(RunError, match=f"{target}: missing"):
        load_run(copy)
    target.write_bytes(b"not an npz")
    with pytest.raises(RunError, match=f"{target}: not a readable companion"):
        load_run(copy)
    with np.load(run / COMPANION_FILE) as saved:
        np.savez(target, **{k: saved[k] for k in saved.files if k != "hydra_coef"})
    with pytest.raises(RunError, match=f"{target}: not a companion \\(no array 'hydra_coef'\\)"):
        load_run(copy)


def test_companion_is_off_by_default_and_named_in_the_config(motions: Path, tmp_path: Path) -> None:
    assert ModelConfig().imu_companion == "none"
    plain = TrainConfig(max_epochs=1, batch_size=8)
    out = tmp_path / "plain"
    train(motions, out, plain, show_progress=False)
    assert not (out / COMPANION_FILE).exists()
    info = json.loads((out / "run.json").read_text())
    assert "companion" not in info and "val_blend" not in info["clips"]
    # Without a companion the whole validation set stops the network early.
    saved = json.loads((out / "splits.json").read_text())
    assert "blend" not in saved["actions"]
    assert len(saved["actions"]["val"]) == info["clips"]["val"] > 0
    assert load_run(out).companion is None
    with pytest.raises(
        ConfigError,
        match=r"\[model\] imu_companion must be one of 'none', 'hydra\+minirocket', "
        r"'hydra\+minirocket\+student', not 'rocket'",
    ):
        TrainConfig.from_dict({"model": {"imu_companion": "rocket"}}, "x.toml")
    chosen = TrainConfig.from_dict({"model": {"imu_companion": STUDENT_COMPANION}}, "x.toml")
    assert chosen.model.imu_companion == STUDENT_COMPANION


def _plan(run: Path) -> SplitPlan:
    return SplitPlan.from_dict(json.loads((run / "splits.json").read_text()))


def _labels_and_athletes(run: Path) -> tuple[np.ndarray, np.ndarray]:
    info = json.loads((run / "run.json").read_text())
    _, task, _ = ts_task(Path(info["data"]), CONFIG, groups=Path(info["groups"]))
    return task.labels, task.clip_athletes


def test_fitting_and_loading_leave_the_process_random_state_alone(
    task: TaskData, tmp_path: Path
) -> None:
    # aeon seeds numpy's and torch's global generators; later folds must not notice.
    np.random.seed(123)
    torch.manual_seed(123)
    numpy_next, torch_next = np.random.random(), torch.rand(1)
    np.random.seed(123)
    torch.manual_seed(123)
    threads = torch.get_num_threads()
    fit_companion(task, _uniform(3), 3, seed=0).save(tmp_path / COMPANION_FILE)
    load_companion(tmp_path / COMPANION_FILE)
    assert np.random.random() == numpy_next
    assert torch.equal(torch.rand(1), torch_next)
    assert torch.get_num_threads() == threads


def test_a_takes_teacher_gives_distillation_the_blended_probabilities(tmp_path: Path) -> None:
    # Imported takes (IMU with its validity channels, and a skeleton): the teacher's soft
    # labels for stored clips are the blend the run chose on its validation athletes.
    from host.data.dataset import load_dataset
    from host.data.takes import import_takes
    from tests.host.data.takes_example import write_takes

    data = import_takes(write_takes(tmp_path / "club", per_label=3), tmp_path / "takes").out
    # The kind configs/takes.toml names: the student's recipe a third member.
    config = dataclasses.replace(
        CONFIG, batch_size=4, model=ModelConfig(imu_companion=STUDENT_COMPANION)
    )
    train(data, tmp_path / "run", config, show_progress=False, test_athletes=["p5"])
    teacher = load_run(tmp_path / "run")
    assert teacher.companion is not None and teacher.companion.kind == STUDENT_COMPANION
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["companion"]["kind"] == STUDENT_COMPANION
    clips = load_dataset(data).clips()
    blended = teacher.predict_proba(clips)
    network = dataclasses.replace(teacher, companion=None).predict_proba(clips)
    # The companion reads each clip's IMU at its stored 100 Hz, validity channels left out.
    imu = stored_imu(clips, teacher.stats)
    assert teacher.companion.input_shape == (12, 800) == imu.shape[1:]
    w = teacher.companion.weight
    np.testing.assert_allclose(blended, (1 - w) * network + w * teacher.companion.proba(imu))
    np.testing.assert_allclose(blended.sum(1), 1.0, rtol=1e-5)
    # Both terms count, whatever w validation chose on these easy takes.
    half = dataclasses.replace(
        teacher, companion=dataclasses.replace(teacher.companion, weight=0.5)
    )
    np.testing.assert_allclose(
        half.predict_proba(clips), 0.5 * network + 0.5 * teacher.companion.proba(imu)
    )


def test_a_label_missing_from_training_gets_probability_zero(task: TaskData) -> None:
    # Two labels among the training clips: the ridge scores one decision for both, and the
    # third label, never trained on, is never predicted.
    train = task.plan.actions.train
    labels = task.labels.copy()
    labels[train] = np.minimum(labels[train], 1)
    companion = fit_companion(dataclasses.replace(task, labels=labels), _uniform(3), 3, seed=0)
    x = _stored(task)[task.plan.actions.test]
    proba = companion.proba(x)
    assert proba.shape == (len(x), 3) and np.all(proba[:, 2] == 0)
    rocket = fit_minirocket(_stored(task)[train], labels[train], 0)
    hydra = fit_hydra(_stored(task)[train], labels[train], 0)
    mean = (rocket.decision_function(x) + hydra.clf_.decision_function(x)) / 2
    np.testing.assert_array_equal(proba.argmax(1), (mean > 0).astype(int))
    # The student's head scores the second label only (d, the first's logit 0): as a
    # member it counts as (-d, d), the other ridges' scale.
    three = _fit_with_student(dataclasses.replace(task, labels=labels))
    assert three.student is not None and np.all(three.proba(x)[:, 2] == 0)
    logits = predict_logits(three.student.model, x)
    assert np.all(logits[:, 0] == 0)
    d = logits[:, 1]
    expected = (2 * companion.decision(x)[:, :2] + np.stack([-d, d], axis=1)) / 3
    np.testing.assert_allclose(three.decision(x)[:, :2], expected, rtol=1e-5, atol=1e-6)
