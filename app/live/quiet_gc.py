"""When the garbage collector's full passes run: in a quiet moment, not in the middle of a fan-out.

A full (generation 2) pass walks every object the process holds; with 100 open clients it stops the
event loop for 0.2–0.35 s. Left to CPython's thresholds it fires whenever enough allocations have
piled up, which is typically while one change is being sent to every client (those allocate the
most): the change then reaches everybody a quarter second late (measured by ``bench/fanout.py
--verbose``, which lists the passes). So automatic full passes are switched off and this module runs
them itself, at most every ``every`` seconds, once no change has gone out for ``quiet`` seconds
(or after ``longest`` seconds whatever happens, so a shop that is never quiet still collects).
Generations 0 and 1, which are cheap, stay automatic.

After each full pass, the C heap's free memory goes back to the system (:func:`release_free_memory`): a report of a
million bookings builds a few hundred MB of arrays that are freed after, but glibc's allocator kept 77–135 MB of
them in the process (measured with ``bench/analytics.py --sessions``; the trim itself took 5 ms).
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

NEVER = 1_000_000_000
"""A generation-2 threshold no process reaches: automatic full passes never start."""


@dataclass
class QuietCollector:
    """Schedules full collections (times in seconds, from :func:`time.monotonic`)."""

    every: float = 30.0
    quiet: float = 2.0
    longest: float = 300.0
    last_change: float = field(default_factory=time.monotonic)
    last_collection: float = field(default_factory=time.monotonic)
    durations: list[float] = field(default_factory=list)

    def changed(self) -> None:
        """A change is being sent to the clients now."""
        self.last_change = time.monotonic()

    def due(self, now: float) -> bool:
        """Whether a full pass should run at ``now``."""
        since = now - self.last_collection
        return since >= self.longest or (since >= self.every and now - self.last_change >= self.quiet)

    def collect_if_due(self) -> bool:
        """Run a full pass if one is due; returns whether it ran."""
        now = time.monotonic()
        if not self.due(now):
            return False
        gc.collect()
        release_free_memory()
        self.last_collection = time.monotonic()
        self.durations = [*self.durations[-99:], self.last_collection - now]
        return True

    async def run(self, period: float = 1.0) -> None:
        """Check every ``period`` seconds, for as long as the event loop runs."""
        while True:
            await asyncio.sleep(period)
            try:
                self.collect_if_due()
            except Exception:  # a collector that stops would let memory grow unnoticed: log and go on
                log.exception('scheduled garbage collection failed')


def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS, Windows)."""
    try:
        return getattr(ctypes.CDLL(None), 'malloc_trim', None)
    except OSError:
        return None


_trim = _malloc_trim()


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system (``malloc_trim(0)``, https://man7.org/linux/man-pages/man3/
    malloc_trim.3.html): what pandas and numpy freed stays counted in the process's resident memory otherwise.
    Returns False where the C library has no such call (nothing done)."""
    if _trim is None:
        return False
    _trim(0)
    return True


collector = QuietCollector()
"""The process's collector (``live`` tells it of every change)."""


def take_over() -> None:
    """Switch off automatic full passes (the first two generations stay automatic); call at start-up,
    together with starting :meth:`QuietCollector.run` on the event loop."""
    first, second, _ = gc.get_threshold()
    gc.set_threshold(first, second, NEVER)
