"""The setup wizard speaks English until the business says its language, then that one: the language follows the
formats chosen (French formats: French) and the steps after the business step are drawn in it."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from tests.fixtures.pages import element, eventually

pytestmark = pytest.mark.usefixtures('sqlite_db')  # an empty database: the business is built through the pages


def _fill(user: User, marker: str, text: str) -> None:
    user.find(marker=marker).clear().type(text)


async def test_the_wizard_speaks_the_language_the_business_chose(user: User):
    from app.services.accounts import setup
    from app.services.accounts.access import SYSTEM_ACTOR
    from app.services.catalogue import locations
    await user.open(setup.setup_path())
    await user.should_see('Set up your business', retries=100)
    _fill(user, 'setup-email', 'amina@salon.test')
    _fill(user, 'setup-password', 'long enough')
    _fill(user, 'setup-password-again', 'long enough')
    user.find(marker='setup-create-owner').click()
    await eventually(lambda: element(user, 'setup-steps').value == 'business', timeout=10)

    assert element(user, 'setup-language').value == 'en'
    element(user, 'setup-locale').set_value('de_DE')  # formats of a language ClientPulse does not speak
    assert element(user, 'setup-language').value == 'en'
    element(user, 'setup-locale').set_value('sw_KE')
    assert element(user, 'setup-language').value == 'sw'
    _fill(user, 'setup-name', 'Saluni ya Amina')
    element(user, 'setup-time-zone').set_value('Africa/Nairobi')
    element(user, 'setup-country').set_value('KE')
    element(user, 'setup-currency').set_value('KES')
    user.find(marker='setup-save-business').click()
    await eventually(lambda: element(user, 'setup-steps').value == 'hours', timeout=10)

    assert [x.language for x in locations.list_locations(actor=SYSTEM_ACTOR)] == ['sw']
    await user.should_see('Sanidi biashara yako')  # the heading, "Set up your business"
    await user.should_see('Duka linapokuwa wazi. Saa za wahudumu na nafasi huru hubaki ndani ya saa hizi.')
    await user.should_see('Jumatatu')  # Monday, in the hours step drawn now
    user.find(marker='setup-closes-0').clear().type('08:00')  # before opening
    user.find(marker='setup-save-hours').click()
    await eventually(lambda: element(user, 'setup-closes-0').error == 'Kufunga lazima kuwe baada ya kufungua.')
