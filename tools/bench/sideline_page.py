"""Benchmark: what the sideline page costs beside a recording, as a share of one core's
real time (the recording's budget), with a squad on the page and browsers watching.

    python tools/bench/sideline_page.py --bundle BUNDLE [--athletes 25] [--clients 4]

A virtual squad is recorded for --session-s of session (as fast as it goes) to give the
pipeline a real state. Then, for --seconds of wall time, the board is fed from that state
twice a second (what `edge record` does), the page is served by uvicorn in its thread,
and --clients server-sent-event streams read it (separate processes, as the tablets are).
The CPU time of this process over that time, over the wall time, is the page's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from edge.bundle import read_bundle  # noqa: E402
from edge.config import EdgeConfig  # noqa: E402
from edge.infer import ActionModel  # noqa: E402
from edge.session import record  # noqa: E402
from edge.store import Store  # noqa: E402
from edge.transports.virtual import SquadSpec, VirtualSquadTransport  # noqa: E402
from edge.web.app import Access, create_app  # noqa: E402
from edge.web.board import LiveBoard  # noqa: E402
from edge.web.server import PageServer  # noqa: E402

OBSERVE_HZ = 2.0  # edge record's observer runs every 0.5 s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True)
    parser.add_argument("--athletes", type=int, default=25)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--session-s", type=float, default=120.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    model = ActionModel.from_bundle(read_bundle(args.bundle))
    address = f"virtual://squad?athletes={args.athletes}&duration_s={args.session_s}"
    with tempfile.TemporaryDirectory() as folder:
        config = EdgeConfig(data_dir=Path(folder))
        captured = []
        with Store(config.store_path) as store:
            asyncio.run(
                record(
                    config,
                    SquadSpec.from_address(address).roles(),
                    [VirtualSquadTransport(address)],
                    model,
                    store,
                    session_id="B1",
                    observer=lambda *state: captured.__setitem__(slice(None), state),
                )
            )
        processor, statuses, session_s = captured
        board = LiveBoard("B1")
        start = time.perf_counter()
        for _ in range(20):
            board(processor, statuses, session_s)
        build_ms = (time.perf_counter() - start) / 20 * 1000
        access = Access()
        server = PageServer(
            create_app(board, config.store_path, access=access), "127.0.0.1", 0
        ).start()
        base = f"http://127.0.0.1:{server.port}"
        clients = [
            subprocess.Popen(
                [
                    "curl",
                    "-sN",
                    "-o",
                    "/dev/null",
                    "-b",
                    f"touchline_view={access.view_key}",
                    f"{base}/events",
                ]
            )
            for _ in range(args.clients)
        ]
        stop = threading.Event()

        def feed() -> None:
            while not stop.wait(1 / OBSERVE_HZ):
                board(processor, statuses, session_s)

        time.sleep(1.0)  # clients connected
        feeder = threading.Thread(target=feed, daemon=True)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        feeder.start()
        time.sleep(args.seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        stop.set()
        feeder.join()
        for client in clients:
            client.terminate()
        server.stop()
    share = 100 * cpu / wall
    print(
        f"{args.athletes} athletes, {args.clients} SSE clients, board {len(board.read()[1])} "
        f"bytes: board build {build_ms:.2f} ms each ({OBSERVE_HZ:g}/s); page total "
        f"{cpu:.2f} s CPU in {wall:.1f} s = {share:.2f} % of one core's real time"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
