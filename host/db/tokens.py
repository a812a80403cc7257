"""API tokens and one-time device pairing codes. Only their sha256 is stored, so a copy of
the database gives nobody access."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from firmware_bridge.errors import UserError
from host.db.models import Device, RegistrationCode, Token, utcnow
from host.db.roles import Role

# Pairing codes are typed by a person on the sideline: no 0/O or 1/I/L to confuse.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
ASK_STAFF = "ask staff for a new one"


class RegistrationError(UserError, ValueError):
    """A pairing code is unknown, already used or expired."""


class TokenError(UserError, ValueError):
    """A token to revoke does not exist or is already revoked."""

    exit_code = 2


@dataclass(frozen=True)
class Principal:
    """Who a request is from: its role and, for a device token, which device."""

    token_id: int
    role: Role
    device_id: str | None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.strip().encode()).hexdigest()


def create_token(
    db: Session,
    role: Role,
    *,
    device_id: str | None = None,
    label: str | None = None,
    token_bytes: int = 32,
    expires: datetime | None = None,
) -> str:
    """A new token, refused from `expires` on (never, if None); the plain text is returned
    once and never stored."""
    if role is Role.DEVICE and not device_id:
        raise ValueError("a device token needs the device it belongs to")
    if device_id is not None:
        _ensure_device(db, device_id)
    token = f"tl_{role.value[0]}_{secrets.token_urlsafe(token_bytes)}"
    db.add(
        Token(
            token_hash=digest(token),
            role=role.value,
            device_id=device_id,
            label=label,
            expires=expires,
        )
    )
    db.flush()
    return token


def create_registration_code(db: Session, device_id: str, ttl_s: int) -> str:
    """A one-time code the sideline unit `device_id` trades for its device token."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    db.add(
        RegistrationCode(
            code_hash=digest(_normalise(code)),
            device_id=device_id,
            expires=utcnow() + timedelta(seconds=ttl_s),
        )
    )
    db.flush()
    return f"{code[:5]}-{code[5:]}"


def redeem_registration_code(db: Session, code: str, token_bytes: int = 32) -> tuple[str, str]:
    """(device_id, device token) for a valid code, which is then spent.

    Spending is one conditional UPDATE (unused and unexpired), so of callers racing with the
    same code exactly one wins; the rest are told it was already used.
    """
    code_hash = digest(_normalise(code))
    now = utcnow()
    spent = db.execute(
        update(RegistrationCode)
        .where(
            RegistrationCode.code_hash == code_hash,
            RegistrationCode.used.is_(None),
            RegistrationCode.expires > now,
        )
        .values(used=now)
        .returning(RegistrationCode.device_id)
        .execution_options(synchronize_session=False)
    ).first()
    if spent is None:
        raise _why_refused(db, code_hash)
    token = create_token(
        db, Role.DEVICE, device_id=spent.device_id, label="registered", token_bytes=token_bytes
    )
    return spent.device_id, token


def _why_refused(db: Session, code_hash: str) -> RegistrationError:
    row = db.scalars(
        select(RegistrationCode).where(RegistrationCode.code_hash == code_hash)
    ).one_or_none()
    if row is None:
        return RegistrationError(f"code: unknown pairing code (check it, or {ASK_STAFF})")
    if row.used is not None:
        return RegistrationError(f"code: this pairing code was already used; {ASK_STAFF}")
    return RegistrationError(f"code: this pairing code has expired; {ASK_STAFF}")


def authenticate(db: Session, token: str) -> Principal | None:
    """The principal a token stands for, or None when it is unknown, revoked or expired."""
    row = db.scalars(
        select(Token).where(
            Token.token_hash == digest(token),
            Token.revoked.is_(None),
            or_(Token.expires.is_(None), Token.expires > utcnow()),
        )
    ).one_or_none()
    if row is None:
        return None
    return Principal(token_id=row.id, role=Role(row.role), device_id=row.device_id)


def list_tokens(db: Session) -> list[Token]:
    """Every token ever made, oldest first, revoked and expired ones included."""
    return list(db.scalars(select(Token).order_by(Token.id)))


def revoke_tokens(
    db: Session, *, token_id: int | None = None, device_id: str | None = None
) -> list[int]:
    """Revoke one token by id, or every live token of a device; the ids revoked.

    Raises `TokenError` when nothing matches, so a typo never reads as success.
    """
    if (token_id is None) == (device_id is None):
        raise TokenError("give a token id or a device, not both or neither")
    query = select(Token).where(Token.revoked.is_(None))
    if token_id is not None:
        query = query.where(Token.id == token_id)
    else:
        query = query.where(Token.device_id == device_id)
    rows = list(db.scalars(query))
    if not rows:
        what = f"token {token_id}" if token_id is not None else f"device {device_id!r}"
        raise TokenError(f"{what}: no live token to revoke (see touchline token list)")
    now = utcnow()
    for row in rows:
        row.revoked = now
    db.flush()
    return [row.id for row in rows]


def token_state(row: Token, now: datetime | None = None) -> str:
    """'live', 'revoked' or 'expired', as `authenticate` would judge the token now."""
    now = now or utcnow()
    if row.revoked is not None:
        return "revoked"
    if row.expires is not None and as_utc(row.expires) <= now:
        return "expired"
    return "live"


def _normalise(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def as_utc(moment: datetime) -> datetime:
    """A stored time as UTC: SQLite hands back naive datetimes, stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ensure_device(db: Session, device_id: str) -> None:
    if db.scalars(select(Device).where(Device.device_id == device_id)).one_or_none() is None:
        db.add(Device(device_id=device_id))
        db.flush()
