"""`touchline export`, `touchline bundle verify`, `touchline distill`: one line on errors."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from edge.bundle import FP32_MODEL_NAME
from host.cli import app
from host.export.bundle import ExportResult

runner = CliRunner()


def test_bundle_verify_prints_what_the_sideline_will_run(exported: ExportResult) -> None:
    result = runner.invoke(app, ["bundle", "verify", str(exported.archive)])
    assert result.exit_code == 0, result.output
    assert "bundle test-1: valid (trained on synthetic data)" in result.output
    assert "speed_mps?" in result.output and "model.onnx (default)" in result.output
    # fp32 ships beside model.onnx only when model.onnx is int8: each model once.
    assert (FP32_MODEL_NAME in result.output) == (exported.choice.default == "int8")
    assert "test_macro_f1" in result.output


def test_bundle_verify_refuses_a_tampered_archive_in_one_line(
    exported: ExportResult, tmp_path: Path
) -> None:
    data = bytearray(exported.archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(bytes(data))
    result = runner.invoke(app, ["bundle", "verify", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output


def test_export_of_a_run_without_student_says_to_distil_first(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(tmp_path)])
    assert result.exit_code == 1
    assert "run `touchline distill` first" in result.output
    assert "Traceback" not in result.output


def test_distill_of_a_directory_that_is_no_run_is_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["distill", str(tmp_path)])
    assert result.exit_code == 1
    assert "config.json: missing" in result.output
    assert "Traceback" not in result.output


def test_export_cli_writes_a_verified_bundle(exported: ExportResult, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    result = runner.invoke(
        app,
        ["export", str(exported.bundle_dir.parents[1]), "--out", str(out), "--version", "cli-1"],
    )
    assert result.exit_code == 0, result.output
    assert "model.onnx = " in result.output
    assert (
        runner.invoke(app, ["bundle", "verify", str(out.with_name("bundle.tar.gz"))]).exit_code == 0
    )
