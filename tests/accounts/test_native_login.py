"""The desktop window signs the owner in with a one-time token, and nothing else does."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.services.accounts import native_login
from tests.fixtures.pages import eventually

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def test_the_windows_token_signs_the_owner_in_once(user: User, shop):
    token = native_login.issue_token()
    await user.open(f'/native-login?token={token}')
    await eventually(lambda: user.back_history[-1] == '/')
    await user.should_see('Revenue, last 30 days')  # the owner's dashboard, no password typed
    await user.open(f'/native-login?token={token}')  # the same link again
    await user.should_see(marker='refused')


async def test_a_guessed_token_gets_nothing(user: User, shop):
    native_login.issue_token()
    await user.open('/native-login?token=guess')
    await user.should_see(marker='refused')
    await user.open('/')
    await eventually(lambda: user.back_history[-1].startswith('/login'))


def test_a_token_from_another_machine_is_refused_and_used_up_only_when_it_matched():
    token = native_login.issue_token()
    assert not native_login.redeem(token, '192.168.1.20')  # a LAN browser with the window's link
    assert not native_login.redeem('', '127.0.0.1')
    assert native_login.redeem(token, '127.0.0.1')
    assert not native_login.redeem(token, '127.0.0.1')
