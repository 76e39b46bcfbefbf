"""Date fields written the location's way: the browser shows the location's format, the server holds ISO."""

from __future__ import annotations

from datetime import date

import pytest
from nicegui import ui
from nicegui.events import GenericEventArguments
from nicegui.testing import User

from app.pages import dates

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


@pytest.mark.parametrize(('locale', 'written'), [
    ('en_KE', '31/12/2026'), ('sw_KE', '31/12/2026'), ('fr_FR', '31/12/2026'), ('en_CA', '2026-12-31'),
    ('en_US', '12/31/2026'), ('de_DE', '31.12.2026'), ('fr_RW', '31/12/2026'), ('rw_RW', '2026-12-31'),
])
def test_each_locale_writes_and_reads_its_own_short_date(locale: str, written: str):
    assert dates.shown('2026-12-31', locale) == written == dates.shown(date(2026, 12, 31), locale)
    assert dates.parse(written, locale) == '2026-12-31'
    assert dates.parse('2026-12-31', locale) == '2026-12-31'  # ISO is always understood
    assert dates.parse(' 31 Dec ', locale) == '31 Dec'  # no date: left for the page's own check
    assert dates.parse('', locale) == ''


async def test_the_field_shows_the_locations_format_and_holds_iso(user: User):
    fields = {}

    @ui.page('/date-field')
    def _page() -> None:
        fields['day'] = dates.date_input('Day', date(2030, 3, 4), locale='en_KE').mark('day')

    await user.open('/date-field')
    field = fields['day']
    assert field.value == '2030-03-04'
    assert field.props['value'] == '04/03/2030'  # what the browser shows
    assert field.props['placeholder'] == '31/12/2026'
    typed = field._event_args_to_value(GenericEventArguments(sender=field, client=user.client, args='25/12/2030'))
    assert typed == '2030-12-25'  # what the browser sends comes back as ISO
    user.find(marker='day').clear().type('2031-01-02')  # a test (or a paste) in ISO still works
    assert field.value == '2031-01-02' and field.props['value'] == '02/01/2031'
    named = [child.props.get('aria-label') for child in field.slots['append'].children]
    assert named == ['Choose a date']  # the calendar's button has a name
    with pytest.raises(AssertionError):  # the calendar is drawn when first asked for
        user.find(kind=ui.date)
    user.find(kind=ui.button).click()  # the calendar's button, pressed
    calendar = user.find(kind=ui.date).elements.pop()
    assert calendar.value == '2031-01-02' and calendar.parent_slot.parent.value is True  # its menu is open
    calendar.set_value('2031-02-03')  # a day chosen on the calendar fills the field
    assert field.value == '2031-02-03' and field.props['value'] == '03/02/2031'
