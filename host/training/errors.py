"""The one error training raises for unusable input."""

from firmware_bridge.errors import UserError


class TrainingError(UserError, RuntimeError):
    """Training cannot start or go on (unusable data, missing checkpoint for --resume)."""
