"""Scheduled reports: periods, due times, files, mail through a local SMTP server, failures and retries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.config import reset_settings
from app.models import ReportScheduleBase, Role
from app.services.analytics import schedules
from app.services.errors import PermissionDeniedError, ValidationError
from tests.factories import (
    OWNER,
    actor,
    at,
    make_booking,
    make_customer,
    make_location,
    make_service,
    make_staff_member,
)

MONDAY_7AM = datetime(2030, 3, 11, 11, 0, tzinfo=UTC)  # 07:00 in Toronto (EDT), Monday 11 March 2030


@pytest.fixture
def shop(sqlite_db):
    location = make_location()
    booking = make_booking(location, make_staff_member(location), make_service(location), make_customer(location),
                           at(date(2030, 3, 5), '10:00'))
    return location, booking


@pytest.mark.parametrize(('frequency', 'today', 'expected'), [
    ('daily', date(2030, 3, 11), (date(2030, 3, 10), date(2030, 3, 10))),
    ('weekly', date(2030, 3, 13), (date(2030, 3, 4), date(2030, 3, 10))),
    ('monthly', date(2030, 3, 11), (date(2030, 2, 1), date(2030, 2, 28))),
    ('quarterly', date(2030, 5, 2), (date(2030, 1, 1), date(2030, 3, 31))),
    ('quarterly', date(2030, 1, 15), (date(2029, 10, 1), date(2029, 12, 31))),
])
def test_period_is_the_last_complete_one(frequency, today, expected):
    assert schedules.period(frequency, today) == expected


def test_next_run_is_six_in_the_morning_after_the_period():
    tz = 'America/Toronto'
    assert schedules.next_run('weekly', MONDAY_7AM, tz) == datetime(2030, 3, 18, 10, 0, tzinfo=UTC)  # next Monday
    assert schedules.next_run('daily', MONDAY_7AM, tz) == datetime(2030, 3, 12, 10, 0, tzinfo=UTC)
    assert schedules.next_run('monthly', MONDAY_7AM, tz) == datetime(2030, 4, 1, 10, 0, tzinfo=UTC)
    assert schedules.next_run('quarterly', MONDAY_7AM, tz) == datetime(2030, 4, 1, 10, 0, tzinfo=UTC)


def test_due_weekly_report_is_written_and_mailed(shop, smtp):
    location, _ = shop
    schedule = schedules.create_schedule(ReportScheduleBase(location_id=location.id, frequency='weekly', format='pdf',
                                                            recipients='owner@shop.test; books@shop.test'),
                                         actor=OWNER, as_of=MONDAY_7AM - timedelta(days=7))
    assert schedule.next_run_at == datetime(2030, 3, 11, 10, 0, tzinfo=UTC)
    assert schedules.run_due(now=MONDAY_7AM - timedelta(hours=2)) == []  # 05:00: not yet
    (run,) = schedules.run_due(now=MONDAY_7AM)
    assert (run.outcome, run.period_start, run.period_end) == ('success', date(2030, 3, 4), date(2030, 3, 10))
    assert Path(run.file_path).read_bytes()[:4] == b'%PDF'
    (message,) = smtp.messages
    assert message['To'] == 'owner@shop.test, books@shop.test'
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == Path(run.file_path).name
    assert attachment.get_content_type() == 'application/pdf'
    assert schedules.list_schedules(actor=OWNER)[0].next_run_at == datetime(2030, 3, 18, 10, 0, tzinfo=UTC)
    assert schedules.run_due(now=MONDAY_7AM + timedelta(minutes=1)) == []  # done for this week


def test_a_daily_report_brings_the_day_at_the_till(shop, smtp):
    location, _ = shop
    schedules.create_schedule(ReportScheduleBase(location_id=location.id, frequency='daily', format='xlsx',
                                                 recipients='owner@shop.test'), actor=OWNER,
                              as_of=MONDAY_7AM - timedelta(days=1))
    (run,) = schedules.run_due(now=MONDAY_7AM)
    assert run.outcome == 'success'
    (message,) = smtp.messages
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names == [Path(run.file_path).name, f'clientpulse-till-1-{run.period_start}.pdf']
    till = [part for part in message.iter_attachments()][1].get_content()
    assert till.startswith(b'%PDF')


def test_failed_run_is_logged_retried_and_then_succeeds(shop, smtp, monkeypatch):
    location, _ = shop
    schedules.create_schedule(ReportScheduleBase(location_id=location.id, frequency='daily', format='csv',
                                                 recipients='owner@shop.test'), actor=OWNER,
                              as_of=MONDAY_7AM - timedelta(days=1))
    monkeypatch.setenv('CLIENTPULSE_SMTP_PORT', '1')  # nothing listens there: the mail fails
    reset_settings()
    (failed,) = schedules.run_due(now=MONDAY_7AM)
    assert failed.outcome == 'failed' and 'ConnectionRefusedError' in failed.error and failed.file_path
    assert schedules.list_schedules(actor=OWNER)[0].retry_at == MONDAY_7AM + timedelta(minutes=5)
    assert schedules.run_due(now=MONDAY_7AM + timedelta(minutes=2)) == []  # waits for the retry time
    monkeypatch.setenv('CLIENTPULSE_SMTP_PORT', str(smtp.port))  # the server is reachable again
    reset_settings()
    (retried,) = schedules.run_due(now=MONDAY_7AM + timedelta(minutes=5))
    assert (retried.outcome, retried.attempt) == ('success', 2)
    assert [r.outcome for r in schedules.list_runs(actor=OWNER)] == ['success', 'failed']  # both stay in the log
    assert schedules.list_schedules(actor=OWNER)[0].retry_at is None


def test_bad_input_and_permissions(shop):
    location, _ = shop
    with pytest.raises(ValidationError, match='Not an email address: bob'):
        schedules.create_schedule(ReportScheduleBase(location_id=location.id, frequency='daily', recipients='bob'),
                                  actor=OWNER)
    with pytest.raises(ValidationError, match='daily, weekly'):
        schedules.create_schedule(ReportScheduleBase(location_id=location.id, frequency='hourly'), actor=OWNER)
    with pytest.raises(PermissionDeniedError):
        schedules.create_schedule(ReportScheduleBase(location_id=location.id, frequency='daily'),
                                  actor=actor(Role.STAFF, location.id))
    with pytest.raises(PermissionDeniedError):
        schedules.create_schedule(ReportScheduleBase(location_id=None, frequency='daily'),
                                  actor=actor(Role.MANAGER, location.id))


def test_gives_up_after_three_failures_and_moves_on(shop, smtp, monkeypatch):
    location, _ = shop
    schedules.create_schedule(ReportScheduleBase(location_id=location.id, frequency='daily', format='xlsx',
                                                 recipients='owner@shop.test'), actor=OWNER,
                              as_of=MONDAY_7AM - timedelta(days=1))
    monkeypatch.setenv('CLIENTPULSE_SMTP_PORT', '1')
    reset_settings()
    moments = [MONDAY_7AM, MONDAY_7AM + timedelta(minutes=5), MONDAY_7AM + timedelta(minutes=20)]
    attempts = [run.attempt for moment in moments for run in schedules.run_due(now=moment)]
    assert attempts == [1, 2, 3]
    schedule = schedules.list_schedules(actor=OWNER)[0]
    assert (schedule.retry_at, schedule.failures) == (None, 0)
    assert schedule.next_run_at == datetime(2030, 3, 12, 10, 0, tzinfo=UTC)  # tomorrow's run
    assert [r.outcome for r in schedules.list_runs(actor=OWNER)] == ['failed'] * 3



def test_without_a_mail_server_the_file_is_saved_and_the_run_says_so(shop, tmp_path, monkeypatch):
    location, _ = shop
    monkeypatch.setenv('CLIENTPULSE_REPORTS_DIR', str(tmp_path / 'reports'))
    reset_settings()
    schedules.create_schedule(ReportScheduleBase(location_id=location.id, frequency='monthly', format='xlsx',
                                                 recipients='owner@shop.test'), actor=OWNER,
                              as_of=datetime(2030, 3, 15, tzinfo=UTC))
    (run,) = schedules.run_due(now=datetime(2030, 4, 1, 11, tzinfo=UTC))
    assert (run.outcome, run.emailed_to, run.period_start) == ('success', '', date(2030, 3, 1))
    assert run.error.startswith('Not mailed: no mail server is set up')
    assert Path(run.file_path).read_bytes()[:2] == b'PK'
    reset_settings()


def test_a_scheduled_report_is_made_in_its_locations_language(shop, smtp):
    """No session in a job: the report, its mail and its notes speak the location's language."""
    from openpyxl import load_workbook
    from sqlmodel import select

    from app.models import Location
    from app.services.database import session_scope
    location, _ = shop
    with session_scope(write=True) as session:
        stored = session.exec(select(Location).where(Location.id == location.id)).one()
        stored.language = 'sw'
        session.add(stored)
    schedules.create_schedule(ReportScheduleBase(location_id=location.id, frequency='weekly', format='xlsx',
                                                 recipients='owner@shop.test'), actor=OWNER,
                              as_of=MONDAY_7AM - timedelta(days=7))
    (run,) = schedules.run_due(now=MONDAY_7AM)
    assert run.outcome == 'success'
    book = load_workbook(run.file_path)
    assert book.sheetnames[0] == 'Muhtasari' and book.properties.title == 'Queen St — ripoti ya kila wiki'
    (message,) = smtp.messages
    assert message['Subject'] == 'ClientPulse, ripoti ya kila wiki 2030-03-04 – 2030-03-10'
    assert 'Imetumwa na ClientPulse.' in message.get_body().get_content()
