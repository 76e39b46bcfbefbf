"""Deposits on both databases: asked as the service's own amount or the location's percentage; taken as money owed
(not revenue); paid towards the sale at checkout; kept as a fee line when the customer does not come or cancels
inside the window, and returned to nobody when cancelled in good time (it stays held for the desk to refund)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.models import BookingStatus, PaymentMethod
from app.services import clock
from app.services.catalogue import catalog, locations
from app.services.database import session_scope
from app.services.errors import InvalidTransitionError, ValidationError
from app.services.frontdesk import bookings
from app.services.money import checkout, day_close, deposits
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

pytestmark = pytest.mark.usefixtures('shop_clock')  # 23:00 on 4 March 2030
DAY = date(2030, 3, 4)
CARD = PaymentMethod.CARD


@pytest.fixture
def shop(db):
    location = make_location()
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'deposit_percent': 25,
                                            'cancellation_hours': 24}, actor=OWNER)
    member, cut = make_staff_member(location, 'JJ'), make_service(location)  # $82.00
    return {'location': location, 'member': member, 'cut': cut, 'alex': make_customer(location)}


def _deposit(shop, booking, amount=None):
    with session_scope() as session:
        from app.models import Booking
        due = deposits.deposit_due(session, session.get(Booking, booking.id))
    return due, deposits.take(booking.id, PaymentIn(method=CARD, amount_cents=amount or due), actor=OWNER,
                              as_of=at(DAY, '09:00'))


def test_a_deposit_is_money_owed_then_paid_towards_the_sale(shop):
    booking = make_booking(shop['location'], shop['member'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    due, taken = _deposit(shop, booking)
    assert due == 2050  # 25 % of $82.00
    figures = day_close.summary(shop['location'].id, DAY, actor=OWNER)
    assert (figures.net_cents, figures.payments) == (0, {'card': 2050})  # not revenue yet
    with pytest.raises(ValidationError, match='already held'):
        deposits.take(booking.id, PaymentIn(method=CARD, amount_cents=100), actor=OWNER)
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    done = checkout.check_out(Sale(location_id=shop['location'].id, booking_id=booking.id,
                                   lines=[SaleLine(service_id=shop['cut'].id)], settle_with=CARD), actor=OWNER,
                              as_of=at(DAY, '11:00'))
    # 9266 due; 2050 from the deposit; 7216 by card now
    assert (done.total_cents, done.paid_cents, done.balance_cents) == (9266, 9266, 0)
    assert day_close.summary(shop['location'].id, DAY, actor=OWNER).payments == {'card': 2050 + 7216}
    assert checkout.receipt_details(taken.id, actor=OWNER).kind == 'deposit'


def test_a_service_asks_its_own_deposit(shop):
    catalog.update_service(shop['cut'].id, actor=OWNER, name=shop['cut'].name, duration_minutes=45,
                           price_cents=8200, deposit_cents=1000)
    booking = make_booking(shop['location'], shop['member'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    assert _deposit(shop, booking)[0] == 1000


@pytest.mark.parametrize(('how', 'words'), [('no-show', 'No-show fee'), ('late', 'Late cancellation fee')])
def test_a_no_show_or_a_late_cancellation_keeps_the_deposit_as_a_fee(shop, how, words):
    booking = make_booking(shop['location'], shop['member'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    _deposit(shop, booking)
    if how == 'no-show':
        bookings.set_status(booking.id, BookingStatus.NO_SHOW, actor=OWNER)
    else:
        bookings.cancel_booking(booking.id, actor=OWNER, as_of=at(DAY, '08:00'))  # 2 h before: inside 24 h
    from app.services.money import receipts
    fees = [r for r in receipts.list_receipts(shop['location'].id, actor=OWNER) if r.kind == 'sale']
    assert [(r.descriptions, r.amount_cents, r.total_cents, r.paid_cents) for r in fees] == [
        (f"{words} — Women's cut", 2050, 2050, 2050)]
    assert day_close.summary(shop['location'].id, DAY, actor=OWNER).net_cents == 2050  # now revenue


def test_a_cancellation_in_good_time_keeps_no_fee(shop):
    later = at(DAY + timedelta(days=3), '10:00')
    booking = make_booking(shop['location'], shop['member'], shop['cut'], shop['alex'], later)
    _deposit(shop, booking)
    bookings.cancel_booking(booking.id, actor=OWNER, as_of=at(DAY, '09:30'))
    from app.services.money import receipts
    assert [r.kind for r in receipts.list_receipts(shop['location'].id, actor=OWNER)] == ['deposit']
    with session_scope() as session:
        assert deposits.held(session, booking.id) is not None  # still the customer's, for the desk to pay back
    back = deposits.give_back(booking.id, PaymentMethod.CASH, actor=OWNER, as_of=at(DAY, '09:40'))
    assert (back.kind, back.total_cents) == ('refund', -2050)
    figures = day_close.summary(shop['location'].id, DAY, actor=OWNER)
    assert (figures.payments, figures.refunds_cents, figures.net_cents) == ({'card': 2050, 'cash': -2050}, 2050, 0)
    with pytest.raises(ValidationError, match='No deposit is held'):
        deposits.give_back(booking.id, PaymentMethod.CASH, actor=OWNER)


def test_deposits_are_taken_before_the_visit_and_within_the_price(shop):
    booking = make_booking(shop['location'], shop['member'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    with pytest.raises(ValidationError, match='more than the booked price'):
        deposits.take(booking.id, PaymentIn(method=CARD, amount_cents=9000), actor=OWNER)
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    with pytest.raises(InvalidTransitionError):
        deposits.take(booking.id, PaymentIn(method=CARD, amount_cents=100), actor=OWNER)
    assert clock.now() > at(DAY, '10:00')


def test_without_a_deposit_a_no_show_is_charged_the_locations_fee_left_owing(shop):
    locations.update_location(shop['location'].id, {**locations.settings_of(shop['location']).model_dump(),
                                                    'deposit_percent': 0, 'no_show_fee_percent': 50}, actor=OWNER)
    booking = make_booking(shop['location'], shop['member'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    bookings.set_status(booking.id, BookingStatus.NO_SHOW, actor=OWNER)
    from app.services.money import receipts
    (fee,) = receipts.list_receipts(shop['location'].id, actor=OWNER)
    assert (fee.descriptions, fee.total_cents, fee.paid_cents) == ("No-show fee — Women's cut", 4100, 0)
    assert checkout.balance_of(fee.id, actor=OWNER) == 4100  # for the desk to collect
    on_time = make_booking(shop['location'], shop['member'], shop['cut'], shop['alex'],
                           at(DAY + timedelta(days=3), '10:00'))
    bookings.cancel_booking(on_time.id, actor=OWNER, as_of=at(DAY, '09:00'))  # in good time: no fee
    assert len(receipts.list_receipts(shop['location'].id, actor=OWNER)) == 1
