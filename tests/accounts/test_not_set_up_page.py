"""A visitor to an install nobody has set up yet meets the page that says so (how the owner sets it up), not a sign-in
nobody could pass; once the owner's account is made, the sign-in again."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import Role
from app.services.accounts import users
from app.services.accounts.access import SYSTEM_ACTOR


@pytest.fixture(autouse=True)
def empty_install(sqlite_db):
    """An empty, migrated database (no account, no shop), prepared before NiceGUI runs main.py."""
    return sqlite_db


async def test_a_visitor_of_a_new_install_meets_the_not_set_up_page(user: User):
    await user.open('/')  # any page sends a stranger to the sign-in, which says the shop is not set up
    await user.should_see('This shop is not set up yet', retries=100)
    await user.should_see('Its owner sets it up through the link ClientPulse printed where it was started')
    await user.should_see(marker='not-set-up')
    await user.should_not_see(marker='sign-in')
    await user.should_not_see(marker='email')

    users.create_user('owner@shop.test', 'correct horse', role=Role.OWNER, location_id=None, actor=SYSTEM_ACTOR)
    await user.open('/login')
    await user.should_see(marker='sign-in')
    await user.should_not_see(marker='not-set-up')
