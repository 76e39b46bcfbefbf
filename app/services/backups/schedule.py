"""The owner's backup schedule (time of day, folder, how many to keep, sealed or not), the last backup's outcome, and
the bell when backups fail or stop.

One row (:class:`BackupSettings`, ``id`` 1) holds both, in the database, so every process sees the same schedule
and status. The job (:func:`run_due`, every minute under :func:`app.services.jobs.exclusive`, so one process at a
time) backs up once the day's time has passed and no backup was tried since; it then checks the status: a failed
backup, or none that worked for :data:`STALE` (26 hours) while scheduled, rings the owners' bell once
(``backup_failed``) and the status shows red until a backup works again. Backups made with ``clientpulse backup``
are recorded the same way.

The time of day is read in the time zone of the first location (the shop's; UTC before there is one).
"""

from __future__ import annotations

import logging
import os
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.config import get_settings
from app.models import BackupResult, BackupSettings, BackupStatus, Location, UserRead, utcnow
from app.services import events, i18n, jobs, notifications
from app.services.accounts import activity
from app.services.accounts.access import OWNER_ROLES, ensure_role
from app.services.backups import archive, sealing
from app.services.database import session_scope
from app.services.errors import ClientPulseError, ValidationError
from app.services.i18n import N_, _

log = logging.getLogger(__name__)

STALE = timedelta(hours=26)
"""A scheduled install with no backup that worked for this long is overdue (a day and two hours' grace)."""
MAX_KEEP = 365
_UNCHANGED = object()
_TIME = re.compile(r'^([01]\d|2[0-3]):[0-5]\d$')


def status(*, actor: UserRead, as_of: datetime | None = None) -> BackupStatus:
    """The schedule and the last backup, as the owner sees them.

    :raises PermissionDeniedError: not an owner
    """
    ensure_role(actor, OWNER_ROLES, N_('manage backups'))
    return current_status(as_of=as_of)


def current_status(*, as_of: datetime | None = None) -> BackupStatus:
    """:func:`status` without the role check, for what every owner-facing summary shows (getting started)."""
    with session_scope() as session:
        return _status_of(_row(session), as_of or datetime.now(UTC))


def state_in(session: Session, *, as_of: datetime | None = None) -> str:
    """The backups' state (:class:`BackupStatus` ``state``) read in the caller's unit of work, for summaries that
    show it (the dashboard's getting-started list)."""
    return _status_of(_row(session), as_of or datetime.now(UTC)).state


def save_schedule(*, enabled: bool, time_of_day: str, folder: str, keep: int, passphrase: object = _UNCHANGED,
                  actor: UserRead) -> BackupStatus:
    """Set the schedule; the folder must exist and be writable now (a disk that is not connected is refused, named).

    :param passphrase: a new passphrase for sealed backups (at least 10 characters), ``''`` for plain backups, or
        left out to keep what is set
    :raises PermissionDeniedError: not an owner
    :raises ValidationError: naming the field (``time_of_day``, ``folder``, ``keep``, ``passphrase``)
    """
    ensure_role(actor, OWNER_ROLES, N_('manage backups'))
    time_of_day = (time_of_day or '').strip()
    if not _TIME.match(time_of_day):
        raise ValidationError(_('Give the time of day as HH:MM, e.g. 02:30.'), field='time_of_day')
    if not 1 <= keep <= MAX_KEEP:
        raise ValidationError(_('Keep between 1 and {most} backups.').format(most=MAX_KEEP), field='keep')
    folder = (folder or '').strip()
    if enabled or folder:
        _check_folder(folder)
    if isinstance(passphrase, str) and passphrase and len(passphrase) < 10:
        raise ValidationError(_('A passphrase needs at least 10 characters.'), field='passphrase')
    with session_scope(write=True) as session:
        row = _row(session, lock=True)
        if enabled and not row.enabled:
            row.enabled_at = utcnow()
        row.enabled, row.time_of_day, row.folder, row.keep = enabled, time_of_day, folder, keep
        if isinstance(passphrase, str):
            row.passphrase_sealed = sealing.seal_passphrase(passphrase, get_settings().storage_secret_value()) \
                if passphrase else None
        session.add(row)
        activity.add(session, actor, 'backup_schedule_changed', i18n.deferred(
            N_('backups every day at {time} into {folder}, keeping {keep}'), time=time_of_day, folder=folder,
            keep=keep) if enabled else i18n.deferred(N_('scheduled backups off')))
        session.flush()
        return _status_of(row, datetime.now(UTC))


