"""`touchline export RUN_DIR`: the distilled student as a model bundle for the sideline."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from host.cli import app


@app.command("export")
def export_command(
    run_dir: Path = typer.Argument(..., help="Run directory holding student/ (touchline distill)."),
    out: Path | None = typer.Option(
        None, "--out", help="Bundle directory to create; default RUN_DIR/bundles/VERSION."
    ),
    data: Path | None = typer.Option(
        None, "--data", help="Dataset directory; default: the one the student learnt on."
    ),
    version: str | None = typer.Option(
        None, "--version", help="Bundle version; default: UTC time."
    ),
    tflite: bool = typer.Option(
        False, "--tflite", help="Also convert to .tflite (needs the litert-torch converter)."
    ),
) -> None:
    """Export the distilled student of RUN_DIR as a verified model bundle.

    Writes ONNX fp32 (checked against torch on validation windows), an int8 variant that
    becomes model.onnx only where it is faster or half the size at ≤ 1 point of
    validation accuracy, and the manifest (channels, rates, window, filters, z-score,
    event thresholds, sha256 per file, data hash, gating metrics), signs it with the
    club's key (made on the first export; see `touchline key show`); then packs a .tar.gz
    and checks it is within the 100 KB sideline budget.

    Example:  touchline export runs/teacher-01 --version 2026.11.25

    then:     touchline bundle verify runs/teacher-01/bundles/2026.11.25.tar.gz
    """
    # Export stack imported here, not at module level: `touchline --help` stays fast.
    from host.export.bundle import export_run
    from host.settings import get_settings

    console = Console()
    result = export_run(run_dir, out, data, tflite, version, key_dir=get_settings().key_dir)
    if result.key_created:
        console.print(
            f"[yellow]made the club's bundle-signing key {result.key_id}; back up its "
            "directory (`touchline key show` says where) and pair sidelines after this[/yellow]",
            soft_wrap=True,
        )
    console.print(f"model.onnx = {result.choice.default}: {result.choice.reason}", soft_wrap=True)
    console.print(f"ONNX fp32 vs torch: max logit difference {result.fp32_max_logit_error:.1e}")
    console.print(
        f"bundle {result.bundle_dir}  ·  {result.archive} ({result.archive_bytes / 1024:.1f} KB)"
    )
    console.print(f"signed with club key {result.key_id}")
