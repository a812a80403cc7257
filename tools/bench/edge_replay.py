"""Benchmark: the sideline pipeline end to end, as a multiple of real time, its memory,
and what the sideline page costs beside it.

    python tools/bench/edge_replay.py --bundle BUNDLE [--athletes 4] [--minutes 10]
    python tools/bench/edge_replay.py --bundle BUNDLE --athletes 2 --minutes 120 --memory
    python tools/bench/edge_replay.py --bundle BUNDLE --athletes 25 --minutes 2 --page 4

A virtual squad (edge.sim players, waist + calf IMUs at 100 Hz, GPS 10 Hz, HR 1 Hz,
drifting clocks, 2 % frame loss) is generated first, then timed through:
  decode only   firmware_bridge.decode_frame on every packet (the baseline: the least any
                pipeline must do)
  pipeline      edge.stream.SessionProcessor: decode, clock sync, ring buffers, 6 s windows
                every 0.5 s, drop rules, the bundle's model (onnxruntime, one thread),
                events with NMS and impact, loads — what `edge record` runs
Prints each as × real time and as IMU streams (100 Hz) handled in real time on one core,
and the pipeline's cost relative to decoding. With --memory the session is streamed
segment by segment (never held whole) and the process's resident memory is printed every
10 simulated minutes: flat means bounded buffers.

With --page CLIENTS the same session is replayed twice in this process at real time (each
packet fed when its arrival time comes, as `edge record` receives them): first without
the page, then with it, as `edge record --web-port` runs it: the board fed by the observer
every 0.5 s, uvicorn in its own thread, and CLIENTS server-sent-event streams reading it
(curl processes, as the tablets are other machines). The real-time budget is one core for
the session's duration; printed are each run's CPU time as a share of it, their ratio, and
the page's share: the difference of the two runs, and the page's own work measured
directly (board builds in the recording thread plus the server thread's CPU time), which
the machine's other load disturbs less.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from edge.bundle import read_bundle  # noqa: E402
from edge.config import EdgeConfig  # noqa: E402
from edge.infer import ActionModel  # noqa: E402
from edge.replay import run_pipeline  # noqa: E402
from edge.stream import Packet, SessionProcessor  # noqa: E402
from edge.transports.virtual import SquadSpec, VirtualAddressError, VirtualSquad  # noqa: E402
from edge.web.app import VIEW_COOKIE, Access, create_app  # noqa: E402
from edge.web.board import LiveBoard  # noqa: E402
from edge.web.server import PageServer  # noqa: E402
from firmware_bridge.errors import FrameError  # noqa: E402
from firmware_bridge.frame import decode_frame  # noqa: E402

OBSERVE_EVERY_S = 0.5  # edge record calls its observers (table, page) this often
CLIENTS_CONNECT_S = 1.0  # time given to the SSE clients to connect before timing


def rss_mib() -> float:
    """Resident memory of this process (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def squad(athletes: int, minutes: float, seed: int) -> VirtualSquad:
    return VirtualSquad(
        SquadSpec.from_address(
            f"virtual://squad?athletes={athletes}&duration_s={minutes * 60}&loss=0.02&seed={seed}"
        )
    )


def speed(athletes: int, minutes: float, seed: int, model: ActionModel) -> None:
    generator = squad(athletes, minutes, seed)
    packets = list(generator.packets())
    session_s = packets[-1].arrival_s
    imu_streams = 2 * athletes

    started = time.perf_counter()
    for packet in packets:
        try:
            decode_frame(packet.data)
        except FrameError:
            pass
    decode_s = time.perf_counter() - started

    config = EdgeConfig()
    processor = SessionProcessor(generator.spec.roles(), model, config.record, config.events)
    _, _, pipeline_s = run_pipeline(processor, iter(packets))
    windows = sum(a.windows_total for a in processor.athletes.values())

    print(
        f"{athletes} athletes × {minutes:g} min: {len(packets)} packets, {windows} windows, "
        f"{imu_streams} IMU streams at 100 Hz"
    )
    for name, seconds in (("decode only", decode_s), ("pipeline", pipeline_s)):
        factor = session_s / seconds
        print(
            f"  {name:12s} {seconds:7.2f} s  {factor:8.1f}× real time  "
            f"= {factor * imu_streams:7.0f} IMU streams in real time on one core"
        )
    print(f"  pipeline / decode-only time: {pipeline_s / decode_s:.1f}")
    print(f"  per window (all stages): {1e3 * pipeline_s / max(1, windows):.3f} ms")


def memory(athletes: int, minutes: float, seed: int, model: ActionModel) -> None:
    generator = squad(athletes, minutes, seed)
    config = EdgeConfig()
    processor = SessionProcessor(generator.spec.roles(), model, config.record, config.events)
    marks: list[tuple[float, float]] = []
    next_mark = 600.0

    def progress(t: float) -> None:
        nonlocal next_mark
        if t >= next_mark:
            marks.append((t, rss_mib()))
            next_mark += 600.0

    run_pipeline(processor, generator.packets(), progress)
    print(f"{athletes} athletes × {minutes:g} min, resident memory every 10 simulated min:")
    for t, mib in marks:
        print(f"  {t / 60:6.0f} min  {mib:7.1f} MiB")
    if len(marks) >= 2:
        print(f"  growth from the first mark to the last: {marks[-1][1] - marks[0][1]:+.1f} MiB")


def paced(
    packets: list[Packet], observe: Callable[[float], None] | None = None
) -> Iterator[Packet]:
    """The packets at their arrival times, as a recording receives them, with `observe`
    called every OBSERVE_EVERY_S of session as `edge record` calls its observers."""
    start = time.perf_counter()
    next_observed = OBSERVE_EVERY_S
    for packet in packets:
        ahead = packet.arrival_s - (time.perf_counter() - start)
        if ahead > 0.001:
            time.sleep(ahead)
        if observe is not None and packet.arrival_s >= next_observed:
            observe(packet.arrival_s)
            next_observed += OBSERVE_EVERY_S
        yield packet


@dataclass
class PagedRun:
    """CPU seconds of one real-time replay: the whole process, and the page's own parts."""

    cpu_s: float
    wall_s: float
    board_s: float = 0.0
    boards: int = 0
    board_bytes: int = 0
    server_s: float = 0.0


def real_time_run(
    generator: VirtualSquad, packets: list[Packet], model: ActionModel, clients: int
) -> PagedRun:
    """Replay `packets` at real time; with `clients` > 0, serve the page to that many."""
    config = EdgeConfig()
    processor = SessionProcessor(generator.spec.roles(), model, config.record, config.events)
    if clients == 0:
        cpu, wall = time.process_time(), time.perf_counter()
        run_pipeline(processor, paced(packets))
        return PagedRun(time.process_time() - cpu, time.perf_counter() - wall)

    board = LiveBoard("bench")
    result = PagedRun(0.0, 0.0)

    def observe(session_s: float) -> None:
        started = time.thread_time()
        board(processor, [], session_s)
        result.board_s += time.thread_time() - started
        result.boards += 1

    access = Access()
    with tempfile.TemporaryDirectory() as folder:
        # Nobody marks drills here, so the store is never opened.
        app = create_app(board, Path(folder) / "edge.sqlite", access=access)
        before = set(threading.enumerate())
        with PageServer(app, "127.0.0.1", 0) as server:
            (thread,) = set(threading.enumerate()) - before
            assert thread.ident is not None  # started, so it has one
            server_clock = time.pthread_getcpuclockid(thread.ident)
            cookie = f"{VIEW_COOKIE}={access.view_key}"
            url = f"http://127.0.0.1:{server.port}/events"
            readers = [
                subprocess.Popen(["curl", "-sN", "-o", os.devnull, "-b", cookie, url])
                for _ in range(clients)
            ]
            try:
                time.sleep(CLIENTS_CONNECT_S)
                server0 = time.clock_gettime(server_clock)
                cpu, wall = time.process_time(), time.perf_counter()
                run_pipeline(processor, paced(packets, observe))
                result.cpu_s = time.process_time() - cpu
                result.wall_s = time.perf_counter() - wall
                result.server_s = time.clock_gettime(server_clock) - server0
                result.board_bytes = len(board.read()[1])
                alive = sum(reader.poll() is None for reader in readers)
            finally:
                for reader in readers:
                    reader.terminate()
                    reader.wait()
    if alive < clients:
        raise SystemExit(f"--page: only {alive} of {clients} SSE clients stayed connected")
    return result


def page_cost(athletes: int, minutes: float, seed: int, model: ActionModel, clients: int) -> None:
    generator = squad(athletes, minutes, seed)
    packets = list(generator.packets())
    session_s = packets[-1].arrival_s
    print(
        f"{athletes} athletes × {minutes:g} min replayed at real time ({session_s:.1f} s of "
        f"session), twice: without the page, then with it and {clients} SSE clients"
    )
    without = real_time_run(generator, packets, model, 0)
    paged = real_time_run(generator, packets, model, clients)
    for name, run in (("without page", without), ("with page", paged)):
        print(
            f"  {name:12s} CPU {run.cpu_s:6.2f} s in {run.wall_s:6.1f} s wall "
            f"= {100 * run.cpu_s / session_s:5.2f} % of the real-time budget (one core)"
        )
    own = paged.board_s + paged.server_s
    print(f"  with / without CPU time: {paged.cpu_s / without.cpu_s:.3f}")
    print(
        f"  page's share of the real-time budget: "
        f"{100 * (paged.cpu_s - without.cpu_s) / session_s:.2f} % by difference, "
        f"{100 * own / session_s:.2f} % measured in its own work"
    )
    print(
        f"    board builds {paged.board_s:.2f} s ({paged.boards} × "
        f"{1e3 * paged.board_s / max(1, paged.boards):.2f} ms, {paged.board_bytes} bytes), "
        f"server thread {paged.server_s:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, required=True, help="model bundle dir or .tar.gz")
    parser.add_argument("--athletes", type=int, default=4)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--memory", action="store_true", help="stream and track memory")
    parser.add_argument(
        "--page",
        type=int,
        default=0,
        metavar="CLIENTS",
        help="replay at real time without and with the sideline page read by CLIENTS browsers",
    )
    args = parser.parse_args()
    if args.page and args.memory:
        parser.error("--page and --memory measure different runs: give one")
    if args.page < 0:
        parser.error(f"--page: a number of SSE clients from 1 is expected (got {args.page})")
    if args.page and shutil.which("curl") is None:
        parser.error("--page: curl is needed for the SSE clients (apt-get install curl)")
    bundle = read_bundle(args.bundle)
    model = ActionModel.from_bundle(bundle)
    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} cpus; model {bundle.manifest.version}"
    )
    try:
        if args.memory:
            memory(args.athletes, args.minutes, args.seed, model)
        elif args.page:
            page_cost(args.athletes, args.minutes, args.seed, model, args.page)
        else:
            speed(args.athletes, args.minutes, args.seed, model)
    except VirtualAddressError as exc:
        parser.error(f"--athletes/--minutes: {exc}")


if __name__ == "__main__":
    main()
