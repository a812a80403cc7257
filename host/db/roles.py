"""Who a token is for. Its own module, without SQLAlchemy, so `touchline token create
--help` can list the roles without loading the database stack."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    DEVICE = "device"
    STAFF = "staff"
