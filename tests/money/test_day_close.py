"""Closing the day at the till: the figures a test computes itself from the day's sales, refunds and tips; a closed
day takes no more sales nor payments; only managers close, once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.models import PaymentMethod, Role
from app.services import clock
from app.services.errors import PermissionDeniedError, ValidationError
from app.services.money import checkout, day_close
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from tests.factories import OWNER, TZ, actor, make_location, make_product, make_service, make_staff_member

CASH, CARD = PaymentMethod.CASH, PaymentMethod.CARD


@pytest.fixture
def till(db):
    location = make_location()  # GST 5 % + PST 8 %
    member = make_staff_member(location, 'JJ')
    return {'location': location, 'member': member, 'cut': make_service(location),  # $82.00
            'oil': make_product(location, 'OIL', 'Oil', stock=5)}  # $15.00


def _at(hhmm: str, day: date | None = None):
    return clock.local_datetime(day or date(2030, 3, 4), int(hhmm[:2]) * 60 + int(hhmm[3:]), TZ)


def test_the_days_figures_and_its_close(till):
    here = till['location'].id
    # 1: the cut, a $5.00 tip, 9266 + 500 = 9766: 5000 cash (handed 6000) and 4766 card
    first = checkout.check_out(Sale(location_id=here, lines=[SaleLine(service_id=till['cut'].id,
                                                                       staff_member_id=till['member'].id)],
                                    tip_cents=500, payments=[PaymentIn(method=CASH, amount_cents=5000,
                                                                       tendered_cents=6000),
                                                             PaymentIn(method=CARD, amount_cents=4766)]),
                               actor=OWNER, as_of=_at('10:30'))
    # 2: two oils, 3390, 2000 card now and 1390 owed
    second = checkout.check_out(Sale(location_id=here, lines=[SaleLine(product_id=till['oil'], quantity=2)],
                                     payments=[PaymentIn(method=CARD, amount_cents=2000)]),
                                actor=OWNER, as_of=_at('12:00'))
    # one oil of the first... of the second sale back: 1695 in cash
    from sqlmodel import select

    from app.models import ReceiptLine
    from app.services.database import session_scope
    with session_scope() as session:
        oil_line = session.exec(select(ReceiptLine.id).where(ReceiptLine.receipt_id == second.receipt_id)).one()
    checkout.refund(second.receipt_id, {oil_line: 1}, method=CASH, reason='broken seal', actor=OWNER,
                    as_of=_at('15:00'))
    figures = day_close.summary(here, date(2030, 3, 4), actor=actor(Role.STAFF, here))
    assert figures.receipts == 2
    assert figures.net_cents == 8200 + 3000 - 1500
    assert figures.tax_cents == (410 + 656) + (150 + 240) - (75 + 120)
    assert figures.tips == {'JJ': 500}
    assert figures.payments == {'cash': 5000 - 1695, 'card': 4766 + 2000}
    assert (figures.refunds_cents, figures.expected_cash_cents, figures.balance_cents) == (1695, 3305, 1390)
    assert first.change_cents == 1000

    with pytest.raises(PermissionDeniedError):
        day_close.close_day(here, date(2030, 3, 4), 3300, actor=actor(Role.STAFF, here), now=_at('19:00'))
    closed = day_close.close_day(here, date(2030, 3, 4), 3300, actor=OWNER, now=_at('19:00'))
    assert closed.closed and closed.counted_cash_cents == 3300
    with pytest.raises(ValidationError, match='already closed'):
        day_close.close_day(here, date(2030, 3, 4), 3300, actor=OWNER, now=_at('19:05'))
    with pytest.raises(ValidationError) as shut:  # no more sales that day
        checkout.check_out(Sale(location_id=here, lines=[SaleLine(product_id=till['oil'])]), actor=OWNER,
                           as_of=_at('19:30'))
    assert shut.value.field == 'day'
    with pytest.raises(ValidationError):  # nor payments
        checkout.add_payment(second.receipt_id, PaymentIn(method=CASH, amount_cents=1390), actor=OWNER,
                             as_of=_at('19:30'))
    # the next day: the balance is paid, counted on the day it is paid
    checkout.add_payment(second.receipt_id, PaymentIn(method=CASH, amount_cents=1390), actor=OWNER,
                         as_of=_at('09:00', date(2030, 3, 5)))
    assert day_close.summary(here, date(2030, 3, 5), actor=OWNER).payments == {'cash': 1390}
    assert day_close.summary(here, date(2030, 3, 4), actor=OWNER).payments == {'cash': 3305, 'card': 6766}
    with pytest.raises(ValidationError, match='not begun'):
        day_close.close_day(here, date(2030, 3, 4) + timedelta(days=5), 0, actor=OWNER, now=_at('19:00'))


def test_the_day_close_report_as_pdf(till, tmp_path):
    from pypdf import PdfReader

    from app.services.money.receipt_pdf import day_close_pdf
    here = till['location'].id
    checkout.check_out(Sale(location_id=here, lines=[SaleLine(product_id=till['oil'])],
                            payments=[PaymentIn(method=CASH, amount_cents=1695, tendered_cents=2000)]),
                       actor=OWNER, as_of=_at('11:00'))
    day_close.close_day(here, date(2030, 3, 4), 1700, actor=OWNER, now=_at('19:00'))
    path = tmp_path / 'day.pdf'
    path.write_bytes(day_close_pdf(here, date(2030, 3, 4), actor=OWNER))
    text = '\n'.join(page.extract_text() for page in PdfReader(path).pages)
    for expected in ('Queen St — the day at the till', 'Monday, March 4, 2030', 'Paid by cash', '$16.95',
                     'Cash counted', '$17.00', 'Difference', '$0.05', 'Oil'):
        assert expected in text, expected


def test_imported_history_counts_as_paid_by_its_method(till):
    """Receipts from an export carry no payments: the day counts each as paid in full (lines and taxes) by its
    method."""
    from decimal import Decimal

    from app.models import Receipt, ReceiptLine, ReceiptLineTax
    from app.services.database import session_scope
    with session_scope(write=True) as session:
        old = Receipt(location_id=till['location'].id, number='77', issued_at=_at('10:00'), payment_method='cash')
        session.add(old)
        session.flush()
        line = ReceiptLine(receipt_id=old.id, description='Cut', amount_cents=1000)
        session.add(line)
        session.flush()
        session.add(ReceiptLineTax(receipt_line_id=line.id, name='HST', amount=Decimal('1.3000')))
    figures = day_close.summary(till['location'].id, date(2030, 3, 4), actor=OWNER)
    assert (figures.payments, figures.net_cents, figures.tax_cents, figures.balance_cents) == (
        {'cash': 1130}, 1000, 130, 0)


def test_money_beside_revenue_over_a_period(till, monkeypatch):
    """Tips, gift cards sold and spent, deposits taken and kept as fees, refunds, discounts and loyalty points."""
    from decimal import Decimal

    from app.models import BookingStatus
    from app.services.catalogue import locations
    from app.services.frontdesk import bookings
    from app.services.money import deposits, loyalty
    from tests.factories import at, make_booking, make_customer
    here = till['location'].id
    locations.update_location(here, {**locations.settings_of(till['location']).model_dump(),
                                     'loyalty_points_per_unit': 1}, actor=OWNER)
    alex = make_customer(till['location'])
    monkeypatch.setattr(clock, 'now', lambda: _at('20:00'))
    sold = checkout.check_out(Sale(location_id=here, customer_id=alex.id, gift_cards=[3000], tip_cents=200,
                                   lines=[SaleLine(service_id=till['cut'].id, staff_member_id=till['member'].id,
                                                   discount_percent=Decimal('50'), discount_reason='promo')],
                                   settle_with=CARD), actor=OWNER, as_of=_at('10:00'))  # 4100 net: 41 points
    checkout.check_out(Sale(location_id=here, lines=[SaleLine(product_id=till['oil'])], payments=[PaymentIn(
        method=PaymentMethod.GIFT_CARD, amount_cents=1695, gift_card_code=sold.gift_card_codes[0])]),
        actor=OWNER, as_of=_at('11:00'))
    reward = loyalty.save_reward(None, actor=OWNER, location_id=here, name='$1 off', points=10, discount_cents=100)
    checkout.check_out(Sale(location_id=here, customer_id=alex.id, reward_id=reward.id, lines=[SaleLine(
        product_id=till['oil'])], settle_with=CASH), actor=OWNER, as_of=_at('12:00'))
    booking = make_booking(till['location'], till['member'], till['cut'], alex, at(date(2030, 3, 4), '14:00'))
    deposits.take(booking.id, PaymentIn(method=CASH, amount_cents=2000), actor=OWNER, as_of=_at('09:00'))
    bookings.set_status(booking.id, BookingStatus.NO_SHOW, actor=OWNER, as_of=_at('15:00'))
    start, end = clock.day_bounds(date(2030, 3, 4), TZ)
    money = day_close.money_summary([here], start, end, actor=OWNER)
    assert (money.tips, money.gift_cards_sold, money.gift_cards_spent) == (200, 3000, 1695)
    assert (money.deposits_taken, money.fees_kept, money.refunds) == (2000, 2000, 0)
    assert money.discounts == 4100 + 100
    # earned 41 on the cut, then the oil (1500 − 100 = 14 points) only counts services and products ('both'): 14
    assert (money.points_earned, money.points_redeemed, money.points_outstanding) == (41 + 14, 10, 45)
    assert money.redemption_rate == 10 / 55
