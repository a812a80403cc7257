"""`edge record`: run a training session from first packet to stored, queued summaries.

Packets from every transport go through the shared pipeline (`edge.stream`) and, about
once a second, the raw frames and new events are committed to the store in one
transaction. The session ends when its duration is up, when the sensors' source ends,
or when staff press Ctrl-C (or systemd stops the service): the last windows are scored,
one summary per athlete is validated and stored together with its outbox entry, and the
session is closed. A full disk stops recording with a clear message and keeps everything
committed. A session cut short by a crash or `kill -9` stays readable and is closed
later with `close_session`, which re-runs its stored frames through the same pipeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge.config import EdgeConfig
from edge.events import ActionEvent
from edge.infer import ActionModel
from edge.outbox import Outbox, SyncError
from edge.packets import Packet, SensorRole
from edge.store import EventRow, SensorRow, Store, StoreError, StoreFullError
from edge.stream import SessionProcessor
from edge.summary import build_summary
from edge.transports.base import LinkStatus, Transport

Observer = Callable[[SessionProcessor, list[LinkStatus], float], None]


@dataclass
class RecordResult:
    """What a recording produced."""

    session_id: str
    packets: int = 0
    events: int = 0
    session_s: float = 0.0
    wall_s: float = 0.0
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    stopped_by: str = "end of data"
    disk_full: bool = False


def new_session_id(now: datetime | None = None) -> str:
    """Sortable and unique per sideline: `20260314T1830-3f9a`."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:4]}"


async def _merge(transports: list[Transport]) -> AsyncIterator[Packet]:
    """Packets of several transports as they come, until all end."""
    if len(transports) == 1:
        async for packet in transports[0].packets():
            yield packet
        return
    queue: asyncio.Queue[Packet | None] = asyncio.Queue(maxsize=4096)

    async def pump(transport: Transport) -> None:
        try:
            async for packet in transport.packets():
                await queue.put(packet)
        finally:
            await queue.put(None)

    tasks = [asyncio.create_task(pump(t)) for t in transports]
    running = len(tasks)
    try:
        while running:
            item = await queue.get()
            if item is None:
                running -= 1
            else:
                yield item
    finally:
        for task in tasks:
            task.cancel()


class _Recorder:
    """Feeds packets to the pipeline and commits frames and events every second."""

    def __init__(
        self, store: Store, session_id: str, processor: SessionProcessor, commit_every_s: float
    ) -> None:
        self.store = store
        self.session_id = session_id
        self.processor = processor
        self.commit_every_s = commit_every_s
        self.frames: dict[str, list[tuple[float, bytes]]] = defaultdict(list)
        self.events: list[EventRow] = []
        self.next_commit_s: float | None = None
        self.packets = 0
        self.event_count = 0
        self.latest_s = 0.0

    def take(self, packet: Packet) -> None:
        self.processor.feed(packet)
        self.frames[packet.address].append((packet.arrival_s, packet.data))
        self.packets += 1
        self.latest_s = max(self.latest_s, packet.arrival_s)
        if self.next_commit_s is None:
            self.next_commit_s = packet.arrival_s + self.commit_every_s
        if packet.arrival_s >= self.next_commit_s:
            self.commit()
            self.next_commit_s = packet.arrival_s + self.commit_every_s

    def commit(self, final: bool = False) -> None:
        new = self.processor.advance(final=final)
        self.events += [_event_row(a, e) for a, e in new]
        self.event_count += len(new)
        self.store.write_batch(self.session_id, dict(self.frames), self.events)
        self.frames.clear()
        self.events = []


def _event_row(athlete_id: str, event: ActionEvent) -> EventRow:
    return EventRow(athlete_id, event.label, event.t_s, event.score, event.impact)


