"""API tokens and one-time device pairing codes. Only their sha256 is stored, so a copy of
the database gives nobody access."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from host.db.models import Device, RegistrationCode, Token, utcnow
from host.db.roles import Role

# Pairing codes are typed by a person on the sideline: no 0/O or 1/I/L to confuse.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


class RegistrationError(ValueError):
    """A pairing code is unknown, already used or expired."""


@dataclass(frozen=True)
class Principal:
    """Who a request is from: its role and, for a device token, which device."""

    token_id: int
    role: Role
    device_id: str | None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.strip().encode()).hexdigest()


def create_token(db: Session, role: Role, *, device_id: str | None = None,
                 label: str | None = None, token_bytes: int = 32) -> str:
    """A new token; the plain text is returned once and never stored."""
    if role is Role.DEVICE and not device_id:
        raise ValueError("a device token needs the device it belongs to")
    if device_id is not None:
        _ensure_device(db, device_id)
    token = f"tl_{role.value[0]}_{secrets.token_urlsafe(token_bytes)}"
    db.add(Token(token_hash=digest(token), role=role.value, device_id=device_id, label=label))
    db.flush()
    return token


def create_registration_code(db: Session, device_id: str, ttl_s: int) -> str:
    """A one-time code the sideline unit `device_id` trades for its device token."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    db.add(RegistrationCode(code_hash=digest(_normalise(code)), device_id=device_id,
                            expires=utcnow() + timedelta(seconds=ttl_s)))
    db.flush()
    return f"{code[:5]}-{code[5:]}"


def redeem_registration_code(db: Session, code: str, token_bytes: int = 32) -> tuple[str, str]:
    """(device_id, device token) for a valid code, which is then spent."""
    row = db.scalars(
        select(RegistrationCode).where(RegistrationCode.code_hash == digest(_normalise(code)))
    ).one_or_none()
    if row is None:
        raise RegistrationError("code: unknown pairing code (check it, or ask staff for a new one)")
    if row.used is not None:
        raise RegistrationError("code: this pairing code was already used; ask staff for a new one")
    if _aware(row.expires) < utcnow():
        raise RegistrationError("code: this pairing code has expired; ask staff for a new one")
    row.used = utcnow()
    token = create_token(db, Role.DEVICE, device_id=row.device_id, label="registered",
                         token_bytes=token_bytes)
    return row.device_id, token


def authenticate(db: Session, token: str) -> Principal | None:
    """The principal a token stands for, or None when it is unknown or revoked."""
    row = db.scalars(select(Token).where(Token.token_hash == digest(token))).one_or_none()
    if row is None or row.revoked is not None:
        return None
    return Principal(token_id=row.id, role=Role(row.role), device_id=row.device_id)


def _normalise(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ensure_device(db: Session, device_id: str) -> None:
    if db.scalars(select(Device).where(Device.device_id == device_id)).one_or_none() is None:
        db.add(Device(device_id=device_id))
        db.flush()
