"""The host app on a real database, as the API tests run it, with a staff session helper."""

from __future__ import annotations

from tests.host.api.conftest import client, make_token, settings  # noqa: F401
