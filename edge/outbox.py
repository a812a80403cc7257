"""Posting stored summaries to the host until it acknowledges each one, exactly once.

Every summary enters the outbox in the same transaction that stores it, keyed by
`session/athlete/revision`. `Outbox.sync` posts what is due with that key as the
`Idempotency-Key` header and the device token; an acknowledgement (200/201, or 409: the
host already holds a newer revision) marks the item sent in the store, so it is never
posted again, even after a restart. If the sideline dies between the host's answer and
that mark, the next post carries the same key and the host ignores it (contract 5).

Network trouble, timeouts, 408/429 and 5xx are retried with exponential backoff and
jitter; any other 4xx (a body the host refuses, a session this device may not post)
means the host will never take it, so the item is set aside as rejected with the host's
reason (kept in the store, shown by `edge status`). A refused token (401) stops the run
without touching the items: re-pair and sync again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from edge.backoff import Backoff
from edge.config import SyncSettings
from edge.store import OutboxItem, Store
from firmware_bridge.errors import UserError

SESSIONS_PATH = "/api/v1/sessions"
ACKNOWLEDGED = {200, 201, 409}
RETRYABLE = {408, 425, 429}


class SyncError(UserError):
    """Sync cannot run at all: no host configured, or the host refused the device token."""


@dataclass(frozen=True)
class SyncReport:
    sent: int
    rejected: int
    retrying: int
    pending: int


class Outbox:
    """Drains the store's outbox to the host's `POST /api/v1/sessions`."""

    def __init__(
        self,
        store: Store,
        host_url: str | None,
        token: str | None,
        settings: SyncSettings | None = None,
        client: httpx.Client | None = None,
        now: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        if not host_url:
            raise SyncError("no host configured: run `edge pair --host URL --code CODE` first")
        if not token:
            raise SyncError(f"no device token for {host_url}: run `edge pair --host URL --code`")
        self.store = store
        self.settings = settings or SyncSettings()
        self.url = host_url.rstrip("/") + SESSIONS_PATH
        self.token = token
        self._client = client or httpx.Client(timeout=self.settings.timeout_s)
        self._now = now
        self._backoff = Backoff(
            self.settings.backoff_initial_s, self.settings.backoff_max_s, rng=rng or random.Random()
        )

    def close(self) -> None:
        self._client.close()

    def sync(self) -> SyncReport:
        """Post every item that is due once; return what happened."""
        sent = rejected = retrying = 0
        for item in self.store.outbox_due(self._now()):
            outcome = self._post(item)
            sent += outcome == "sent"
            rejected += outcome == "rejected"
            retrying += outcome == "retry"
        pending = self.store.outbox_counts()["pending"]
        return SyncReport(sent=sent, rejected=rejected, retrying=retrying, pending=pending)

    def _post(self, item: OutboxItem) -> str:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Idempotency-Key": item.idempotency_key,
            "Content-Type": "application/json",
        }
        try:
            response = self._client.post(self.url, content=item.body, headers=headers)
        except httpx.HTTPError as exc:
            return self._retry(item, f"{type(exc).__name__}: {exc}")
        status = response.status_code
        if status in ACKNOWLEDGED:
            self.store.mark_sent(item.id)
            return "sent"
        reason = f"HTTP {status}: {_detail(response)}"
        if status == 401:
            raise SyncError(
                f"host {self.url} refused the device token ({reason}); "
                "pair again with `edge pair --host URL --code CODE`"
            )
        if status in RETRYABLE or status >= 500:
            return self._retry(item, reason)
        self.store.mark_rejected(item.id, reason)
        return "rejected"

    def _retry(self, item: OutboxItem, reason: str) -> str:
        next_at = self._now() + self._backoff.delay(item.attempts)
        self.store.mark_retry(item.id, next_at, reason)
        return "retry"


def _detail(response: httpx.Response) -> str:
    """The host's JSON error message (`message`, or FastAPI's `detail`), else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    for key in ("message", "detail"):
        if isinstance(body, dict) and key in body:
            return str(body[key])[:200]
    return str(body)[:200]
