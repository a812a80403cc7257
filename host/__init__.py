"""Trainer and server: data, models, training, evaluation, distillation, export, risk, API."""

from edge import __version__

__all__ = ["__version__"]
