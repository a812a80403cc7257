"""The real-data check runs offline on BasicMotions and says clearly what it cannot load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge import dsp
from host.distill.config import DistillConfig, StudentConfig
from host.distill.train_student import predict_logits
from host.distill.ucr import (
    UcrError,
    load_collection,
    load_shipped,
    run_check,
    train_recipe_student,
    validation_split,
)
from tests.host.distill.motions_data import write_motions


def test_basic_motions_loads_with_its_own_split() -> None:
    x_train, y_train, x_test, y_test, classes = load_shipped("BasicMotions")
    assert x_train.shape == (40, 6, 100) and x_test.shape == (40, 6, 100)
    assert classes == ["badminton", "running", "standing", "walking"]
    assert sorted(set(y_train.tolist())) == [0, 1, 2, 3] == sorted(set(y_test.tolist()))


def test_student_and_minirocket_learn_real_motions() -> None:
    result = run_check("BasicMotions", seed=2, max_epochs=40, minirocket_kernels=168, student="cnn")
    # Four balanced classes: chance is 0.25.
    assert result.student_accuracy >= 0.6
    assert result.minirocket_accuracy >= 0.9
    assert result.n_test == 40 and result.student_ms_per_window > 0


def test_a_dataset_not_shipped_offline_is_refused_by_name() -> None:
    with pytest.raises(UcrError, match="'ERing' is neither a file named …_TRAIN.ts nor"):
        run_check("ERing")


def test_student_check_reads_any_labelled_ts_and_prints_the_baselines(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    train = write_motions(tmp_path)
    # 80 epochs, however few steps: the rhythms are easy, CI time is not.
    args = ["student-check", "--data", str(train), "--seeds", "1", "--min-steps", "0"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Motions: 48 train / 24 test series" in result.output
    means = result.output.split("mean test macro-F1:")[1].split("--student auto")[0]
    scores = {
        name: float(means.split(name)[1].split(",")[0])
        for name in ("student (auto)", "MiniRocket + ridge", "Hydra")
    }
    # Three balanced movements: chance is 0.33; the rhythms are easy to tell apart.
    assert all(score >= 0.8 for score in scores.values()), scores


def test_student_check_trains_the_family_asked_for(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    train = write_motions(tmp_path)
    result = CliRunner().invoke(
        app, ["student-check", "--data", str(train), "--seeds", "1", "--student", "hydra"]
    )
    assert result.exit_code == 0, result.output
    hydra = run_check(train, seed=0, student="hydra")
    cnn = run_check(train, seed=0, max_epochs=2, min_steps=0, student="cnn")
    # The Hydra student's parameters are its ridge head alone; the CNN's are trained layers.
    assert hydra.student_parameters != cnn.student_parameters
    assert f"student (hydra) {hydra.student_macro_f1:.3f}" in result.output.replace("\n", " ")
    assert hydra.student_macro_f1 >= 0.8  # chance is 0.33


def test_student_check_auto_names_the_family_it_chose_on_the_athletes(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    train = write_motions(tmp_path)
    args = ["student-check", "--data", str(train), "--seeds", "1", "--student", "auto"]
    args += ["--min-steps", "0"]  # 80 epochs however few steps: CI time
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    chosen = run_check(train, seed=0, min_steps=0, student="auto")
    assert chosen.student_family in ("cnn", "hydra")
    printed = result.output.replace("\n", " ")
    assert f"student (auto) {chosen.student_macro_f1:.3f}" in printed
    assert f"--student auto, seed 0: {chosen.family_choice}" in " ".join(printed.split())
    assert chosen.family_choice.startswith(f"{chosen.student_family}: macro-F1")
    assert chosen.student_macro_f1 >= 0.8  # chance is 0.33
    # Without a groups file no athlete can be held out: the CNN, and the reason why.
    (tmp_path / "Motions_groups.txt").unlink()
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "seed 0: cnn: the training windows name fewer than two athletes" in " ".join(
        result.output.split()
    )


def test_validation_holds_out_whole_athletes_when_the_groups_are_known(tmp_path: Path) -> None:
    data = load_collection(write_motions(tmp_path))
    assert data.groups_train is not None and data.groups_test is not None
    assert set(data.groups_test.tolist()) == {"A10", "A11"}
    fit, val = validation_split(data.y_train, data.groups_train, seed=0)
    assert not set(data.groups_train[fit]) & set(data.groups_train[val])
    assert len(val) and len(fit) + len(val) == len(data.y_train)


def test_bad_ts_input_is_refused_in_one_line_naming_the_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    train = write_motions(tmp_path)
    (tmp_path / "Motions_groups.txt").write_text("A0\nA1\n")
    with pytest.raises(UcrError, match="Motions_groups.txt: 2 athlete ids for 48 training"):
        load_collection(train)
    (tmp_path / "Motions_TEST.ts").unlink()
    result = CliRunner().invoke(app, ["student-check", "--data", str(train)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Motions_TEST.ts: no such file" in result.output.replace("\n", "")
    wrong = tmp_path / "motions.csv"
    with pytest.raises(UcrError, match="neither a file named"):
        load_collection(wrong)


def test_a_recipe_student_given_soft_targets_is_distilled_from_them() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 6, 64)).astype(np.float32)
    y = np.tile(np.arange(3), 8)
    config = DistillConfig(
        student=StudentConfig(kind="cnn", cnn_members=1), max_epochs=2, min_steps=0
    )
    normaliser = dsp.Normaliser.fit(x, axis=1)
    # A teacher sure of the wrong label: distilling from it must move the student.
    wrong = np.eye(3, dtype=np.float32)[(y + 1) % 3]
    runs = [
        train_recipe_student(x, y, x[:6], y[:6], 3, config, normaliser, soft_fit=soft)[0]
        for soft in (None, wrong, None)
    ]
    plain, distilled, again = (predict_logits(model, x) for model in runs)
    np.testing.assert_array_equal(plain, again)  # the same recipe, the same student
    assert not np.allclose(plain, distilled)