def back_up_now(*, actor: UserRead) -> BackupResult:
    """A backup into the scheduled folder now (sealed if a passphrase is set), recorded as the last one. Blocking.

    :raises PermissionDeniedError: not an owner
    :raises BackupError: no folder is set, or the backup failed (recorded, and the bell rung once)
    """
    ensure_role(actor, OWNER_ROLES, N_('manage backups'))
    return back_up()


def back_up(folder: Path | None = None, *, passphrase: str | None = None, as_of: datetime | None = None
            ) -> BackupResult:
    """A backup into ``folder`` (default: the scheduled folder; with none set, ``<data dir>/backups``), sealed with
    ``passphrase`` or else the scheduled one; its outcome recorded as the last backup; old ones beyond the schedule's
    ``keep`` pruned when written to the scheduled folder. Blocking. (The command line's ``clientpulse backup``.)

    :raises BackupError: the backup failed (recorded)
    """
    started = as_of or datetime.now(UTC)
    with session_scope(write=True) as session:
        row = _row(session, lock=True)
        row.last_started_at = started
        session.add(row)
        scheduled = Path(row.folder) if row.folder else None
        keep = row.keep
        sealed_with = row.passphrase_sealed
    target = Path(folder) if folder is not None else scheduled or _default_folder()
    try:
        if passphrase is None and sealed_with:
            passphrase = sealing.unseal_passphrase(sealed_with, get_settings().storage_secret_value())
        result = archive.make_backup(target, passphrase=passphrase, as_of=started)
    except ClientPulseError as error:
        _record(ok=False, message=str(error), as_of=started)  # in the language of the run: the system's words
        raise
    except Exception as error:  # an unexpected failure is still a failed backup the owner must hear of
        log.exception('the backup failed')
        _record(ok=False, message=f'{type(error).__name__}: {error}', as_of=started)
        raise archive.BackupError(_('The backup failed: {error}').format(error=error)) from error
    if scheduled is not None and target.resolve() == scheduled.resolve():
        archive.prune(target, keep)
    _record(ok=True, result=result, as_of=started)
    return result


def run_due(as_of: datetime | None = None) -> BackupResult | None:
    """The scheduled job: back up if the day's time has passed since the last try (claimed in one locked
    transaction, so that even without the jobs' lock one process makes it), then ring the bell once if backups are
    failing or overdue. Returns the backup made, if any. Blocking."""
    now = as_of or datetime.now(UTC)
    with session_scope(write=True) as session:  # the claim: locked, so two processes cannot both find it due
        row = _row(session, lock=True)
        due = bool(row.enabled and row.folder and _due(row, _zone(session), now))
        if due:
            row.last_started_at = now
            session.add(row)
    result = None
    if due:
        jobs.checkpoint()
        try:
            result = back_up(as_of=now)
        except ClientPulseError as error:
            log.warning('the scheduled backup failed: %s', error)
    alert_if_needed(as_of=now)
    return result


