"""The owner's schedule: refused values name their field; the job backs up once a day after its time, keeps the
newest few, and rings the bell once when no backup worked for 26 hours; only owners see or change it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from app.cli import cli
from app.models import Notification, Role
from app.services.backups import archive, schedule
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError, ValidationError
from tests.factories import OWNER, actor, make_location

runner = CliRunner()


@pytest.mark.parametrize(('changes', 'field'), [
    ({'time_of_day': '25:00'}, 'time_of_day'), ({'keep': 0}, 'keep'), ({'folder': 'relative/path'}, 'folder'),
    ({'folder': '/no/such/disk'}, 'folder'), ({'passphrase': 'short'}, 'passphrase')])
def test_refused_values_name_their_field_and_change_nothing(sqlite_db, data_dir, target, changes, field):
    values = {'enabled': True, 'time_of_day': '02:30', 'folder': str(target), 'keep': 3, **changes}
    with pytest.raises(ValidationError) as refused:
        schedule.save_schedule(**values, actor=OWNER)
    assert refused.value.field == field
    assert schedule.status(actor=OWNER).enabled is False


def test_only_owners_see_or_change_backups(sqlite_db, data_dir, target):
    manager = actor(Role.MANAGER, 1)
    with pytest.raises(PermissionDeniedError):
        schedule.status(actor=manager)
    with pytest.raises(PermissionDeniedError):
        schedule.save_schedule(enabled=True, time_of_day='02:30', folder=str(target), keep=3, actor=manager)
    with pytest.raises(PermissionDeniedError):
        schedule.back_up_now(actor=manager)


def test_the_job_backs_up_once_a_day_keeps_the_newest_and_rings_once_when_overdue(shop, target):
    location = shop[0]  # America/Toronto: 02:30 there is 07:30 UTC in winter
    schedule.save_schedule(enabled=True, time_of_day='02:30', folder=str(target), keep=2, passphrase='a long phrase',
                           actor=OWNER)
    day = datetime(2030, 1, 7, 7, 0, tzinfo=UTC)
    assert location.time_zone == 'America/Toronto'
    assert schedule.run_due(as_of=day) is not None  # yesterday's 02:30 was never tried: at once
    assert schedule.run_due(as_of=day + timedelta(minutes=20)) is None  # 02:20 there: not due again
    for days in (0, 1, 2):
        assert schedule.run_due(as_of=day + timedelta(days=days, minutes=31)) is not None
    kept = archive.backups_in(target)
    assert len(kept) == 2 and all(p.name.endswith('.sealed') for p in kept)  # the newest two, sealed
    shown = schedule.status(actor=OWNER, as_of=day + timedelta(days=2, minutes=40))
    assert (shown.state, shown.sealed, shown.last_file) == ('ok', True, str(kept[-1]))

    target.rename(target.with_name('unplugged'))  # the disk goes away: the next days fail
    late = day + timedelta(days=3, minutes=31)
    assert schedule.run_due(as_of=late) is None
    assert schedule.status(actor=OWNER, as_of=late).state == 'failed'
    assert schedule.run_due(as_of=late + timedelta(days=1)) is None
    with session_scope() as session:
        rung = session.exec(select(Notification).where(Notification.kind == 'backup_failed')).all()
    assert len(rung) == 1 and rung[0].audience == 'owner'
    assert 'does not exist' in rung[0].text


def test_no_backup_for_26_hours_is_missing(shop, target):
    schedule.save_schedule(enabled=True, time_of_day='02:30', folder=str(target), keep=2, actor=OWNER)
    now = datetime.now(UTC)
    assert schedule.status(actor=OWNER, as_of=now).state == 'waiting'
    assert schedule.status(actor=OWNER, as_of=now + timedelta(hours=27)).state == 'missing'
    assert schedule.alert_if_needed(as_of=now + timedelta(hours=27)) is True


def test_the_commands_back_up_and_restore_printing_what_was_restored(shop, target):
    made = runner.invoke(cli, ['backup', '--to', str(target)])
    assert made.exit_code == 0, made.output
    backup = archive.backups_in(target)[0]
    assert str(backup) in made.output
    refused = runner.invoke(cli, ['restore', str(backup)], input='n\n')
    assert refused.exit_code == 1 and 'moves it aside' in refused.output
    restored = runner.invoke(cli, ['restore', str(backup), '--yes'])
    assert restored.exit_code == 0, restored.output
    assert 'The data that was here is kept in' in restored.output
    assert 'customer' in restored.output and 'attachments: 1 file' in restored.output


def test_several_processes_make_one_backup_per_schedule(postgres_db, data_dir, target):
    """The job as the server runs it (``jobs.exclusive('backups', …)``): while another process holds the jobs' lock
    it does nothing; then one backup, and none again until the next day's time."""
    from sqlalchemy import create_engine, text

    from app.services import jobs
    location = make_location()
    assert location.time_zone
    schedule.save_schedule(enabled=True, time_of_day='02:30', folder=str(target), keep=5, actor=OWNER)
    job = jobs.exclusive('backups', schedule.run_due)
    other = create_engine(postgres_db)
    with other.connect() as holder:  # another process is running the job
        assert holder.execute(text('SELECT pg_try_advisory_lock(:k)'), {'k': jobs.lock_key('backups')}).scalar()
        assert job() is None
        assert archive.backups_in(target) == []
        holder.execute(text('SELECT pg_advisory_unlock(:k)'), {'k': jobs.lock_key('backups')})
    other.dispose()
    assert job() is not None
    assert job() is None  # the claim: not due again today
    assert len(archive.backups_in(target)) == 1
