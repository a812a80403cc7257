"""Installed model bundles: install, list, use, roll back, pull from the host.

Layout under the models directory:

    versions/<version>/    one verified bundle per version (manifest.json + files)
    state.json             {"current": ..., "previous": ...}

A bundle is verified before anything is written: `edge.bundle.read_bundle` (schema, a
manifest that makes sense, sha256 of every file), the host's signature against the keys
this sideline trusts (`edge.signing`), and `edge.bundle.check_model` (the models load and
give one score per label). It is then unpacked into a temporary directory and moved into
place with one rename, and only then made current by atomically replacing `state.json`.
So a corrupt, forged or unusable bundle is refused with the old one still in use, and a
crash mid-install leaves the previous state intact. Every version directory is resolved
and checked to lie directly under `versions/`, whatever a manifest, `state.json` or the
host says. The bundle in use is verified again every time it is loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from edge.bundle import (
    MANIFEST_NAME,
    SIGNATURE_NAME,
    Bundle,
    BundleError,
    check_model,
    check_version,
    read_bundle,
)
from edge.signing import SignatureError, verify_manifest
from firmware_bridge.errors import UserError

LATEST_PATH = "/api/v1/models/latest"
BUNDLE_PATH = "/api/v1/models/{version}/bundle"


class ModelStoreError(UserError):
    """A model command cannot be done (unknown version, nothing to roll back, no host)."""


@dataclass(frozen=True)
class InstalledModel:
    version: str
    created: str
    synthetic: bool
    metrics: dict[str, float]
    current: bool
    previous: bool


class ModelStore:
    """The sideline's installed bundles under one directory.

    `trusted_keys` are the host's public keys (`EdgeConfig.host_public_keys`); a key a
    bundle's endorsement chain vouches for is appended once that bundle is installed, for
    the caller to save."""

    def __init__(self, root: Path | str, trusted_keys: Sequence[str] = ()) -> None:
        self.root = Path(root)
        self.versions_dir = self.root / "versions"
        self._state_path = self.root / "state.json"
        self.trusted_keys = list(trusted_keys)

    def _version_dir(self, version: str) -> Path:
        """Where `version` lives: a safe slug, resolved and checked to stay in versions/."""
        check_version(version)
        versions = self.versions_dir.resolve()
        target = (versions / version).resolve()
        if target.parent != versions:
            raise BundleError(f"version {version!r} would lie outside {versions}")
        return target

    # -- state --------------------------------------------------------------------------

    def _state(self) -> dict[str, str | None]:
        if not self._state_path.exists():
            return {"current": None, "previous": None}
        try:
            state = json.loads(self._state_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelStoreError(f"{self._state_path}: unreadable ({exc})") from exc
        return {"current": state.get("current"), "previous": state.get("previous")}

    def _write_state(self, current: str | None, previous: str | None) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self._state_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps({"current": current, "previous": previous}), encoding="utf-8")
        os.replace(tmp, self._state_path)

    @property
    def current_version(self) -> str | None:
        return self._state()["current"]

    @property
    def previous_version(self) -> str | None:
        return self._state()["previous"]

    # -- commands -----------------------------------------------------------------------

    def install(
        self,
        source: Path | str,
        make_current: bool = True,
        allow_unsigned: Callable[[SignatureError], None] | None = None,
    ) -> Bundle:
        """Verify a bundle (directory or .tar.gz), install it and, by default, use it.

        Raises `BundleError` for a bad bundle (`SignatureError` for an unsigned or wrongly
        signed one); nothing installed changes then. With `allow_unsigned` (local
        development only) a bundle whose signature does not verify is installed anyway and
        `allow_unsigned` is told why, so the caller can say so loudly.
        """
        bundle = read_bundle(source)
        learned = self._check_signature(bundle, allow_unsigned)
        check_model(bundle)
        version = bundle.manifest.version
        target = self._version_dir(version)
        if target.exists():
            installed = read_bundle(target)
            if installed.manifest.files != bundle.manifest.files:
                raise BundleError(
                    f"{source}: version {version} is already installed with different files; "
                    "a new model needs a new version"
                )
        else:
            self.versions_dir.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.versions_dir))
            try:
                for name, data in bundle.files.items():
                    (staging / name).write_bytes(data)
                (staging / MANIFEST_NAME).write_bytes(bundle.manifest_bytes)
                if bundle.signature is not None:
                    (staging / SIGNATURE_NAME).write_bytes(bundle.signature)
                read_bundle(staging)  # what landed on disk verifies too
                os.rename(staging, target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
        if make_current and self.current_version != version:
            self._write_state(version, self.current_version)
        self.trusted_keys += [key for key in learned if key not in self.trusted_keys]
        return read_bundle(target)

    def _check_signature(
        self, bundle: Bundle, allow_unsigned: Callable[[SignatureError], None] | None
    ) -> tuple[str, ...]:
        """Keys learned from the bundle's endorsement chain; raise unless it verifies."""
        try:
            verified = verify_manifest(bundle.manifest_bytes, bundle.signature, self.trusted_keys)
            return verified.learned
        except SignatureError as exc:
            if allow_unsigned is None:
                raise SignatureError(f"{bundle.source}: {exc}") from exc
            allow_unsigned(exc)
            return ()

    def use(self, version: str) -> Bundle:
        """Make an installed version current; the one in use becomes the rollback target."""
        bundle = self.load(version)
        if self.current_version != version:
            self._write_state(version, self.current_version)
        return bundle

    def rollback(self) -> Bundle:
        """Go back to the version used before the current one."""
        state = self._state()
        if state["previous"] is None:
            raise ModelStoreError("nothing to roll back to: only one model has been in use")
        bundle = self.load(state["previous"])
        self._write_state(state["previous"], state["current"])
        return bundle

    def load(self, version: str | None = None) -> Bundle:
        """Read and verify an installed bundle (the current one by default)."""
        version = version or self.current_version
        if version is None:
            raise ModelStoreError(
                "no model installed: run `edge models pull` or `edge models install BUNDLE`"
            )
        target = self._version_dir(version)
        if not target.is_dir():
            known = ", ".join(m.version for m in self.list()) or "none"
            raise ModelStoreError(f"model {version} is not installed (installed: {known})")
        return read_bundle(target)

    def list(self) -> list[InstalledModel]:
        """Installed versions, newest first by creation time."""
        state = self._state()
        models = []
        if self.versions_dir.is_dir():
            for path in self.versions_dir.iterdir():
                if not path.is_dir() or path.name.startswith("."):
                    continue
                try:
                    manifest = read_bundle(path).manifest
                except BundleError:
                    continue  # damaged on disk: `load` names the problem if it is asked for
                models.append(
                    InstalledModel(
                        manifest.version,
                        manifest.created,
                        manifest.synthetic,
                        manifest.metrics,
                        current=manifest.version == state["current"],
                        previous=manifest.version == state["previous"],
                    )
                )
        return sorted(models, key=lambda m: m.created, reverse=True)

    def pull(self, host_url: str | None, token: str | None, client: httpx.Client) -> Bundle:
        """Fetch the host's latest bundle if it is not installed yet, verify (signature
        included: a pulled bundle is never installed unsigned) and use it."""
        if not host_url:
            raise ModelStoreError("no host configured: run `edge pair --host URL --code CODE`")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        base = host_url.rstrip("/")
        try:
            latest = client.get(base + LATEST_PATH, headers=headers)
            latest.raise_for_status()
            version = check_version(str(latest.json()["version"]))
            if self._version_dir(version).is_dir():
                return self.use(version)
            download = client.get(base + BUNDLE_PATH.format(version=version), headers=headers)
            download.raise_for_status()
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise ModelStoreError(f"cannot fetch the latest model from {base}: {exc}") from exc
        self.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root) as tmp:
            archive = Path(tmp) / f"{version}.tar.gz"
            archive.write_bytes(download.content)
            return self.install(archive)
