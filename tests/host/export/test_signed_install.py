"""The round trip: the host exports a signed bundle, a sideline pairs with that host (and
so stores its key), and the sideline installs the bundle; another club's sideline refuses it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from edge.models_store import ModelStore
from edge.pairing import register_device
from edge.signing import SignatureError, public_key_text
from host.api import create_app
from host.db.engine import engine_for, session_scope
from host.db.tokens import create_registration_code
from host.export.bundle import ExportResult
from host.settings import Settings
from host.signing import ClubKey


def test_exported_bundle_installs_on_a_sideline_paired_with_this_host(
    exported: ExportResult, club_key: ClubKey, key_dir: Path, db_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=db_url, bundle_dir=tmp_path / "bundles", key_dir=key_dir)
    with TestClient(create_app(settings)) as client:
        with session_scope(engine_for(db_url)) as db:
            code = create_registration_code(db, "sideline-1", ttl_s=600)
        pairing = register_device(str(client.base_url), code, client)
    engine_for(db_url).dispose()
    assert pairing.host_key == club_key.public_key

    store = ModelStore(tmp_path / "models", [pairing.host_key])
    assert store.install(exported.archive).manifest.version == "test-1"
    assert store.current_version == "test-1"

    elsewhere = ModelStore(tmp_path / "elsewhere", [public_key_text(Ed25519PrivateKey.generate())])
    with pytest.raises(SignatureError, match="does not trust"):
        elsewhere.install(exported.archive)
    assert elsewhere.current_version is None
