"""The first run: only the setup link printed by the serving process makes the first owner, and only once."""

from __future__ import annotations

import pytest

from app.models import Role
from app.services.accounts import setup, users
from app.services.errors import PermissionDeniedError, ValidationError
from tests.factories import OWNER


@pytest.fixture(autouse=True)
def fresh_token():
    setup.forget()
    yield
    setup.forget()


def test_an_empty_install_is_claimed_only_with_the_link_and_only_once(db):
    assert setup.needs_setup()
    link = setup.setup_path()
    token = link.split('token=', 1)[1]
    assert len(token) >= 40 and setup.setup_path() == link  # one link per process, 256 random bits
    for wrong in ('', 'guess', token[:-1] + ('A' if token[-1] != 'A' else 'B')):
        assert not setup.token_valid(wrong)
        with pytest.raises(PermissionDeniedError):
            setup.create_first_owner(wrong, 'someone@lan.test', 'long enough')
    assert setup.needs_setup()  # nobody on the LAN claimed it
    with pytest.raises(ValidationError) as short:
        setup.create_first_owner(token, 'me@salon.test', 'short')
    assert short.value.field == 'password'

    owner = setup.create_first_owner(token, ' Me@Salon.test ', 'long enough')
    assert (owner.email, owner.role, owner.location_id) == ('me@salon.test', Role.OWNER, None)
    assert users.authenticate('me@salon.test', 'long enough').id == owner.id
    assert not setup.needs_setup() and setup.setup_path() is None
    with pytest.raises(PermissionDeniedError):  # the same link again: spent, and there is an owner
        setup.create_first_owner(token, 'second@salon.test', 'long enough')
    assert [u.email for u in users.list_users(actor=OWNER)] == ['me@salon.test']


def test_an_install_with_accounts_draws_no_link(db):
    users.create_user('boss@salon.test', 'long enough', role=Role.OWNER, actor=OWNER)
    assert setup.setup_path() is None
    assert not setup.token_valid('anything')
