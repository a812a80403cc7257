"""The one interface every sensor transport implements, and the reconnect loop they share.

A `Transport` delivers `Packet`s (raw frame bytes, sender address, arrival time on the
session clock) from one or more sensors: `open()`, iterate `packets()`, `close()`, and
`status()` for the live view. Real links (BLE, serial) are `Link`s — connect, read,
disconnect — driven by `run_link`, which reconnects with exponential backoff and jitter
whenever a link is lost, so a sensor that drops out comes back and the session goes on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol

from edge.backoff import Backoff
from edge.packets import Packet
from firmware_bridge.errors import TouchlineError


class LinkLost(TouchlineError):
    """The device went away (unplugged, out of range, adapter reset)."""


@dataclass
class LinkStatus:
    """What the live view and `edge status` show per sensor."""

    address: str
    connected: bool = False
    connects: int = 0
    reconnects: int = 0
    packets: int = 0
    last_error: str | None = None
    next_retry_s: float | None = None


class Transport(Protocol):
    """A source of packets from one or more sensors."""

    async def open(self) -> None:
        """Start connecting; returns once the transport is running."""

    def packets(self) -> AsyncIterator[Packet]:
        """Packets as they arrive, until the transport is closed or its source ends."""

    async def close(self) -> None:
        """Stop and release every device."""

    def status(self) -> list[LinkStatus]:
        """One entry per sensor address."""


class Link(Protocol):
    """One connection to one physical device."""

    address: str

    async def connect(self) -> None:
        """Open the device; raise LinkLost (or OSError) when it is not there."""

    async def read(self) -> list[bytes]:
        """Frames received since the last call (waits for at least one); LinkLost on loss."""

    async def disconnect(self) -> None:
        """Release the device; never raises."""


async def run_link(
    link: Link,
    deliver: Callable[[Packet], None],
    status: LinkStatus,
    backoff: Backoff,
    clock: Callable[[], float],
    stop: asyncio.Event,
) -> None:
    """Read a link until `stop`, reconnecting with backoff whenever it is lost."""
    failures = 0
    while not stop.is_set():
        try:
            await link.connect()
        except (LinkLost, OSError, TimeoutError) as exc:
            failures += 1
            status.last_error = f"connect: {exc}"
            await _wait(stop, backoff.delay(failures - 1), status)
            continue
        status.connected = True
        status.connects += 1
        if status.connects > 1:
            status.reconnects += 1
        status.next_retry_s = None
        failures = 0
        try:
            while not stop.is_set():
                read = asyncio.ensure_future(link.read())
                stopped = asyncio.ensure_future(stop.wait())
                done, _ = await asyncio.wait({read, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if read not in done:
                    read.cancel()
                    break
                stopped.cancel()
                arrival = clock()
                for data in read.result():
                    status.packets += 1
                    deliver(Packet(link.address, data, arrival))
        except (LinkLost, OSError) as exc:
            status.last_error = f"lost: {exc}"
        finally:
            status.connected = False
            await link.disconnect()
        if not stop.is_set():
            await _wait(stop, backoff.delay(0), status)


async def _wait(stop: asyncio.Event, delay_s: float, status: LinkStatus) -> None:
    status.next_retry_s = delay_s
    try:
        await asyncio.wait_for(stop.wait(), timeout=delay_s)
    except TimeoutError:
        pass


@dataclass
class LinkTransport:
    """A transport over several real links (BLE or serial), merged into one packet stream."""

    links: list[Link]
    backoff: Backoff
    session_clock: Callable[[], float] = field(default_factory=lambda: time.monotonic)
    _queue: asyncio.Queue[Packet] = field(default_factory=asyncio.Queue)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _status: dict[str, LinkStatus] = field(default_factory=dict)

    async def open(self) -> None:
        for link in self.links:
            status = self._status.setdefault(link.address, LinkStatus(link.address))
            self._tasks.append(
                asyncio.create_task(
                    run_link(
                        link,
                        self._queue.put_nowait,
                        status,
                        self.backoff,
                        self.session_clock,
                        self._stop,
                    )
                )
            )

    async def packets(self) -> AsyncIterator[Packet]:
        while not (self._stop.is_set() and self._queue.empty()):
            getter = asyncio.ensure_future(self._queue.get())
            stopped = asyncio.ensure_future(self._stop.wait())
            done, _ = await asyncio.wait({getter, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                stopped.cancel()
                yield getter.result()
            else:
                getter.cancel()

    async def close(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    def status(self) -> list[LinkStatus]:
        return list(self._status.values())
