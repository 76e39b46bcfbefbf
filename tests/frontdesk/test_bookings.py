"""Booking rules on SQLite and PostgreSQL: overlaps, working hours, transitions, concurrency."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from datetime import date, timedelta

import pytest

from app.models import BookingCreate, BookingMove, BookingStatus, PaymentMethod, Role
from app.services import clock, events, i18n
from app.services.errors import (
    InvalidTransitionError,
    OutsideWorkingHoursError,
    PermissionDeniedError,
    SlotUnavailableError,
    ValidationError,
)
from app.services.frontdesk import bookings
from app.services.money import receipts
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

pytestmark = pytest.mark.usefixtures('shop_clock')  # check-ins on the day booked, no-shows after the start

DAY = date(2030, 3, 4)  # a Monday


@pytest.fixture
def shop(db):
    location = make_location()
    return {
        'location': location,
        'jj': make_staff_member(location, 'JJ'),
        'becky': make_staff_member(location, 'BECKY'),
        'cut': make_service(location),
        'alex': make_customer(location),
        'sam': make_customer(location, 'Sam Lee', '416-555-0102'),
    }


def test_booking_takes_duration_and_price_from_service(shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '14:30'))
    assert booking.ends_at - booking.starts_at == timedelta(minutes=45)
    assert booking.price_cents == 8200
    assert booking.status == BookingStatus.BOOKED
    assert booking.booked_at == clock.now()  # made at the app's clock's now (the shop's test clock here)
    assert (booking.customer_name, booking.service_name, booking.staff_name) == ('Alex Kim', "Women's cut", 'JJ')


@pytest.mark.parametrize('start', ['14:00', '14:30', '14:44', '14:15'])
def test_overlapping_booking_for_same_staff_member_is_refused(shop, start):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '14:00'))
    with pytest.raises(SlotUnavailableError, match='JJ is already booked 14:00–14:45 with Alex Kim'):
        make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, start))


def test_adjacent_and_other_staff_bookings_are_allowed(shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '14:00'))
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '14:45'))
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '13:15'))
    make_booking(shop['location'], shop['becky'], shop['cut'], shop['sam'], at(DAY, '14:00'))
    assert len(bookings.list_bookings(shop['location'].id, actor=OWNER)) == 4


def test_cancelled_booking_frees_the_slot(shop):
    first = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    bookings.cancel_booking(first.id, actor=OWNER)
    second = make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '10:00'))
    assert second.status == BookingStatus.BOOKED


def test_outside_working_hours_refused_unless_owner_overrides(shop):
    with pytest.raises(OutsideWorkingHoursError, match='JJ works 09:00–17:00 on Mondays'):
        make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '16:30'))
    with pytest.raises(OutsideWorkingHoursError):
        make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '08:30'))
    staff_user = actor(Role.STAFF, shop['location'].id)
    with pytest.raises(PermissionDeniedError):
        make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '18:00'), by=staff_user,
                     override_hours=True)
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '18:00'),
                           override_hours=True)
    assert booking.id


def test_day_off_is_outside_working_hours(db):
    location = make_location()
    weekdays_only = make_staff_member(location, 'KELLY', weekdays=range(5))
    service = make_service(location)
    with pytest.raises(OutsideWorkingHoursError, match="doesn't work on Saturdays"):
        make_booking(location, weekdays_only, service, None, at(DAY + timedelta(days=5), '10:00'))


def test_service_without_duration_cannot_be_booked(shop):
    no_length = make_service(shop['location'], 'CON', 'Consultation', minutes=None)
    with pytest.raises(ValidationError, match='has no duration') as raised:
        make_booking(shop['location'], shop['jj'], no_length, shop['alex'], at(DAY, '10:00'))
    assert raised.value.field == 'service_id'


def test_naive_time_is_refused(shop):
    with pytest.raises(ValidationError, match='time zone'):
        bookings.create_booking(BookingCreate(location_id=shop['location'].id, service_id=shop['cut'].id,
                                              staff_member_id=shop['jj'].id, starts_at=at(DAY, '10:00').replace(
                                                  tzinfo=None)), actor=OWNER)


def test_status_transitions(shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    assert bookings.set_status(booking.id, BookingStatus.CONFIRMED, actor=OWNER).status == BookingStatus.CONFIRMED
    assert bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER).status == BookingStatus.CHECKED_IN
    with pytest.raises(InvalidTransitionError, match='checked in; it cannot be marked no-show'):
        bookings.set_status(booking.id, BookingStatus.NO_SHOW, actor=OWNER)
    with pytest.raises(InvalidTransitionError):
        bookings.cancel_booking(booking.id, actor=OWNER)
    assert bookings.set_status(booking.id, BookingStatus.COMPLETED, actor=OWNER).status == BookingStatus.COMPLETED
    with pytest.raises(InvalidTransitionError):
        bookings.set_status(booking.id, BookingStatus.BOOKED, actor=OWNER)


@pytest.mark.parametrize('final', [BookingStatus.CANCELLED, BookingStatus.NO_SHOW])
def test_final_statuses_allow_nothing(shop, final):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    bookings.set_status(booking.id, final, actor=OWNER)
    for target in (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN, BookingStatus.COMPLETED):
        with pytest.raises(InvalidTransitionError):
            bookings.set_status(booking.id, target, actor=OWNER)
    with pytest.raises(InvalidTransitionError):
        bookings.move_booking(booking.id, BookingMove(starts_at=at(DAY, '12:00')), actor=OWNER)


def test_cancel_records_who_and_notice(shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    cancelled = bookings.cancel_booking(booking.id, actor=OWNER, cancelled_by='BECKY',
                                        as_of=at(DAY - timedelta(days=3), '20:00'))
    assert (cancelled.status, cancelled.cancelled_by, cancelled.notice_days) == (BookingStatus.CANCELLED, 'BECKY', 3)


def test_move_checks_the_new_slot(shop):
    first = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '11:00'))
    with pytest.raises(SlotUnavailableError):
        bookings.move_booking(first.id, BookingMove(starts_at=at(DAY, '10:30')), actor=OWNER)
    moved = bookings.move_booking(first.id, BookingMove(starts_at=at(DAY, '10:15')), actor=OWNER)  # own slot ok
    assert moved.starts_at == at(DAY, '10:15')
    moved = bookings.move_booking(first.id, BookingMove(starts_at=at(DAY, '11:00'), staff_member_id=shop['becky'].id),
                                  actor=OWNER)
    assert moved.staff_name == 'BECKY'


def test_staff_of_another_location_is_refused(shop):
    other = make_location('Other St')
    outsider = actor(Role.STAFF, other.id)
    with pytest.raises(PermissionDeniedError):
        make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'), by=outsider)


def test_events_published_after_commit(shop):
    seen = []
    events.subscribe(seen.append)
    try:
        booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '14:30'))
        bookings.cancel_booking(booking.id, actor=OWNER)
    finally:
        events.unsubscribe(seen.append)
    assert [(e.change, e.day, e.booking_id) for e in seen] == [('created', DAY, booking.id),
                                                                 ('cancelled', DAY, booking.id)]
    assert i18n.shown(seen[0].summary) == "New booking: Alex Kim — Women's cut, Mon 04 Mar 14:30 with JJ"
    assert events.from_dict(events.to_dict(seen[0])) == seen[0]


def test_pay_booking_creates_receipt_with_taxes(shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    with pytest.raises(InvalidTransitionError):
        receipts.pay_booking(booking.id, payment_method=PaymentMethod.CARD, actor=OWNER)
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    receipt = receipts.pay_booking(booking.id, payment_method=PaymentMethod.CARD, actor=OWNER, as_of=at(DAY, '11:00'))
    assert (receipt.amount_cents, str(receipt.tax), receipt.payment_method) == (8200, '10.6600', PaymentMethod.CARD)
    assert bookings.get_booking(booking.id, actor=OWNER).status == BookingStatus.COMPLETED


# --- the same slot at the same instant, from 20 threads and a second process --------------------------------------

def _book_from_other_process(database_url: str, args: dict, start_at: float, results) -> None:
    os.environ['CLIENTPULSE_DATABASE_URL'] = database_url
    from app.config import reset_settings
    from app.services import database
    reset_settings()
    database.reset_engines()
    results.put(_attempt(args, start_at))


def _attempt(args: dict, start_at: float) -> str:
    while time.time() < start_at:
        time.sleep(0.0005)
    try:
        bookings.create_booking(BookingCreate(**args), actor=OWNER)
        return 'won'
    except SlotUnavailableError:
        return 'refused'


def test_same_slot_at_once_exactly_one_wins(shop, db):
    customers = [make_customer(shop['location'], f'Customer {i}', f'416-555-{i:04d}') for i in range(22)]
    slot = at(DAY, '15:00')

    def args(i: int) -> dict:
        return {'location_id': shop['location'].id, 'customer_id': customers[i].id, 'service_id': shop['cut'].id,
                'staff_member_id': shop['jj'].id, 'starts_at': slot + timedelta(minutes=i % 3 * 10)}

    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    start_at = time.time() + 4  # time for the spawned interpreter to import the app
    process = context.Process(target=_book_from_other_process, args=(db, args(21), start_at, queue))
    process.start()
    outcomes: list[str] = []
    threads = [threading.Thread(target=lambda i=i: outcomes.append(_attempt(args(i), start_at))) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes.append(queue.get(timeout=60))
    process.join(timeout=60)
    assert len(outcomes) == 21
    assert outcomes.count('won') == 1, outcomes
    mine = [b for b in bookings.list_bookings(shop['location'].id, actor=OWNER) if b.staff_member_id == shop['jj'].id]
    assert len(mine) == 1


def test_check_in_is_on_the_day_a_no_show_after_the_start_and_a_manager_can_undo_either(db, shop_clock):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    tomorrow = make_booking(location, member, service, customer, at(DAY + timedelta(days=1), '10:00'))
    with pytest.raises(InvalidTransitionError, match='Check-in is on the day of the booking'):
        bookings.set_status(tomorrow.id, BookingStatus.CHECKED_IN, actor=OWNER)
    later = make_booking(location, member, service, customer, at(DAY, '15:00'))
    shop_clock(at(DAY, '14:00'))
    with pytest.raises(InvalidTransitionError, match='once the booking has started \\(15:00\\)'):
        bookings.set_status(later.id, BookingStatus.NO_SHOW, actor=OWNER)
    shop_clock(at(DAY, '15:20'))
    bookings.set_status(later.id, BookingStatus.NO_SHOW, actor=OWNER)
    with pytest.raises(PermissionDeniedError):
        bookings.undo_status(later.id, actor=actor(Role.STAFF, location.id))
    assert bookings.undo_status(later.id, actor=actor(Role.MANAGER, location.id)).status == BookingStatus.BOOKED
    assert bookings.set_status(later.id, BookingStatus.CHECKED_IN, actor=OWNER).status == BookingStatus.CHECKED_IN
    assert bookings.undo_status(later.id, actor=OWNER).status == BookingStatus.BOOKED
    with pytest.raises(InvalidTransitionError):
        bookings.undo_status(later.id, actor=OWNER)  # booked: nothing to undo
