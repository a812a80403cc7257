"""`touchline --help` and every `touchline <cmd> --help` load no heavy dependency: command
modules import the training, database and server stacks only when the command runs."""

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

HEAVY = (
    "aeon",
    "fastapi",
    "matplotlib",
    "mediapipe",
    "onnx",
    "onnxruntime",
    "pandas",
    "scipy",
    "sklearn",
    "sqlalchemy",
    "torch",
    "uvicorn",
)

# In a fresh interpreter: ask for the help of the app and of every command and group found
# in its click tree, and after each one list the heavy packages loaded so far.
HELP_OF_EVERY_COMMAND = f"""
import json, sys
import typer
from host.cli import app

def paths(command, prefix):
    yield prefix
    for name, sub in sorted(getattr(command, "commands", dict()).items()):  # groups only
        yield from paths(sub, [*prefix, name])

report = []
for path in paths(typer.main.get_command(app), []):
    try:
        app([*path, "--help"], prog_name="touchline")
        code = 0
    except SystemExit as exit:
        code = exit.code
    heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
    report.append({{"command": " ".join(path), "exit": code, "heavy": heavy}})
print(json.dumps(report))
"""


def test_help_of_every_command_loads_no_heavy_dependency() -> None:
    out = subprocess.run(
        [sys.executable, "-c", HELP_OF_EVERY_COMMAND], capture_output=True, text=True, check=True
    )
    report = json.loads(out.stdout.splitlines()[-1])
    commands = {row["command"] for row in report}
    expected = {
        "",
        "train",
        "evaluate",
        "ablate",
        "distill",
        "student-check",
        "export",
        "report",
        "risk",
        "serve",
        "nightly",
        "pose",
        "synth",
        "bundle verify",
        "data check",
        "import sessions",
        "import injuries",
        "token create",
        "key create",
        "key rotate",
        "key show",
    }
    assert expected <= commands, f"help not reached for {sorted(expected - commands)}"
    assert all(row["exit"] == 0 for row in report), [r for r in report if r["exit"] != 0]
    first = next((row for row in report if row["heavy"]), None)
    if first is not None:
        shown = f"touchline {first['command']}".rstrip()
        raise AssertionError(f"`{shown} --help` loads {first['heavy']}")


def test_distill_help_shows_the_recipe_defaults() -> None:
    # The CLI writes these out so its --help does not load scipy; they must not drift.
    from typing import get_args

    from host.cli import distill
    from host.distill.config import MINIROCKET_KERNELS, DistillConfig, StudentConfig, StudentKind

    assert distill.DEFAULT_EPOCHS == DistillConfig.max_epochs
    assert distill.DEFAULT_MIN_STEPS == DistillConfig.min_steps
    assert distill.DEFAULT_SIMULATED_MINUTES == DistillConfig.simulated_minutes
    assert distill.DEFAULT_MINIROCKET_KERNELS == MINIROCKET_KERNELS
    assert distill.DEFAULT_CNN_MEMBERS == StudentConfig.cnn_members
    flattened = {choice for part in get_args(StudentKind) for choice in get_args(part)}
    assert set(get_args(distill.StudentChoice)) == flattened


def test_user_errors_stay_one_line_in_evaluate_ablate_and_report(tmp_path: Path) -> None:
    # The exception types are resolved when the command runs; a bad input is still one line.
    from host.cli import app

    runner = CliRunner()
    for args, needle in (
        (["evaluate", str(tmp_path)], "config.json"),
        (
            ["ablate", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "a")],
            "not a directory",
        ),
        (["report", str(tmp_path)], "config.json"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, (args, result.output)
        assert "Traceback" not in result.output
        assert needle in result.output.replace("\n", ""), (args, result.output)
