"""One user action is one transaction: a booking commits with its activity entry and its notification, and
a booking for a new customer adds the customer only if the booking is made."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func
from sqlmodel import select

from app.models import ActivityEntry, BookingCreate, BookingStatus, Customer, CustomerCreate, Notification
from app.services import notifications
from app.services.database import get_engine, session_scope
from app.services.errors import SlotUnavailableError
from app.services.frontdesk import bookings
from tests.factories import (
    OWNER,
    at,
    make_booking,
    make_customer,
    make_location,
    make_product,
    make_service,
    make_staff_member,
)

pytestmark = pytest.mark.usefixtures('shop_clock')  # check-ins on the day booked, no-shows after the start

DAY = date(2030, 3, 4)


@pytest.fixture
def commits(db):
    """How many transactions that wrote something committed on the engine (reads commit too: not counted)."""
    seen: list[int] = []

    def wrote(connection, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith(('INSERT', 'UPDATE', 'DELETE')):
            connection.info['wrote'] = True

    def committed(connection) -> None:
        if connection.info.pop('wrote', False):
            seen.append(1)

    engine = get_engine()
    event.listen(engine, 'before_cursor_execute', wrote)
    event.listen(engine, 'commit', committed)
    yield seen
    event.remove(engine, 'before_cursor_execute', wrote)
    event.remove(engine, 'commit', committed)


def counts() -> tuple[int, int, int]:
    with session_scope() as session:
        return tuple(session.exec(select(func.count()).select_from(model)).one()
                     for model in (Customer, ActivityEntry, Notification))


def test_a_booking_its_log_entry_and_its_notification_are_one_commit(commits):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    commits.clear()
    before = counts()
    booking = make_booking(location, member, service, customer, at(DAY, '10:00'))
    assert commits == [1]  # it was three before (booking, activity entry, notification)
    assert counts() == (before[0], before[1] + 1, before[2] + 1)
    commits.clear()
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    bookings.cancel_booking(make_booking(location, member, service, customer, at(DAY, '12:00')).id, actor=OWNER)
    assert len(commits) == 3  # status; booking; cancellation (a waitlist offer would be its own action)


def test_when_the_notification_cannot_be_written_the_booking_is_not_made(db, monkeypatch):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)

    def broken(_session, _event):
        raise RuntimeError('disk full')

    monkeypatch.setattr(notifications, 'prepare', broken)
    with pytest.raises(RuntimeError):
        make_booking(location, member, service, customer, at(DAY, '10:00'))
    assert bookings.list_bookings(location.id, actor=OWNER) == []


def test_a_refused_booking_leaves_no_new_customer_behind(db):
    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    make_booking(location, member, service, customer, at(DAY, '10:00'))
    before = counts()
    with pytest.raises(SlotUnavailableError):
        bookings.create_booking(BookingCreate(location_id=location.id, customer_id=None, service_id=service.id,
                                              staff_member_id=member.id, starts_at=at(DAY, '10:15')), actor=OWNER,
                                new_customer=CustomerCreate(location_id=location.id, name='Robin Diaz'))
    assert counts() == before
    made = bookings.create_booking(BookingCreate(location_id=location.id, customer_id=None, service_id=service.id,
                                                 staff_member_id=member.id, starts_at=at(DAY, '12:00')), actor=OWNER,
                                   new_customer=CustomerCreate(location_id=location.id, name='Robin Diaz'))
    assert made.customer_name == 'Robin Diaz' and counts()[0] == before[0] + 1


def test_a_payment_a_stock_change_and_a_customers_message_each_commit_once_with_their_log_and_notice(commits):
    """Before, each committed its change, then its activity entry, then each notification on its own."""
    from app.models import PaymentMethod
    from app.services.catalogue import catalog
    from app.services.customers import chat
    from app.services.money import receipts

    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    booking = make_booking(location, member, service, customer, at(DAY, '10:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    product_id = make_product(location, stock=5)
    with session_scope(write=True) as session:
        from app.models import Product
        session.get(Product, product_id).stock_minimum = 2
    conversation = chat.open_conversation(customer.id, actor=OWNER)
    for action, logged, noticed in (
            (lambda: receipts.record_failed_payment(booking.id, payment_method=PaymentMethod.CARD,
                                                    reason='card declined', actor=OWNER), 1, 1),
            (lambda: receipts.pay_booking(booking.id, payment_method=PaymentMethod.CARD, actor=OWNER), 1, 1),
            (lambda: catalog.adjust_stock(product_id, -4, reason='sold', actor=OWNER), 1, 1),  # 1 left: low
            (lambda: chat.send_as_customer(conversation.access_token, 'Running 5 min late'), 0, 1)):
        before = counts()
        commits.clear()
        action()
        assert commits == [1]
        assert counts()[1:] == (before[1] + logged, before[2] + noticed)


def test_when_the_payments_notification_cannot_be_written_no_receipt_is_made(db, monkeypatch):
    from app.models import PaymentMethod
    from app.services.money import receipts

    location = make_location()
    member, service, customer = make_staff_member(location), make_service(location), make_customer(location)
    booking = make_booking(location, member, service, customer, at(DAY, '10:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)

    def broken(_session, _event):
        raise RuntimeError('disk full')

    monkeypatch.setattr(notifications, 'prepare', broken)
    with pytest.raises(RuntimeError):
        receipts.pay_booking(booking.id, payment_method=PaymentMethod.CARD, actor=OWNER)
    assert receipts.list_receipts(location.id, actor=OWNER) == []
    assert bookings.get_booking(booking.id, actor=OWNER).status == BookingStatus.CHECKED_IN
