"""Issue 31: the owner schedules backups in Settings, backs up now and sees the last backup's time, size and result
— red, in words, when it failed."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import Role
from app.services.backups import archive
from app.services.errors import ClientPulseError
from tests.fixtures.pages import sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def test_the_owner_schedules_backs_up_and_sees_the_result(user: User, shop, tmp_path):
    disk = tmp_path / 'usb-disk'
    disk.mkdir()
    await sign_in(user, Role.OWNER, '/settings')
    await user.should_see(marker='settings-backups', retries=100)
    assert user.find(marker='settings-backups').elements.pop().props.get('href') == '/settings/backups'
    await user.open('/settings/backups')
    await user.should_see(marker='backup-state-off', retries=100)
    await user.should_see('Backups are not scheduled.')

    user.find(marker='backup-enabled').click()
    user.find(marker='backup-folder').type(str(disk))
    user.find(marker='backup-passphrase').type('a passphrase kept in the safe')
    user.find(marker='backup-save').click()
    await user.should_see('Backup schedule saved.', retries=100)
    await user.should_see('Backups are sealed with a passphrase.')
    await user.should_see(marker='backup-state-waiting')

    user.find(marker='backup-now').click()
    await user.should_see(marker='backup-state-ok', retries=200)
    await user.should_see('The last backup worked.')
    [made] = archive.backups_in(disk)
    assert made.name.endswith('.sealed')
    await user.should_see(f'MB in {made}')

    disk.rename(tmp_path / 'unplugged')
    user.find(marker='backup-now').click()
    await user.should_see(marker='backup-state-failed', retries=200)
    await user.should_see('The last backup failed.')
    await user.should_see(marker='backup-error')


async def test_the_owners_dashboard_is_red_while_backups_fail(user: User, shop, tmp_path):
    from app.services.backups import schedule
    from tests.factories import OWNER
    disk = tmp_path / 'nas'
    disk.mkdir()
    schedule.save_schedule(enabled=True, time_of_day='02:30', folder=str(disk), keep=3, actor=OWNER)
    schedule.back_up()
    await sign_in(user, Role.OWNER, '/')
    await user.should_see(marker='figures', retries=100)
    await user.should_not_see(marker='dashboard-backup-alert')  # the last backup worked

    disk.rename(tmp_path / 'unmounted')
    with pytest.raises(ClientPulseError):
        schedule.back_up()
    await user.open('/')
    await user.should_see(marker='dashboard-backup-alert', retries=100)
    await user.should_see('The last backup failed.')
