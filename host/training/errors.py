"""The one error training raises for unusable input."""


class TrainingError(RuntimeError):
    """Training cannot start or go on (unusable data, missing checkpoint for --resume)."""
