"""Shared fixtures of the sideline tests: a trained bundle signed with the tests' host key."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from linear_bundle import toy_windows, train_bundle

from edge.bundle import Bundle, read_bundle
from edge.signing import public_key_text, sign_manifest


@pytest.fixture(scope="session")
def host_key() -> Ed25519PrivateKey:
    """The host's signing key in these tests (fixed, so failures reproduce)."""
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture(scope="session")
def host_public_key(host_key: Ed25519PrivateKey) -> str:
    """What `edge pair --host` stores: the public half of `host_key`."""
    return public_key_text(host_key)


@pytest.fixture(scope="session")
def sign(host_key: Ed25519PrivateKey) -> Callable[[bytes], bytes]:
    return partial(sign_manifest, host_key)


@pytest.fixture(scope="session")
def trained_bundle_dir(
    tmp_path_factory: pytest.TempPathFactory, sign: Callable[[bytes], bytes]
) -> Path:
    windows, labels = toy_windows(np.random.default_rng(0), n_per_class=40)
    return train_bundle(tmp_path_factory.mktemp("bundle") / "linear-1", windows, labels, sign=sign)


@pytest.fixture(scope="session")
def trained_bundle(trained_bundle_dir: Path) -> Bundle:
    return read_bundle(trained_bundle_dir)
