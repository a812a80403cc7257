"""The run report: one self-contained page with the evaluation's own numbers, every plot,
the synthetic banner, the ablation table when there is one, and it renders in Chromium."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import torch

from host.evaluation.ablation import (
    AblationError,
    AblationRow,
    AblationTable,
    PairedDifferences,
    PaperRow,
)
from host.evaluation.results import Interval
from host.models.config import PAPER_TABLE3, TrainConfig
from host.reports.run import write_run_report
from host.train import train
from tests.capabilities import missing_capability
from tests.host.models.squad_fixture import write_fixture_squad

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    base = tmp_path_factory.mktemp("report")
    squad = write_fixture_squad(base / "data", athletes=6, weeks=4, clips_per_week=3)
    config = TrainConfig(max_epochs=2, batch_size=16, learning_rate=3e-3)
    return train(squad, base / "ablation" / "full", config, show_progress=False).run_dir


def test_page_holds_the_evaluation_numbers_and_every_plot(run_dir: Path) -> None:
    page = write_run_report(run_dir, resamples=50).read_text()
    evaluation = json.loads((run_dir / "evaluation.json").read_text())
    accuracy = evaluation["actions"]["accuracy_ci"]
    assert (
        f"{100 * accuracy['value']:.1f} [{100 * accuracy['low']:.1f}, {100 * accuracy['high']:.1f}]"
        in page
    )
    assert (
        page.count('src="data:image/png;base64,') == 5
    )  # confusion, classes, scenes, ROC+calibration, curves
    assert "SYNTHETIC" in page
    assert "No ablation table yet" in page
    seconds = json.loads((run_dir / "run.json").read_text())["stop"]["train_wall_s"]
    assert f"Trained on cpu in fp32 in {seconds:.0f} s." in page  # device and precision
    assert not re.search(r'src="(?!data:)', page)  # self-contained: nothing fetched


def _row(name: str, full_minus_row: PairedDifferences | None = None) -> AblationRow:
    block = Interval(value=0.5, low=0.4, high=0.6)
    accuracy, macro_f1, auc, high_risk_recall = PAPER_TABLE3[name]
    return AblationRow(
        wall_s=1.0,
        cpu_s=1.0,
        accuracy=block,
        macro_f1=block,
        auc=block,
        high_risk_recall=block,
        oracle_auc=None,
        paper=PaperRow(
            accuracy=accuracy, macro_f1=macro_f1, auc=auc, high_risk_recall=high_risk_recall
        ),
        full_minus_row=full_minus_row,
    )


def test_ablation_table_from_the_parent_directory_sits_beside_the_papers(run_dir: Path) -> None:
    difference = PairedDifferences(
        accuracy=Interval(value=12.5, low=3.0, high=21.0),
        macro_f1=Interval(value=-1.5, low=-4.0, high=2.0),
    )
    table = AblationTable(
        rows={"full": _row("full"), "no_video": _row("no_video", difference)},
        synthetic=True,
        split="x",
    )
    table.save(run_dir.parent / "ablation.json")
    try:
        page = write_run_report(run_dir).read_text()
    finally:
        (run_dir.parent / "ablation.json").unlink()
    assert (
        "Table 3" in page and "50.0 [40.0, 60.0]" in page and str(PAPER_TABLE3["full"][2]) in page
    )
    # no test weeks, so no AUC difference: the cell says so by leaving it out
    assert "acc 12.5 [3.0, 21.0]; F1 -1.5 [-4.0, 2.0]</td>" in page


def test_an_ablation_table_this_version_cannot_read_is_named(run_dir: Path) -> None:
    path = run_dir.parent / "ablation.json"
    path.write_text(json.dumps({"rows": {"full": {"accuracy": 0.5}}, "synthetic": True}))
    try:
        with pytest.raises(AblationError, match=r"ablation.json: not an ablation table.*rows"):
            write_run_report(run_dir)
    finally:
        path.unlink()


@pytest.mark.slow
def test_page_renders_in_headless_chromium(run_dir: Path, tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    from check_report_renders import check_renders, find_chromium

    if find_chromium() is None:
        missing_capability("Chromium is not installed (apt-get install chromium)")
    page = write_run_report(run_dir, tmp_path / "report.html")
    checked = check_renders(page, tmp_path / "shot.png")
    assert checked["figures"] == 5 and checked["ink"] > 0.01
