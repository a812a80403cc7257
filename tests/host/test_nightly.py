from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from host.data.dataset import load_dataset
from host.db.engine import engine_for, session_scope
from host.db.models import ModelVersion, RiskPrediction
from host.db.registry import record_model
from host.nightly import NightlyLocked, bundle_gate, exclusive_lock, risk_gate, run_nightly
from host.risk.evaluate import auc, time_ordered_split
from host.risk.features import LABEL, FeatureError
from host.risk.head import HeadConfig, RiskHead
from host.risk.recipe import fit_calibrated
from host.risk.scoring import fit_until
from host.risk.service import current_features
from host.risk.store import import_dataset
from host.settings import Settings
from tests.host.risk.squad import risky_squad, write_squad


@pytest.fixture
def night(tmp_path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'host.db'}",
        bundle_dir=tmp_path / "store",
        nightly_lock=tmp_path / "nightly.lock",
        nightly_log=tmp_path / "nightly.log",
        risk_holdout_weeks=2,
    )


def test_first_run_publishes_and_an_equal_rerun_keeps_the_current_head(night, tmp_path) -> None:
    data = write_squad(tmp_path / "club", risky_squad(athletes=24, weeks=8, seed=4), weeks=8)

    first = run_nightly(night, data=data)
    assert first.risk.published, first.risk.reason
    assert first.imported["athletes"] == 24
    assert first.player_weeks == 24 * 8
    assert first.risk_metrics["synthetic"] is True
    assert first.risk_metrics["split"]["test_weeks"] == [5, 6]

    assert first.risk_metrics["published_trained_on"]["last_week"] == 6  # week 7: unknown

    second = run_nightly(night)
    assert not second.risk.published
    assert "does not beat" in second.risk.reason
    assert second.risk.version == first.risk.version
    # the published head learnt weeks 5-6 too: it is not scored on them in-sample, its
    # recipe is refitted on the candidate's weeks, so both are judged alike
    current = second.risk_metrics["current"]
    assert current["trained_through"] == 6
    assert current["scored"].startswith("recipe refitted")
    assert current["auc"] == second.risk_metrics["head"]["auc"]["value"]

    with session_scope(engine_for(night.database_url)) as db:
        published = db.scalars(select(ModelVersion).where(ModelVersion.kind == "risk")).all()
        assert [m.version for m in published] == [first.risk.version]
        head = RiskHead.load(night.bundle_dir / f"{first.risk.version}.json")
        assert len(head.features) > 20
        assert head.trained_on.last_week == 6 and head.calibration is not None
        newest = db.scalars(select(RiskPrediction).where(RiskPrediction.week == 7)).all()
        assert len(newest) == 24
    log = night.nightly_log.read_text()
    assert "nightly run starts" in log and "kept the current head" in log


def _publish(night: Settings, head: RiskHead, version: str) -> None:
    night.bundle_dir.mkdir(parents=True, exist_ok=True)
    path = night.bundle_dir / f"{version}.json"
    head.save(path)
    with session_scope(engine_for(night.database_url)) as db:
        record_model(db, version, "risk", {}, synthetic=True, path=path, publish=True)


def _club_features(night: Settings, tmp_path) -> pd.DataFrame:
    data = write_squad(tmp_path / "club", risky_squad(athletes=24, weeks=8, seed=4), weeks=8)
    with session_scope(engine_for(night.database_url)) as db:
        import_dataset(db, load_dataset(data))
        return current_features(db, night)


def test_a_better_candidate_beats_an_incumbent_that_saw_the_held_out_weeks(night, tmp_path) -> None:
    features = _club_features(night, tmp_path)
    labelled = features[LABEL].notna().to_numpy()
    # an over-fitted incumbent trained on every week: perfect on the held-out weeks in-sample
    overfit = fit_calibrated(features, labelled, HeadConfig(hidden=64, l2=0.0, max_iter=2000))
    _, test = time_ordered_split(features, night.risk_holdout_weeks)
    x = features[overfit.features].to_numpy()[test]
    assert auc(features[LABEL].to_numpy()[test], overfit.predict_proba(x)) > 0.95
    _publish(night, overfit, "risk-overfit")

    report = run_nightly(night)
    assert report.risk.published, report.risk.reason
    current = report.risk_metrics["current"]
    assert current["version"] == "risk-overfit"
    assert current["scored"].startswith("recipe refitted")
    assert current["auc"] < report.risk_metrics["head"]["auc"]["value"]
    assert report.risk.reason.endswith(
        "(current head scored recipe refitted on the candidate's training weeks)"
    )


def test_a_head_trained_before_the_held_out_weeks_is_scored_as_published(night, tmp_path) -> None:
    features = _club_features(night, tmp_path)
    _publish(night, fit_until(features, 4), "risk-early")  # learnt weeks 0-3; holdout 5-6
    report = run_nightly(night)
    current = report.risk_metrics["current"]
    assert current["scored"] == "as published" and current["trained_through"] == 3
    assert current["auc"] is not None


