"""`touchline bundle verify PATH`: check a model bundle before publishing or installing it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from host.cli import app

bundle_app = typer.Typer(help="Inspect and verify sideline model bundles.", no_args_is_help=True)
app.add_typer(bundle_app, name="bundle")


@bundle_app.command("verify")
def verify(
    path: Path = typer.Argument(..., help="Bundle directory or .tar.gz."),
) -> None:
    """Verify the bundle at PATH: schema, manifest, every file's sha256, safe archive.

    Prints version, labels, channels, files with their sizes and the metrics that gated
    it; exits 1 with one line saying what is wrong and where.

    Example:  touchline bundle verify runs/teacher-01/bundles/20261125-160000.tar.gz
    """
    # Imported when the command runs: edge.bundle loads scipy, `touchline --help` must not.
    from edge.bundle import BundleError, read_bundle

    console = Console()
    try:
        bundle = read_bundle(path)
    except BundleError as exc:
        console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    m = bundle.manifest
    flag = " [yellow](trained on synthetic data)[/yellow]" if m.synthetic else ""
    console.print(f"[bold]bundle {m.version}[/bold]: valid{flag}")
    console.print(f"labels: {', '.join(m.labels)}", soft_wrap=True)
    console.print(
        f"channels: {', '.join(c.name + ('?' if c.optional else '') for c in m.channels)} "
        f"at {m.sample_rate_hz:g} Hz, window {m.window_s:g} s, hop {m.hop_s:g} s",
        soft_wrap=True,
    )
    files = Table("file", "bytes", "sha256")
    for name, data in sorted(bundle.files.items()):
        marker = " (default)" if name == m.default_model else ""
        files.add_row(name + marker, str(len(data)), m.files[name][:16] + "…")
    console.print(files)
    if m.metrics:
        metrics = Table("metric", "value", title="gating metrics")
        for key, value in m.metrics.items():
            metrics.add_row(key, f"{value:.4f}")
        console.print(metrics)
