"""Scheduled reports: daily, weekly, monthly or quarterly, written to the reports folder and mailed
when a mail server is configured (otherwise the run succeeds with the file and says it was not mailed).

A schedule reports on the last complete period (yesterday; last Monday–Sunday; last month; last
quarter) at 06:00 local time after that period ends. Every attempt is logged as a
:class:`~app.models.ReportRun`. A failed attempt is retried after 5, then 15 minutes; after the third
failure the run is given up and the schedule moves on, the failures staying in the log for the owner.

A run first **claims** its schedule in a transaction of its own (a conditional ``UPDATE``: only if it is still due
and nobody's claim holds; :data:`CLAIM`), so a report is produced and mailed once even when two processes both
believe they hold the job's lock (:mod:`app.services.jobs`: the lock's connection died and another process took
it). The claim ends with the run's record; a process that dies mid-run leaves it to expire.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, update
from sqlmodel import and_, col, or_, select

from app.config import get_settings
from app.models import (
    Location,
    ReportRun,
    ReportRunRead,
    ReportSchedule,
    ReportScheduleBase,
    ReportScheduleRead,
    UserRead,
)
from app.services import files, i18n, jobs, mail
from app.services.accounts.access import MANAGING_ROLES, SYSTEM_ACTOR, ensure_location, ensure_role
from app.services.analytics import exports, reports
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError, ValidationError
from app.services.i18n import N_, _
from app.services.money import receipt_pdf

log = logging.getLogger(__name__)
RUN_HOUR = 6
RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=15))
CLAIM = timedelta(minutes=30)
"""How long a run's claim on its schedule holds (real time): far longer than a report takes to produce and mail;
after a process died mid-run, the next run after it produces the report."""
MEDIA_TYPES = {'xlsx': ('application', 'vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
               'pdf': ('application', 'pdf'), 'csv': ('text', 'csv')}


def create_schedule(data: ReportScheduleBase, *, actor: UserRead, as_of: datetime | None = None) -> ReportScheduleRead:
    """Add a schedule; its first run is the next one due after ``as_of``.

    :raises ValidationError: unknown frequency or format, or a malformed recipient address
    :raises PermissionDeniedError: only owners and managers; managers for their own location only
    """
    ensure_role(actor, MANAGING_ROLES, 'schedule reports')
    if data.location_id is None and actor.location_id is not None:
        raise PermissionDeniedError(_('Only the owner schedules reports over every location.'))
    if data.location_id is not None:
        ensure_location(actor, data.location_id)
    if data.frequency not in ('daily', 'weekly', 'monthly', 'quarterly'):
        raise ValidationError(_('Choose daily, weekly, monthly or quarterly.'), field='frequency')
    if data.format not in exports.FORMATS:
        raise ValidationError(_('Choose xlsx, pdf or csv.'), field='format')
    bad = [r for r in recipients(data.recipients) if '@' not in r or ' ' in r]
    if bad:
        raise ValidationError(_('Not an email address: {addresses}').format(addresses=', '.join(bad)),
                              field='recipients')
    now = as_of or datetime.now(UTC)
    with session_scope(write=True) as session:
        tz = _zone(session, data.location_id)
        schedule = ReportSchedule.model_validate(data, update={'next_run_at': next_run(data.frequency, now, tz)})
        session.add(schedule)
        session.flush()
        return ReportScheduleRead.model_validate(schedule)


def list_schedules(*, actor: UserRead) -> list[ReportScheduleRead]:
    """The schedules ``actor`` may see (an owner: all; a manager: their location's), by id.

    :raises PermissionDeniedError: not an owner or manager
    """
    ensure_role(actor, MANAGING_ROLES, 'see scheduled reports')
    with session_scope() as session:
        query = select(ReportSchedule).order_by(ReportSchedule.id)
        if actor.location_id is not None:
            query = query.where(ReportSchedule.location_id == actor.location_id)
        return [ReportScheduleRead.model_validate(s) for s in session.exec(query)]


def list_runs(*, actor: UserRead, limit: int = 50) -> list[ReportRunRead]:
    """The latest runs of the schedules ``actor`` may see, newest first.

    :raises PermissionDeniedError: not an owner or manager
    """
    ensure_role(actor, MANAGING_ROLES, 'see scheduled reports')
    with session_scope() as session:
        query = select(ReportRun).join(ReportSchedule, ReportSchedule.id == ReportRun.schedule_id)
        if actor.location_id is not None:
            query = query.where(ReportSchedule.location_id == actor.location_id)
        rows = session.exec(query.order_by(col(ReportRun.id).desc()).limit(limit))
        return [ReportRunRead.model_validate(r) for r in rows]


def run_due(*, now: datetime | None = None) -> list[ReportRunRead]:
    """Run every schedule that is due (or whose retry is due) at ``now``; returns the runs logged (not those another
    run had claimed).

    :raises jobs.LockLost: run as a job whose lock's connection died; checked before each schedule
    """
    now = now or datetime.now(UTC)
    with session_scope() as session:
        due = session.exec(select(ReportSchedule.id).where(_due(now))).all()
    runs = []
    for schedule_id in due:
        jobs.checkpoint()
        run = run_schedule(schedule_id, now=now)
        if run is not None:
            runs.append(run)
    return runs


def run_schedule(schedule_id: int, *, now: datetime) -> ReportRunRead | None:
    """Produce, store and mail one schedule's report for its last complete period; log the attempt. None (and
    nothing done) when the schedule is not due at ``now`` any more or another run has claimed it."""
    claim = _claim(schedule_id, now)
    if claim is None:
        log.info('scheduled report %s: produced by another run, or no longer due', schedule_id)
        return None
    with session_scope() as session:
        schedule = session.get(ReportSchedule, schedule_id)
        tz = _zone(session, schedule.location_id)
        location_rows = session.exec(select(Location).where(
            Location.id == schedule.location_id) if schedule.location_id else select(Location)).all()
        locations = [(x.id, x.name, x.currency, x.locale) for x in location_rows]
        # no tab in a job: the report is made in its location's language (the first one's, for all of them)
        language = getattr(location_rows[0], 'language', None) if location_rows else None
    with i18n.speaking(language):
        return _run(schedule, claim, locations, tz, now)


def _run(schedule: ReportSchedule, claim: str, locations: list[tuple], tz: str, now: datetime) -> ReportRunRead:
    """Produce, store and mail ``schedule``'s report, in the current language; log the attempt."""
    schedule_id = schedule.id
    start, end = period(schedule.frequency, now.astimezone(ZoneInfo(tz)).date())
    attempt = schedule.failures + 1
    file_path, mailed, error, note = '', '', '', ''
    try:
        result = reports.build_report([i for i, *_ in locations], start, end, as_of=now, time_zone=tz)
        folder = files.private_folder(get_settings().effective_reports_dir)
        names = [n for _, n, *_ in locations]
        path = folder / f'clientpulse-{schedule.frequency}-{schedule.id}-{start}-{end}.{schedule.format}'
        exports.export(result, path, fmt=schedule.format,
                       title=_(TITLES[schedule.frequency]).format(locations=', '.join(names)),
                       currency=locations[0][2], locations=names, locale=i18n.locale_for(locations[0][3]))
        files.private_file(path)
        file_path = str(path)
        also = []
        if schedule.frequency == 'daily' and len(locations) == 1:  # the day at the till beside the daily report
            till = folder / f'clientpulse-till-{schedule.id}-{start}.pdf'
            till.write_bytes(receipt_pdf.day_close_pdf(locations[0][0], start, actor=SYSTEM_ACTOR))
            files.private_file(till)
            also.append(till)
        if recipients(schedule.recipients) and not get_settings().smtp_host:
            note = _('Not mailed: no mail server is set up (CLIENTPULSE_SMTP_HOST); the file was saved.')
        elif recipients(schedule.recipients):
            subject = _(SUBJECTS[schedule.frequency]).format(start=start, end=end)
            send(path, recipients(schedule.recipients), subject=subject, also=also)
            mailed = ', '.join(recipients(schedule.recipients))
    except Exception as failure:
        error = f'{type(failure).__name__}: {failure}'
        log.warning('scheduled report %s failed (attempt %s): %s', schedule_id, attempt, error)
    with session_scope(write=True) as session:
        schedule = session.get(ReportSchedule, schedule_id)
        run = ReportRun(schedule_id=schedule_id, started_at=now, finished_at=datetime.now(UTC), period_start=start,
                        period_end=end, attempt=attempt, outcome='failed' if error else 'success', file_path=file_path,
                        emailed_to=mailed, error=error or note)
        if error and attempt <= len(RETRY_DELAYS):
            schedule.failures, schedule.retry_at = attempt, now + RETRY_DELAYS[attempt - 1]
        else:
            schedule.failures, schedule.retry_at = 0, None
            schedule.next_run_at = next_run(schedule.frequency, max(now, schedule.next_run_at), tz)
        if schedule.claimed_by == claim:
            schedule.claimed_by, schedule.claimed_until = None, None
        else:  # the claim expired and another run took the schedule: it will record its own run too
            log.warning('scheduled report %s took longer than its claim (%s)', schedule_id, CLAIM)
        session.add_all([run, schedule])
        session.flush()
        return ReportRunRead.model_validate(run)


