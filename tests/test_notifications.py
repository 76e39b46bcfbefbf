"""Notifications: stored per location for the roles concerned, read per person."""

from __future__ import annotations

from datetime import date

import pytest

from app.models import BookingStatus, PaymentMethod, Role
from app.services import i18n, notifications
from app.services.accounts import users
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
    assert i18n.shown(notifications.visible(manager_here)[-1].text).startswith('New booking: Alex Kim')
    assert notifications.visible(staff_there) == [] and notifications.visible(kiosk_here) == []
    assert notifications.unread_count(OWNER.model_copy(update={'id': 105})) == 3  # owners: every location


def test_read_marks_are_per_person_and_what_came_while_away_is_waiting(sqlite_db):
    here = make_location()
    member, service, customer = make_staff_member(here), make_service(here), make_customer(here)
    receptionist, colleague = (users.create_user(f'{name}@shop.test', 'right password', role=Role.STAFF,
                                                 location_id=here.id, actor=OWNER) for name in ('ann', 'bo'))
    first = make_booking(here, member, service, customer, at(DAY, '10:00'))
    make_booking(here, member, service, customer, at(DAY, '12:00'))
    # the colleague was not signed in when the bookings were made: theirs are waiting too
    assert notifications.unread_count(receptionist) == notifications.unread_count(colleague) == 2
    oldest = notifications.visible(receptionist)[-1]
    assert oldest.booking_id == first.id
    assert notifications.mark_read(receptionist, [oldest.id]) == 1
    assert notifications.unread_count(receptionist) == 1 and notifications.unread_count(colleague) == 2
    assert [n.read for n in notifications.visible(receptionist)] == [False, True]
    assert notifications.mark_read(receptionist) == 1 and notifications.unread_count(receptionist) == 0
    assert notifications.mark_read(receptionist) == 0
    newcomer = users.create_user('cy@shop.test', 'right password', role=Role.STAFF, location_id=here.id, actor=OWNER)
    assert notifications.unread_count(newcomer) == 0 and notifications.visible(newcomer) == []  # no backlog
    make_booking(here, member, service, customer, at(DAY, '15:00'))
    assert notifications.unread_count(newcomer) == 1  # what happens after the account was made, it hears of


def _product(location, *, on_hand: int, minimum: int):
    from app.models import Product
    from app.services.database import session_scope
    with session_scope(write=True) as session:
        product = Product(location_id=location.id, code='OLA3', name='Olaplex No.3', brand='Olaplex',
                          price_cents=3800, stock_on_hand=on_hand, stock_minimum=minimum)
        session.add(product)
        session.flush()
        return product.id


def test_low_stock_is_announced_once_when_a_product_falls_below_its_minimum(db):
    import pytest

    from app.services.accounts import activity
    from app.services.catalogue import catalog
    from app.services.errors import ValidationError
    here = make_location('Queen St')
    product_id = _product(here, on_hand=6, minimum=5)
    desk = users.create_user('desk@shop.test', 'correct horse', role=Role.STAFF, location_id=here.id, actor=OWNER)
    manager = actor(Role.MANAGER, here.id).model_copy(update={'id': 202})
    catalog.adjust_stock(product_id, -1, reason='sold', actor=desk)  # 5: at the minimum, not below
    assert notifications.visible(manager) == []
    assert catalog.adjust_stock(product_id, -1, reason='sold', actor=desk).stock_on_hand == 4
    # stored deferred (read in each reader's language): shown() as the bell shows it
    assert [(n.kind, i18n.shown(n.text)) for n in notifications.visible(manager)] == [
        ('low_stock', 'Low stock: Olaplex No.3 — 4 left (minimum 5)')]
    assert notifications.visible(desk) == []  # stock is the managers' business
    catalog.adjust_stock(product_id, -1, reason='sold', actor=desk)  # still low: no second alarm
    assert len(notifications.visible(manager)) == 1
    catalog.adjust_stock(product_id, 12, reason='delivered', actor=desk)
    catalog.adjust_stock(product_id, -12, reason='sold', actor=desk)  # below again after a refill: alarm
    assert len(notifications.visible(manager)) == 2
    with pytest.raises(ValidationError, match='Only 3'):
        catalog.adjust_stock(product_id, -4, reason='sold', actor=desk)
    assert [e.action for e in activity.entries(actor=OWNER)][:1] == ['stock']


def test_a_failed_payment_is_logged_and_told_to_managers_and_the_booking_stays_open(db):
    import pytest

    from app.services.errors import InvalidTransitionError
    here = make_location('Queen St')
    member, service, customer = make_staff_member(here), make_service(here), make_customer(here)
    booking = make_booking(here, member, service, customer, at(DAY, '10:00'))
    from app.services.accounts import users
    desk = users.create_user('desk@queen.test', 'long enough', role=Role.STAFF, location_id=here.id, actor=OWNER)
    manager = actor(Role.MANAGER, here.id).model_copy(update={'id': 302})
    with pytest.raises(InvalidTransitionError):  # nothing to pay before check-in
        receipts.record_failed_payment(booking.id, payment_method=PaymentMethod.CARD, reason='declined', actor=desk)
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=desk)
    receipts.record_failed_payment(booking.id, payment_method=PaymentMethod.CARD, reason='card declined', actor=desk)
    failed = [n for n in notifications.visible(manager) if n.kind == 'payment_failed']
    assert [i18n.shown(n.text) for n in failed] == ['Payment failed: Alex Kim, 82.00 by card — card declined']
    assert not any(n.kind == 'payment_failed' for n in notifications.visible(desk))
    assert bookings.get_booking(booking.id, actor=OWNER).status == BookingStatus.CHECKED_IN
    assert receipts.list_receipts(here.id, actor=OWNER) == []


def test_a_new_notification_reaches_rooms_by_role_and_location(db):
    here, elsewhere = make_location(), make_location('King St')
    payment = notifications.record(here.id, 'payment_received', 'Paid', audience=notifications.MANAGEMENT)
    assert notifications.reaches(payment, Role.MANAGER, here.id)
    assert notifications.reaches(payment, Role.OWNER, None)  # owners hear about every location
    assert not notifications.reaches(payment, Role.STAFF, here.id)  # not addressed to the front desk
    assert not notifications.reaches(payment, Role.MANAGER, elsewhere.id)
    desk = notifications.record(here.id, 'booking_created', 'New', audience=notifications.FRONT_DESK)
    assert notifications.reaches(desk, Role.STAFF, here.id)
    assert not notifications.reaches(desk, Role.KIOSK, here.id)
    assert not notifications.reaches(desk + 1000, Role.STAFF, here.id)  # no such notification
