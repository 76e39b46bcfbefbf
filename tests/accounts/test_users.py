"""Accounts: throttled sign-in and locks the owner sees, kiosk PINs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.models import Role
from app.services.accounts import users
from app.services.errors import AuthenticationError, PermissionDeniedError, ValidationError
from tests.factories import OWNER, actor, make_location

NOW = datetime(2030, 3, 4, 12, tzinfo=UTC)


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """The pauses sign-in made (recorded instead of slept)."""
    seen: list[float] = []
    monkeypatch.setattr(users.time, 'sleep', seen.append)
    return seen


def test_wrong_passwords_slow_down_then_lock_the_account_until_the_owner_or_time_unlocks_it(db, waits):
    account = users.create_user('jj@shop.test', 'right password', actor=OWNER, role=Role.OWNER)
    for _ in range(users.LOCK_AFTER):
        with pytest.raises(AuthenticationError, match='Wrong email or password'):
            users.authenticate('jj@shop.test', 'wrong', now=NOW)
    assert waits == [1, 2, 4, 8, 8, 8, 8, 8]  # from the 3rd failure on; none for the first two
    with pytest.raises(AuthenticationError, match='paused until 12:15 UTC'):
        users.authenticate('jj@shop.test', 'right password', now=NOW + timedelta(minutes=5))
    shown = next(u for u in users.list_users(actor=OWNER) if u.id == account.id)
    assert shown.failed_logins == users.LOCK_AFTER and shown.locked_until == NOW + users.LOCK_FOR
    assert users.authenticate('jj@shop.test', 'right password', now=NOW + timedelta(minutes=16)).id == account.id
    assert next(u for u in users.list_users(actor=OWNER) if u.id == account.id).failed_logins == 0
    for _ in range(users.LOCK_AFTER):
        with pytest.raises(AuthenticationError):
            users.authenticate('jj@shop.test', 'wrong', now=NOW)
    users.unlock(account.id, actor=OWNER)
    assert users.authenticate('jj@shop.test', 'right password', now=NOW).id == account.id


def test_only_the_owner_manages_accounts(sqlite_db):
    location = make_location()
    manager = actor(Role.MANAGER, location.id)
    with pytest.raises(PermissionDeniedError):
        users.list_users(actor=manager)
    with pytest.raises(PermissionDeniedError):
        users.unlock(1, actor=manager)
    owner = users.create_user('owner@shop.test', 'right password', actor=OWNER, role=Role.OWNER)
    with pytest.raises(ValidationError, match='your own account'):
        users.set_active(owner.id, False, actor=owner)


def test_a_pin_opens_only_its_own_location_kiosk(sqlite_db):
    here, there = make_location('Queen St'), make_location('King St')
    mine = users.create_user('staff@here.test', 'right password', actor=OWNER, role=Role.STAFF, location_id=here.id)
    theirs = users.create_user('staff@there.test', 'right password', actor=OWNER, role=Role.STAFF, location_id=there.id)
    device = users.create_user('kiosk@here.test', 'right password', actor=OWNER, role=Role.KIOSK, location_id=here.id)
    users.set_pin(mine.id, '2468', actor=OWNER)
    users.set_pin(theirs.id, '1357', actor=actor(Role.STAFF, there.id).model_copy(update={'id': theirs.id}))
    assert users.verify_pin(here.id, '2468').id == mine.id
    assert users.verify_pin(here.id, '1357') is None  # another location's staff member
    assert users.verify_pin(here.id, '') is None
    with pytest.raises(ValidationError, match='4 to 8 digits'):
        users.set_pin(mine.id, '12a4', actor=OWNER)
    with pytest.raises(ValidationError, match='Kiosk accounts have no PIN'):
        users.set_pin(device.id, '2468', actor=OWNER)
    with pytest.raises(PermissionDeniedError):
        users.set_pin(mine.id, '9999', actor=actor(Role.MANAGER, here.id))
