"""The options every model command shares (train, ablate, evaluate, distill, nightly):
where it computes and how clips are fed. Left out, each comes from the settings
(TOUCHLINE_DEVICE, TOUCHLINE_PRECISION, TOUCHLINE_LOADER_WORKERS,
TOUCHLINE_STREAM_CACHE_MB), so a club's server is configured once (docs/host.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from host.device import Compute
    from host.settings import Settings

DeviceOption = Annotated[
    str | None,
    typer.Option(
        "--device",
        help="Where to compute: auto (the first CUDA GPU if there is one, else the CPU), "
        "cpu, cuda or cuda:N. On a CPU-only machine auto and cpu give the same results. "
        "Default: TOUCHLINE_DEVICE, else auto.",
    ),
]
PrecisionOption = Annotated[
    str | None,
    typer.Option(
        "--precision",
        help="fp32, or bf16 autocast on CUDA (measured slower than fp32 at this model's "
        "size). Default: TOUCHLINE_PRECISION, else fp32.",
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=0,
        help="Processes reading and preparing clips ahead of the model (0: this one). "
        "Default: TOUCHLINE_LOADER_WORKERS, else 0.",
    ),
]
CacheOption = Annotated[
    float | None,
    typer.Option(
        "--cache-mb",
        min=0,
        help="Clips stream from their shards, at most this many MB of prepared clips kept "
        "per process; 0 prepares every clip in memory up front. Results are the same "
        "either way. Default: TOUCHLINE_STREAM_CACHE_MB, else 1024.",
    ),
]


def chosen_compute(
    settings: Settings, device: str | None, precision: str | None, workers: int | None
) -> Compute:
    """The command's options over the settings, checked once."""
    from host.device import Compute

    return Compute.choose(
        device if device is not None else settings.device,
        precision if precision is not None else settings.precision,
        workers if workers is not None else settings.loader_workers,
    )


def chosen_cache_mb(settings: Settings, cache_mb: float | None) -> float:
    """--cache-mb, else the settings' stream cache."""
    return cache_mb if cache_mb is not None else settings.stream_cache_mb
