#!/usr/bin/env python3
"""Write an imported takes dataset's IMU clips as labelled `.ts` files with a groups file.

The clips are the dataset's stored ones (8 s at 100 Hz around each take), so the `.ts`
path and the takes path can be compared on identical samples. Outside the take the
samples are missing (`NaN`, which `touchline train` reads as invalid) or, with
`--pad edge`, repeat the take's first and last sample as `convert.py` pads its windows;
the two show what knowing where a take starts and ends is worth (docs/results.md, "The
teacher on real takes").

    python tools/real_motion/takes_to_ts.py data/soccer --out data/takes-ts --test P4,P8
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from aeon.datasets import save_to_ts_file

from edge import taxonomy
from host.data.dataset import load_dataset


def clips_as_series(dataset: Path, pad: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IMU `(N, 12, T)`, label names and athlete ids of every clip in `dataset`."""
    data = load_dataset(dataset)
    clips = data.clips()
    x = clips.imu.astype(np.float64)
    valid = np.repeat(clips.imu_valid, len(taxonomy.IMU_AXES), axis=1)
    if pad == "missing":
        x[~valid] = np.nan
    else:
        for i, mask in enumerate(clips.imu_valid.any(axis=1)):
            first, last = np.flatnonzero(mask)[[0, -1]]
            x[i, :, :first] = x[i, :, first, None]
            x[i, :, last + 1 :] = x[i, :, last, None]
    labels = np.array(data.manifest.labels)[clips.label]
    return x, labels, np.asarray(clips.athlete_id).astype(str)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", type=Path, help="a dataset written by `touchline import takes`")
    parser.add_argument("--out", type=Path, required=True, help="folder for the .ts files")
    parser.add_argument("--test", required=True, help="athletes of the TEST file, e.g. P4,P8")
    parser.add_argument("--pad", choices=("missing", "edge"), default="missing")
    parser.add_argument("--name", default="Takes", help="problem name (NAME_TRAIN.ts …)")
    args = parser.parse_args(argv)
    x, labels, athletes = clips_as_series(args.dataset, args.pad)
    test = np.isin(athletes, args.test.split(","))
    args.out.mkdir(parents=True, exist_ok=True)
    for split, chosen in (("TRAIN", ~test), ("TEST", test)):
        save_to_ts_file(
            x[chosen],
            labels[chosen],
            label_type="classification",
            path=str(args.out),
            problem_name=f"{args.name}_{split}",
        )
    order = list(athletes[~test]) + list(athletes[test])
    (args.out / f"{args.name}_groups.txt").write_text("".join(f"{a}\n" for a in order))
    print(f"{len(x)} series ({test.sum()} test) written to {args.out}")


if __name__ == "__main__":
    main()
