"""Request limits: body size (checked while reading, so a lying Content-Length cannot get
past) and a per-token request rate."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from firmware_bridge.errors import TouchlineError


class BodyTooLarge(TouchlineError):
    """Raised inside the app's receive to unwind it; the middleware answers 413 instead."""


class BodySizeLimit:
    """ASGI middleware answering 413 to any body over `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "message": f"body: larger than the limit of {self.max_bytes} bytes",
                "field": "body",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class RateLimiter:
    """Token bucket per key: `per_minute` requests, refilled continuously.

    Memory stays bounded: a bucket that has refilled to full is the same as no bucket and
    is dropped, and beyond `max_keys` the least recently seen key is dropped first.
    """

    def __init__(
        self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000
    ) -> None:
        self.capacity = float(per_minute)
        self.refill_per_s = per_minute / 60.0
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[object, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._buckets)

    def retry_after(self, key: object) -> float:
        """Take one request for `key`: 0 when allowed, else seconds until one is."""
        now = self.clock()
        with self._lock:
            level = self._level(self._buckets.pop(key, (self.capacity, now)), now)
            allowed = level >= 1.0
            self._buckets[key] = (level - 1.0 if allowed else level, now)
            self._evict(now)
            return 0.0 if allowed else (1.0 - level) / self.refill_per_s

    def _level(self, bucket: tuple[float, float], now: float) -> float:
        level, last = bucket
        return min(self.capacity, level + (now - last) * self.refill_per_s)

    def _evict(self, now: float) -> None:
        """Drop least recently seen buckets that are full again, and any beyond max_keys."""
        while self._buckets:
            oldest = next(iter(self._buckets))
            if (
                len(self._buckets) > self.max_keys
                or self._level(self._buckets[oldest], now) >= self.capacity
            ):
                del self._buckets[oldest]
            else:
                return
