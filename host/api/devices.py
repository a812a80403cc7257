"""POST /devices/register: a sideline unit trades a one-time pairing code for its token."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field

from host.api.deps import DB, app_settings, peer, rate_limit
from host.db.tokens import RegistrationError, redeem_registration_code
from host.signing import published_public_key

router = APIRouter(tags=["devices"])


class Registration(BaseModel):
    code: str = Field(
        min_length=4,
        max_length=32,
        pattern=r"^[A-Za-z0-9 -]+$",
        description="Pairing code from staff, e.g. ABCDE-FGHJK",
    )


class DeviceToken(BaseModel):
    device_id: str
    token: str
    signing_key: str | None = Field(
        default=None, description="The club's Ed25519 public key bundles are signed with (base64)"
    )


@router.post("/devices/register", response_model=DeviceToken, status_code=201)
def register(body: Registration, request: Request, db: DB) -> DeviceToken:
    """Exchange a pairing code (`touchline token create --role device`) for a device token."""
    rate_limit(request, ("register", peer(request)))
    try:
        device_id, token = redeem_registration_code(
            db, body.code, token_bytes=app_settings(request).token_bytes
        )
    except RegistrationError as exc:
        db.rollback()
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc)) from None
    db.commit()
    return DeviceToken(
        device_id=device_id, token=token, signing_key=published_public_key(app_settings(request))
    )
