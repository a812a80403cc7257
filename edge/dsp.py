"""Signal processing shared by the sideline and the trainer (paper Eq. 1-2, section 3).

The edge and the host must filter, normalise and resample identically, or a model trained
on the host sees different inputs from the ones it is served on the pitch; so this module
is the only implementation. numpy and scipy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import signal

from firmware_bridge.errors import UserError

# Default filter settings (paper Eq. 1, DESIGN contract 3). A 4th-order Butterworth run
# forwards and backwards has zero phase, so action peaks do not shift in time.
FILTER_ORDER = 4
IMU_CUTOFF_HZ = 20.0  # keeps kicks and landings (energy mostly < 15 Hz), drops sensor jitter
GPS_CUTOFF_HZ = 2.0  # GPS speed changes slower than 2 Hz; above that is receiver noise

# Stability term of the z-score (paper Eq. 2: (x - mu) / (sigma + eps)). Small against
# every unit we use (g, deg/s, m/s, bpm), so it only matters for a constant channel.
NORMALISER_EPS = 1e-6

# The paper's common time grid for fusing modalities (section 3: 0.2 s).
FUSION_STEP_S = 0.2


class SignalError(UserError, ValueError):
    """A signal or a processing setting that cannot be used, with what was wrong."""


@lru_cache(maxsize=64)
def _butterworth(order: int, cutoff_hz: float, rate_hz: float) -> np.ndarray:
    return signal.butter(order, cutoff_hz, btype="lowpass", fs=rate_hz, output="sos")


def lowpass(
    x: np.ndarray, rate_hz: float, cutoff_hz: float, order: int = FILTER_ORDER, axis: int = -1
) -> np.ndarray:
    """Zero-phase Butterworth low-pass along `axis` (paper Eq. 1).

    Signals shorter than scipy's default edge padding (3 x filter length, 15 samples at
    order 4) are filtered with the padding cut to `length - 1` rather than refused, so a
    short heart-rate window still goes through the same code; the ends of such a signal
    are less smoothed than its middle. Floating inputs keep their dtype.
    """
    x = np.asarray(x)
    if rate_hz <= 0:
        raise SignalError(f"rate_hz must be positive, got {rate_hz}")
    if not 0 < cutoff_hz < rate_hz / 2:
        raise SignalError(
            f"cutoff_hz must lie between 0 and the Nyquist frequency {rate_hz / 2:g} Hz, "
            f"got {cutoff_hz:g} Hz"
        )
    if order < 1:
        raise SignalError(f"order must be at least 1, got {order}")
    length = x.shape[axis]
    if length == 0:
        raise SignalError("cannot filter an empty signal")
    sos = _butterworth(order, float(cutoff_hz), float(rate_hz))
    # scipy's own default pad (3 x effective taps), cut to fit a short signal.
    taps = 2 * len(sos) + 1 - min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum())
    default_pad = 3 * int(taps)
    y = signal.sosfiltfilt(sos, x, axis=axis, padlen=min(default_pad, length - 1))
    return y.astype(x.dtype, copy=False) if np.issubdtype(x.dtype, np.floating) else y


def lowpass_finite_runs(
    x: np.ndarray, rate_hz: float, cutoff_hz: float, order: int = FILTER_ORDER
) -> np.ndarray:
    """`lowpass` of a 1-D series with unknown (NaN) stretches, each finite run on its own.

    One NaN would make the whole filtered series NaN; filtering the runs apart keeps what
    is known and leaves what is not NaN, never a made-up value.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise SignalError(f"x must be 1-D, got shape {x.shape}")
    out = np.full_like(x, np.nan)
    for start, end in runs_of_true(np.isfinite(x)).tolist():
        run = x[start:end]
        out[start:end] = lowpass(run, rate_hz, cutoff_hz, order) if len(run) > 1 else run
    return out


