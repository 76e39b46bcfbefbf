"""Notifications: stored per location for the roles concerned, read per person."""

from __future__ import annotations

from datetime import date

from app.models import BookingStatus, PaymentMethod, Role
from app.services import bookings, notifications, receipts, users
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

DAY = date(2030, 3, 4)


def test_each_change_reaches_the_roles_concerned_at_its_location_only(db):
    here, there = make_location('Queen St'), make_location('King St')
    member, service, customer = make_staff_member(here), make_service(here), make_customer(here)
    staff_here = actor(Role.STAFF, here.id).model_copy(update={'id': 101})
    staff_there = actor(Role.STAFF, there.id).model_copy(update={'id': 102})
    manager_here = actor(Role.MANAGER, here.id).model_copy(update={'id': 103})
    kiosk_here = actor(Role.KIOSK, here.id).model_copy(update={'id': 104})
    booking = make_booking(here, member, service, customer, at(DAY, '10:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    receipts.pay_booking(booking.id, payment_method=PaymentMethod.CARD, actor=OWNER, as_of=at(DAY, '11:00'))

    assert [n.kind for n in notifications.visible(staff_here)] == ['checked_in', 'booking_created']
    assert [n.kind for n in notifications.visible(manager_here)] == ['payment_received', 'checked_in',
                                                                     'booking_created']
    assert notifications.visible(manager_here)[-1].text.startswith('New booking: Alex Kim')
    assert notifications.visible(staff_there) == [] and notifications.visible(kiosk_here) == []
    assert notifications.unread_count(OWNER.model_copy(update={'id': 105})) == 3  # owners: every location


def test_read_marks_are_per_person_and_what_came_while_away_is_waiting(sqlite_db):
    here = make_location()
    member, service, customer = make_staff_member(here), make_service(here), make_customer(here)
    first = make_booking(here, member, service, customer, at(DAY, '10:00'))
    make_booking(here, member, service, customer, at(DAY, '12:00'))
    receptionist, colleague = (users.create_user(f'{name}@shop.test', 'right password', role=Role.STAFF,
                                                 location_id=here.id, actor=OWNER) for name in ('ann', 'bo'))
    # the colleague was not signed in when the bookings were made: theirs are waiting too
    assert notifications.unread_count(receptionist) == notifications.unread_count(colleague) == 2
    oldest = notifications.visible(receptionist)[-1]
    assert oldest.booking_id == first.id
    assert notifications.mark_read(receptionist, [oldest.id]) == 1
    assert notifications.unread_count(receptionist) == 1 and notifications.unread_count(colleague) == 2
    assert [n.read for n in notifications.visible(receptionist)] == [False, True]
    assert notifications.mark_read(receptionist) == 1 and notifications.unread_count(receptionist) == 0
    assert notifications.mark_read(receptionist) == 0
