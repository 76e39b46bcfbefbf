"""Scheduled jobs that must run in one process at a time when several app processes share one PostgreSQL database.

Each job is wrapped by :func:`exclusive`: on PostgreSQL it first takes a session-level advisory lock named after the
job (``pg_try_advisory_lock``, PostgreSQL manual §13.3.5 "Advisory Locks") on a connection of its own, runs while
holding it and releases it after; a process that finds the lock taken skips that tick (the holder is doing the
work, and the jobs pick up what is due at their next tick). The jobs' own state — a schedule's next run, a message
claimed for sending, a notification once per booking — keeps a job that runs after another from repeating it.
A SQLite database is served by one process: there the job simply runs.

Jobs whose result lives in each process's memory (the no-show models) are not wrapped: every process needs its own.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from sqlalchemy import text

from app.services.database import get_engine

log = logging.getLogger(__name__)
T = TypeVar('T')


def lock_key(name: str) -> int:
    """The advisory lock's key for job ``name``: the first 8 bytes of SHA-256('clientpulse-job:' + name), a signed
    64-bit integer (the ``bigint`` ``pg_try_advisory_lock`` takes)."""
    return int.from_bytes(hashlib.sha256(f'clientpulse-job:{name}'.encode()).digest()[:8], 'big', signed=True)


def exclusive(name: str, job: Callable[[], T]) -> Callable[[], T | None]:
    """``job`` made to run in one process at a time (see the module docstring). The wrapped call returns the job's
    result, or None when another process holds the job's lock. Errors of the job propagate (APScheduler logs them);
    the lock is released whatever happens."""

    @wraps(job)
    def run() -> T | None:
        engine = get_engine()
        if engine.dialect.name != 'postgresql':
            return job()
        key = lock_key(name)
        with engine.connect() as connection:
            if not connection.execute(text('SELECT pg_try_advisory_lock(:key)'), {'key': key}).scalar():
                log.debug('job %s is running in another process: skipped here', name)
                connection.rollback()
                return None
            connection.commit()  # the lock is the session's, not the transaction's: nothing stays open meanwhile
            try:
                return job()
            finally:
                connection.execute(text('SELECT pg_advisory_unlock(:key)'), {'key': key})
                connection.commit()

    return run