@dataclass(frozen=True, eq=False)
class Normaliser:
    """Per-channel z-score with statistics from the training split only (paper Eq. 2).

    `axis` is the channel axis; the default -2 fits both a batch `(N, C, T)` and a single
    window `(C, T)`, and `fit` stores its axis counted from the end for the same reason.
    The statistics travel in the model bundle manifest (`to_dict`).
    """

    mean: np.ndarray
    std: np.ndarray
    axis: int = -2
    eps: float = NORMALISER_EPS

    def __post_init__(self) -> None:
        mean = np.asarray(self.mean, dtype=np.float64)
        std = np.asarray(self.std, dtype=np.float64)
        if mean.ndim != 1 or mean.shape != std.shape:
            raise SignalError(
                f"mean and std must be 1-D and the same length, got {mean.shape} and {std.shape}"
            )
        if np.any(std < 0) or not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std))):
            raise SignalError("mean and std must be finite and std non-negative")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)

    @classmethod
    def fit(
        cls,
        x: np.ndarray,
        axis: int = -2,
        valid: np.ndarray | None = None,
        eps: float = NORMALISER_EPS,
    ) -> Normaliser:
        """Channel means and standard deviations over every other axis of `x`.

        `valid` (broadcastable to `x`) leaves out missing samples, which are stored as
        zeros and would otherwise drag the mean towards 0.
        """
        x = np.asarray(x, dtype=np.float64)
        mask = np.ones(x.shape, dtype=bool) if valid is None else np.broadcast_to(valid, x.shape)
        values = np.moveaxis(x, axis, 0).reshape(x.shape[axis], -1)
        keep = np.moveaxis(mask, axis, 0).reshape(x.shape[axis], -1)
        counts = keep.sum(axis=1)
        if np.any(counts == 0):
            empty = np.flatnonzero(counts == 0).tolist()
            raise SignalError(f"no valid samples to fit channels {empty}")
        mean = np.where(keep, values, 0.0).sum(axis=1) / counts
        var = np.where(keep, (values - mean[:, None]) ** 2, 0.0).sum(axis=1) / counts
        from_end = axis - x.ndim if axis >= 0 else axis
        return cls(mean=mean, std=np.sqrt(var), axis=from_end, eps=eps)

    def _shape_for(self, x: np.ndarray) -> tuple[int, ...]:
        channels = x.shape[self.axis]
        if channels != self.mean.size:
            raise SignalError(
                f"input has {channels} channels on axis {self.axis}, "
                f"normaliser has {self.mean.size}"
            )
        shape = [1] * x.ndim
        shape[self.axis] = channels
        return tuple(shape)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """(x - mean) / (std + eps), channel-wise; floating inputs keep their dtype."""
        x = np.asarray(x)
        shape = self._shape_for(x)
        y: np.ndarray = (x - self.mean.reshape(shape)) / (self.std.reshape(shape) + self.eps)
        return y.astype(x.dtype, copy=False) if np.issubdtype(x.dtype, np.floating) else y

    def invert(self, z: np.ndarray) -> np.ndarray:
        """Back to physical units (for showing model inputs to staff)."""
        z = np.asarray(z)
        shape = self._shape_for(z)
        x: np.ndarray = z * (self.std.reshape(shape) + self.eps) + self.mean.reshape(shape)
        return x

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for the bundle manifest."""
        return {
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
            "axis": self.axis,
            "eps": self.eps,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Normaliser:
        """Inverse of `to_dict`; a missing or malformed field is a `SignalError`."""
        try:
            return cls(
                mean=np.asarray(data["mean"], dtype=np.float64),
                std=np.asarray(data["std"], dtype=np.float64),
                axis=int(data.get("axis", -2)),
                eps=float(data.get("eps", NORMALISER_EPS)),
            )
        except SignalError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise SignalError(f"normalisation block is malformed: {exc!r}") from exc


def resample_linear(t: np.ndarray, x: np.ndarray, t_new: np.ndarray, axis: int = -1) -> np.ndarray:
    """Linear interpolation of `x` (sampled at times `t` along `axis`) onto `t_new`.

    Same values as `np.interp` channel by channel (ends held outside `t`), done once for
    all channels. `t` must be strictly increasing.
    """
    t = np.asarray(t, dtype=np.float64)
    t_new = np.asarray(t_new, dtype=np.float64)
    x = np.asarray(x)
    if t.ndim != 1 or t_new.ndim != 1:
        raise SignalError("t and t_new must be 1-D time vectors")
    if x.shape[axis] != t.size:
        raise SignalError(f"x has {x.shape[axis]} samples on axis {axis} but t has {t.size}")
    if t.size == 0:
        raise SignalError("cannot resample an empty signal")
    if t.size > 1 and np.any(np.diff(t) <= 0):
        raise SignalError("sample times t must be strictly increasing")
    moved = np.moveaxis(x, axis, -1).astype(np.float64, copy=False)
    if t.size == 1:
        out = np.broadcast_to(moved, (*moved.shape[:-1], t_new.size)).copy()
    else:
        left = np.clip(np.searchsorted(t, t_new, side="right") - 1, 0, t.size - 2)
        weight = np.clip((t_new - t[left]) / (t[left + 1] - t[left]), 0.0, 1.0)
        out = moved[..., left] * (1.0 - weight) + moved[..., left + 1] * weight
    out = np.moveaxis(out, -1, axis)
    return out.astype(x.dtype, copy=False) if np.issubdtype(x.dtype, np.floating) else out


# Resampling onto a slower grid low-passes first (anti-aliasing): a stream counts as
# faster than the grid beyond this fraction (a 104 Hz Movesense on a 100 Hz grid does not),
# and the grid is padded by scipy's polyphase filter half-length (10 output samples) so
# the window's own samples never see the filter's edges.
ALIAS_RATE_TOLERANCE = 0.05
ANTI_ALIAS_PAD_SAMPLES = 10


@lru_cache(maxsize=16)
def _anti_alias_taps(factor: int) -> np.ndarray:
    """The FIR `signal.resample_poly` designs for decimating by `factor` (its default
    Kaiser window, beta 5), designed once rather than on every window."""
    half = ANTI_ALIAS_PAD_SAMPLES * factor
    taps: np.ndarray = signal.firwin(2 * half + 1, 1.0 / factor, window=("kaiser", 5.0))
    taps.flags.writeable = False
    return taps


def resample_to_grid(t: np.ndarray, x: np.ndarray, grid: np.ndarray, axis: int = -1) -> np.ndarray:
    """`x` sampled at times `t` (strictly increasing, any rate) onto the uniform `grid`.

    A stream no faster than the grid is interpolated linearly (`resample_linear`). A
    faster one (a 200 Hz Polar H10 onto a 100 Hz model) would fold everything above the
    grid's Nyquist frequency back into the band the model reads; so it is first put on
    a uniform grid M times as fine as the target and aligned with it (M the smallest
    whole number with M times the grid's rate at least the stream's), then decimated by
    M with scipy's polyphase anti-aliasing FIR (`signal.resample_poly`'s own design,
    Kaiser window, made once per M), which keeps the target grid's points exactly. The
    stream's rate is its median sample spacing, so device clock jitter and drift do not
    matter. Reads up to `ANTI_ALIAS_PAD_SAMPLES` grid periods of `t` beyond each end of
    `grid`, holding the ends where `t` stops short.
    """
    t = np.asarray(t, dtype=np.float64)
    grid = np.asarray(grid, dtype=np.float64)
    if grid.ndim != 1 or grid.size < 2 or t.ndim != 1 or t.size < 2:
        return resample_linear(t, x, grid, axis=axis)
    step = float(grid[1] - grid[0])
    if step <= 0:
        raise SignalError("grid times must be increasing")
    spacing = float(np.median(np.diff(t)))
    if spacing <= 0:
        raise SignalError("sample times t must be strictly increasing")
    ratio = step / spacing  # the stream's rate over the grid's
    if ratio <= 1.0 + ALIAS_RATE_TOLERANCE:
        return resample_linear(t, x, grid, axis=axis)
    factor = int(np.ceil(ratio - ALIAS_RATE_TOLERANCE))
    pad = ANTI_ALIAS_PAD_SAMPLES
    fine_count = (grid.size + 2 * pad) * factor
    fine = grid[0] - pad * step + np.arange(fine_count) * (step / factor)
    dense = resample_linear(t, x, fine, axis=axis)
    taps = _anti_alias_taps(factor).copy()  # resample_poly scales its filter in place
    # scipy takes the FIR's coefficients as `window`; scipy-stubs lists only window names.
    decimated = signal.resample_poly(  # type: ignore[call-overload]
        dense, 1, factor, axis=axis, window=taps, padtype="line"
    )
    kept = np.take(decimated, np.arange(pad, pad + grid.size), axis=axis)
    x = np.asarray(x)
    return kept.astype(x.dtype, copy=False) if np.issubdtype(x.dtype, np.floating) else kept


def fusion_grid(start_s: float, end_s: float, step_s: float = FUSION_STEP_S) -> np.ndarray:
    """Times `start_s, start_s + step_s, ...` up to but excluding `end_s`.

    Half-open, so consecutive spans tile without a shared point: an 8 s stored clip gives
    40 points at 0.2 s. Computed as start + k*step, so no rounding drift builds up.
    """
    if step_s <= 0:
        raise SignalError(f"step_s must be positive, got {step_s}")
    if end_s < start_s:
        raise SignalError(f"end_s ({end_s}) is before start_s ({start_s})")
    count = int(np.ceil((end_s - start_s) / step_s - 1e-9))
    return start_s + step_s * np.arange(max(count, 0), dtype=np.float64)


def runs_of_true(mask: np.ndarray) -> np.ndarray:
    """`(k, 2)` start (inclusive) and end (exclusive) indices of each run of True in a 1-D mask."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 1:
        raise SignalError(f"mask must be 1-D, got shape {mask.shape}")
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.column_stack((np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))
