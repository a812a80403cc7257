"""The sideline page's web app: PIN to watch, staff code to act.

Anyone on the Pi's network with the session PIN (printed at start, also accepted as
`/?pin=…` so the printed link opens straight away) watches the cards. Staff who give the
staff code may mark a drill's start and end, enter each athlete's RPE and close the
session: the same `edge.marks` functions as `edge drill` and `edge rpe`, on the same store.
Wrong PINs and codes are counted per client; after `MAX_TRIES` in a minute that client
waits.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import math
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from edge.marks import MarkError, SessionMarks
from edge.store import StoreError
from edge.web.board import LiveBoard
from edge.web.page import pin_page, sideline_page

VIEW_COOKIE = "touchline_view"
STAFF_COOKIE = "touchline_staff"
MAX_TRIES = 10
TRY_WINDOW_S = 60.0
SYNTHETIC_NOTE = (
    "Actions are detected by a model trained on SYNTHETIC data: treat the counts "
    "as a demonstration, not as what players did."
)


@dataclass
class Access:
    """The session PIN, the staff code, and the cookies they are traded for."""

    pin: str = field(default_factory=lambda: f"{secrets.randbelow(10**6):06d}")
    staff_code: str = field(default_factory=lambda: f"{secrets.randbelow(10**8):08d}")
    view_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    staff_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    clock: Callable[[], float] = time.monotonic
    failures: dict[str, list[float]] = field(default_factory=dict)

    def wait_s(self, client: str) -> float:
        """Seconds `client` must wait before trying again (0 when it may try)."""
        recent = [t for t in self.failures.get(client, []) if self.clock() - t < TRY_WINDOW_S]
        self.failures[client] = recent
        return TRY_WINDOW_S - (self.clock() - recent[0]) if len(recent) >= MAX_TRIES else 0.0

    def failed(self, client: str) -> None:
        self.failures.setdefault(client, []).append(self.clock())


def _matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _problem(message: str, status_code: int) -> JSONResponse:
    return JSONResponse(
        {"message": message, "field": message.split(": ", 1)[0]}, status_code=status_code
    )


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise MarkError("body: not valid JSON") from None
    if not isinstance(body, dict):
        raise MarkError("body: a JSON object is expected")
    return body


def create_app(
    board: LiveBoard,
    store_path: Path,
    *,
    access: Access | None = None,
    on_close: Callable[[], None] | None = None,
    synthetic: bool = False,
    poll_s: float = 0.2,
) -> Starlette:
    """The page for `board`'s session; `on_close` ends the recording (None: not recording
    here, so the page cannot close it)."""
    access = access or Access()
    session_id = board.session_id

    def viewer(request: Request) -> bool:
        return _matches(request.cookies.get(VIEW_COOKIE), access.view_key) or staff(request)

    def staff(request: Request) -> bool:
        return _matches(request.cookies.get(STAFF_COOKIE), access.staff_key)

    def too_many(request: Request) -> float:
        return access.wait_s(_client(request))

    async def home(request: Request) -> Response:
        pin = request.query_params.get("pin")
        if pin is not None:
            wait = too_many(request)
            if wait:
                return HTMLResponse(
                    pin_page(f"pin: too many tries; wait {math.ceil(wait)} s"), status_code=429
                )
            if not _matches(pin.strip(), access.pin):
                access.failed(_client(request))
                return HTMLResponse(pin_page("pin: wrong PIN for this session"), status_code=401)
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(VIEW_COOKIE, access.view_key, httponly=True, samesite="strict")
            return response
        if not viewer(request):
            return HTMLResponse(pin_page())
        note = SYNTHETIC_NOTE if synthetic else ""
        # The address this browser reached the page by also works for the next tablet.
        share_url = f"{request.base_url}?pin={access.pin}"
        return HTMLResponse(sideline_page(session_id, staff(request), note, share_url))

    async def events(request: Request) -> Response:
        if not viewer(request):
            return _problem("pin: open the page with the session PIN first", 401)

        async def stream() -> AsyncIterator[str]:
            seen = -1
            while True:
                version, text = board.read()
                if version != seen:
                    seen = version
                    yield f"data: {text}\n\n"
                if board.closed or await request.is_disconnected():
                    return
                await asyncio.sleep(poll_s)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    async def state(request: Request) -> Response:
        if not viewer(request):
            return _problem("pin: open the page with the session PIN first", 401)
        return Response(board.read()[1], media_type="application/json")

    async def staff_login(request: Request) -> Response:
        wait = too_many(request)
        if wait:
            return _problem(f"code: too many tries; wait {math.ceil(wait)} s", 429)
        try:
            code = str((await _json_body(request)).get("code", ""))
        except MarkError as exc:
            return _problem(str(exc), 400)
        if not _matches(code.strip(), access.staff_code):
            access.failed(_client(request))
            return _problem("code: wrong staff code", 401)
        response = JSONResponse({"message": "staff: logged in"})
        response.set_cookie(STAFF_COOKIE, access.staff_key, httponly=True, samesite="strict")
        return response

    def action(
        act: Callable[[SessionMarks, dict[str, Any]], str],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if not staff(request):
                return _problem("staff: log in with the staff code first", 401)
            try:
                body = await _json_body(request)
                with SessionMarks.open(store_path) as marks:
                    message = act(marks, body)
                    running = marks.running_drill(session_id)
                    board.publish(
                        drill=running.name if running else None, rpe=marks.rpes(session_id)
                    )
            except MarkError as exc:
                return _problem(str(exc), 422)
            except StoreError as exc:
                return _problem(f"store: {exc}", 503)
            return JSONResponse({"message": message})

        return endpoint

    def start_drill(marks: SessionMarks, body: dict[str, Any]) -> str:
        drill = marks.start_drill(session_id, str(body.get("name", "")))
        return f"drill: {drill.name!r} started"

    def end_drill(marks: SessionMarks, body: dict[str, Any]) -> str:
        return f"drill: {marks.end_drill(session_id).name!r} ended"

    def rpe(marks: SessionMarks, body: dict[str, Any]) -> str:
        value = body.get("rpe")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MarkError(f"rpe: a number from 0 to 10 is expected (got {value!r})")
        athlete = str(body.get("athlete_id", ""))
        marks.set_rpe(session_id, athlete, float(value))
        return f"rpe: {athlete} {float(value):g} saved"

    def close(marks: SessionMarks, body: dict[str, Any]) -> str:
        if on_close is None:
            raise MarkError("session: not recording here; `edge close` closes a session left open")
        on_close()
        return "session: closing; summaries are being built"

    routes = [
        Route("/", home),
        Route("/events", events),
        Route("/state", state),
        Route("/staff", staff_login, methods=["POST"]),
        Route("/drill/start", action(start_drill), methods=["POST"]),
        Route("/drill/end", action(end_drill), methods=["POST"]),
        Route("/rpe", action(rpe), methods=["POST"]),
        Route("/close", action(close), methods=["POST"]),
    ]
    return Starlette(routes=routes)
