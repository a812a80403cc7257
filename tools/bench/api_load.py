"""Benchmark: session summaries the host API accepts per second, with no loss, on loopback.

    python tools/bench/api_load.py [--summaries 2000] [--clients 8] [--duplicates 0.2] [--db URL]

Starts the real server (uvicorn, one worker) on 127.0.0.1 with a fresh SQLite database in
a temporary directory (or --db, e.g. a PostgreSQL URL), pairs one device per client, and
has each client post its share of distinct summaries as fast as the server answers; a
`--duplicates` share of posts are repeats (the sideline re-sending after a network cut).
Then it checks every distinct summary is stored exactly once.

Baseline in the same run: GET /api/v1/health (no authentication, no database write) by
the same clients, so the ratio shows what validation, authentication and the idempotent
write cost on this machine. The per-token rate limit is raised for the run.
Bounded: a fixed number of requests, every request with a timeout, loopback only.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import uvicorn  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from host.api import create_app  # noqa: E402
from host.db.engine import engine_for, session_scope  # noqa: E402
from host.db.models import TrainingSession  # noqa: E402
from host.db.tokens import Role, create_token  # noqa: E402
from host.settings import Settings  # noqa: E402

SUMMARY = {
    "schema": 1,
    "session_id": "",
    "athlete_id": "",
    "revision": 1,
    "session": {
        "start": "2026-03-02T09:30:00+00:00",
        "end": "2026-03-02T11:00:00+00:00",
        "duration_s": 5400,
        "type": "training",
        "rpe": 6,
    },
    "sensors": [{"sensor_id": 12, "site": "calf"}, {"sensor_id": 13, "site": "waist"}],
    "quality": {"loss_pct": 0.4, "gaps": 1, "windows_total": 10000, "windows_dropped": 3},
    "actions": {
        "landing": {"n": 14, "impact_mean": 0.6},
        "sprint": {"n": 22, "impact_mean": 0.3},
        "change_of_direction": {"n": 31, "impact_mean": 0.4},
    },
    "load": {
        "player_load": 612.5,
        "accels": 31,
        "decels": 35,
        "distance_m": 6120.0,
        "hsr_m": 410.0,
        "sprints": 9,
        "impact_score": 10.2,
    },
    "heart_rate": {"mean_bpm": 141, "max_bpm": 187, "zones_s": [600, 1200, 1800, 1200, 600]},
    "model_version": "bench",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """uvicorn in a thread, stopped at the end of the run."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 30 s")
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


Job = tuple[str, str, dict | None, dict]


def run_clients(clients: int, work: list[list[Job]]) -> tuple[float, int]:
    """Each client runs its list of (method, url, json, headers); returns (seconds, failures)."""

    def one(jobs: list[Job]) -> int:
        failures = 0
        with httpx.Client(timeout=30) as client:
            for method, url, body, headers in jobs:
                answer = client.request(method, url, json=body, headers=headers)
                failures += answer.status_code >= 400
        return failures

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        failures = sum(pool.map(one, work))
    return time.perf_counter() - started, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summaries", type=int, default=2000, help="posts in total")
    parser.add_argument("--clients", type=int, default=8, help="concurrent sideline units")
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of re-sent posts")
    parser.add_argument("--db", default=None, help="database URL (default: temporary SQLite)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(
            database_url=url, bundle_dir=Path(tmp) / "bundles", rate_limit_per_minute=10_000_000
        )
        engine = engine_for(url)
        with session_scope(engine) as db:
            tokens = [
                create_token(db, Role.DEVICE, device_id=f"bench-{i}") for i in range(args.clients)
            ]
        per_client = args.summaries // args.clients
        distinct = int(per_client * (1 - args.duplicates))
        run_id = f"{os.getpid()}-{int(time.time())}"
        with Server(settings) as base:
            health = [
                [("GET", f"{base}/api/v1/health", None, {})] * per_client
                for _ in range(args.clients)
            ]
            posts = []
            for i, token in enumerate(tokens):
                jobs = []
                headers = {"Authorization": f"Bearer {token}"}
                for n in range(per_client):
                    body = copy.deepcopy(SUMMARY)
                    key = n % distinct  # the last posts re-send earlier summaries
                    body.update(session_id=f"{run_id}-c{i}-s{key}", athlete_id=f"p{key % 30:02d}")
                    jobs.append(("POST", f"{base}/api/v1/sessions", body, headers))
                posts.append(jobs)
            health_s, health_failures = run_clients(args.clients, health)
            post_s, post_failures = run_clients(args.clients, posts)
        with session_scope(engine) as db:
            stored = db.scalar(
                select(func.count())
                .select_from(TrainingSession)
                .where(TrainingSession.session_id.like(f"{run_id}-%"))
            )
    expected = distinct * args.clients
    total = per_client * args.clients
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, database {url.split(':')[0]}"
    )
    print(
        f"clients {args.clients}, posts {total} ({expected} distinct, {total - expected} re-sent)"
    )
    print(
        f"baseline GET /health : {total / health_s:8.0f} requests/s  (failures {health_failures})"
    )
    print(f"POST /sessions       : {total / post_s:8.0f} summaries/s  (failures {post_failures})")
    print(f"ratio POST / health  : {(total / post_s) / (total / health_s):.2f}")
    lost = expected - stored
    print(
        f"stored {stored} of {expected} distinct summaries: "
        f"{'no loss, no duplicates' if lost == 0 else f'{lost} MISSING or extra'}"
    )
    if lost or post_failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
