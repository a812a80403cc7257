#!/usr/bin/env python3
"""The end-to-end demo behind `make demo`, on the embedded defaults.

A small synthetic squad → data check → train the paper's model → evaluate → distil the
sideline student → export a bundle → host API on loopback (SQLite) → the sideline pairs
a virtual squad, records a session with the live table, syncs its summaries → the squad's
injury risk for next week → HTML reports. Every step runs the real `touchline` and `edge`
commands, so what the demo shows is what a club runs.

    python tools/demo.py [--out demo-out] [--seed 7] [--quick]

Everything is written under --out; nothing outside it is touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

BIN = Path(sys.executable).parent
console = Console()


class DemoError(RuntimeError):
    """A demo step failed; the message names the step and the command."""


def run(step: str, *args: str, env: dict[str, str], capture: bool = False) -> str:
    """Run one product command, showing its output; stop the demo if it fails."""
    console.rule(f"[bold]{step}")
    console.print(f"[dim]$ {' '.join(args)}[/dim]")
    result = subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        env=env,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    if capture and result.stdout:
        console.print(result.stdout.rstrip(), highlight=False, markup=False)
    if result.returncode != 0:
        raise DemoError(f"step '{step}' failed (exit {result.returncode}): {' '.join(args)}")
    return result.stdout or ""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise DemoError(f"the host API exited with code {server.returncode}; see its log")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise DemoError(f"the host API did not answer on {url} within {timeout_s:.0f} s")


def demo(out: Path, seed: int, quick: bool) -> dict[str, Path]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    data, run_dir, bundle = out / "data", out / "run", out / "bundle"
    env = {
        **os.environ,
        "TOUCHLINE_EDGE_CONFIG": str(out / "edge.toml"),
        "TOUCHLINE_DATABASE_URL": f"sqlite:///{(out / 'host.db').resolve()}",
        "TOUCHLINE_BUNDLE_DIR": str(out / "host-bundles"),
        # The club's signing key: made by the export, handed to the sideline when it pairs.
        "TOUCHLINE_KEY_DIR": str(out / "host-keys"),
    }
    (out / "edge.toml").write_text(f'data_dir = "{(out / "edge-data").resolve()}"\n')
    epochs, student_epochs, record_s = ("3", "4", "60") if quick else ("12", "15", "300")
    size = "tiny" if quick else "small"
    # The virtual squad wears the ids of the simulated squad's first four players, so the
    # sessions it syncs join their history on the host.
    squad = "virtual://squad?athletes=4&ids=A001,A002,A003,A004"

    run(
        "Simulate a squad (synthetic)",
        "touchline",
        "synth",
        str(data),
        "--size",
        size,
        "--seed",
        str(seed),
        env=env,
    )
    run("Check the dataset", "touchline", "data", "check", str(data), env=env)
    run(
        "Train the paper's multimodal model",
        "touchline",
        "train",
        "--data",
        str(data),
        "--out",
        str(run_dir),
        "--epochs",
        epochs,
        "--seed",
        str(seed),
        env=env,
    )
    run(
        "Evaluate on athletes and weeks it never saw",
        "touchline",
        "evaluate",
        str(run_dir),
        env=env,
    )
    run(
        "Distil the sideline student",
        "touchline",
        "distill",
        str(run_dir),
        "--epochs",
        student_epochs,
        "--seed",
        str(seed),
        env=env,
    )
    run(
        "Export the model bundle",
        "touchline",
        "export",
        str(run_dir),
        "--out",
        str(bundle),
        env=env,
    )
    run(
        "Report on the run",
        "touchline",
        "report",
        str(run_dir),
        "--out",
        str(out / "run-report.html"),
        env=env,
    )

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    console.rule("[bold]Start the host API")
    log = (out / "host-api.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "touchline"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        wait_healthy(url, server)
        console.print(f"host API on {url} (docs at {url}/api/v1/docs)")
        code = (
            run(
                "Create a pairing code for the sideline",
                "touchline",
                "token",
                "create",
                "--role",
                "device",
                "--device",
                "sideline-demo",
                env=env,
                capture=True,
            )
            .strip()
            .splitlines()[-1]
        )
        run(
            "Pair the sideline with the host",
            "edge",
            "pair",
            "--host",
            url,
            "--code",
            code,
            env=env,
        )
        run("Pair a virtual squad of 4 athletes", "edge", "pair", "--address", squad, env=env)
        run(
            "Install the exported bundle on the sideline",
            "edge",
            "models",
            "install",
            f"{bundle}.tar.gz",
            env=env,
        )
        run(
            f"Record {record_s} s of training with live action detection",
            "edge",
            "record",
            "--simulate",
            squad,
            "--duration",
            record_s,
            env=env,
        )
        run("Sync session summaries to the host", "edge", "sync", env=env)
        run("Sideline status", "edge", "status", env=env)
        run(
            "Next week's injury risk for the squad (synthetic)",
            "touchline",
            "risk",
            "--week",
            "9",
            "--data",
            str(data),
            env=env,
        )
        run(
            "Squad report",
            "touchline",
            "report",
            "--week",
            "9",
            "--out",
            str(out / "squad-report.html"),
            env=env,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return {
        "synthetic dataset": data,
        "training run (checkpoints, metrics, evaluation)": run_dir,
        "model bundle": Path(f"{bundle}.tar.gz"),
        "run report": out / "run-report.html",
        "squad risk report": out / "squad-report.html",
        "host database (SQLite)": out / "host.db",
        "sideline store and config": out / "edge-data",
        "host API log": out / "host-api.log",
        "club signing key (private)": out / "host-keys",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("demo-out"), help="output directory")
    parser.add_argument("--seed", type=int, default=7, help="seed of every step")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny squad, few epochs, one minute of recording (a smoke run)",
    )
    args = parser.parse_args()
    started = time.monotonic()
    try:
        outputs = demo(args.out, args.seed, args.quick)
    except DemoError as exc:
        console.print(f"[red]demo stopped:[/red] {exc}")
        return 1
    table = Table("output", "where", title=f"Demo finished in {time.monotonic() - started:.0f} s")
    for what, path in outputs.items():
        table.add_row(what, str(path))
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