def alert_if_needed(*, as_of: datetime | None = None) -> bool:
    """Ring the owners' bell once if the last backup failed, or none worked for :data:`STALE` while scheduled; the
    next backup that works ends it. Returns whether it rang now."""
    now = as_of or datetime.now(UTC)
    with session_scope(write=True) as session:
        row = _row(session, lock=True)
        state = _status_of(row, now).state
        location_id = session.exec(select(Location.id).order_by(col(Location.id))).first()
        if state not in ('failed', 'missing') or row.alerted_at is not None or location_id is None:
            return False
        row.alerted_at = now
        session.add(row)
        text = i18n.deferred(N_('The last backup failed: {error}'), error=i18n.shown(row.last_message or '')) \
            if state == 'failed' else i18n.deferred(N_('No backup has worked for more than 26 hours.'))
        event = notifications.prepare(session, events.BackupFailed(location_id=location_id, summary=text))
    events.publish(event)
    return True


# --- helpers ------------------------------------------------------------------------------------------------------

def _record(*, ok: bool, as_of: datetime, result: BackupResult | None = None, message: str | None = None) -> None:
    with session_scope(write=True) as session:
        row = _row(session, lock=True)
        row.last_finished_at, row.last_ok, row.last_message = datetime.now(UTC), ok, message
        if ok and result is not None:
            row.last_file, row.last_size_bytes, row.last_success_at = result.path, result.size_bytes, as_of
            row.alerted_at = None  # fixed: the next failure rings again
        session.add(row)


def _row(session: Session, *, lock: bool = False) -> BackupSettings:
    query = select(BackupSettings).where(BackupSettings.id == 1)
    row = session.exec(query.with_for_update() if lock else query).first()
    if row is None:
        row = BackupSettings(id=1)
        if lock:
            session.add(row)
            session.flush()
    return row


def _status_of(row: BackupSettings, now: datetime) -> BackupStatus:
    if row.last_ok is False:
        state = 'failed'
    elif row.enabled and (row.last_success_at or row.enabled_at or now) <= now - STALE:
        state = 'missing'
    elif row.last_success_at is not None and row.last_success_at > now - STALE:
        state = 'ok'
    else:
        state = 'off' if not row.enabled else 'waiting'
    return BackupStatus(enabled=row.enabled, time_of_day=row.time_of_day, folder=row.folder, keep=row.keep,
                        sealed=row.passphrase_sealed is not None, state=state, last_finished_at=row.last_finished_at,
                        last_ok=row.last_ok, last_file=row.last_file, last_size_bytes=row.last_size_bytes,
                        last_message=row.last_message, last_success_at=row.last_success_at)


def _due(row: BackupSettings, zone: ZoneInfo, now: datetime) -> bool:
    """Whether the latest scheduled moment at or before ``now`` has not been tried yet."""
    local = now.astimezone(zone)
    hour, minute = (int(x) for x in row.time_of_day.split(':'))
    moment = datetime.combine(local.date(), time(hour, minute), tzinfo=zone)
    if moment > local:
        moment -= timedelta(days=1)
    return row.last_started_at is None or row.last_started_at < moment.astimezone(UTC)


def _zone(session: Session) -> ZoneInfo:
    name = session.exec(select(Location.time_zone).order_by(col(Location.id))).first()
    try:
        return ZoneInfo(name or 'UTC')
    except (KeyError, ValueError):
        return ZoneInfo('UTC')


def _check_folder(folder: str) -> None:
    if not folder:
        raise ValidationError(_('Choose the folder backups go to (a USB disk, a network share).'), field='folder')
    path = Path(folder).expanduser()
    if not path.is_absolute():
        raise ValidationError(_('Give the whole path of the folder, e.g. /media/backup or D:\\Backups.'),
                              field='folder')
    if not path.is_dir():
        raise ValidationError(_('The folder {folder} does not exist (is the disk connected?).').format(folder=folder),
                              field='folder')
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValidationError(_('The folder {folder} cannot be written by the user ClientPulse runs as.').format(
            folder=folder), field='folder')
    if path.resolve().is_relative_to(get_settings().data_dir.resolve()):
        raise ValidationError(_('Choose a folder outside the data folder, on another disk if you can.'),
                              field='folder')


def _default_folder() -> Path:
    from app.services import files
    return files.private_folder(get_settings().data_dir / 'backups')
