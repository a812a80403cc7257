"""`touchline export`, `touchline bundle verify`, `touchline distill`: one line on errors."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from edge.bundle import FP32_MODEL_NAME, SIGNATURE_NAME
from host.cli import app
from host.export.bundle import ExportResult
from host.signing import load_key

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


def test_export_cli_makes_the_club_key_on_first_use_and_signs(
    exported: ExportResult, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("TOUCHLINE_KEY_DIR", str(tmp_path / "fresh-keys"))
    out = tmp_path / "bundle"
    result = runner.invoke(
        app,
        ["export", str(exported.bundle_dir.parents[1]), "--out", str(out), "--version", "cli-1"],
    )
    assert result.exit_code == 0, result.output
    assert "model.onnx = " in result.output
    key = load_key(tmp_path / "fresh-keys")
    assert f"made the club's bundle-signing key {key.key_id}" in result.output
    assert f"signed with club key {key.key_id}" in result.output
    verified = runner.invoke(app, ["bundle", "verify", str(out.with_name("bundle.tar.gz"))])
    assert verified.exit_code == 0, verified.output
    assert f"signed by key {key.key_id} (this host's key)" in verified.output


def test_bundle_verify_says_when_a_bundle_is_unsigned(
    exported: ExportResult, tmp_path: Path
) -> None:
    unsigned = tmp_path / "unsigned"
    shutil.copytree(exported.bundle_dir, unsigned)
    (unsigned / SIGNATURE_NAME).unlink()
    result = runner.invoke(app, ["bundle", "verify", str(unsigned)])
    assert result.exit_code == 0, result.output
    assert "unsigned: sidelines refuse it" in result.output


def test_export_refuses_a_version_that_is_a_path(exported: ExportResult, tmp_path: Path) -> None:
    run_dir = exported.bundle_dir.parents[1]
    before = sorted(run_dir.parent.rglob("*"))
    result = runner.invoke(app, ["export", str(run_dir), "--version", "../../escaped"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: version '../../escaped' is not a safe name: 1-64 letters, digits, '.', '_' or "
        "'-', starting with a letter or digit"
    ]
    assert sorted(run_dir.parent.rglob("*")) == before
