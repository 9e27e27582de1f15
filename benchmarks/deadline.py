"""Bound one benchmark measurement in time, so a case that does not finish is reported as such
("not finished in N s") instead of being waited out."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


class Unfinished(TimeoutError):
    """A measurement stopped by its deadline (its own class: a driver's socket timeout is not one)."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise Unfinished in the block after `seconds` (SIGALRM: main thread only); None or 0: no
    bound."""
    if not seconds:
        yield
        return

    def stop(*_: object) -> None:
        raise Unfinished

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
