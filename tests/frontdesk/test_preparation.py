"""A service's preparation time before each booking (issue 34, "Buffers before and after"): it keeps the staff member
as the buffer after does, inside their hours, on SQLite and PostgreSQL, under racing writers too; the customer is
told only the service's own time."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest

from app.models import Booking, BookingCreate, BookingMove, Role
from app.services.catalogue import catalog
from app.services.database import session_scope
from app.services.errors import (
    OutsideWorkingHoursError,
    PermissionDeniedError,
    SlotUnavailableError,
    ValidationError,
)
from app.services.frontdesk import availability, bookings
from tests.factories import (
    OWNER,
    actor,
    at,
    make_booking,
    make_customer,
    make_location,
    make_service,
    make_staff_member,
)

pytestmark = pytest.mark.usefixtures('shop_clock')

DAY = date(2030, 3, 4)  # a Monday


@pytest.fixture
def shop(db):
    location = make_location()
    colour = make_service(location, 'COL', 'Colour', minutes=60)
    colour = catalog.update_service(colour.id, actor=OWNER, name='Colour', duration_minutes=60, prep_minutes=15,
                                    buffer_minutes=10, price_cents=colour.price_cents)
    return {'location': location, 'jj': make_staff_member(location, 'JJ'), 'colour': colour,
            'cut': make_service(location), 'alex': make_customer(location),
            'sam': make_customer(location, 'Sam Lee', '416-555-0102')}


def _stored(booking_id: int):
    """The booking's stored ``(blocked_from, blocked_until)``."""
    with session_scope() as session:
        row = session.get(Booking, booking_id)
        return row.blocked_from, row.blocked_until


def test_preparation_keeps_the_staff_member_before_the_booking_and_the_customer_sees_only_the_service(shop):
    booking = make_booking(shop['location'], shop['jj'], shop['colour'], shop['alex'], at(DAY, '10:00'))
    assert (booking.starts_at, booking.ends_at) == (at(DAY, '10:00'), at(DAY, '11:00'))  # what the customer is told
    assert _stored(booking.id) == (at(DAY, '09:45'), at(DAY, '11:10'))
    # a 45-minute cut may end where the preparation starts, not inside it
    with pytest.raises(SlotUnavailableError) as refused:
        make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '09:15'))
    assert str(refused.value) == ('JJ is already booked 10:00–11:00 with Alex Kim and prepares from 09:45. Choose '
                                  'another time or staff member.')
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '09:00'))
    # nor may another colour's preparation fall inside this one's buffer
    with pytest.raises(SlotUnavailableError):
        make_booking(shop['location'], shop['jj'], shop['colour'], shop['sam'], at(DAY, '11:15'))
    make_booking(shop['location'], shop['jj'], shop['colour'], shop['sam'], at(DAY, '11:25'))


def test_free_times_leave_room_for_the_preparation_inside_the_staff_members_hours(shop):
    starts = [s.starts_at for s in availability.free_slots(shop['location'].id, shop['colour'].id, DAY,
                                                           actor=OWNER, staff_member_id=shop['jj'].id)]
    assert starts[0] == at(DAY, '09:15') and starts[-1] == at(DAY, '16:00')  # the buffer after may run past 17:00
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '12:00'))  # 12:00–12:45
    starts = {s.starts_at for s in availability.free_slots(shop['location'].id, shop['colour'].id, DAY,
                                                           actor=OWNER, staff_member_id=shop['jj'].id)}
    # a colour ending (with its 10-minute buffer) by 12:00, or starting once 15 minutes of preparation fit after 12:45
    assert at(DAY, '10:45') in starts and at(DAY, '11:00') not in starts
    assert at(DAY, '12:45') not in starts and at(DAY, '13:00') in starts


def test_a_start_whose_preparation_falls_outside_the_hours_is_refused_in_words(shop):
    with pytest.raises(OutsideWorkingHoursError) as refused:
        make_booking(shop['location'], shop['jj'], shop['colour'], shop['alex'], at(DAY, '09:00'))
    assert str(refused.value) == ('JJ works 09:00–17:00 on Mondays and needs 15 minutes to prepare before this '
                                  'service, from 08:45: that is outside their hours.')
    assert refused.value.field == 'starts_at'
    booking = make_booking(shop['location'], shop['jj'], shop['colour'], shop['alex'], at(DAY, '09:00'),
                           override_hours=True)  # a manager may still book it
    assert _stored(booking.id)[0] == at(DAY, '08:45')