async def record(
    config: EdgeConfig,
    roles: list[SensorRole],
    transports: list[Transport],
    model: ActionModel,
    store: Store,
    *,
    session_id: str | None = None,
    duration_s: float | None = None,
    stop: asyncio.Event | None = None,
    observer: Observer | None = None,
    observe_every_s: float = 0.5,
) -> RecordResult:
    """Record one session; return when it is over and its summaries are queued."""
    session_id = session_id or new_session_id()
    stop = stop or asyncio.Event()
    started_at = datetime.now(UTC)
    store.begin_session(session_id, config.record.session_type, model.version)
    for role in roles:
        store.add_sensor(
            session_id, SensorRow(role.address, role.athlete_id, role.site, None, role.protocol)
        )
    processor = SessionProcessor(roles, model, config.record, config.events)
    recorder = _Recorder(store, session_id, processor, config.record.commit_every_s)
    result = RecordResult(session_id)
    wall_start = time.monotonic()
    last_observed = -1e9
    for transport in transports:
        await transport.open()
    sync_stop = asyncio.Event()
    syncing = asyncio.create_task(sync_in_background(config, store.path, sync_stop))
    try:
        async for packet in _merge(transports):
            recorder.take(packet)
            if observer and time.monotonic() - last_observed >= observe_every_s:
                last_observed = time.monotonic()
                observer(processor, _statuses(transports), recorder.latest_s)
            if duration_s is not None and packet.arrival_s >= duration_s:
                result.stopped_by = "duration reached"
                break
            if stop.is_set():
                result.stopped_by = "stopped by staff"
                break
        recorder.commit(final=True)
    except StoreFullError as exc:
        result.stopped_by = str(exc)
        result.disk_full = True
    finally:
        sync_stop.set()
        for transport in transports:
            await transport.close()
        await syncing
    result.packets, result.events = recorder.packets, recorder.event_count
    result.session_s = recorder.latest_s
    result.wall_s = time.monotonic() - wall_start
    if observer:
        observer(processor, _statuses(transports), recorder.latest_s)
    if not result.disk_full:  # with a full disk the session stays open, to close later
        result.summaries = finish_session(
            store, session_id, processor, started_at, config.record.session_type, config.device_id
        )
    return result


async def sync_in_background(config: EdgeConfig, store_path: Path, stop: asyncio.Event) -> None:
    """Post the outbox every `sync.every_s` while recording, when a host is paired.

    Runs in a worker thread with its own store connection, so a slow or absent network
    never holds up the recorder; failures wait for the next round (the outbox keeps its
    own backoff per item)."""
    if not (config.sync.auto and config.host_url and config.device_token):
        return

    def once() -> None:
        try:
            with Store(store_path) as store:
                outbox = Outbox(store, config.host_url, config.device_token, config.sync)
                try:
                    outbox.sync()
                finally:
                    outbox.close()
        except (SyncError, StoreError):
            pass  # shown by `edge status` / `edge sync`; recording goes on

    while not stop.is_set():
        await asyncio.to_thread(once)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=config.sync.every_s)


def _statuses(transports: Iterable[Transport]) -> list[LinkStatus]:
    return [status for transport in transports for status in transport.status()]


def finish_session(
    store: Store,
    session_id: str,
    processor: SessionProcessor,
    started_at: datetime,
    session_type: str,
    device_id: str | None,
) -> dict[str, dict[str, Any]]:
    """Build, validate, store and queue one summary per athlete; close the session."""
    summaries = {}
    for athlete_id in processor.athletes:
        revision = store.next_revision(session_id, athlete_id)
        summary = build_summary(
            processor,
            athlete_id,
            session_id=session_id,
            revision=revision,
            started_at=started_at,
            session_type=session_type,
            device_id=device_id,
        )
        store.save_summary(session_id, athlete_id, revision, json.dumps(summary))
        summaries[athlete_id] = summary
    store.end_session(session_id)
    return summaries


def reprocess_stored(
    store: Store, session_id: str, model: ActionModel, config: EdgeConfig
) -> SessionProcessor:
    """Run a stored session's raw frames through the pipeline again (newer model, or a
    session cut short); the session's events are replaced by the new ones."""
    roles = [
        SensorRole(s.address, s.athlete_id, s.site, s.protocol) for s in store.sensors(session_id)
    ]
    processor = SessionProcessor(roles, model, config.record, config.events)
    events: list[EventRow] = []
    for count, frame in enumerate(store.frames(session_id), 1):
        processor.feed(Packet(frame.address, frame.data, frame.arrival_s))
        if count % 500 == 0:
            events += [_event_row(a, e) for a, e in processor.advance()]
    events += [_event_row(a, e) for a, e in processor.advance(final=True)]
    store.replace_events(session_id, events)
    return processor


def close_session(
    store: Store, session_id: str, model: ActionModel, config: EdgeConfig
) -> dict[str, dict[str, Any]]:
    """Close a session left open by a crash: re-process what was stored, then summarise."""
    row = store.session(session_id)
    if row is None:
        raise KeyError(session_id)
    processor = reprocess_stored(store, session_id, model, config)
    started_at = datetime.fromisoformat(row.started_at)
    return finish_session(store, session_id, processor, started_at, row.type, config.device_id)


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Ctrl-C and systemd's SIGTERM end the session cleanly instead of killing it."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
