"""Scheduled jobs when the lock is not what it seems (issue 28): a job whose advisory lock's connection dies stops
before its next unit of work, and a due report is claimed per schedule, so two runners that both believe they hold
the job produce it and mail it once. No processes to start: the lock's connection is killed with
``pg_terminate_backend``, and two threads stand for two processes' schedulers."""

from __future__ import annotations

import logging
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

MADE = datetime(2030, 3, 10, 12, 0, tzinfo=UTC)


def due_schedules(count: int, **options) -> list[int]:
    """``count`` daily reports at a new location, all due at ``MADE`` + 1 day (their ids)."""
    location = make_location()
    return [schedules.create_schedule(ReportScheduleBase(location_id=location.id, frequency='daily', format='csv',
                                                         **options), actor=OWNER, as_of=MADE).id
            for _ in range(count)]


def runs_of(schedule_ids: list[int]) -> list[ReportRun]:
    with session_scope() as session:
        return list(session.exec(select(ReportRun).where(ReportRun.schedule_id.in_(schedule_ids))).all())


def kill_the_lock_holder(url: str, name: str) -> None:
    """End the PostgreSQL session holding job ``name``'s advisory lock, as a network cut or an administrator would.
    A bigint advisory lock shows in ``pg_locks`` as its high half (``classid``) and low half (``objid``)."""
    key = jobs.lock_key(name) & 0xFFFF_FFFF_FFFF_FFFF
    admin = create_engine(url)
    try:
        with admin.connect() as connection:
            pids = connection.execute(text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = :high "
                'AND objid::bigint = :low AND objsubid = 1 AND granted'), {'high': key >> 32, 'low': key & 0xFFFF_FFFF}
            ).scalars().all()
            assert len(pids) == 1, pids
            assert connection.execute(text('SELECT pg_terminate_backend(:pid)'), {'pid': pids[0]}).scalar()
            connection.commit()
    finally:
        admin.dispose()


@pytest.mark.postgres
def test_a_job_whose_lock_connection_dies_stops_before_its_next_report(postgres_db, monkeypatch, caplog):
    first, second = due_schedules(2)
    now = MADE + timedelta(days=1)
    produced: list[int] = []
    real_run = schedules.run_schedule

    def run_then_lose_the_lock(schedule_id: int, *, now: datetime):
        run = real_run(schedule_id, now=now)
        produced.append(schedule_id)
        if len(produced) == 1:  # after the first report, the lock's connection dies: another process may take it
            kill_the_lock_holder(postgres_db, 'scheduled-reports')
        return run

    monkeypatch.setattr(schedules, 'run_schedule', run_then_lose_the_lock)
    with caplog.at_level(logging.WARNING, logger='app.services.jobs'):
        result = jobs.exclusive('scheduled-reports', lambda: schedules.run_due(now=now))()
    assert result is None  # stopped, without raising
    assert produced == [first]  # the second report is left to whoever holds the lock now
    assert [r.schedule_id for r in runs_of([first, second])] == [first]
    (line,) = [r.getMessage() for r in caplog.records if r.name == 'app.services.jobs']
    assert 'the connection holding the lock of job scheduled-reports was lost' in line
    assert not [r for r in caplog.records if r.exc_info]
    # the lock was released with its connection: the next tick (here or elsewhere) takes it and does the rest
    monkeypatch.setattr(schedules, 'run_schedule', real_run)
    (run,) = jobs.exclusive('scheduled-reports', lambda: schedules.run_due(now=now))()
    assert run.schedule_id == second


@pytest.mark.postgres
def test_outside_a_job_and_while_the_lock_holds_a_checkpoint_passes(postgres_db):
    jobs.checkpoint()  # not in a job: nothing to check
    assert jobs.exclusive('anything', lambda: (jobs.checkpoint(), 'went on')[1])() == 'went on'


def test_two_runners_racing_on_one_due_report_produce_and_mail_it_once(db, smtp, monkeypatch):
    """Both runners list the schedule as due, then both start it at the same moment (as two processes whose lock
    went wrong would): one report run, one e-mail."""
    (schedule_id,) = due_schedules(1, recipients='owner@shop.test')
    now = MADE + timedelta(days=1)
    real_run = schedules.run_schedule
    both_listed = threading.Barrier(2)

    def together(schedule_id: int, *, now: datetime):
        both_listed.wait(30)
        return real_run(schedule_id, now=now)

    monkeypatch.setattr(schedules, 'run_schedule', together)
    results: list = []
    runners = [threading.Thread(target=lambda: results.append(schedules.run_due(now=now))) for _ in range(2)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(120)
    assert sorted(len(r) for r in results) == [0, 1]  # one ran it; the other found it claimed
    assert [r.outcome for r in runs_of([schedule_id])] == ['success']
    assert len(smtp.messages) == 1
    # the claim ended with the run: tomorrow's report is claimed afresh
    monkeypatch.setattr(schedules, 'run_schedule', real_run)
    (tomorrow,) = schedules.run_due(now=now + timedelta(days=1))
    assert tomorrow.outcome == 'success' and len(smtp.messages) == 2


def test_a_claim_left_by_a_process_that_died_expires(db, monkeypatch):
    (schedule_id,) = due_schedules(1)
    now = MADE + timedelta(days=1)
    assert schedules._claim(schedule_id, now) is not None  # a run claimed it, then its process died
    assert schedules.run_due(now=now) == []  # the claim holds
    later = datetime.now(UTC) + schedules.CLAIM + timedelta(minutes=1)
    monkeypatch.setattr(schedules, 'datetime', _FrozenAt(later))
    (run,) = schedules.run_due(now=now)
    assert run.schedule_id == schedule_id


class _FrozenAt:
    """Stands for :class:`datetime.datetime` in the schedules module, with ``now()`` at a fixed moment."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self, tz=None) -> datetime:
        return self.moment.astimezone(tz) if tz else self.moment

    def __getattr__(self, name: str):
        return getattr(datetime, name)