def test_edge_stage_that_cannot_train_keeps_the_bundle_and_still_refreshes_risk(
    night, tmp_path
) -> None:
    data = write_squad(tmp_path / "club", risky_squad(athletes=12, weeks=6, seed=4), weeks=6)
    report = run_nightly(night, data=data, edge_model=True, work_dir=tmp_path / "runs")
    assert report.risk.published
    assert not report.bundle.published
    assert "kept the current bundle" in report.bundle.reason
    assert "clip" in report.bundle.reason  # the dataset has no labelled clips to train on
    assert "edge bundle stage stopped" in night.nightly_log.read_text()


def test_too_little_history_keeps_the_current_head_and_says_why(night, tmp_path) -> None:
    data = write_squad(tmp_path / "club", risky_squad(athletes=6, weeks=3, seed=4), weeks=3)
    report = run_nightly(night, data=data)
    assert not report.risk.published
    assert "kept the current head" in report.risk.reason
    assert "labelled week" in report.risk.reason or "no injuries" in report.risk.reason


def test_a_second_run_waits_for_nobody_it_stops_with_the_holder(night) -> None:
    with exclusive_lock(night.nightly_lock):
        with pytest.raises(NightlyLocked, match="already going.*pid"):
            run_nightly(night)
    with exclusive_lock(night.nightly_lock):  # released again afterwards
        pass


def test_failed_run_is_logged_and_releases_the_lock(night) -> None:
    with pytest.raises(FeatureError, match="no sessions"):
        run_nightly(night)  # an empty database has nothing to build features from
    assert "nightly run failed" in night.nightly_log.read_text()
    with exclusive_lock(night.nightly_lock):
        pass


@pytest.mark.parametrize(
    ("candidate", "current", "published", "words"),
    [
        ({"val_macro_f1": 0.81}, None, True, "no comparable current bundle"),
        ({"val_macro_f1": 0.81}, {"test_macro_f1": 0.9}, True, "no comparable current bundle"),
        ({"val_macro_f1": 0.83}, {"val_macro_f1": 0.81}, True, "beats the current 0.810"),
        ({"val_macro_f1": 0.80}, {"val_macro_f1": 0.81}, False, "does not beat"),
        ({"test_macro_f1": 0.99}, None, False, "no val_macro_f1"),
    ],
)
def test_bundle_gate(candidate, current, published, words) -> None:
    decision, reason = bundle_gate(candidate, current)
    assert decision is published
    assert words in reason


def test_nightly_command_reports_a_running_night_in_one_line(night, monkeypatch) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    monkeypatch.setenv("TOUCHLINE_NIGHTLY_LOCK", str(night.nightly_lock))
    monkeypatch.setenv("TOUCHLINE_NIGHTLY_LOG", str(night.nightly_log))
    with exclusive_lock(night.nightly_lock):
        result = CliRunner().invoke(app, ["nightly", "--db", night.database_url])
    assert result.exit_code == 1
    assert "already going" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("new", "current", "published", "words"),
    [
        ((0.80, 0.7), (None, None), True, "no current risk head"),
        ((float("nan"), 0.0), (None, None), False, "cannot be judged"),
        ((0.84, 0.7), (0.80, 0.7), True, "beats the current 0.800"),
        ((0.80, 0.7), (0.80, 0.7), False, "does not beat"),
        ((0.85, 0.5), (0.80, 0.7), False, "recall would fall from 0.70 to 0.50"),
    ],
)
def test_risk_gate(new, current, published, words) -> None:
    decision, reason = risk_gate(*new, *current)
    assert decision is published
    assert words in reason


def test_the_edge_stage_computes_where_the_settings_say(night) -> None:
    from host.nightly import nightly_compute

    chosen = nightly_compute(night.model_copy(update={"device": "cpu", "loader_workers": 3}))
    assert str(chosen.device) == "cpu" and chosen.workers == 3 and chosen.precision == "fp32"
    assert nightly_compute(night).device.type in ("cpu", "cuda")  # auto: whatever is here


def test_a_device_the_server_lacks_stops_the_night_before_any_work(night, tmp_path) -> None:
    import torch

    from host.device import DeviceError

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device")
    gpu = night.model_copy(update={"device": "cuda"})
    with pytest.raises(DeviceError, match="TOUCHLINE_DEVICE.*no CUDA device"):
        run_nightly(gpu, edge_model=True, work_dir=tmp_path / "runs")
    assert not night.nightly_log.exists() and not (tmp_path / "runs").exists()


def test_nightly_command_takes_device_options_over_the_settings(night, monkeypatch) -> None:
    from typer.testing import CliRunner

    from host.cli import app

    monkeypatch.setenv("TOUCHLINE_NIGHTLY_LOCK", str(night.nightly_lock))
    monkeypatch.setenv("TOUCHLINE_NIGHTLY_LOG", str(night.nightly_log))
    monkeypatch.setenv("TOUCHLINE_DEVICE", "cpu")
    args = ["nightly", "--db", night.database_url, "--edge-model", "--device", "gpu"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0 and "TOUCHLINE_DEVICE" in result.output
    assert "got 'gpu'" in result.output and "Traceback" not in result.output
