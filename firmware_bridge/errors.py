"""The one exception type for bytes that are not a valid sensor message."""

from __future__ import annotations


class FrameError(ValueError):
    """Bytes that cannot be decoded; `reason` is a short code read loops count by.

    Codes: truncated, oversized, bad_length, bad_version, unknown_kind, bad_crc, bad_range,
    bad_value, bad_cobs, bad_checksum, bad_header, parse_error.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
