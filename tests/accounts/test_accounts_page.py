"""The owner's Users and Settings pages."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import Role
from app.services.accounts import users
from app.services.errors import AuthenticationError
from tests.factories import OWNER
from tests.fixtures.pages import PASSWORD, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def test_owner_sees_a_locked_account_unlocks_it_and_adds_one(user: User, shop, monkeypatch):
    monkeypatch.setattr(users.time, 'sleep', lambda _seconds: None)
    for _ in range(users.LOCK_AFTER):
        with pytest.raises(AuthenticationError):
            users.authenticate('staff@shop.test', 'not it')
    await sign_in(user, Role.OWNER, '/users')
    row = next(r for r in element(user, 'user-table').rows if r['email'] == 'staff@shop.test')
    assert row['failed'] == users.LOCK_AFTER and row['locked'].endswith('UTC')
    user.find(marker='account').click()
    element(user, 'account').set_value(row['id'])
    user.find(marker='unlock').click()
    await eventually(lambda: next(r for r in element(user, 'user-table').rows
                                  if r['email'] == 'staff@shop.test')['locked'] == '')
    assert users.authenticate('staff@shop.test', PASSWORD).role == Role.STAFF

    user.find(marker='new-email').type('robin@shop.test')
    user.find(marker='new-password').type('short')
    user.find(marker='add-account').click()
    await eventually(lambda: element(user, 'new-password').error == 'The password needs at least 8 characters.')
    user.find(marker='new-password').clear().type('long enough pass')
    user.find(marker='add-account').click()
    await eventually(lambda: 'robin@shop.test' in [r['email'] for r in element(user, 'user-table').rows])
    made = next(u for u in users.list_users(actor=OWNER) if u.email == 'robin@shop.test')
    assert made.role == Role.STAFF and made.location_id == shop['location'].id


async def test_settings_show_the_lan_address_with_a_qr_code(user: User, shop):
    await sign_in(user, Role.OWNER, '/settings')
    url = element(user, 'lan-url').text
    assert url.startswith('http://') and url.endswith(':8080')
    assert element(user, 'lan-qr').source.startswith('data:image/svg+xml;base64,')
