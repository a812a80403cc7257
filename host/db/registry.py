"""Model versions: the weekly risk model and the edge bundles, with the metrics that gated
them. A bundle is served only once published."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from host.db.models import ModelVersion, utcnow


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_model(
    db: Session,
    version: str,
    kind: str,
    metrics: dict[str, Any],
    *,
    synthetic: bool,
    path: Path | None = None,
    publish: bool = False,
) -> ModelVersion:
    """Add a model version (published now when `publish`)."""
    row = ModelVersion(
        version=version,
        kind=kind,
        metrics=metrics,
        synthetic=synthetic,
        path=None if path is None else str(path),
        sha256=None if path is None or path.is_dir() else file_sha256(path),
        published=utcnow() if publish else None,
    )
    db.add(row)
    db.flush()
    return row


def publish_bundle(
    db: Session,
    archive: Path,
    version: str,
    metrics: dict[str, Any],
    *,
    synthetic: bool,
    bundle_dir: Path,
) -> ModelVersion:
    """Copy a bundle archive (.tar.gz) into the served store and publish it."""
    bundle_dir.mkdir(parents=True, exist_ok=True)
    target = bundle_dir / f"{version}.tar.gz"
    partial = target.with_suffix(".part")
    shutil.copyfile(archive, partial)
    partial.replace(target)
    return record_model(
        db, version, "bundle", metrics, synthetic=synthetic, path=target, publish=True
    )


def latest_published(db: Session, kind: str) -> ModelVersion | None:
    return db.scalars(
        select(ModelVersion)
        .where(ModelVersion.kind == kind, ModelVersion.published.is_not(None))
        .order_by(ModelVersion.published.desc(), ModelVersion.id.desc())
        .limit(1)
    ).one_or_none()
