"""Bundles install atomically, a bad one is refused with the old kept, rollback is one call."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from linear_bundle import toy_windows, train_bundle

from edge.bundle import MANIFEST_NAME, SIGNATURE_NAME, BundleError, pack_bundle, read_bundle
from edge.models_store import ModelStore, ModelStoreError
from edge.signing import SignatureError, endorse, public_key_text, sign_manifest


@pytest.fixture(scope="module")
def second_bundle_dir(tmp_path_factory: pytest.TempPathFactory, sign) -> Path:
    windows, labels = toy_windows(np.random.default_rng(5), n_per_class=20)
    return train_bundle(
        tmp_path_factory.mktemp("b2") / "linear-2", windows, labels, "linear-2", sign=sign
    )


def test_install_use_and_rollback(
    tmp_path: Path, trained_bundle_dir, second_bundle_dir, host_public_key
) -> None:
    store = ModelStore(tmp_path / "models", [host_public_key])
    store.install(trained_bundle_dir)
    store.install(pack_bundle(second_bundle_dir, tmp_path / "linear-2.tar.gz"))
    assert (store.current_version, store.previous_version) == ("linear-2", "linear-1")
    assert store.rollback().manifest.version == "linear-1"
    assert store.load().manifest.version == "linear-1"
    assert store.rollback().manifest.version == "linear-2"  # and forward again
    listed = {m.version: m for m in store.list()}
    assert listed["linear-2"].current and listed["linear-1"].previous


def test_corrupt_bundle_is_refused_and_the_old_one_kept(
    tmp_path: Path, trained_bundle_dir, second_bundle_dir, host_public_key
) -> None:
    store = ModelStore(tmp_path / "models", [host_public_key])
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


def test_rollback_with_one_model_and_unknown_version_are_clear(
    tmp_path, trained_bundle_dir, host_public_key
):
    store = ModelStore(tmp_path / "models", [host_public_key])
    with pytest.raises(ModelStoreError, match="no model installed"):
        store.load()
    store.install(trained_bundle_dir)
    with pytest.raises(ModelStoreError, match="nothing to roll back"):
        store.rollback()
    with pytest.raises(ModelStoreError, match="linear-9 is not installed"):
        store.use("linear-9")


def test_pull_fetches_the_hosts_latest_bundle(
    tmp_path: Path, second_bundle_dir, host_public_key
) -> None:
    archive = pack_bundle(second_bundle_dir, tmp_path / "b.tar.gz").read_bytes()
    seen = []

    def host(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers.get("authorization")))
        if request.url.path == "/api/v1/models/latest":
            return httpx.Response(200, json={"version": "linear-2"})
        if request.url.path == "/api/v1/models/linear-2/bundle":
            return httpx.Response(200, content=archive)
        return httpx.Response(404, json={"detail": "no such model"})

    store = ModelStore(tmp_path / "models", [host_public_key])
    with httpx.Client(transport=httpx.MockTransport(host)) as client:
        assert store.pull("http://host", "tok", client).manifest.version == "linear-2"
        store.pull("http://host", "tok", client)  # already installed: no second download
    assert [path for path, _ in seen].count("/api/v1/models/linear-2/bundle") == 1
    assert all(auth == "Bearer tok" for _, auth in seen)


# -- crafted and forged bundles ---------------------------------------------------------------


def _craft(src: Path, out: Path, sign: Callable[[bytes], bytes] | None, **changes: Any) -> Path:
    """A copy of bundle `src` with manifest fields changed, every sha256 still valid, written
    byte for byte as an attacker would (no validation), signed by `sign` if given."""
    out.mkdir(parents=True)
    for name in read_bundle(src).files:
        shutil.copy(src / name, out / name)
    manifest = {**json.loads((src / MANIFEST_NAME).read_text()), **changes}
    data = json.dumps(manifest).encode()  # writes inf as Infinity, as json.loads reads it
    (out / MANIFEST_NAME).write_bytes(data)
    if sign is not None:
        (out / SIGNATURE_NAME).write_bytes(sign(data))
    return out


def _tree(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"version": "./../../../x"}, "not a safe name"),
        ({"version": "../x"}, "not a safe name"),
        ({"version": "a/b"}, "not a safe name"),
        ({"version": "v" * 300}, "not a safe name"),
        ({"sample_rate_hz": float("inf")}, "sample_rate_hz: Input should be a finite number"),
        ({"window_s": 1e12}, "window_s"),
        ({"hop_s": 1e-9}, "under one sample"),
        (
            {
                "labels": ["sprint", "pass", "background"],
                "events": {"thresholds": {"sprint": 0.5}, "nms_s": 1.5},
            },
            "9 outputs for 3 labels",
        ),
    ],
)
def test_crafted_bundle_signed_by_the_host_writes_nothing_and_the_model_stays(
    tmp_path: Path, trained_bundle_dir, second_bundle_dir, sign, host_public_key, changes, message
) -> None:
    store = ModelStore(tmp_path / "club" / "models", [host_public_key])
    store.install(trained_bundle_dir)
    crafted = _craft(second_bundle_dir, tmp_path / "usb" / "crafted", sign, **changes)
    before = _tree(tmp_path)
    with pytest.raises(BundleError, match=message):
        store.install(crafted)
    assert _tree(tmp_path) == before  # nothing written anywhere, inside the store or out
    assert store.current_version == "linear-1"


def test_infinite_normalisation_mean_is_refused(
    tmp_path: Path, second_bundle_dir, sign, host_public_key
) -> None:
    manifest = json.loads((second_bundle_dir / MANIFEST_NAME).read_text())
    mean = [float("inf"), *manifest["normalisation"]["mean"][1:]]
    crafted = _craft(
        second_bundle_dir,
        tmp_path / "crafted",
        sign,
        normalisation={**manifest["normalisation"], "mean": mean},
    )
    with pytest.raises(BundleError, match=r"normalisation\.mean\.0: Input should be a finite"):
        ModelStore(tmp_path / "models", [host_public_key]).install(crafted)


def test_unsigned_wrongly_signed_and_tampered_bundles_are_refused_and_the_model_stays(
    tmp_path: Path, trained_bundle_dir, second_bundle_dir, sign, host_public_key
) -> None:
    store = ModelStore(tmp_path / "models", [host_public_key])
    store.install(trained_bundle_dir)
    unsigned = _craft(second_bundle_dir, tmp_path / "unsigned", None)
    with pytest.raises(SignatureError, match="unsigned"):
        store.install(unsigned)
    stranger = partial(sign_manifest, Ed25519PrivateKey.generate())
    with pytest.raises(SignatureError, match="does not trust"):
        store.install(_craft(second_bundle_dir, tmp_path / "foreign", stranger))
    tampered = _craft(second_bundle_dir, tmp_path / "tampered", sign)
    manifest = json.loads((tampered / MANIFEST_NAME).read_text())
    manifest["events"]["thresholds"]["shot"] = 0.01  # every hash still matches
    (tampered / MANIFEST_NAME).write_text(json.dumps(manifest))
    with pytest.raises(SignatureError, match="altered after it was signed"):
        store.install(tampered)
    assert store.current_version == "linear-1"
    assert [m.version for m in store.list()] == ["linear-1"]


def test_a_sideline_that_was_never_paired_refuses_signed_bundles_too(
    tmp_path: Path, trained_bundle_dir
) -> None:
    with pytest.raises(SignatureError, match="no host key.*edge pair --host"):
        ModelStore(tmp_path / "models").install(trained_bundle_dir)


def test_allow_unsigned_installs_and_says_why(tmp_path: Path, second_bundle_dir) -> None:
    told: list[SignatureError] = []
    store = ModelStore(tmp_path / "models")
    unsigned = _craft(second_bundle_dir, tmp_path / "unsigned", None)
    assert store.install(unsigned, allow_unsigned=told.append).manifest.version == "linear-2"
    assert len(told) == 1 and "unsigned" in str(told[0])
    # the semantic checks still hold for an unsigned bundle
    crafted = _craft(second_bundle_dir, tmp_path / "crafted", None, version="../x")
    with pytest.raises(BundleError, match="not a safe name"):
        store.install(crafted, allow_unsigned=told.append)


def test_installed_bundle_keeps_its_signature_and_repacks_signed(
    tmp_path: Path, trained_bundle_dir, host_public_key
) -> None:
    store = ModelStore(tmp_path / "models", [host_public_key])
    store.install(trained_bundle_dir)
    installed = store.versions_dir / "linear-1"
    assert (installed / SIGNATURE_NAME).read_bytes() == (
        trained_bundle_dir / SIGNATURE_NAME
    ).read_bytes()
    again = ModelStore(tmp_path / "other", [host_public_key])
    again.install(pack_bundle(installed, tmp_path / "copy.tar.gz"))
    assert again.current_version == "linear-1"


def test_rotated_key_is_learned_from_the_endorsement_the_bundle_carries(
    tmp_path: Path, second_bundle_dir, host_key, host_public_key
) -> None:
    new_key = Ed25519PrivateKey.generate()
    chain = [endorse(host_key, public_key_text(new_key))]
    signed_by_new = partial(sign_manifest, new_key, endorsements=chain)
    store = ModelStore(tmp_path / "models", [host_public_key])
    store.install(_craft(second_bundle_dir, tmp_path / "rotated", signed_by_new))
    assert store.trusted_keys == [host_public_key, public_key_text(new_key)]
    # An endorsement by a key the sideline never trusted teaches it nothing.
    stranger = Ed25519PrivateKey.generate()
    other = ModelStore(tmp_path / "other", [host_public_key])
    vouched = partial(
        sign_manifest, new_key, endorsements=[endorse(stranger, public_key_text(new_key))]
    )
    with pytest.raises(SignatureError, match="does not trust"):
        other.install(_craft(second_bundle_dir, tmp_path / "vouched", vouched))
    assert other.trusted_keys == [host_public_key]


@pytest.mark.parametrize("version", ["../../outside", "a/b", "..", "x" * 300])
def test_use_and_state_never_reach_outside_the_store(
    tmp_path: Path, trained_bundle_dir, host_public_key, version: str
) -> None:
    store = ModelStore(tmp_path / "models", [host_public_key])
    store.install(trained_bundle_dir)
    with pytest.raises(BundleError, match="not a safe name"):
        store.use(version)
    (store.root / "state.json").write_text(json.dumps({"current": version, "previous": None}))
    with pytest.raises(BundleError, match="not a safe name"):
        store.load()


def test_pull_refuses_a_host_naming_an_unsafe_version(tmp_path: Path) -> None:
    def host(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"version": "../../../evil"})

    store = ModelStore(tmp_path / "store" / "models")
    before = _tree(tmp_path)
    with httpx.Client(transport=httpx.MockTransport(host)) as client:
        with pytest.raises(BundleError, match="not a safe name"):
            store.pull("http://host", "tok", client)
    assert _tree(tmp_path) == before


def test_a_manifest_whose_channels_the_model_cannot_take_is_refused(
    tmp_path: Path, second_bundle_dir, sign, host_public_key
) -> None:
    manifest = json.loads((second_bundle_dir / MANIFEST_NAME).read_text())
    speed = {"name": "speed_mps", "unit": "m/s", "optional": True, "lowpass_hz": 2.0}
    norm = manifest["normalisation"]
    crafted = _craft(
        second_bundle_dir,
        tmp_path / "crafted",
        sign,
        channels=[*manifest["channels"], speed],
        normalisation={"mean": [*norm["mean"], 0.0], "std": [*norm["std"], 1.0]},
    )
    with pytest.raises(BundleError, match=r"model\.onnx: cannot run a \(1, 13, 600\) window"):
        ModelStore(tmp_path / "models", [host_public_key]).install(crafted)


@settings(max_examples=300, deadline=None)
@given(version=st.text(min_size=0, max_size=80))
def test_no_version_string_names_a_directory_outside_the_store(version: str) -> None:
    store = ModelStore(Path("club") / "models")
    try:
        target = store._version_dir(version)
    except BundleError:
        return
    assert target.parent == store.versions_dir.resolve()
    assert target.name == version
