"""The club key: made once with mode 0600, rotated with an endorsement, shown; and the
`touchline key` commands that do it, one line on every mistake."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from edge.signing import key_id, verify_manifest
from host.cli import app
from host.settings import Settings
from host.signing import (
    KEY_NAME,
    SigningKeyError,
    create_key,
    load_key,
    load_or_create_key,
    published_public_key,
    rotate_key,
)

runner = CliRunner()
MANIFEST = b'{"schema": 1}\n'


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_key_is_private_and_signs_what_its_public_half_verifies(tmp_path: Path) -> None:
    key = create_key(tmp_path / "keys")
    assert _mode(key.path) == 0o600 and _mode(key.path.parent) == 0o700
    assert verify_manifest(MANIFEST, key.sign(MANIFEST), [key.public_key]).key == key.public_key
    assert load_key(tmp_path / "keys").public_key == key.public_key
    with pytest.raises(SigningKeyError, match="already exists.*touchline key rotate"):
        create_key(tmp_path / "keys")


def test_load_or_create_makes_the_key_once(tmp_path: Path) -> None:
    first, made = load_or_create_key(tmp_path)
    again, made_again = load_or_create_key(tmp_path)
    assert (made, made_again) == (True, False) and first.public_key == again.public_key


def test_a_key_readable_by_others_or_missing_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError, match="no club signing key.*touchline key create"):
        load_key(tmp_path)
    key = create_key(tmp_path)
    key.path.chmod(0o644)
    with pytest.raises(SigningKeyError, match=r"readable by other users \(mode 644\).*chmod 600"):
        load_key(tmp_path)


def test_rotation_keeps_old_sidelines_working(tmp_path: Path) -> None:
    old = create_key(tmp_path)
    new = rotate_key(tmp_path)
    assert new.public_key != old.public_key
    assert (tmp_path / "retired" / f"{old.key_id}.pem").exists()
    assert _mode(tmp_path / "retired" / f"{old.key_id}.pem") == 0o600
    # A sideline paired under the old key accepts the new key's bundles and learns it.
    verified = verify_manifest(MANIFEST, new.sign(MANIFEST), [old.public_key])
    assert verified.key == new.public_key and verified.learned == (new.public_key,)
    newest = rotate_key(tmp_path)
    assert verify_manifest(MANIFEST, newest.sign(MANIFEST), [old.public_key]).learned == (
        new.public_key,
        newest.public_key,
    )


def test_pairing_hands_out_the_public_key_only_once_it_exists(tmp_path: Path) -> None:
    settings = Settings(key_dir=tmp_path / "keys")
    assert published_public_key(settings) is None
    assert not (tmp_path / "keys").exists()  # pairing never makes a key
    key = create_key(tmp_path / "keys")
    assert published_public_key(settings) == key.public_key


def test_key_commands_create_show_and_rotate(tmp_path: Path) -> None:
    keys = str(tmp_path / "keys")
    shown = runner.invoke(app, ["key", "show", "--key-dir", keys])
    assert shown.exit_code == 1
    assert shown.output.strip().splitlines() == [
        f"error: {tmp_path / 'keys' / KEY_NAME}: no club signing key; create one with "
        "`touchline key create`"
    ]
    created = runner.invoke(app, ["key", "create", "--key-dir", keys])
    assert created.exit_code == 0, created.output
    first = load_key(tmp_path / "keys")
    assert f"key id:      {first.key_id}" in created.output
    assert first.public_key in created.output
    again = runner.invoke(app, ["key", "create", "--key-dir", keys])
    assert again.exit_code == 1 and "already exists" in again.output
    rotated = runner.invoke(app, ["key", "rotate", "--key-dir", keys])
    assert rotated.exit_code == 0, rotated.output
    second = load_key(tmp_path / "keys")
    assert f"rotated: {first.key_id} -> {second.key_id}" in rotated.output
    shown = runner.invoke(app, ["key", "show", "--key-dir", keys])
    assert shown.exit_code == 0 and "rotations:   1" in shown.output
    assert key_id(second.public_key) in shown.output
