"""`touchline distill RUN_DIR`: train the sideline student from a trained teacher run."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markdown import Markdown

from host.cli import app
from host.distill.config import MINIROCKET_KERNELS, DistillConfig, StudentConfig


@app.command("distill")
def distill_command(
    run_dir: Path = typer.Argument(..., help="Training run directory (from `touchline train`)."),
    data: Path | None = typer.Option(
        None, "--data", help="Dataset directory; default: the one the run was trained on."
    ),
    student: str = typer.Option("cnn", "--student", help="Student family: cnn or gru."),
    epochs: int = typer.Option(DistillConfig.max_epochs, "--epochs", min=1, help="Most epochs."),
    seed: int = typer.Option(0, "--seed", help="Seed of training and bootstrap."),
    minirocket_kernels: int = typer.Option(
        MINIROCKET_KERNELS,
        "--minirocket-kernels",
        min=84,
        help="MiniRocket features of the baseline (multiple of 84).",
    ),
) -> None:
    """Distil the multimodal teacher of RUN_DIR into the small IMU(+GPS) sideline student.

    Trains the student on the teacher's soft labels plus the true labels, and in the same
    run the student without the teacher and MiniRocket + ridge on the same windows, then
    prints accuracy and macro-F1 (95 % bootstrap intervals over athletes), latency per
    window and size for each on the same test athletes, and again on clips whose video
    was occluded. Event thresholds are tuned on the validation athletes. Results go to
    RUN_DIR/student/ (report.md, report.json, student.pt); `touchline export` reads them.

    Example:  touchline distill runs/teacher-01 --data data/squad-small
    """
    # Training stack imported here, not at module level: `touchline --help` stays fast.
    from host.data.dataset import DatasetError
    from host.distill.pipeline import DistillError, distill_run, report_markdown
    from host.distill.windows import StudentDataError
    from host.evaluation.splits import SplitError

    console = Console()
    if student not in ("cnn", "gru"):
        console.print(f"[red]error:[/red] --student must be cnn or gru, not {student!r}")
        raise typer.Exit(1)
    config = DistillConfig(student=StudentConfig(kind=student), max_epochs=epochs, seed=seed)
    try:
        result = distill_run(run_dir, data, config, minirocket_kernels)
    except (DistillError, DatasetError, StudentDataError, SplitError) as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(Markdown(report_markdown(result.report)))
    console.print(f"student written to {result.out_dir}")
