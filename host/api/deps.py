"""What every route gets injected: a database session, the caller, and the rate limit."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from host.db.roles import Role
from host.db.tokens import Principal, authenticate
from host.settings import Settings

bearer = HTTPBearer(
    auto_error=False, description="A staff or device token (touchline token create)"
)


def app_settings(request: Request) -> Settings:
    """The settings the app was created with (not re-read from the environment)."""
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        yield session


DB = Annotated[Session, Depends(get_db)]


def rate_limit(request: Request, key: object) -> None:
    wait = request.app.state.rate_limiter.retry_after(key)
    if wait > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"rate limit: too many requests; retry in {math.ceil(wait)} s",
            headers={"Retry-After": str(math.ceil(wait))},
        )


def peer(request: Request) -> str:
    """The client's address: the TCP peer, or the client behind a configured trusted proxy
    (never a forwarding header from anyone else)."""
    return request.client.host if request.client else "unknown"


def current_principal(
    request: Request,
    db: DB,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None:
        rate_limit(request, ("unauthenticated", peer(request)))
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Authorization: send 'Authorization: Bearer <token>' (touchline token create)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = authenticate(db, credentials.credentials)
    if principal is None:
        # Guessing tokens costs a request from the same per-client budget.
        rate_limit(request, ("unauthenticated", peer(request)))
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Authorization: unknown, revoked or expired token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    rate_limit(request, principal.token_id)
    return principal


Caller = Annotated[Principal, Depends(current_principal)]


def staff(principal: Caller) -> Principal:
    if principal.role is not Role.STAFF:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Authorization: staff token needed")
    return principal


Staff = Annotated[Principal, Depends(staff)]
