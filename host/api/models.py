"""GET /models/latest and GET /models/{version}/bundle: the sideline fetches its model."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse
from sqlalchemy import select

from host.api.deps import DB, Caller
from host.api.fields import IdPath
from host.api.responses import ModelInfo
from host.db.models import ModelVersion
from host.db.registry import latest_published

router = APIRouter(tags=["models"])
SHA256_HEADER = "X-Bundle-SHA256"


def _describe(row: ModelVersion) -> ModelInfo:
    return ModelInfo(
        version=row.version,
        sha256=row.sha256,
        created=row.created.isoformat(),
        synthetic=row.synthetic,
        metrics=row.metrics,
        bundle_url=f"/api/v1/models/{row.version}/bundle",
    )


@router.get("/models/latest", response_model=ModelInfo)
def latest(caller: Caller, db: DB) -> ModelInfo:
    """The newest published edge bundle."""
    row = latest_published(db, "bundle")
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="models: no bundle published yet")
    return _describe(row)


@router.get("/models/{version}/bundle", response_class=FileResponse)
def bundle(
    version: IdPath,
    caller: Caller,
    db: DB,
) -> FileResponse:
    """The bundle archive; its sha256 is in the `X-Bundle-SHA256` header to check on receipt."""
    row = db.scalars(
        select(ModelVersion).where(
            ModelVersion.version == version,
            ModelVersion.kind == "bundle",
            ModelVersion.published.is_not(None),
        )
    ).one_or_none()
    if row is None or row.path is None or not Path(row.path).is_file():
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"version: no published bundle {version!r}"
        )
    return FileResponse(
        row.path,
        media_type="application/gzip",
        filename=f"touchline-{version}.tar.gz",
        headers={SHA256_HEADER: row.sha256 or ""},
    )
