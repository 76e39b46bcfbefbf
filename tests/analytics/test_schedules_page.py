"""The Scheduled reports page: adding a schedule, inline errors, failed runs shown to the owner."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from nicegui.testing import User

from app.config import reset_settings
from app.models import ReportScheduleBase, Role
from app.services.analytics import schedules
from tests.factories import OWNER
from tests.fixtures.pages import element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def test_owner_adds_a_schedule_and_sees_a_failed_run(user: User, shop, monkeypatch):
    await sign_in(user, Role.OWNER, '/reports')
    user.find(marker='recipients').type('not-an-address')
    user.find(marker='add-schedule').click()
    assert element(user, 'recipients').error == 'Not an email address: not-an-address'
    element(user, 'recipients').set_value('owner@shop.test')
    user.find(marker='add-schedule').click()
    await eventually(lambda: [r['recipients'] for r in element(user, 'schedule-list').rows] == ['owner@shop.test'])

    monkeypatch.setenv('CLIENTPULSE_SMTP_HOST', '127.0.0.1')
    monkeypatch.setenv('CLIENTPULSE_SMTP_PORT', '1')  # nothing listens there: the mail fails
    reset_settings()
    schedules.run_due(now=datetime(2100, 1, 1, tzinfo=UTC))
    monkeypatch.undo()
    reset_settings()
    await user.open('/reports')
    await user.should_see(marker='failed-runs')
    assert 'ConnectionRefusedError' in element(user, 'failed-runs').text
    assert [r['outcome'] for r in element(user, 'run-list').rows] == ['failed']


async def test_manager_sees_only_their_locations_schedules(user: User, shop):
    from tests.factories import make_location
    other = make_location('Other St')
    schedules.create_schedule(ReportScheduleBase(location_id=other.id, frequency='daily'), actor=OWNER)
    schedules.create_schedule(ReportScheduleBase(location_id=shop['location'].id, frequency='monthly'), actor=OWNER)
    await sign_in(user, Role.MANAGER, '/reports')
    assert [r['frequency'] for r in element(user, 'schedule-list').rows] == ['monthly']
