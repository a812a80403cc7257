"""The root of every error Touchline raises, the exception type for bytes that are not a
valid sensor message, and the rule that turns any failure on one input into that input's
counted reject.

The root lives here, in the lowest package, so that edge and host (which may import
firmware_bridge, never the other way: tests/test_layering.py) derive from the same two
classes:

- `TouchlineError`: anything Touchline raises on purpose. Caught by callers that handle
  "any of ours"; one that is not also a `UserError` is the program's own business (a
  broken invariant, a signal between layers) and keeps its traceback.
- `UserError`: the cause is outside the program and the person running it can act on it:
  an argument or option, a file, a dataset, the configuration, the store, a device, the
  host, a missing optional install. The message says what and where; a command prints it
  as one line and ends with `exit_code` (edge/cli/errors.py), as click's ClickException
  carries its own.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

_log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

# The reason of a failure no check anticipated: a decoder bug, never the input's fault alone.
DECODER_ERROR = "decoder_error"


class TouchlineError(Exception):
    """Root of every exception Touchline raises on purpose."""


class UserError(TouchlineError):
    """An error the user can fix (input, files, configuration, environment); its message
    names what and where.

    `exit_code`: 1 by default (the work was refused); 2 for an argument, an option or the
    sideline's configuration that cannot be used; 3 for a missing optional install.
    """

    exit_code: int = 1


class FrameError(UserError, ValueError):
    """Bytes that cannot be decoded; `reason` is a short code read loops count by.

    Codes: truncated, oversized, bad_length, bad_version, unknown_kind, bad_crc, bad_range,
    bad_value, bad_cobs, bad_checksum, bad_header, parse_error, bad_time, no_time, noise,
    refused (a device answered a start command with an error), unpaired (half of a
    message pair), decoder_error.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def reject_reason(error: Exception) -> str:
    """The reason to count one bad input by: FrameError's own, else `decoder_error`.

    Anything but a FrameError means a check is missing; it is logged with its traceback
    so it gets fixed, and the read loop goes on with the next input.
    """
    if isinstance(error, FrameError):
        return error.reason
    _log.warning("decoder failed on one input (counted as %s)", DECODER_ERROR, exc_info=error)
    return DECODER_ERROR


def frame_errors_only(decode: Callable[P, R]) -> Callable[P, R]:
    """Make a one-message decoder raise nothing but FrameError, whatever the bytes."""

    @functools.wraps(decode)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return decode(*args, **kwargs)
        except FrameError:
            raise
        except Exception as error:  # the input's reject, never a crash
            raise FrameError(reject_reason(error), f"{type(error).__name__}: {error}") from error

    return wrapper
