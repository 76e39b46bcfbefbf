"""Scheduled jobs run in one process at a time on a shared PostgreSQL database (an advisory lock per job); on SQLite
they simply run."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import select

from app.models import ReportRun, ReportScheduleBase
from app.services import jobs
from app.services.analytics import schedules
from app.services.database import session_scope
from tests.factories import OWNER, make_location


def test_on_sqlite_a_job_just_runs(sqlite_db):
    assert jobs.exclusive('anything', lambda: 42)() == 42


@pytest.mark.postgres
def test_a_job_held_by_another_process_is_skipped_and_runs_once_released(postgres_db):
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def slow() -> str:
        ran.append('first')
        started.set()
        release.wait(10)
        return 'done'

    results: list = []
    first = threading.Thread(target=lambda: results.append(jobs.exclusive('reports', slow)()))
    first.start()
    assert started.wait(10)
    # the lock is PostgreSQL's, not this process's: another connection (another process) sees it taken
    other = create_engine(postgres_db)
    with other.connect() as connection:
        assert connection.execute(text('SELECT pg_try_advisory_lock(:k)'), {'k': jobs.lock_key('reports')}
                                  ).scalar() is False
        connection.rollback()
    assert jobs.exclusive('reports', lambda: ran.append('second'))() is None  # skipped while held
    assert jobs.exclusive('messages', lambda: 'other job')() == 'other job'  # another job's lock is its own
    release.set()
    first.join(10)
    assert results == ['done'] and ran == ['first']
    assert jobs.exclusive('reports', lambda: ran.append('later'))() is None and ran == ['first', 'later']
    with other.connect() as connection:  # released: free for anyone
        assert connection.execute(text('SELECT pg_try_advisory_lock(:k)'), {'k': jobs.lock_key('reports')}
                                  ).scalar() is True
        connection.execute(text('SELECT pg_advisory_unlock(:k)'), {'k': jobs.lock_key('reports')})
        connection.commit()
    other.dispose()


@pytest.mark.postgres
def test_a_scheduled_report_due_in_two_processes_is_produced_once(postgres_db):
    location = make_location()
    made = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)
    schedule = schedules.create_schedule(ReportScheduleBase(location_id=location.id, frequency='daily', format='csv'),
                                         actor=OWNER, as_of=made)
    now = schedule.next_run_at + timedelta(minutes=1)
    barrier = threading.Barrier(2)
    done: list = []

    def tick() -> None:  # two processes' schedulers, the same minute
        barrier.wait(10)
        done.append(jobs.exclusive('scheduled-reports', lambda: schedules.run_due(now=now))())

    ticks = [threading.Thread(target=tick) for _ in range(2)]
    for thread in ticks:
        thread.start()
    for thread in ticks:
        thread.join(60)
    with session_scope() as session:
        runs = session.exec(select(ReportRun).where(ReportRun.schedule_id == schedule.id)).all()
    assert [r.outcome for r in runs] == ['success']
    assert sorted(len(x) if x is not None else -1 for x in done) in ([-1, 1], [0, 1])  # skipped, or nothing due