def send(path, to: list[str], *, subject: str, also: list = ()) -> None:
    """Mail ``path`` (and the files ``also``) as attachments through the configured SMTP server
    (:func:`app.services.mail.send`).

    :raises ValidationError: no SMTP server configured (``CLIENTPULSE_SMTP_HOST``)
    :raises OSError, smtplib.SMTPException: the server refused or could not be reached
    """
    names = ', '.join(p.name for p in [path, *also])
    mail.send(to, subject=subject, body=_('Attached: {files}\n\nSent by ClientPulse.').format(files=names),
              attachment=path.read_bytes(),
              filename=path.name, media_type=MEDIA_TYPES[path.suffix.lstrip('.')],
              more=[(p.read_bytes(), p.name, MEDIA_TYPES[p.suffix.lstrip('.')]) for p in also])


TITLES = {'daily': N_('{locations} — daily report'), 'weekly': N_('{locations} — weekly report'),
          'monthly': N_('{locations} — monthly report'), 'quarterly': N_('{locations} — quarterly report')}
"""A scheduled report's title, by frequency."""
SUBJECTS = {'daily': N_('ClientPulse daily report {start} – {end}'),
            'weekly': N_('ClientPulse weekly report {start} – {end}'),
            'monthly': N_('ClientPulse monthly report {start} – {end}'),
            'quarterly': N_('ClientPulse quarterly report {start} – {end}')}
