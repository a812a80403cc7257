"""Ed25519 signatures of model bundles: the host signs `manifest.json`, the sideline checks it.

The manifest holds the sha256 of every other file, so one signature over its exact bytes
covers the whole bundle. The signature travels beside the manifest as `signature.json`:

    {"algorithm": "ed25519",
     "key": "<the signing public key, raw 32 bytes, base64>",
     "signature": "<Ed25519 over CONTEXT + manifest.json bytes, base64>",
     "endorsements": [{"key": "<new key>", "by": "<older key>", "signature": "..."}]}

A sideline trusts the keys it was given at pairing (`EdgeConfig.host_public_keys`). When the
club rotates its key (`touchline key rotate`), each new key is signed by the one before it;
the host ships that chain in every bundle, so a sideline that trusts an older key learns
the new one from the first bundle it installs, without re-pairing. The host signs with
`sign_manifest`; the sideline calls `verify_manifest`. No torch, no host imports.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from edge.bundle import SIGNATURE_NAME, BundleError

# Domain separation: a bundle signature can never be replayed as a key endorsement.
MANIFEST_CONTEXT = b"touchline bundle manifest v1\x00"
ENDORSEMENT_CONTEXT = b"touchline key endorsement v1\x00"
MAX_ENDORSEMENTS = 64


class SignatureError(BundleError):
    """A bundle is unsigned, signed by a key this sideline does not trust, or altered."""


class Endorsement(BaseModel):
    """`by` vouches for `key`: written when the club key is rotated."""

    model_config = ConfigDict(extra="forbid")

    key: str
    by: str
    signature: str


class SignatureDocument(BaseModel):
    """The contents of `signature.json`."""

    model_config = ConfigDict(extra="forbid")

    algorithm: Literal["ed25519"] = "ed25519"
    key: str
    signature: str
    endorsements: list[Endorsement] = Field(default_factory=list, max_length=MAX_ENDORSEMENTS)


@dataclass(frozen=True)
class Verified:
    """Who signed a bundle, and the keys its endorsement chain taught this sideline."""

    key: str
    learned: tuple[str, ...]


def public_key_text(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """The public key as it is stored and sent: raw 32 bytes in base64."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


def key_id(text: str) -> str:
    """A short fingerprint people can compare on the host and the sideline."""
    return hashlib.sha256(_raw_key(text)).hexdigest()[:16]


def is_public_key_text(text: str) -> bool:
    try:
        _raw_key(text)
    except SignatureError:
        return False
    return True


def endorse(signer: Ed25519PrivateKey, new_key: str) -> Endorsement:
    """The current key vouching for its successor (`touchline key rotate`)."""
    signature = signer.sign(ENDORSEMENT_CONTEXT + _raw_key(new_key))
    return Endorsement(key=new_key, by=public_key_text(signer), signature=_b64(signature))


def sign_manifest(
    signer: Ed25519PrivateKey, manifest: bytes, endorsements: Iterable[Endorsement] = ()
) -> bytes:
    """`signature.json` for these exact manifest bytes."""
    document = SignatureDocument(
        key=public_key_text(signer),
        signature=_b64(signer.sign(MANIFEST_CONTEXT + manifest)),
        endorsements=list(endorsements),
    )
    return (json.dumps(document.model_dump(), indent=2) + "\n").encode("utf-8")


def verify_manifest(manifest: bytes, signature: bytes | None, trusted: Sequence[str]) -> Verified:
    """Check `signature.json` against the manifest bytes and the keys this sideline trusts.

    Raises `SignatureError` saying which: unsigned, unreadable, signed by an unknown key
    (with both fingerprints, so staff can compare them with `touchline key show`), or a
    signature that does not match (the manifest was altered after signing).
    """
    if signature is None:
        raise SignatureError(f"the bundle is unsigned (no {SIGNATURE_NAME})")
    try:
        document = SignatureDocument.model_validate_json(signature)
    except ValidationError as exc:
        raise SignatureError(f"{SIGNATURE_NAME} is unreadable ({exc.errors()[0]['msg']})") from exc
    if not trusted:
        raise SignatureError(
            "this sideline has no host key to check signatures with: pair it with "
            "`edge pair --host URL --code CODE`"
        )
    known = set(trusted)
    learned: list[str] = []
    for endorsement in document.endorsements:
        if endorsement.by not in known or endorsement.key in known:
            continue
        if not _valid(
            endorsement.by, endorsement.signature, ENDORSEMENT_CONTEXT + _raw_key(endorsement.key)
        ):
            raise SignatureError(
                f"the endorsement of key {key_id(endorsement.key)} by trusted key "
                f"{key_id(endorsement.by)} does not verify: the bundle was altered"
            )
        known.add(endorsement.key)
        learned.append(endorsement.key)
    if document.key not in known:
        trusted_ids = ", ".join(key_id(k) for k in trusted)
        raise SignatureError(
            f"signed by key {key_id(document.key)}, which this sideline does not trust "
            f"(it trusts {trusted_ids}); compare with `touchline key show` and re-pair"
        )
    if not _valid(document.key, document.signature, MANIFEST_CONTEXT + manifest):
        raise SignatureError(
            f"the signature by key {key_id(document.key)} does not match manifest.json: "
            "the bundle was altered after it was signed"
        )
    return Verified(document.key, tuple(learned))


def _valid(key: str, signature: str, message: bytes) -> bool:
    public = Ed25519PublicKey.from_public_bytes(_raw_key(key))
    try:
        public.verify(_unb64(signature, "signature"), message)
    except InvalidSignature:
        return False
    return True


def _raw_key(text: str) -> bytes:
    raw = _unb64(text, "public key")
    if len(raw) != 32:
        raise SignatureError(f"a public key must be 32 bytes, got {len(raw)}")
    return raw


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise SignatureError(f"{what} is not valid base64") from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
