"""One sensor's bounded store of timed samples: the newest kept, read back in time order."""

from __future__ import annotations

import numpy as np
import pytest

from edge.ring_buffer import RingBuffer


def test_ring_buffer_is_bounded_and_returns_samples_in_order() -> None:
    buffer = RingBuffer(capacity=50, width=2)
    for start in range(0, 200, 7):
        t = np.arange(start, start + 7) / 10
        buffer.append(t, np.stack([t, -t], axis=1))
    t, x = buffer.between(-1, 100)
    assert len(t) == 50 and np.all(np.diff(t) > 0)
    assert t[-1] == pytest.approx(20.2) and np.allclose(x[:, 1], -t)
    t, _ = buffer.between(17.0, 18.0)
    assert t[0] == pytest.approx(17.0) and t[-1] == pytest.approx(18.0)


def test_an_empty_buffer_reads_back_nothing_of_the_right_width() -> None:
    buffer = RingBuffer(capacity=8, width=6)
    t, x = buffer.between(0.0, 10.0)
    assert buffer.latest_t is None
    assert t.shape == (0,) and x.shape == (0, 6) and x.dtype == np.float32


def test_samples_not_later_than_the_newest_held_are_dropped() -> None:
    """A clock refit can map a frame's first samples onto time already buffered."""
    buffer = RingBuffer(capacity=10, width=1)
    buffer.append(np.array([1.0, 2.0, 3.0]), np.array([[1.0], [2.0], [3.0]]))
    buffer.append(np.array([2.5, 3.0, 4.0]), np.array([[9.0], [9.0], [4.0]]))
    t, x = buffer.between(0.0, 10.0)
    assert t.tolist() == [1.0, 2.0, 3.0, 4.0] and x[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_one_append_longer_than_the_buffer_keeps_its_newest_samples() -> None:
    buffer = RingBuffer(capacity=4, width=1)
    buffer.append(np.array([0.5]), np.array([[0.5]]))  # the write position is not at 0
    t = np.arange(1.0, 11.0)
    buffer.append(t, t[:, None])
    read, x = buffer.between(0.0, 20.0)
    assert read.tolist() == [7.0, 8.0, 9.0, 10.0] and x[:, 0].tolist() == read.tolist()
    assert buffer.latest_t == 10.0
