"""The FastAPI application: routes under /api/v1, limits, and errors as JSON a person can
act on: {"message": "<field>: <what is wrong>", "field": "<field>"}."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.orm import sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from edge import __version__
from host.api import devices, health, models, risk, sessions
from host.api.limits import BodySizeLimit, RateLimiter
from host.db.engine import engine_for
from host.db.summaries import SummaryError
from host.settings import Settings, get_settings

PREFIX = "/api/v1"


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped: a lone surrogate stored before input was
    checked is sent as `\\ud800` instead of failing the response, so no row is unreadable."""

    def render(self, content: object) -> bytes:
        return json.dumps(
            content, ensure_ascii=True, allow_nan=False, separators=(",", ":")
        ).encode("ascii")


def _error(
    status_code: int, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    if field is None and ": " in message:
        field = message.split(": ", 1)[0]
    return AsciiJSONResponse(
        status_code=status_code, content={"message": message, "field": field}, headers=headers
    )


async def _summary_error(_: Request, exc: SummaryError) -> JSONResponse:
    return _error(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc), exc.field)


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0]
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    field = ".".join(location) or "body"
    message = first.get("msg", "invalid")
    if first.get("type") == "json_invalid":
        field, message = "body", "not valid JSON"
    elif isinstance(first.get("input"), str | int | float | bool):
        message = f"{message} (got {_shown(first['input'])})"
    return _error(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{field}: {message}", field)


def _shown(value: object) -> str:
    """A client's value as ASCII (lone surrogates and NULs escaped), cut to a readable size."""
    shown = ascii(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


# FastAPI's own answer to a body it cannot decode (bytes that are not UTF-8, nesting too deep).
UNPARSABLE_BODY = "There was an error parsing the body"


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == status.HTTP_400_BAD_REQUEST and exc.detail == UNPARSABLE_BODY:
        return _error(exc.status_code, "body: not valid JSON in UTF-8", "body")
    return _error(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API on the database `settings.database_url` (migrated to head on start)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Touchline host API",
        version=__version__,
        description="Sideline units post session summaries; staff read weekly injury risk.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        default_response_class=AsciiJSONResponse,
    )
    engine = engine_for(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    app.state.rate_limiter = RateLimiter(
        settings.rate_limit_per_minute, max_keys=settings.rate_limit_max_clients
    )
    for module in (devices, sessions, models, risk, health):
        app.include_router(module.router, prefix=PREFIX)
    from host.web.pages import router as web_pages  # here: host.web reads host.api's routes

    app.include_router(web_pages)  # the staff pages, outside the API's prefix
    # The decorator form: add_exception_handler's hint wants handlers of any Exception.
    app.exception_handler(SummaryError)(_summary_error)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(StarletteHTTPException)(_http_error)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.trusted_proxies:
        # Only then is X-Forwarded-For believed, and only from those peers (uvicorn's own
        # middleware), so the rate limits key on the client behind the proxy.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app
