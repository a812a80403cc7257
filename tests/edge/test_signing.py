"""Bundle signatures: what the sideline accepts, refuses, and learns from a rotation."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.signing import (
    SignatureError,
    endorse,
    is_public_key_text,
    key_id,
    public_key_text,
    sign_manifest,
    verify_manifest,
)

MANIFEST = b'{"schema": 1, "version": "v1"}\n'


def _key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


def test_signed_manifest_verifies_against_the_trusted_key() -> None:
    host = _key(1)
    verified = verify_manifest(MANIFEST, sign_manifest(host, MANIFEST), [public_key_text(host)])
    assert verified.key == public_key_text(host) and verified.learned == ()


def test_one_changed_byte_of_the_manifest_is_refused() -> None:
    host = _key(1)
    signature = sign_manifest(host, MANIFEST)
    with pytest.raises(SignatureError, match="altered after it was signed"):
        verify_manifest(MANIFEST.replace(b"v1", b"v2"), signature, [public_key_text(host)])


def test_unsigned_unknown_key_and_no_trusted_key_say_which() -> None:
    host, stranger = _key(1), _key(2)
    with pytest.raises(SignatureError, match="unsigned"):
        verify_manifest(MANIFEST, None, [public_key_text(host)])
    with pytest.raises(
        SignatureError,
        match=f"signed by key {key_id(public_key_text(stranger))}"
        f".*it trusts {key_id(public_key_text(host))}",
    ):
        verify_manifest(MANIFEST, sign_manifest(stranger, MANIFEST), [public_key_text(host)])
    with pytest.raises(SignatureError, match="no host key"):
        verify_manifest(MANIFEST, sign_manifest(host, MANIFEST), [])


@pytest.mark.parametrize(
    "document",
    [b"", b"not json", b'{"algorithm": "rsa", "key": "", "signature": ""}', b"[]"],
)
def test_unreadable_signature_file_is_refused(document: bytes) -> None:
    with pytest.raises(SignatureError, match="signature.json is unreadable"):
        verify_manifest(MANIFEST, document, [public_key_text(_key(1))])


def test_a_signature_swapped_in_from_another_key_is_refused() -> None:
    host, stranger = _key(1), _key(2)
    document = json.loads(sign_manifest(stranger, MANIFEST))
    document["key"] = public_key_text(host)  # claims the trusted key, signed by another
    with pytest.raises(SignatureError, match="altered after it was signed"):
        verify_manifest(MANIFEST, json.dumps(document).encode(), [public_key_text(host)])


def test_two_rotations_are_followed_from_the_first_key() -> None:
    first, second, third = _key(1), _key(2), _key(3)
    chain = [endorse(first, public_key_text(second)), endorse(second, public_key_text(third))]
    signature = sign_manifest(third, MANIFEST, chain)
    verified = verify_manifest(MANIFEST, signature, [public_key_text(first)])
    assert verified.key == public_key_text(third)
    assert verified.learned == (public_key_text(second), public_key_text(third))
    # A sideline that already learnt the second key needs only the last link.
    assert verify_manifest(MANIFEST, signature, [public_key_text(second)]).learned == (
        public_key_text(third),
    )


def test_a_forged_endorsement_is_refused() -> None:
    first, attacker = _key(1), _key(9)
    forged = endorse(attacker, public_key_text(attacker)).model_copy(
        update={"by": public_key_text(first)}  # claims the trusted key vouched for it
    )
    with pytest.raises(SignatureError, match="endorsement .* does not verify"):
        verify_manifest(
            MANIFEST, sign_manifest(attacker, MANIFEST, [forged]), [public_key_text(first)]
        )


def test_a_bundle_signature_cannot_serve_as_an_endorsement() -> None:
    # Domain separation: the host signing a manifest that happens to be a key's bytes
    # does not vouch for that key.
    host, attacker = _key(1), _key(9)
    raw = base64.b64decode(public_key_text(attacker))
    manifest_signature = json.loads(sign_manifest(host, raw))["signature"]
    chain = [
        {
            "key": public_key_text(attacker),
            "by": public_key_text(host),
            "signature": manifest_signature,
        }
    ]
    document = json.loads(sign_manifest(attacker, MANIFEST))
    document["endorsements"] = chain
    with pytest.raises(SignatureError, match="does not verify"):
        verify_manifest(MANIFEST, json.dumps(document).encode(), [public_key_text(host)])


def test_public_key_text_is_checked() -> None:
    assert is_public_key_text(public_key_text(_key(1)))
    assert not is_public_key_text("c2hvcnQ=")  # base64 of 5 bytes
    assert not is_public_key_text("not base64!")
