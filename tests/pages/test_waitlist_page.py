"""The waitlist page: joining, and an offer appearing live when another session cancels."""

from __future__ import annotations

from nicegui.testing import User

from app.models import BookingStatus, Role
from app.services.frontdesk import bookings, waitlist
from tests.factories import OWNER, at, make_booking
from tests.pages.conftest import DAY, click_block, sign_in
from tests.pages.test_pages import element


async def test_a_cancellation_elsewhere_shows_the_offer_and_books_it(user: User, create_user, shop):
    desk, manager = user, create_user()
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '15:00'))
    await sign_in(desk, Role.STAFF, '/waitlist')
    element(desk, 'wait-customer').set_value(shop['sam'].id)
    element(desk, 'wait-service').set_value(shop['cut'].id)
    element(desk, 'wait-day').set_value(DAY.isoformat())
    desk.find(marker='wait-add').click()
    await desk.should_see(marker=f'wait-{shop["sam"].id}')

    await sign_in(manager, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    click_block(manager, booking.id)
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