"""A scheduled report's mail subject, by frequency."""
FREQUENCIES = {'daily': N_('daily'), 'weekly': N_('weekly'), 'monthly': N_('monthly'), 'quarterly': N_('quarterly')}
"""The frequencies in words (the Scheduled reports page)."""


def period(frequency: str, today: date) -> tuple[date, date]:
    """The last complete period before local day ``today``: (first day, last day), inclusive."""
    if frequency == 'daily':
        return today - timedelta(days=1), today - timedelta(days=1)
    if frequency == 'weekly':
        monday = today - timedelta(days=today.weekday())
        return monday - timedelta(days=7), monday - timedelta(days=1)
    months = 1 if frequency == 'monthly' else 3
    first_of_current = date(today.year, (today.month - 1) // months * months + 1, 1)
    last = first_of_current - timedelta(days=1)
    return date(last.year, (last.month - 1) // months * months + 1, 1), last


def next_run(frequency: str, after: datetime, time_zone: str) -> datetime:
    """The first 06:00 local time after ``after`` that follows the end of a period (UTC)."""
    tz = ZoneInfo(time_zone)
    day = after.astimezone(tz).date()
    while True:
        candidate = datetime.combine(day, time(RUN_HOUR), tzinfo=tz)
        starts_period = (frequency == 'daily' or (frequency == 'weekly' and day.weekday() == 0)
                         or (frequency == 'monthly' and day.day == 1)
                         or (frequency == 'quarterly' and day.day == 1 and day.month in (1, 4, 7, 10)))
        if starts_period and candidate > after:
            return candidate.astimezone(UTC)
        day += timedelta(days=1)


def recipients(text: str) -> list[str]:
    """Addresses from a comma- or semicolon-separated list."""
    return [r.strip() for r in text.replace(';', ',').split(',') if r.strip()]


def _due(now: datetime) -> ColumnElement[bool]:
    """Active, and its run (or its retry) is due at ``now``."""
    return and_(col(ReportSchedule.active), or_(ReportSchedule.retry_at <= now, and_(
        col(ReportSchedule.retry_at).is_(None), ReportSchedule.next_run_at <= now)))


def _claim(schedule_id: int, now: datetime) -> str | None:
    """Claim the schedule for this run in a transaction of its own: one conditional ``UPDATE`` that only one of
    several racing runs can win (PostgreSQL re-checks the condition on the row it locked; SQLite has one writer at a
    time). Returns the claim's name (host, process, a random part), or None if the schedule is no longer due at
    ``now`` or another run's claim still holds."""
    claim = f'{socket.gethostname()[:30]}/{os.getpid()}/{secrets.token_hex(4)}'
    real_now = datetime.now(UTC)  # a claim lasts in real time, whatever moment the run reports as of
    with session_scope(write=True) as session:
        won = session.execute(update(ReportSchedule).where(
            ReportSchedule.id == schedule_id, _due(now),
            or_(col(ReportSchedule.claimed_until).is_(None), ReportSchedule.claimed_until < real_now),
        ).values(claimed_by=claim, claimed_until=real_now + CLAIM)).rowcount
    return claim if won == 1 else None


def _zone(session, location_id: int | None) -> str:
    location = session.get(Location, location_id) if location_id else session.exec(select(Location)).first()
    return location.time_zone if location else 'UTC'
