"""Times a customer is booking at the kiosk are kept from everyone else for a few minutes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.models import BookingCreate, Role
from app.services.errors import SlotUnavailableError
from app.services.frontdesk import availability, bookings, kiosk
from tests.factories import OWNER, actor, at, make_customer, make_location, make_service, make_staff_member

DAY = date(2030, 3, 4)
NOW = datetime(2030, 3, 1, tzinfo=UTC)


def _times(location, service, member, *, now: datetime = NOW, holder: str | None = None) -> list[str]:
    slots = availability.free_slots(location.id, service.id, DAY, actor=OWNER, staff_member_id=member.id, now=now,
                                    holder=holder)
    return [f'{s.starts_at:%H:%M}' for s in slots]


def test_a_held_time_is_not_free_for_others_until_booked_released_or_lapsed(db):
    location = make_location(time_zone='UTC')
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    device = actor(Role.KIOSK, location.id)
    ten = availability.Slot(at(DAY, '10:00', 'UTC'), member.id, member.name)
    until = availability.hold(location.id, service.id, ten, holder='screen-1', actor=device, now=NOW)
    assert until == NOW + timedelta(minutes=availability.HOLD_MINUTES)
    assert '10:00' not in _times(location, service, member) and '09:30' not in _times(location, service, member)
    assert '10:00' in _times(location, service, member, holder='screen-1')  # the holder still sees it
    with pytest.raises(SlotUnavailableError, match='at the kiosk'):
        bookings.create_booking(BookingCreate(location_id=location.id, customer_id=customer.id, service_id=service.id,
                                              staff_member_id=member.id, starts_at=ten.starts_at), actor=OWNER)
    with pytest.raises(SlotUnavailableError):  # another kiosk screen cannot hold it either
        availability.hold(location.id, service.id, ten, holder='screen-2', actor=device, now=NOW)
    later = NOW + timedelta(minutes=availability.HOLD_MINUTES + 1)
    assert '10:00' in _times(location, service, member, now=later)  # lapsed
    availability.release(location.id, 'screen-1', actor=device)
    assert '10:00' in _times(location, service, member)


def test_the_kiosk_books_its_held_time_and_lets_it_go(sqlite_db):
    location = make_location(time_zone='UTC')
    member, service = make_staff_member(location), make_service(location)
    device = actor(Role.KIOSK, location.id)
    slot = availability.Slot(at(DAY, '11:00', 'UTC'), member.id, member.name)
    availability.hold(location.id, service.id, slot, holder='screen-1', actor=device)
    booking = kiosk.book(location.id, service.id, slot, name='Robin Diaz', phone='647 555 0199', actor=device,
                         holder='screen-1')
    assert booking.starts_at == slot.starts_at
    with pytest.raises(SlotUnavailableError):  # booked now, not merely held
        availability.hold(location.id, service.id, slot, holder='screen-2', actor=device)
    assert '12:00' in _times(location, service, member)  # the hold went with the booking

