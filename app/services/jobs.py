"""Scheduled jobs that must run in one process at a time when several app processes share one PostgreSQL database.

Each job is wrapped by :func:`exclusive`: on PostgreSQL it first takes a session-level advisory lock named after the
job (``pg_try_advisory_lock``, PostgreSQL manual §13.3.5 "Advisory Locks") on a connection of its own, runs while
holding it and releases it after; a process that finds the lock taken skips that tick (the holder is doing the
work, and the jobs pick up what is due at their next tick). The jobs' own state — a schedule's next run, a message
claimed for sending, a notification once per booking — keeps a job that runs after another from repeating it.
A SQLite database is served by one process: there the job simply runs.

Jobs whose result lives in each process's memory (the no-show models) are not wrapped: every process needs its own.

**A lost lock stops the job.** PostgreSQL releases a session's advisory locks when its connection ends (killed
with ``pg_terminate_backend``, a network cut, a server restart): from then on another process may take the lock
and run the same job. A job calls :func:`checkpoint` before each unit of work (each due report, each due campaign, each
location's no-show actions);
it asks the lock's own connection whether it is still alive and raises :class:`LockLost` if not, which ends the job
quietly (one warning) at that point. What a unit does once started is protected by that unit's own claim (a
report's schedule: :func:`app.services.analytics.schedules.run_schedule`; a message: the outbox's lease).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import TypeVar

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from app.services.database import get_engine

log = logging.getLogger(__name__)
T = TypeVar('T')


class LockLost(BaseException):
    """The connection holding the running job's advisory lock has died: the lock is gone, the job must stop.

    A :class:`BaseException`, as :class:`asyncio.CancelledError` is, so that a job's ``except Exception`` around one
    unit of work (a report that failed is logged and retried) does not take the stop for that unit's failure."""


class _Held:
    """The lock a job holds in this thread: its name and the connection it was taken on."""

    def __init__(self, name: str, connection: Connection) -> None:
        self.name, self.connection = name, connection
        self.lost: BaseException | None = None
        self._lock = threading.Lock()  # a connection serves one thread at a time

    def check(self) -> None:
        with self._lock:
            if self.lost is None:
                try:
                    self.connection.execute(text('SELECT 1'))
                    self.connection.commit()
                except DBAPIError as error:
                    self.lost = error
        if self.lost is not None:
            raise LockLost(f'the connection holding the lock of job {self.name} was lost '
                           f'({str(self.lost.orig if isinstance(self.lost, DBAPIError) else self.lost)[:200].strip()})')


_HELD: ContextVar[_Held | None] = ContextVar('clientpulse_job_lock', default=None)


def checkpoint() -> None:
    """Before a unit of work of a job: make sure the job still holds its lock (one ``SELECT 1`` on the lock's
    connection). A no-op outside :func:`exclusive` and on SQLite.

    :raises LockLost: the lock's connection has died; the job must stop (:func:`exclusive` ends it quietly)
    """
    held = _HELD.get()
    if held is not None:
        held.check()


def lock_key(name: str) -> int:
    """The advisory lock's key for job ``name``: the first 8 bytes of SHA-256('clientpulse-job:' + name), a signed
    64-bit integer (the ``bigint`` ``pg_try_advisory_lock`` takes)."""
    return int.from_bytes(hashlib.sha256(f'clientpulse-job:{name}'.encode()).digest()[:8], 'big', signed=True)


def exclusive(name: str, job: Callable[[], T]) -> Callable[[], T | None]:
    """``job`` made to run in one process at a time (see the module docstring). The wrapped call returns the job's
    result, or None when another process holds the job's lock or the job stopped at a :func:`checkpoint` because
    the lock's connection died (one warning). Other errors of the job propagate (APScheduler logs them); the lock
    is released whatever happens (a connection that died has released it already)."""

    @wraps(job)
    def run() -> T | None:
        engine = get_engine()
        if engine.dialect.name != 'postgresql':
            return job()
        key = lock_key(name)
        with engine.connect() as connection:  # the lock's own connection, held for the job's whole run
            if not connection.execute(text('SELECT pg_try_advisory_lock(:key)'), {'key': key}).scalar():
                log.debug('job %s is running in another process: skipped here', name)
                connection.rollback()
                return None
            connection.commit()  # the lock is the session's, not the transaction's: nothing stays open meanwhile
            held = _Held(name, connection)
            token = _HELD.set(held)
            try:
                return job()
            except LockLost as lost:
                log.warning('%s: the job stopped before its next step (another process may hold the lock now)', lost)
                return None
            finally:
                _HELD.reset(token)
                _release(held, key)

    return run


def _release(held: _Held, key: int) -> None:
    """Unlock; a connection that died meanwhile has no lock left to release (PostgreSQL released it), which is
    said once if the job did not notice."""
    if held.lost is None:
        try:
            held.connection.execute(text('SELECT pg_advisory_unlock(:key)'), {'key': key})
            held.connection.commit()
            return
        except DBAPIError as error:
            log.warning('job %s ended after the connection holding its lock was lost (%s): another process may '
                        'have started it meanwhile', held.name, str(error.orig)[:200].strip())
    held.connection.invalidate()  # not back into the pool
