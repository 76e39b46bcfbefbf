"""A recurring series booked at the desk: one date not free is listed with times near it, one is picked, the series
is booked; later the desk cancels one occurrence and every one after it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui.testing import User

from app.models import BookingStatus, Role
from app.services.frontdesk import bookings
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import DAY, choose_customer, click_block, element, eventually, new_booking_dialog, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def _series(shop):
    return sorted((b for b in bookings.list_bookings(shop['location'].id, actor=OWNER)
                   if b.customer_name == 'Sam Lee'), key=lambda b: b.starts_at)


async def test_a_series_with_one_conflict_is_booked_then_cancelled_from_an_occurrence_on(user: User, shop):
    third = DAY + timedelta(weeks=2)
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(third, '10:00'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await new_booking_dialog(user)
    await user.should_see('New booking')
    await choose_customer(user, 'customer', shop['sam'])
    element(user, 'service').set_value(shop['cut'].id)
    element(user, 'staff').set_value(shop['jj'].id)
    element(user, 'time').set_value('10:00')
    element(user, 'repeat').set_value(1)
    element(user, 'repeat-count').set_value(4)
    user.find(marker='book').click()
    await user.should_see('1 of the dates is not free', retries=100)
    await user.should_see('Mon 18 Mar 10:00 — not free then')
    choice = element(user, 'series-choice-2')
    assert list(choice.options.values()) == ['Skip it', '09:00 instead', '09:15 instead', '10:45 instead',
                                             '11:00 instead']
    choice.set_value(at(third, '10:45').isoformat())
    user.find(marker='book').click()
    await user.should_see('4 bookings made.', retries=100)
    series = _series(shop)
    assert [b.starts_at for b in series] == [at(DAY, '10:00'), at(DAY + timedelta(weeks=1), '10:00'),
                                             at(third, '10:45'), at(DAY + timedelta(weeks=3), '10:00')]
    assert len({b.series_id for b in series}) == 1

    await user.open(f'/bookings?day={(DAY + timedelta(weeks=1)).isoformat()}')
    await user.should_see(marker='day-grid', retries=100)
    await click_block(user, series[1].id)
    user.find(marker='cancel-reason').type('Moving away')
    user.find(marker='cancel-following').click()
    user.find(marker='to-cancelled').click()
    user.find(marker='cancel-confirm').click()
    await eventually(lambda: [b.status for b in _series(shop)] == [
        BookingStatus.BOOKED, BookingStatus.CANCELLED, BookingStatus.CANCELLED, BookingStatus.CANCELLED],
        timeout=10)
