from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from typer.testing import CliRunner

from host.cli import app
from host.db.engine import engine_for, session_scope
from host.db.models import Token, utcnow
from host.db.tokens import (
    Role,
    as_utc,
    authenticate,
    create_token,
    list_tokens,
    redeem_registration_code,
    token_state,
)

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
    result = runner.invoke(
        app, ["token", "create", "--role", "staff", "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code == 1
    assert "TOUCHLINE_TOKEN_BYTES" in result.output and "Traceback" not in result.output

    monkeypatch.delenv("TOUCHLINE_TOKEN_BYTES")
    result = runner.invoke(app, ["token", "create", "--role", "staff", "--db", "no-such-db"])
    assert result.exit_code == 1
    assert "'no-such-db' is not usable" in result.output


def test_list_shows_every_token_and_revoke_cuts_it_off(db_url) -> None:
    staff = runner.invoke(
        app,
        [
            "token",
            "create",
            "--role",
            "staff",
            "--label",
            "physio",
            "--expires-in",
            "30d",
            "--db",
            db_url,
        ],
    )
    assert staff.exit_code == 0, staff.output
    assert "valid 30d" in staff.output
    token = staff.output.strip().splitlines()[-1]
    with session_scope(engine_for(db_url)) as db:
        create_token(db, Role.DEVICE, device_id="pi-1")
        create_token(db, Role.DEVICE, device_id="pi-1")
        [row] = [row for row in list_tokens(db) if row.role == "staff"]
        lifetime = as_utc(row.expires) - utcnow()
        assert timedelta(days=29, hours=23) < lifetime <= timedelta(days=30)

    listed = runner.invoke(app, ["token", "list", "--db", db_url])
    assert listed.exit_code == 0, listed.output
    assert "physio" in listed.output and listed.output.count("pi-1") == 2
    assert listed.output.count("live") == 3 and token not in listed.output

    revoked = runner.invoke(app, ["token", "revoke", "1", "--db", db_url])
    assert revoked.exit_code == 0, revoked.output
    device = runner.invoke(app, ["token", "revoke", "--device", "pi-1", "--db", db_url])
    assert (device.exit_code, "2, 3" in device.output) == (0, True)
    with session_scope(engine_for(db_url)) as db:
        assert authenticate(db, token) is None
        assert [token_state(row) for row in list_tokens(db)] == ["revoked"] * 3
    assert runner.invoke(app, ["token", "list", "--db", db_url]).output.count("revoked") == 3


def test_revoking_what_is_not_there_and_bad_lifetimes_are_one_line_errors(db_url) -> None:
    for args in (
        ["token", "revoke", "42"],
        ["token", "revoke", "--device", "nobody"],
        ["token", "revoke"],
        ["token", "create", "--role", "staff", "--expires-in", "soon"],
        ["token", "create", "--role", "staff", "--expires-in", "0d"],
        ["token", "create", "--role", "device", "--device", "pi", "--expires-in", "1d"],
    ):
        result = runner.invoke(app, [*args, "--db", db_url])
        assert result.exit_code == 2, (args, result.output)
        assert "error" in result.output.lower() and "Traceback" not in result.output


def test_expired_tokens_no_longer_authenticate(db_url) -> None:
    with session_scope(engine_for(db_url)) as db:
        token = create_token(db, Role.STAFF, expires=utcnow() + timedelta(seconds=60))
        assert authenticate(db, token) is not None
        db.execute(update(Token).values(expires=utcnow() - timedelta(seconds=1)))
    with session_scope(engine_for(db_url)) as db:
        assert authenticate(db, token) is None
        assert token_state(list_tokens(db)[0]) == "expired"
