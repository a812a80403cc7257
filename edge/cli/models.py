"""`edge models pull|install|list|use|rollback`: the model bundles on this sideline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from edge.cli import app
from edge.cli._common import ConfigOption, config_or_fail, fail

if TYPE_CHECKING:
    from edge.config import EdgeConfig
    from edge.models_store import ModelStore

models_app = typer.Typer(
    name="models",
    help="Model bundles: fetch the host's latest, list, switch, roll back.\n\n"
    "Example:  edge models pull  ·  edge models rollback",
    no_args_is_help=True,
)
app.add_typer(models_app)
BundlePathArgument = typer.Argument(..., help="Bundle directory or .tar.gz.")


def _store(config_path: Path | None) -> tuple[ModelStore, EdgeConfig]:
    from edge.models_store import ModelStore

    config = config_or_fail(config_path)
    return ModelStore(config.models_dir), config


@models_app.command("pull")
def pull(config_path: Path | None = ConfigOption) -> None:
    """Fetch the host's latest bundle, verify it and use it.  Example: edge models pull"""
    import httpx

    from edge.bundle import BundleError
    from edge.models_store import ModelStoreError

    store, config = _store(config_path)
    try:
        with httpx.Client(timeout=config.sync.timeout_s) as client:
            bundle = store.pull(config.host_url, config.device_token, client)
    except (ModelStoreError, BundleError) as exc:
        fail(str(exc))
    typer.echo(f"using model {bundle.manifest.version}")


@models_app.command("install")
def install(
    bundle_path: Path = BundlePathArgument,
    config_path: Path | None = ConfigOption,
) -> None:
    """Install a bundle from a file (USB stick) and use it.

    Example: edge models install student-2026-03-14.tar.gz
    """
    from edge.bundle import BundleError
    from edge.models_store import ModelStoreError

    store, _ = _store(config_path)
    try:
        bundle = store.install(bundle_path)
    except (ModelStoreError, BundleError) as exc:
        fail(f"bundle refused, still using {store.current_version or 'no model'}: {exc}")
    typer.echo(f"using model {bundle.manifest.version}")


@models_app.command("list")
def list_models(config_path: Path | None = ConfigOption) -> None:
    """Show installed bundles, the one in use and the rollback target.  Example: edge models list"""
    from rich.console import Console
    from rich.table import Table

    store, _ = _store(config_path)
    table = Table()
    for column in ("version", "created", "data", "metrics", ""):
        table.add_column(column)
    for model in store.list():
        metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(model.metrics.items()))
        mark = "in use" if model.current else ("rollback" if model.previous else "")
        table.add_row(model.version, model.created, "synthetic" if model.synthetic else "real",
                      metrics or "–", mark)
    Console().print(table)


@models_app.command("use")
def use(
    version: str = typer.Argument(..., help="An installed version (see `edge models list`)."),
    config_path: Path | None = ConfigOption,
) -> None:
    """Switch to an installed version.  Example: edge models use student-2026-03-01"""
    from edge.bundle import BundleError
    from edge.models_store import ModelStoreError

    store, _ = _store(config_path)
    try:
        store.use(version)
    except (ModelStoreError, BundleError) as exc:
        fail(str(exc))
    typer.echo(f"using model {version}")


@models_app.command("rollback")
def rollback(config_path: Path | None = ConfigOption) -> None:
    """Go back to the model used before the current one.  Example: edge models rollback"""
    from edge.bundle import BundleError
    from edge.models_store import ModelStoreError

    store, _ = _store(config_path)
    try:
        bundle = store.rollback()
    except (ModelStoreError, BundleError) as exc:
        fail(str(exc))
    typer.echo(f"using model {bundle.manifest.version}")
