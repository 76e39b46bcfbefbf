"""Issue 31: every signed-in page shows which release it is, at the foot of the navigation."""

from __future__ import annotations

import pytest
from nicegui.testing import User

import app
from tests.fixtures.pages import sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def test_the_navigation_shows_the_version(user: User, shop):
    await sign_in(user)
    await user.should_see(f'ClientPulse, version {app.__version__}', marker='version')
