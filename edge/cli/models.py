"""`edge models pull|install|list|use|rollback`: the model bundles on this sideline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from edge.cli import app
from edge.cli._common import ConfigOption, edge_config
from edge.cli.errors import CommandError

if TYPE_CHECKING:
    from edge.config import EdgeConfig
    from edge.models_store import ModelStore
    from edge.signing import SignatureError

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

    config = edge_config(config_path)
    return ModelStore(config.models_dir, config.host_public_keys), config


def _save_learned_keys(store: ModelStore, config: EdgeConfig, config_path: Path | None) -> None:
    """A bundle's endorsement chain taught the store the host's rotated key: keep it."""
    from edge.config import save_config
    from edge.signing import key_id

    if store.trusted_keys == config.host_public_keys:
        return
    new = [key_id(k) for k in store.trusted_keys if k not in config.host_public_keys]
    config.host_public_keys = store.trusted_keys
    try:
        save_config(config, config_path)
    except OSError as exc:
        raise CommandError(
            f"the model is installed but the host's new key could not be saved: {exc}"
        ) from exc
    typer.echo(f"the host rotated its signing key: now also trusting {', '.join(new)}")


def _warn_unverified(problem: SignatureError) -> None:
    typer.secho(
        f"WARNING: INSTALLING AN UNVERIFIED MODEL BUNDLE ({problem}). Anyone could have made "
        "it. Use --allow-unsigned for local development only.",
        err=True,
        fg=typer.colors.RED,
        bold=True,
    )


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
        raise CommandError(
            f"bundle refused, still using {store.current_version or 'no model'}: {exc}"
        ) from exc
    _save_learned_keys(store, config, config_path)
    typer.echo(f"using model {bundle.manifest.version}")


@models_app.command("install")
def install(
    bundle_path: Path = BundlePathArgument,
    config_path: Path | None = ConfigOption,
    allow_unsigned: bool = typer.Option(
        False,
        "--allow-unsigned",
        help="Install even if the bundle is unsigned or not signed by the paired host. "
        "Local development only: anyone could have made such a bundle.",
    ),
) -> None:
    """Install a bundle from a file (USB stick) and use it.

    The bundle must be signed by the host this sideline is paired with (`edge pair --host`);
    an unsigned, altered or foreign bundle is refused and the current model stays.

    Example: edge models install student-2026-03-14.tar.gz
    """
    from edge.bundle import BundleError
    from edge.models_store import ModelStoreError

    store, config = _store(config_path)
    try:
        bundle = store.install(
            bundle_path, allow_unsigned=_warn_unverified if allow_unsigned else None
        )
    except (ModelStoreError, BundleError) as exc:
        raise CommandError(
            f"bundle refused, still using {store.current_version or 'no model'}: {exc}"
        ) from exc
    _save_learned_keys(store, config, config_path)
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
        table.add_row(
            model.version,
            model.created,
            "synthetic" if model.synthetic else "real",
            metrics or "–",
            mark,
        )
    Console().print(table)


@models_app.command("use")
def use(
    version: str = typer.Argument(..., help="An installed version (see `edge models list`)."),
    config_path: Path | None = ConfigOption,
) -> None:
    """Switch to an installed version.  Example: edge models use student-2026-03-01"""
    store, _ = _store(config_path)
    store.use(version)
    typer.echo(f"using model {version}")


@models_app.command("rollback")
def rollback(config_path: Path | None = ConfigOption) -> None:
    """Go back to the model used before the current one.  Example: edge models rollback"""
    store, _ = _store(config_path)
    bundle = store.rollback()
    typer.echo(f"using model {bundle.manifest.version}")
