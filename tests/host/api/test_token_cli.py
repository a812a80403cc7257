from __future__ import annotations

from typer.testing import CliRunner

from host.cli import app
from host.db.engine import engine_for, session_scope
from host.db.tokens import Role, authenticate, redeem_registration_code

runner = CliRunner()


def test_staff_token_printed_once_authenticates(db_url) -> None:
    result = runner.invoke(app, ["token", "create", "--role", "staff", "--db", db_url])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    with session_scope(engine_for(db_url)) as db:
        principal = authenticate(db, token)
        assert principal is not None and principal.role is Role.STAFF
        assert authenticate(db, token + "x") is None


def test_device_role_prints_a_pairing_code_for_that_device(db_url) -> None:
    result = runner.invoke(
        app, ["token", "create", "--role", "device", "--device", "pi-4", "--db", db_url]
    )
    assert result.exit_code == 0, result.output
    code = result.output.strip().splitlines()[-1]
    with session_scope(engine_for(db_url)) as db:
        device_id, token = redeem_registration_code(db, code)
        assert device_id == "pi-4"
        assert authenticate(db, token).device_id == "pi-4"


def test_device_role_without_a_device_is_a_one_line_error(db_url) -> None:
    result = runner.invoke(app, ["token", "create", "--role", "device", "--db", db_url])
    assert result.exit_code == 2
    assert "--device" in result.output and "Traceback" not in result.output


def test_bad_settings_and_urls_are_one_line_errors(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TOUCHLINE_TOKEN_BYTES", "lots")
    result = runner.invoke(app, ["token", "create", "--role", "staff",
                                 "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert result.exit_code == 1
    assert "TOUCHLINE_TOKEN_BYTES" in result.output and "Traceback" not in result.output

    monkeypatch.delenv("TOUCHLINE_TOKEN_BYTES")
    result = runner.invoke(app, ["token", "create", "--role", "staff", "--db", "no-such-db"])
    assert result.exit_code == 1
    assert "'no-such-db' is not usable" in result.output
