"""Bundles install atomically, a bad one is refused with the old kept, rollback is one call."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import numpy as np
import pytest
from linear_bundle import toy_windows, train_bundle

from edge.bundle import BundleError, pack_bundle
from edge.models_store import ModelStore, ModelStoreError


@pytest.fixture(scope="module")
def second_bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    windows, labels = toy_windows(np.random.default_rng(5), n_per_class=20)
    return train_bundle(tmp_path_factory.mktemp("b2") / "linear-2", windows, labels, "linear-2")


def test_install_use_and_rollback(tmp_path: Path, trained_bundle_dir, second_bundle_dir) -> None:
    store = ModelStore(tmp_path / "models")
    store.install(trained_bundle_dir)
    store.install(pack_bundle(second_bundle_dir, tmp_path / "linear-2.tar.gz"))
    assert (store.current_version, store.previous_version) == ("linear-2", "linear-1")
    assert store.rollback().manifest.version == "linear-1"
    assert store.load().manifest.version == "linear-1"
    assert store.rollback().manifest.version == "linear-2"  # and forward again
    listed = {m.version: m for m in store.list()}
    assert listed["linear-2"].current and listed["linear-1"].previous


def test_corrupt_bundle_is_refused_and_the_old_one_kept(
    tmp_path: Path, trained_bundle_dir, second_bundle_dir
) -> None:
    store = ModelStore(tmp_path / "models")
    store.install(trained_bundle_dir)
    corrupt = tmp_path / "corrupt"
    shutil.copytree(second_bundle_dir, corrupt)
    model = bytearray((corrupt / "model.onnx").read_bytes())
    model[len(model) // 2] ^= 0xFF
    (corrupt / "model.onnx").write_bytes(bytes(model))
    with pytest.raises(BundleError, match="sha256"):
        store.install(corrupt)
    foreign = tmp_path / "foreign"
    shutil.copytree(second_bundle_dir, foreign)
    manifest = json.loads((foreign / "manifest.json").read_text())
    (foreign / "manifest.json").write_text(json.dumps({**manifest, "schema": 2}))
    with pytest.raises(BundleError, match="schema"):
        store.install(foreign)
    assert store.current_version == "linear-1"
    assert [m.version for m in store.list()] == ["linear-1"]
    assert not any(p.name.startswith(".") for p in store.versions_dir.iterdir())


def test_rollback_with_one_model_and_unknown_version_are_clear(tmp_path, trained_bundle_dir):
    store = ModelStore(tmp_path / "models")
    with pytest.raises(ModelStoreError, match="no model installed"):
        store.load()
    store.install(trained_bundle_dir)
    with pytest.raises(ModelStoreError, match="nothing to roll back"):
        store.rollback()
    with pytest.raises(ModelStoreError, match="linear-9 is not installed"):
        store.use("linear-9")


def test_pull_fetches_the_hosts_latest_bundle(tmp_path: Path, second_bundle_dir) -> None:
    archive = pack_bundle(second_bundle_dir, tmp_path / "b.tar.gz").read_bytes()
    seen = []

    def host(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("authorization")))
        if request.url.path == "/api/v1/models/latest":
            return httpx.Response(200, json={"version": "linear-2"})
        if request.url.path == "/api/v1/models/linear-2/bundle":
            return httpx.Response(200, content=archive)
        return httpx.Response(404, json={"detail": "no such model"})

    store = ModelStore(tmp_path / "models")
    with httpx.Client(transport=httpx.MockTransport(host)) as client:
        assert store.pull("http://host", "tok", client).manifest.version == "linear-2"
        store.pull("http://host", "tok", client)  # already installed: no second download
    assert [path for path, _ in seen].count("/api/v1/models/linear-2/bundle") == 1
    assert all(auth == "Bearer tok" for _, auth in seen)
