"""Staff log in with a staff token (`touchline token create --role staff`); the browser keeps
it in an HttpOnly, SameSite=Strict cookie and every page checks it again, so revoking the
token ends the web session too. Nothing is stored server-side."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from host.api.deps import DB, peer, rate_limit
from host.db.roles import Role
from host.db.tokens import Principal, authenticate
from host.web.layout import esc, page

COOKIE = "touchline_staff"
router = APIRouter(include_in_schema=False)


def signed_in(request: Request, db: Session) -> Principal | None:
    """The staff member behind the request's cookie, or None (no, unknown or revoked token)."""
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    principal = authenticate(db, token)
    if principal is None or principal.role is not Role.STAFF:
        return None
    rate_limit(request, principal.token_id)
    return principal


def to_login(request: Request) -> RedirectResponse:
    """Send a visitor without a session to the login page, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(
        f"/login?next={quote(target, safe='')}", status_code=status.HTTP_303_SEE_OTHER
    )


def _local(target: str) -> str:
    """Only a path on this site is followed after login (never //evil.example or a URL)."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/squad"


def _login_page(
    request: Request, next_path: str, message: str = "", status_code: int = 200
) -> Response:
    zone = request.app.state.settings.club_timezone
    error = f'<p class="error" role="alert">{esc(message)}</p>' if message else ""
    body = (
        f'{error}<form class="login" method="post" action="/login">'
        '<label for="token">Staff token</label>'
        '<input id="token" name="token" type="password" autocomplete="current-password" '
        'required placeholder="tl_s_…">'
        f'<input type="hidden" name="next" value="{esc(_local(next_path))}">'
        '<button type="submit">Log in</button></form>'
        '<p class="note">Ask the club\'s Touchline admin for a staff token '
        "(<code>touchline token create --role staff</code>).</p>"
    )
    return page("Log in", body, zone=zone, logged_in=False, status_code=status_code)


@router.get("/login")
def login_form(request: Request, db: DB, next: str = "/squad") -> Response:
    if signed_in(request, db) is not None:
        return RedirectResponse(_local(next), status_code=status.HTTP_303_SEE_OTHER)
    return _login_page(request, next)


@router.post("/login")
def login(
    request: Request,
    db: DB,
    token: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2048)] = "/squad",
) -> Response:
    principal = authenticate(db, token) if token.strip() else None
    if principal is None or principal.role is not Role.STAFF:
        try:
            # Guessing tokens costs a request from the same per-client budget as the API.
            rate_limit(request, ("unauthenticated", peer(request)))
        except HTTPException as exc:
            return _login_page(request, next, str(exc.detail), exc.status_code)
        reason = (
            "that is a device token; log in with a staff token"
            if principal
            else "unknown, revoked or expired token"
        )
        return _login_page(request, next, f"token: {reason}", status.HTTP_401_UNAUTHORIZED)
    response = RedirectResponse(_local(next), status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        token.strip(),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE)
    return response
