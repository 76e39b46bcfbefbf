"""The Activity page: who is online (changing as sessions come and go) and the sign-in log."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import Role
from app.services.accounts import activity
from tests.factories import OWNER
from tests.fixtures.pages import element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def _online(user: User) -> set[str]:
    return {r['email'] for r in element(user, 'online-table').rows}


async def test_the_online_list_changes_as_sessions_come_and_go(user: User, create_user, shop):
    owner, receptionist = user, create_user()
    await sign_in(owner, Role.OWNER, '/activity')
    assert _online(owner) == {'owner@shop.test'}
    await sign_in(receptionist, Role.STAFF, '/bookings')
    await eventually(lambda: _online(owner) == {'owner@shop.test', 'staff@shop.test'})
    receptionist.client.delete()  # the receptionist's page is closed (after the reconnect timeout)
    await eventually(lambda: _online(owner) == {'owner@shop.test'})


async def test_sign_ins_and_failures_are_logged_with_the_browser(user: User, shop):
    await user.open('/login')
    user.find(marker='email').type('staff@shop.test')
    user.find(marker='password').type('not it')
    user.find(marker='sign-in').click()
    await eventually(lambda: activity.entries(actor=OWNER, action='sign_in_failed') != [])
    await sign_in(user, Role.MANAGER, '/activity')
    logged = activity.entries(actor=OWNER)
    assert [(e.action, e.email) for e in logged][:2] == [('sign_in', 'manager@shop.test'),
                                                          ('sign_in_failed', 'staff@shop.test')]
    assert logged[0].ip and logged[0].user_agent  # the simulated browser's address and agent
    rows = element(user, 'activity-table').rows
    assert [r['action'] for r in rows][:2] == ['sign in', 'sign in failed']
