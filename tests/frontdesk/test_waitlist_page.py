"""The waitlist page: joining, and an offer appearing live when another tab cancels."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from app.models import BookingStatus, Role
from app.services.frontdesk import bookings, waitlist
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import DAY, choose_customer, click_block, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def test_a_cancellation_elsewhere_shows_the_offer_and_books_it(user: User, create_user, shop):
    desk, manager = user, create_user()
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '15:00'))
    await sign_in(desk, Role.STAFF, '/waitlist')
    await choose_customer(desk, 'wait-customer', shop['sam'])
    element(desk, 'wait-service').set_value(shop['cut'].id)
    element(desk, 'wait-day').set_value(DAY.isoformat())
    desk.find(marker='wait-add').click()
    await desk.should_see(marker=f'wait-{shop["sam"].id}')

    await sign_in(manager, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    await click_block(manager, booking.id)
    manager.find(marker='cancel-reason').type('Moving house')
    manager.find(marker='to-cancelled').click()
    manager.find(marker='cancel-confirm').click()
    await desk.should_see('Offered 15:00 with JJ')  # no reload
    desk.find(marker=f'book-offer-{shop["sam"].id}').click()
    await desk.should_see('Booked.')
    day = bookings.list_day(shop['location'].id, DAY, actor=OWNER, time_zone=shop['location'].time_zone)
    assert [(b.customer_name, b.status) for b in day if b.status == BookingStatus.BOOKED] == [('Sam Lee',
                                                                                              BookingStatus.BOOKED)]
    assert waitlist.entries(shop['location'].id, actor=OWNER, since=DAY) == []


def _join(shop, name: str) -> None:
    waitlist.join(waitlist.WaitlistJoin(location_id=shop['location'].id, customer_id=shop[name].id,
                                        service_id=shop['cut'].id, day=DAY), actor=OWNER, today=DAY)


async def test_the_waitlist_counts_who_waits_in_the_users_language(user: User, shop):
    from app.services.accounts import users
    from tests.frontdesk.test_kiosk import speak
    _join(shop, 'sam')
    await sign_in(user, Role.STAFF, '/waitlist')
    await eventually(lambda: element(user, 'wait-count').text == '1 customer waiting')
    _join(shop, 'alex')
    await user.open('/waitlist')
    await eventually(lambda: element(user, 'wait-count').text == '2 customers waiting')

    speak(shop['location'], 'fr')  # the desk follows its location's language when its user chose none
    await user.open('/waitlist')
    await eventually(lambda: element(user, 'wait-count').text == '2 clients en attente')
    await user.should_see("Women's cut avec N'importe qui")
    staff = next(u for u in users.list_users(actor=OWNER) if u.role == Role.STAFF)
    users.set_language('sw', actor=staff)  # ... and its own choice when it made one
    await user.open('/waitlist')
    await eventually(lambda: element(user, 'wait-count').text == 'wateja 2 wanasubiri')
    remove = next(b for b in user.find(kind=ui.button).elements if b.props.get('icon') == 'delete')
    assert remove.props['aria-label'].startswith('Mwondoe ')
