"""Is this process fit to serve? What ``GET /healthz`` answers (:mod:`app.pages.health`), for a load balancer or a
person on the shop's network:

- the database answers a trivial read (``SELECT 1``) within :data:`DATABASE_TIMEOUT` seconds;
- it takes writes: no outage (:func:`database.write_outage`, from the first write it refused as read-only or full
  until a trial write succeeds again);
- the event loop is not lagging: :data:`watch` wakes every :data:`TICK` seconds and records how late it woke; the
  worst lateness of the last :data:`LAG_WINDOW` seconds (``loop_lag_ms``) must stay under
  :attr:`Settings.healthz_loop_lag_ms`. The handler itself runs on the loop, so a loop stopped outright answers
  nothing: the proxy's timeout is the check for that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import deque
from typing import Any

from app.config import get_settings
from app.services import database

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0
"""Seconds the database's trivial read may take before the process is reported unhealthy."""
TICK = 0.1
"""Seconds between the loop watch's wake-ups: a hold-up of the loop shows as lateness less this at worst."""
LAG_WINDOW = 10.0
"""Seconds over which ``loop_lag_ms`` is the worst lateness seen."""


class LoopWatch:
    """A task on the event loop that sleeps :data:`TICK` s at a time and records how late it wakes (the loop's lag);
    during a database outage it also tries, now and then, whether writes work again (in a worker thread)."""

    def __init__(self) -> None:
        self.samples: deque[tuple[float, float]] = deque()  # (monotonic time, lateness in ms)
        self.last_wake: float | None = None

    async def run(self) -> None:
        """Watch until cancelled (started once per process when it serves)."""
        loop = asyncio.get_running_loop()
        ticks = 0
        try:
            while True:
                asked = loop.time()
                self.last_wake = time.monotonic()
                await asyncio.sleep(TICK)
                self.record((loop.time() - asked - TICK) * 1000)
                ticks += 1
                if ticks % 50 == 0 and database.write_outage() is not None:  # is it back? (throttled inside too)
                    with contextlib.suppress(Exception):
                        await asyncio.to_thread(database.recheck_writable)
        finally:  # stopped with its loop: nothing is measured until it runs again
            self.last_wake = None
            self.samples.clear()

    def record(self, lateness_ms: float) -> None:
        """Add one wake-up's lateness (ms) and forget those older than :data:`LAG_WINDOW`."""
        now = time.monotonic()
        self.samples.append((now, max(0.0, lateness_ms)))
        while self.samples and self.samples[0][0] < now - LAG_WINDOW:
            self.samples.popleft()

    def lag_ms(self) -> float | None:
        """The worst lateness of the last :data:`LAG_WINDOW` seconds, or of the wake-up still overdue now; None
        before the watch has run."""
        if self.last_wake is None:
            return None
        overdue = (time.monotonic() - self.last_wake - TICK) * 1000
        return max([overdue, *(lateness for _, lateness in self.samples)], default=0.0)


watch = LoopWatch()


async def report() -> tuple[bool, dict[str, Any]]:
    """``(healthy, body)`` for ``/healthz``: ``body`` is ``{"status": "ok" | "unhealthy", "database": "ok" | what
    is wrong, "writable": bool, "loop_lag_ms": int | null, "pid": int, "problems": [sentences]}``. Says nothing
    secret (no addresses, no database URL): safe to show on the shop's network."""
    problems: list[str] = []
    readable = await _database_answers()
    if readable != 'ok':
        problems.append(readable)
    outage = database.write_outage()
    if outage is not None:  # is it back? (at most every RECHECK_SECONDS, in a worker thread)
        with contextlib.suppress(Exception):
            await asyncio.to_thread(database.recheck_writable)
        outage = database.write_outage()
    if outage is not None:
        since, reason = outage
        problems.append(f'the database cannot be written ({reason}) since {since.isoformat(timespec="seconds")}')
    lag = watch.lag_ms()
    limit = get_settings().healthz_loop_lag_ms
    if lag is not None and lag > limit:
        problems.append(f'the event loop ran {lag:.0f} ms late (the limit is {limit} ms)')
    body = {'status': 'unhealthy' if problems else 'ok', 'database': readable, 'writable': outage is None,
            'loop_lag_ms': None if lag is None else round(lag), 'pid': os.getpid(), 'problems': problems}
    return not problems, body


_pending: list[asyncio.Future] = []  # the read still running, if one is: a hung database gets one thread, not many


async def _database_answers() -> str:
    """'ok', or what is wrong: the read took longer than :data:`DATABASE_TIMEOUT` or failed (the error's kind only)."""
    if not _pending or _pending[0].done() or _pending[0].get_loop() is not asyncio.get_running_loop():
        _pending[:] = [asyncio.ensure_future(asyncio.to_thread(database.ping))]
    try:
        await asyncio.wait_for(asyncio.shield(_pending[0]), DATABASE_TIMEOUT)
    except TimeoutError:
        return f'the database did not answer within {DATABASE_TIMEOUT:g} s'
    except Exception as error:
        log.warning('health check: the database did not answer: %s', error)
        return f'the database did not answer ({type(error).__name__})'
    return 'ok'
