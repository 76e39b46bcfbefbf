"""Signing in goes on to the page asked for, but never to another site."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from nicegui.testing import User

from tests.fixtures.pages import PASSWORD, eventually

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def _sign_in_with_next(user: User, target: str) -> str:
    await user.open(f'/login?next={quote(target, safe="")}')
    user.find(marker='email').type('manager@shop.test')
    user.find(marker='password').type(PASSWORD)
    user.find(marker='sign-in').click()
    await eventually(lambda: not user.back_history[-1].startswith('/login'), timeout=10)
    return user.back_history[-1]


@pytest.mark.parametrize('target', ['//evil.example', '/\\evil.example', 'https://evil.example',
                                    '/%2F/evil.example'])
async def test_a_next_parameter_to_another_site_lands_on_the_start_page(user: User, target):
    assert await _sign_in_with_next(user, target) == '/'


async def test_a_next_parameter_within_the_app_is_followed(user: User):
    assert await _sign_in_with_next(user, '/bookings?day=2030-03-04') == '/bookings?day=2030-03-04'
