"""Sideline runtime: transports, clock sync, windows, inference, store, outbox. No torch."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("touchline")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
