"""A refusal shown under a narrow field takes the lines it needs and pushes what follows down, at phone width and on
a desktop: it is not written over the next row (Quasar keeps a field's message in a 20-pixel strip)."""

from __future__ import annotations

import pytest

from app.models import Role
from app.services.accounts import users
from tests.factories import OWNER
from tests.fixtures.browser import PASSWORD, sign_in


@pytest.mark.parametrize('width', [390, 1440])
def test_a_long_refusal_on_a_narrow_field_wraps_and_overlaps_nothing(browser, served, width):
    users.create_user('owner@shop.test', PASSWORD, role=Role.OWNER, location_id=None, actor=OWNER)
    page = browser.new_page(viewport={'width': width, 'height': 900})
    try:
        sign_in(page, served, 'owner@shop.test', then='/settings')
        first, second = page.get_by_label('Percent').nth(0), page.get_by_label('Percent').nth(1)
        first.fill('120')
        page.get_by_role('button', name='Save').first.click()
        message = page.locator('.q-field--error .q-field__messages').first
        message.wait_for(timeout=15_000)
        assert 'tax rates field is not valid' in message.inner_text()
        said, field = message.bounding_box(), page.locator('.q-field--error').first.bounding_box()
        below = second.evaluate('input => input.closest(".q-field").getBoundingClientRect().top')
        assert said['height'] > 20  # more than one line at this width
        assert said['y'] + said['height'] <= field['y'] + field['height']  # inside its field's box …
        assert field['y'] + field['height'] <= below  # … which ends before the next tax's field begins
    finally:
        page.close()
