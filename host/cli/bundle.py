"""`touchline bundle verify PATH`: check a model bundle before publishing or installing it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from host.cli import app

if TYPE_CHECKING:
    from edge.bundle import Bundle

bundle_app = typer.Typer(help="Inspect and verify sideline model bundles.", no_args_is_help=True)
app.add_typer(bundle_app, name="bundle")


@bundle_app.command("verify")
def verify(
    path: Path = typer.Argument(..., help="Bundle directory or .tar.gz."),
) -> None:
    """Verify the bundle at PATH: schema, manifest, every file's sha256, safe archive, that
    its models run and give one score per label, and its signature.

    Prints version, labels, channels, files with their sizes, who signed it and the
    metrics that gated it; exits 1 with one line saying what is wrong and where.

    Example:  touchline bundle verify runs/teacher-01/bundles/20261125-160000.tar.gz
    """
    # Imported when the command runs: edge.bundle loads scipy, `touchline --help` must not.
    from edge.bundle import check_model, read_bundle

    console = Console()
    bundle = read_bundle(path)
    check_model(bundle)
    signer = _signer(bundle)
    m = bundle.manifest
    flag = " [yellow](trained on synthetic data)[/yellow]" if m.synthetic else ""
    console.print(f"[bold]bundle {m.version}[/bold]: valid{flag}")
    console.print(signer, soft_wrap=True)
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


def _signer(bundle: Bundle) -> str:
    """Who signed the bundle, checked against the key it names, and whether that is this
    host's current key; unsigned bundles are valid here but no sideline will install them."""
    from edge.signing import SignatureDocument, key_id, verify_manifest
    from host.settings import SettingsError, get_settings
    from host.signing import published_public_key

    if bundle.signature is None:
        return "[yellow]unsigned: sidelines refuse it (touchline export signs)[/yellow]"
    try:
        named = SignatureDocument.model_validate_json(bundle.signature).key
    except ValueError:
        named = ""
    signed_by = verify_manifest(bundle.manifest_bytes, bundle.signature, [named]).key
    try:
        ours = signed_by == published_public_key(get_settings())
    except SettingsError:
        ours = False
    return f"signed by key {key_id(signed_by)}" + (
        " (this host's key)" if ours else " [yellow](not this host's key)[/yellow]"
    )
