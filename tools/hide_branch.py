"""How much a trained run relies on each branch: test scores with one branch hidden.

Hides the skeleton, then the IMU, by marking the branch absent (`present = False`) for
every test clip, exactly as when video or an IMU is lost, and prints action accuracy and
macro-F1 beside the run's own. A branch whose hiding changes nothing carries no weight in
the model's decisions (docs/results.md, Table 3).

    python tools/hide_branch.py runs/ablation/full
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from host.data.dataset import load_dataset
from host.evaluation import metrics
from host.evaluation.evaluate import predict_test
from host.evaluation.splits import SplitPlan
from host.models.inputs import BRANCH_ORDER
from host.models.run import load_run
from host.risk.features import FeatureSettings
from host.training.rundir import SPLITS_FILE
from host.training.task import load_task_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="Training run directory.")
    parser.add_argument("--hide", default="skeleton,imu", help="Branches to hide, one at a time.")
    args = parser.parse_args()
    torch.set_num_threads(1)
    run = load_run(args.run_dir)
    plan = SplitPlan.from_dict(json.loads((args.run_dir / SPLITS_FILE).read_text()))
    dataset = load_dataset(run.info["data"])
    task = load_task_data(
        dataset,
        run.config,
        plan,
        run.stats,
        run.weekly_normaliser,
        features=FeatureSettings.of_run(run.info),
    )
    present = task.arrays.present.copy()
    tag = " (synthetic data)" if run.synthetic else ""
    print(f"{args.run_dir}{tag}: test clips of the run's own split")
    for hidden in ["none", *args.hide.split(",")]:
        task.arrays.present[:] = present
        if hidden != "none":
            task.arrays.present[:, BRANCH_ORDER.index(hidden)] = False
        with torch.no_grad():
            out = predict_test(run, task)
        y = task.labels[out["clip_index"]]
        accuracy = metrics.accuracy(y, out["predicted"])
        macro_f1 = metrics.macro_f1(y, out["predicted"], len(run.labels))
        print(
            f"  hidden {hidden:9} accuracy {100 * accuracy:5.1f} %  "
            f"macro-F1 {100 * macro_f1:5.1f} %"
        )


if __name__ == "__main__":
    main()
