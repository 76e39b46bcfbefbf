"""The services follow the slot rules where they were written differently before: a no-show frees its time for the
free-time search as for a booking, and the desk (not a customer) may move a booking over a customer's online hold."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.models import BookingMove, BookingStatus, HoldKind
from app.services.errors import SlotUnavailableError
from app.services.frontdesk import availability, bookings
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

DAY = date(2030, 3, 4)


def _times(shop, *, now: datetime) -> list[str]:
    return [f'{s.starts_at:%H:%M}' for s in availability.free_slots(
        shop['location'].id, shop['service'].id, DAY, actor=OWNER, staff_member_id=shop['member'].id, now=now)]


@pytest.fixture
def shop(sqlite_db):
    location = make_location(time_zone='UTC')
    return {'location': location, 'member': make_staff_member(location), 'service': make_service(location),
            'customer': make_customer(location)}


def test_a_no_show_frees_the_rest_of_its_time_for_free_times_and_bookings(shop):
    booking = make_booking(shop['location'], shop['member'], shop['service'], shop['customer'], at(DAY, '10:00', 'UTC'))
    early = datetime(2030, 3, 1, tzinfo=UTC)
    assert '10:15' not in _times(shop, now=early)
    bookings.set_status(booking.id, BookingStatus.NO_SHOW, actor=OWNER, as_of=at(DAY, '10:05', 'UTC'))
    assert '10:15' in _times(shop, now=at(DAY, '10:05', 'UTC'))
    make_booking(shop['location'], shop['member'], shop['service'], None, at(DAY, '10:15', 'UTC'))  # a walk-in


def test_the_desk_moves_a_booking_over_an_online_hold_a_customer_does_not(shop):
    booking = make_booking(shop['location'], shop['member'], shop['service'], shop['customer'], at(DAY, '10:00', 'UTC'))
    noon = availability.Slot(at(DAY, '12:00', 'UTC'), shop['member'].id, shop['member'].name)
    availability.hold(shop['location'].id, shop['service'].id, noon, holder='web-1', actor=OWNER,
                      kind=HoldKind.ONLINE, ip='192.0.2.1', visitor='visitor-1')
    with pytest.raises(SlotUnavailableError, match='just taken'):
        bookings.move_booking(booking.id, BookingMove(starts_at=noon.starts_at), actor=OWNER, by_customer=True)
    moved = bookings.move_booking(booking.id, BookingMove(starts_at=noon.starts_at), actor=OWNER)
    assert moved.starts_at == noon.starts_at
