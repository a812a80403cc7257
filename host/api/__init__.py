"""The host HTTP API (contract 6): FastAPI under /api/v1, one module per resource."""

from host.api.app import create_app

__all__ = ["create_app"]
