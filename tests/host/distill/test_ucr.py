"""The real-data check runs offline on BasicMotions and says clearly what it cannot load."""

from __future__ import annotations

import pytest

from host.distill.ucr import UcrError, load_shipped, run_check


def test_basic_motions_loads_with_its_own_split() -> None:
    x_train, y_train, x_test, y_test, classes = load_shipped("BasicMotions")
    assert x_train.shape == (40, 6, 100) and x_test.shape == (40, 6, 100)
    assert classes == ["badminton", "running", "standing", "walking"]
    assert sorted(set(y_train.tolist())) == [0, 1, 2, 3] == sorted(set(y_test.tolist()))


def test_student_and_minirocket_learn_real_motions() -> None:
    result = run_check("BasicMotions", seed=2, max_epochs=40, minirocket_kernels=168)
    # Four balanced classes: chance is 0.25.
    assert result.student_accuracy >= 0.6
    assert result.minirocket_accuracy >= 0.9
    assert result.n_test == 40 and result.student_ms_per_window > 0


def test_a_dataset_not_shipped_offline_is_refused_by_name() -> None:
    with pytest.raises(UcrError, match="'ERing' is neither a file named …_TRAIN.ts nor"):
        run_check("ERing")
