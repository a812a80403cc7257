"""The club's bundle-signing key: made once, kept private, rotated without stranding a sideline.

Layout of `Settings.key_dir` (directory mode 0700, files 0600):

    signing.pem           the current Ed25519 private key (PKCS#8 PEM)
    endorsements.json     one entry per rotation: each new public key signed by the key before
    retired/<id>.pem      every key rotated out, so a backup of the directory keeps the history

Every bundle the host writes (`touchline export`, the nightly run) is signed with the
current key and carries the endorsement chain, so a sideline paired under an older key
learns the new one from the next bundle it installs (edge.signing). The signature format
lives in edge.signing, which the sideline shares; this module only keeps the keys.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from pydantic import TypeAdapter, ValidationError

from edge.signing import Endorsement, endorse, key_id, public_key_text, sign_manifest
from firmware_bridge.errors import UserError
from host.settings import Settings

KEY_NAME = "signing.pem"
ENDORSEMENTS_NAME = "endorsements.json"
RETIRED_DIR = "retired"
_ENDORSEMENTS = TypeAdapter(list[Endorsement])
log = logging.getLogger(__name__)


class SigningKeyError(UserError):
    """The club key is missing, unreadable, readable by others, or already exists."""


@dataclass(frozen=True)
class ClubKey:
    """The current signing key and the chain that vouches for it."""

    private_key: Ed25519PrivateKey
    endorsements: tuple[Endorsement, ...]
    path: Path

    @property
    def public_key(self) -> str:
        return public_key_text(self.private_key)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, manifest: bytes) -> bytes:
        """`signature.json` for a bundle's manifest bytes (edge.bundle.write_bundle's `sign`)."""
        return sign_manifest(self.private_key, manifest, self.endorsements)


def create_key(key_dir: Path) -> ClubKey:
    """Make the club's first key; refuse if one exists (rotating is `rotate_key`)."""
    path = Path(key_dir) / KEY_NAME
    if path.exists():
        raise SigningKeyError(
            f"{path}: a club signing key already exists; `touchline key rotate` replaces it"
        )
    _private_dir(Path(key_dir))
    _write_private(path, Ed25519PrivateKey.generate())
    return load_key(key_dir)


def load_key(key_dir: Path) -> ClubKey:
    """The current key; `SigningKeyError` saying what to do when it is missing or exposed."""
    path = Path(key_dir) / KEY_NAME
    if not path.exists():
        raise SigningKeyError(
            f"{path}: no club signing key; create one with `touchline key create`"
        )
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SigningKeyError(
            f"{path}: readable by other users (mode {mode:o}); run `chmod 600 {path}`"
        )
    try:
        private_key = load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise SigningKeyError(f"{path}: not a readable private key ({exc})") from exc
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path}: not an Ed25519 key")
    return ClubKey(private_key, tuple(_endorsements(Path(key_dir))), path)


def load_or_create_key(key_dir: Path) -> tuple[ClubKey, bool]:
    """The current key, made on first use so exporting just works; True if made now."""
    if (Path(key_dir) / KEY_NAME).exists():
        return load_key(key_dir), False
    return create_key(key_dir), True


def rotate_key(key_dir: Path) -> ClubKey:
    """Replace the current key with a new one it endorses; the old one goes to retired/.

    Written in the order that leaves a usable directory if interrupted: the old key is
    copied to retired/ first, then the endorsement is added, then the new key replaces
    `signing.pem` in one rename.
    """
    old = load_key(key_dir)
    root = Path(key_dir)
    new = Ed25519PrivateKey.generate()
    retired = root / RETIRED_DIR
    _private_dir(retired)
    retired_path = retired / f"{old.key_id}.pem"
    if not retired_path.exists():
        _write_private(retired_path, old.private_key)
    chain = [*old.endorsements, endorse(old.private_key, public_key_text(new))]
    _write_replacing(root / ENDORSEMENTS_NAME, _ENDORSEMENTS.dump_json(chain, indent=2) + b"\n")
    _write_replacing(root / KEY_NAME, _pem(new))
    return load_key(key_dir)


def published_public_key(settings: Settings) -> str | None:
    """The public key a sideline stores when it pairs (POST /devices/register), or None
    while the club has no key yet. Never creates one: pairing has no say in keys."""
    if not (Path(settings.key_dir) / KEY_NAME).exists():
        return None
    try:
        return load_key(settings.key_dir).public_key
    except SigningKeyError as exc:  # pairing goes on; the sideline says it got no key
        log.error("pairing without the club's public key: %s", exc)
        return None


def _endorsements(root: Path) -> list[Endorsement]:
    path = root / ENDORSEMENTS_NAME
    if not path.exists():
        return []
    try:
        return _ENDORSEMENTS.validate_json(path.read_bytes())
    except (ValidationError, OSError) as exc:
        raise SigningKeyError(f"{path}: unreadable endorsement chain ({exc})") from exc


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    """A new file, mode 0600 from the start (never briefly readable by others)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(_pem(key))


def _write_replacing(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
