"""No-show risk where the desk works: a badge and its reasons on the day view, a column of the booking list, a line
in the booking's dialog; the owner sets what a high risk triggers; the analytics page says how good the model is."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from nicegui.testing import User

from app.models import Role
from app.services.analytics import noshow
from app.services.catalogue import catalog, locations
from tests.analytics.test_noshow import import_history
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import DAY, click_block, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')
AHEAD = DAY + timedelta(days=14)  # booked two weeks ahead


@pytest.fixture
def risky(shop, tmp_path) -> dict:
    """The shop with a history where F0 missed three of six bookings, and F0 and S0 booked for AHEAD."""
    noshow.forget()
    # booked now (a booking's booked_at is the real time, not the shop clock's): the history ends before it
    location_id, ids = import_history(tmp_path, shop['location'].name, datetime(2026, 1, 5, 10, 0))
    assert location_id == shop['location'].id
    cut = SimpleNamespace(id=next(s.id for s in catalog.list_services(location_id, actor=OWNER) if s.name == 'Cut'))
    flaky = make_booking(shop['location'], shop['jj'], cut, SimpleNamespace(id=ids['F0']), at(AHEAD, '10:00'))
    steady = make_booking(shop['location'], shop['jj'], cut, SimpleNamespace(id=ids['S0']), at(AHEAD, '14:00'))
    noshow.train(location_id)
    yield {'flaky': flaky, 'steady': steady}
    noshow.forget()


async def test_the_desk_sees_high_risk_with_its_reasons(user: User, shop, risky):
    await sign_in(user, Role.STAFF, f'/bookings?day={AHEAD.isoformat()}')
    await user.should_see(marker='day-grid')
    blocks = {b['id']: b for b in element(user, 'day-grid').props['blocks']}
    assert blocks[risky['flaky'].id]['risk'] == 'high'
    assert '3 earlier no-shows' in blocks[risky['flaky'].id]['risk_label']
    assert blocks[risky['flaky'].id]['risk_label'] in blocks[risky['flaky'].id]['title']  # the block's tooltip
    assert blocks[risky['steady'].id]['risk'] is None  # low: no badge
    await user.should_see('High no-show risk (', retries=100)
    element(user, 'booking-tabs').set_value('List')
    await eventually(lambda: len(element(user, 'booking-list').rows) == 2)
    rows = {r['id']: r['risk'] for r in element(user, 'booking-list').rows}
    assert rows[risky['flaky'].id].startswith('High (') and '3 earlier no-shows' in rows[risky['flaky'].id]
    assert rows[risky['steady'].id].startswith('Low (')
    element(user, 'booking-tabs').set_value('Day view')
    await click_block(user, risky['flaky'].id)
    await eventually(lambda: element(user, 'booking-risk').text.startswith('High no-show risk ('))


async def test_asked_for_a_deposit_when_the_location_says_so(user: User, shop, risky):
    await sign_in(user, Role.OWNER, '/settings')
    element(user, 'settings-high-risk').set_value('deposit')
    user.find(marker='settings-save').click()
    await eventually(lambda: locations.get_location(shop['location'].id, actor=OWNER).high_risk_action == 'deposit',
                     timeout=10)
    await user.open(f'/bookings?day={AHEAD.isoformat()}')
    await user.should_see(marker='day-grid')
    await click_block(user, risky['flaky'].id)
    # the shop asks no deposit of its own: a high risk asks for the booked price
    await eventually(lambda: element(user, 'booking-deposit').text == 'Deposit asked: $40.00')


async def test_the_analytics_page_says_how_good_the_model_is(user: User, shop, risky):
    await sign_in(user, Role.OWNER, '/analytics?start=2030-03-01&end=2030-03-31')
    await eventually(lambda: element(user, f'noshow-model-{shop["location"].id}') is not None, timeout=20)
    assert element(user, 'noshow-levels').text.startswith('Booked and confirmed bookings: 1 high,')
    assert element(user, 'noshow-check').text.startswith('Logistic regression learnt from 310 bookings that came '
                                                         'to an end (30 no-shows)')
