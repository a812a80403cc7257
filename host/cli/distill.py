"""`touchline distill RUN_DIR`: train the sideline student from a trained teacher run."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer
from rich.console import Console
from rich.markdown import Markdown

from host.cli import app
from host.cli.compute import CacheOption, DeviceOption, chosen_cache_mb, chosen_compute

# Shown in --help, so written out here: host.distill.config needs scipy (through edge.dsp),
# which `touchline --help` must not load. tests/host/test_cli_startup.py checks they equal
# DistillConfig's defaults and MINIROCKET_KERNELS.
DEFAULT_EPOCHS = 80
DEFAULT_MIN_STEPS = 1200
DEFAULT_SIMULATED_MINUTES = 10.0
DEFAULT_MINIROCKET_KERNELS = 10_000
DEFAULT_CNN_MEMBERS = 2
# `--student`'s choices: host.distill.config.StudentKind, written out for the same reason.
StudentChoice = Literal["cnn", "gru", "hydra", "auto"]


@app.command("distill")
def distill_command(
    run_dir: Path = typer.Argument(..., help="Training run directory (from `touchline train`)."),
    data: Path | None = typer.Option(
        None, "--data", help="Dataset directory; default: the one the run was trained on."
    ),
    student: StudentChoice = typer.Option(
        "auto",
        "--student",
        help="Student family: auto (the default: fits cnn and hydra without some training "
        "athletes, scores them on those athletes, and keeps the CNN unless the Hydra "
        "student is clearly better; four extra fits of each family), cnn (the "
        "fastest; --cnn-members of them averaged), gru, or hydra (random convolutions "
        "with a ridge head fitted in closed form: better on unseen footballers, about "
        "twice the time per window of the CNN student in int8; docs/student.md, Real "
        "data).",
    ),
    cnn_members: int = typer.Option(
        DEFAULT_CNN_MEMBERS,
        "--cnn-members",
        min=1,
        help="CNNs trained from their own seeds and averaged into one student: two score "
        "steadier on unseen athletes than one (docs/student.md, Two CNN seeds averaged); 1 "
        "trains and runs in half the time.",
    ),
    epochs: int = typer.Option(
        DEFAULT_EPOCHS,
        "--epochs",
        min=1,
        help="Epochs each network trains (with --no-augment: at most, it stops early).",
    ),
    min_steps: int = typer.Option(
        DEFAULT_MIN_STEPS,
        "--min-steps",
        min=0,
        help="... or more epochs, until each network has taken this many optimiser steps: "
        "a squad of a few hundred takes gets a few hundred steps from 80 epochs, and two "
        "small public sets scored 1.3 and 3.4 points higher trained this long (docs/student.md, "
        "A schedule of at least 1 200 steps). 0 counts epochs only, as --no-augment always "
        "does.",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of training and bootstrap."),
    augment: bool = typer.Option(
        True,
        "--augment/--no-augment",
        help="Train on augmented windows (strap rotations, magnitude and time warping, "
        "mixup), each CNN through all its epochs, the recipe measured on real players "
        "(docs/student.md, Real data); --no-augment trains on the windows as recorded and "
        "keeps each CNN's best validation epoch (patience 6).",
    ),
    simulated_minutes: float = typer.Option(
        DEFAULT_SIMULATED_MINUTES,
        "--simulated-minutes",
        min=0.0,
        help="Minutes of simulated session per training and validation athlete, added to "
        "the dataset's continuous sessions; 0 uses only the dataset's.",
    ),
    minirocket_kernels: int = typer.Option(
        DEFAULT_MINIROCKET_KERNELS,
        "--minirocket-kernels",
        min=84,
        help="MiniRocket features of the baseline (multiple of 84).",
    ),
    device: DeviceOption = None,
    cache_mb: CacheOption = None,
) -> None:
    """Distil the multimodal teacher of RUN_DIR into the small IMU(+GPS) sideline student.

    Trains the student on the teacher's soft labels plus the true labels, on augmented
    windows (strap rotations, magnitude and time warping, mixup), and in the same
    run the student without the teacher and MiniRocket + ridge on the same windows, then
    prints accuracy and macro-F1 (95 % bootstrap intervals over athletes), latency per
    window and size for each on the same test athletes, and again on clips whose video
    was occluded. The student also learns from continuous sessions (the dataset's
    continuous/ files, plus 10 simulated minutes per training and validation athlete), so
    it stays quiet between actions; event thresholds and NMS are tuned by event-level F1
    on the validation athletes' streams, and event precision/recall/F1 on the test
    athletes' streams is printed. Results go to RUN_DIR/student/ (report.md, report.json,
    student.pt); `touchline export` reads them. The teacher labels the clips on --device;
    the students (a few thousand parameters) train on the CPU. With --cache-mb above 0
    (the default) clips are read one shard at a time, keeping only the student's signals.

    Example:  touchline distill runs/teacher-01 --data data/squad-small
              touchline distill runs/teacher-01 --no-augment --epochs 40
    """
    # Training stack imported here, not at module level: `touchline --help` stays fast.
    from host.distill.augment import AugmentConfig
    from host.distill.config import (
        PLAIN_PATIENCE,
        REAL_MOTION_AUGMENT,
        REAL_MOTION_PATIENCE,
        DistillConfig,
        StudentConfig,
    )
    from host.distill.pipeline import distill_run
    from host.distill.report import report_markdown
    from host.settings import get_settings

    console = Console()
    settings = get_settings()
    compute = chosen_compute(settings, device, None, None)
    config = DistillConfig(
        student=StudentConfig(kind=student, cnn_members=cnn_members),
        max_epochs=epochs,
        min_steps=min_steps if augment else 0,
        seed=seed,
        simulated_minutes=simulated_minutes,
        augment=REAL_MOTION_AUGMENT if augment else AugmentConfig(),
        early_stop_patience=REAL_MOTION_PATIENCE if augment else PLAIN_PATIENCE,
        keep_weights="last" if augment else "best",
    )
    result = distill_run(
        run_dir,
        data,
        config,
        minirocket_kernels,
        compute=compute,
        stream=chosen_cache_mb(settings, cache_mb) > 0,
    )
    console.print(Markdown(report_markdown(result.report)))
    console.print(f"student written to {result.out_dir}")


@app.command("student-check")
def student_check_command(
    dataset: str = typer.Option("BasicMotions", "--dataset", help="Public dataset (offline)."),
    data: Path | None = typer.Option(
        None,
        "--data",
        help="A labelled FILE_TRAIN.ts instead; its FILE_TEST.ts sibling is the test set and "
        "an optional FILE_groups.txt (one athlete per series, train then test) makes "
        "validation hold out whole athletes.",
    ),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Training seeds to average over."),
    min_steps: int = typer.Option(
        DEFAULT_MIN_STEPS,
        "--min-steps",
        min=0,
        help="Optimiser steps each network takes at least, as `touchline distill "
        "--min-steps`; 0 trains 80 epochs however few steps they are.",
    ),
    student: StudentChoice = typer.Option(
        "auto",
        "--student",
        help="Student family, as `touchline distill --student`: auto (the default) chooses "
        "between cnn and hydra on the groups file's training athletes held out, and keeps "
        "cnn where no groups file names them; hydra is the one that held up on unseen "
        "footballers, cnn on phone + watch (docs/student.md, Real data).",
    ),
) -> None:
    """Train the student's recipe (augmented, as `touchline distill`)
    on a labelled inertial dataset and compare it with MiniRocket + ridge and Hydra on the
    file's own train/test split.

    BasicMotions (UEA: smartwatch accelerometer + gyroscope, 4 activities) ships with
    aeon, so the default runs without a network. Prints test macro-F1 and accuracy of
    each model per seed, then the means, and the student's latency per window
    (onnxruntime, one thread).

    Example:  touchline student-check --data data/real/SoccerIMU_TRAIN.ts --seeds 1
    """
    import numpy as np
    from rich.table import Table

    from host.distill.ucr import run_check

    console = Console()
    source = data if data is not None else dataset
    results = [
        run_check(source, seed=seed, min_steps=min_steps, student=student) for seed in range(seeds)
    ]
    first = results[0]
    console.print(
        f"{first.dataset}: {first.n_train} train / {first.n_test} test series "
        f"({first.student_parameters} student parameters)"
    )
    table = Table("seed", "model", "macro-F1", "accuracy", "ms/window")
    for seed, r in enumerate(results):
        table.add_row(
            str(seed),
            f"student ({student})" if student != "auto" else f"student (auto: {r.student_family})",
            f"{r.student_macro_f1:.3f}",
            f"{r.student_accuracy:.3f}",
            f"{r.student_ms_per_window:.3f} (onnxruntime, 1 thread)",
        )
        table.add_row(
            "",
            "MiniRocket + ridge",
            f"{r.minirocket_macro_f1:.3f}",
            f"{r.minirocket_accuracy:.3f}",
            f"{r.minirocket_ms_per_window:.2f}",
        )
        table.add_row("", "Hydra", f"{r.hydra_macro_f1:.3f}", f"{r.hydra_accuracy:.3f}", "")
    console.print(table)
    means = {
        name: np.mean([getattr(r, f"{key}_macro_f1") for r in results])
        for name, key in (
            (f"student ({student})", "student"),
            ("MiniRocket + ridge", "minirocket"),
            ("Hydra", "hydra"),
        )
    }
    console.print(
        "mean test macro-F1: " + ", ".join(f"{name} {value:.3f}" for name, value in means.items())
    )
    for seed, r in enumerate(results):
        if r.family_choice:
            console.print(f"--student auto, seed {seed}: {r.family_choice}")