def test_a_move_keeps_the_preparation_before_the_new_time(shop):
    booking = make_booking(shop['location'], shop['jj'], shop['colour'], shop['alex'], at(DAY, '10:00'))
    bookings.move_booking(booking.id, BookingMove(starts_at=at(DAY, '14:00')), actor=OWNER)
    assert _stored(booking.id) == (at(DAY, '13:45'), at(DAY, '15:10'))
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '13:00'))  # ends 13:45
    other = make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '10:00'))
    with pytest.raises(SlotUnavailableError):  # 13:15–14:00 meets the colour's preparation from 13:45
        bookings.move_booking(other.id, BookingMove(starts_at=at(DAY, '13:15')), actor=OWNER)


def test_the_preparation_is_bounded_and_only_managers_set_it(shop):
    with pytest.raises(ValidationError) as refused:
        catalog.update_service(shop['colour'].id, actor=OWNER, name='Colour', duration_minutes=60, prep_minutes=241)
    assert refused.value.field == 'prep_minutes'
    with pytest.raises(PermissionDeniedError):
        catalog.update_service(shop['colour'].id, actor=actor(Role.STAFF, shop['location'].id), name='Colour',
                               duration_minutes=60, prep_minutes=0)
    assert catalog.list_services(shop['location'].id, actor=OWNER)[0].prep_minutes == 15


def test_racing_bookings_never_overlap_a_preparation(shop):
    """40 writers at once, half booking a cut 09:15–10:00, half a colour at 10:00 whose preparation starts 09:45:
    exactly one booking stands, on both databases."""
    customers = [make_customer(shop['location'], f'Customer {i}', f'416-555-{i:04d}') for i in range(40)]
    start_at = time.time() + 0.5
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        service, starts = (shop['cut'], '09:15') if i % 2 else (shop['colour'], '10:00')
        while time.time() < start_at:
            time.sleep(0.0005)
        try:
            bookings.create_booking(BookingCreate(
                location_id=shop['location'].id, customer_id=customers[i].id, service_id=service.id,
                staff_member_id=shop['jj'].id, starts_at=at(DAY, starts)), actor=OWNER)
            outcomes.append('won')
        except SlotUnavailableError:
            outcomes.append('refused')

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ['refused'] * 39 + ['won']
    standing = bookings.list_bookings(shop['location'].id, actor=OWNER)
    assert len(standing) == 1 and timedelta(0) < standing[0].ends_at - standing[0].starts_at


def test_the_desks_day_view_draws_the_preparation_and_the_buffer_around_the_booking(shop):
    from app.pages.frontdesk.grid import block_of, legend_markers

    make_booking(shop['location'], shop['jj'], shop['colour'], shop['alex'], at(DAY, '10:00'))
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '13:00'))
    colour, cut = bookings.list_bookings(shop['location'].id, actor=OWNER)
    block = block_of(colour, False, shop['location'].time_zone)
    assert (block['start'], block['minutes'], block['before'], block['after']) == (600, 60, 15, 10)
    assert 'preparation from 09:45' in block['title'] and 'buffer until 11:10' in block['title']
    plain = block_of(cut, False, shop['location'].time_zone)
    assert (plain['before'], plain['after']) == (0, 0) and 'preparation' not in plain['title']
    assert 'kept' in {marker['kind'] for marker in legend_markers()}


def test_a_hold_keeps_the_preparation_and_the_buffer_of_the_booking_it_becomes(shop):
    """A customer at the kiosk holding a colour at 10:00 keeps 09:45–11:10 from everyone else, not only 10:00–11:00:
    the desk cannot book a cut into its preparation or its buffer meanwhile."""
    slot = availability.Slot(at(DAY, '10:00'), shop['jj'].id, 'JJ')
    availability.hold(shop['location'].id, shop['colour'].id, slot, holder='kiosk-1', actor=OWNER)
    for start in ('09:15', '11:05'):  # 09:15–10:00 meets the preparation, 11:05–11:50 the buffer
        with pytest.raises(SlotUnavailableError) as refused:
            make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, start))
        assert 'kiosk' in str(refused.value)
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '09:00'))  # ends as it starts
    held = bookings.create_booking(BookingCreate(
        location_id=shop['location'].id, customer_id=shop['alex'].id, service_id=shop['colour'].id,
        staff_member_id=shop['jj'].id, starts_at=at(DAY, '10:00')), actor=OWNER, holder='kiosk-1')
    assert _stored(held.id) == (at(DAY, '09:45'), at(DAY, '11:10'))
