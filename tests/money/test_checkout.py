"""Checkout on both databases: a booking's sale with a product, a discount, a tip and cash plus card; payments that
must add up; a balance paid later; refunds never above what was paid, products back on the shelf; 20 checkouts at
once get gapless, unique receipt numbers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from app.models import BookingStatus, Payment, PaymentMethod, Receipt, ReceiptLine, Role, StockMovement
from app.services.catalogue import catalog, locations
from app.services.database import session_scope
from app.services.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.services.frontdesk import bookings
from app.services.money import checkout
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from tests.factories import (
    OWNER,
    actor,
    at,
    make_booking,
    make_customer,
    make_location,
    make_product,
    make_service,
    make_staff_member,
)

pytestmark = pytest.mark.usefixtures('shop_clock')
DAY = date(2030, 3, 4)
CASH, CARD = PaymentMethod.CASH, PaymentMethod.CARD


@pytest.fixture
def shop(db):
    location = make_location()  # GST 5 % + PST 8 %, prices without tax
    member = make_staff_member(location, 'JJ')
    cut = make_service(location)  # $82.00
    oil = make_product(location, 'OIL', 'Argan oil', stock=3)  # $15.00
    alex = make_customer(location)
    booking = make_booking(location, member, cut, alex, at(DAY, '10:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    return {'location': location, 'member': member, 'cut': cut, 'oil': oil, 'alex': alex, 'booking': booking}


def _sale(shop, *payments, discount_percent=None, tip=0, oil=1) -> Sale:
    return Sale(location_id=shop['location'].id, booking_id=shop['booking'].id,
                lines=[SaleLine(service_id=shop['cut'].id), SaleLine(product_id=shop['oil'], quantity=oil)],
                discount_percent=discount_percent, discount_reason='first visit' if discount_percent else '',
                tip_cents=tip, payments=list(payments))


def test_a_booking_checked_out_with_a_product_a_discount_a_tip_and_cash_plus_card(shop):
    # $82.00 + $15.00, 10 % off: 7380 + 1350; GST 369 + 67.5→68; PST 590.4→590 + 108; total 8339 + 1526 = 9865;
    # a $5.00 tip: 10365 due; $50.00 cash handed over for $40.00, the rest 6365 by card; change $10.00
    location = shop['location']  # staff may give up to 10 % here (the default is none: tests/security/test_money_rules)
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(),
                                            'staff_discount_limit_percent': 10}, actor=OWNER)
    sale = _sale(shop, PaymentIn(method=CASH, amount_cents=4000, tendered_cents=5000),
                 PaymentIn(method=CARD, amount_cents=6365), discount_percent=Decimal('10'), tip=500)
    assert checkout.quote(sale, actor=actor(Role.STAFF, shop['location'].id)).total_cents == 9865
    done = checkout.check_out(sale, actor=actor(Role.STAFF, shop['location'].id))
    assert (done.total_cents, done.paid_cents, done.balance_cents, done.change_cents) == (10365, 10365, 0, 1000)
    assert bookings.get_booking(shop['booking'].id, actor=OWNER).status == BookingStatus.COMPLETED
    assert next(p for p in catalog.list_products(shop['location'].id, actor=OWNER)).stock_on_hand == 2
    with session_scope() as session:
        receipt = session.get(Receipt, done.receipt_id)
        lines = session.exec(select(ReceiptLine).where(ReceiptLine.receipt_id == receipt.id)).all()
        paid = session.exec(select(Payment.method, Payment.amount_cents).where(Payment.receipt_id == receipt.id)).all()
        sold = session.exec(select(StockMovement.kind, StockMovement.quantity).where(
            StockMovement.product_id == shop['oil'], StockMovement.kind == 'sold')).all()
    assert (receipt.tip_cents, receipt.tip_staff_member_id, receipt.payment_method) == (500, shop['member'].id, 'card')
    assert [(x.amount_cents, x.discount_cents, x.total_cents) for x in lines] == [(7380, 820, 8339), (1350, 150, 1526)]
    assert sorted(paid) == [('card', 6365), ('cash', 4000)] and sold == [('sold', -1)]


@pytest.mark.parametrize(('payments', 'field'), [
    ([PaymentIn(method=CARD, amount_cents=10000), PaymentIn(method=CASH, amount_cents=1000)], 'payments'),  # > due
    ([PaymentIn(method=CASH, amount_cents=2000, tendered_cents=1000)], 'payments.0'),  # too little cash given
    ([PaymentIn(method=CARD, amount_cents=2000, tendered_cents=3000)], 'payments.0'),  # change on a card
])
def test_payments_that_do_not_add_up_are_refused_and_nothing_is_recorded(shop, payments, field):
    with pytest.raises(ValidationError) as refused:
        checkout.check_out(_sale(shop, *payments), actor=OWNER)
    assert refused.value.field == field
    assert bookings.get_booking(shop['booking'].id, actor=OWNER).status == BookingStatus.CHECKED_IN
    with session_scope() as session:
        assert session.exec(select(Receipt)).all() == []
    assert catalog.list_products(shop['location'].id, actor=OWNER)[0].stock_on_hand == 3


def test_part_paid_leaves_a_balance_paid_later(shop):
    # 8200 + 1500 = 9700 net; GST 410 + 75, PST 656 + 120: 10961 due
    done = checkout.check_out(_sale(shop, PaymentIn(method=CARD, amount_cents=6000)), actor=OWNER)
    assert (done.total_cents, done.balance_cents) == (10961, 4961)
    assert checkout.balance_of(done.receipt_id, actor=OWNER) == 4961
    with pytest.raises(ValidationError):
        checkout.add_payment(done.receipt_id, PaymentIn(method=CARD, amount_cents=4962), actor=OWNER)
    later = checkout.add_payment(done.receipt_id, PaymentIn(method=CASH, amount_cents=4961, tendered_cents=5000),
                                 actor=OWNER)
    assert (later.balance_cents, later.change_cents, later.paid_cents) == (0, 39, 10961)


def test_a_refund_gives_back_the_product_never_more_than_was_paid(shop):
    done = checkout.check_out(_sale(shop, PaymentIn(method=CARD, amount_cents=5000), oil=2), actor=OWNER)
    with session_scope() as session:
        cut_line, oil_line = session.exec(select(ReceiptLine).where(ReceiptLine.receipt_id == done.receipt_id)
                                          .order_by(ReceiptLine.id)).all()
    # two oils at 1500 + 13 % = 1695 each; the cut 9266; 5000 paid
    with pytest.raises(ValidationError, match=r'more than the 50\.00 paid'):
        checkout.refund(done.receipt_id, {cut_line.id: 1}, method=CARD, reason='unhappy', actor=OWNER)
    with pytest.raises(PermissionDeniedError):
        checkout.refund(done.receipt_id, {oil_line.id: 1}, method=CARD, reason='x',
                        actor=actor(Role.STAFF, shop['location'].id))
    back = checkout.refund(done.receipt_id, {oil_line.id: 1}, method=CASH, reason='allergic', actor=OWNER)
    assert back.total_cents == 1695 and int(back.number) == int(done.number) + 1
    assert catalog.list_products(shop['location'].id, actor=OWNER)[0].stock_on_hand == 2  # 3 − 2 + 1
    with pytest.raises(ValidationError, match='Only 1'):
        checkout.refund(done.receipt_id, {oil_line.id: 2}, method=CASH, reason='again', actor=OWNER)
    checkout.refund(done.receipt_id, {oil_line.id: 1}, method=CASH, reason='second bottle', actor=OWNER)
    with pytest.raises(ValidationError, match=r'more than the 16\.10'):  # 5000 − 2 × 1695 = 1610 left
        checkout.refund(done.receipt_id, {cut_line.id: 1}, method=CARD, reason='unhappy', actor=OWNER)


def test_prices_are_changed_only_by_managers_with_a_reason(shop):
    cheaper = Sale(location_id=shop['location'].id, lines=[SaleLine(service_id=shop['cut'].id, unit_price_cents=7000,
                                                                     staff_member_id=shop['member'].id)])
    with pytest.raises(PermissionDeniedError):
        checkout.check_out(cheaper, actor=actor(Role.STAFF, shop['location'].id))
    with pytest.raises(ValidationError) as why:
        checkout.check_out(cheaper, actor=OWNER)
    assert why.value.field == 'lines.0.price'
    cheaper.lines[0].price_reason = 'trainee cut'
    assert checkout.check_out(cheaper, actor=OWNER).total_cents == 7000 + 350 + 560


def test_lines_from_another_location_or_archived_are_refused(shop):
    elsewhere = make_location('Elm St')
    theirs = make_product(elsewhere, 'X', 'Theirs')
    with pytest.raises(NotFoundError):
        checkout.check_out(Sale(location_id=shop['location'].id, lines=[SaleLine(product_id=theirs)]), actor=OWNER)
    with pytest.raises(PermissionDeniedError):
        checkout.check_out(Sale(location_id=elsewhere.id, lines=[SaleLine(product_id=theirs)]),
                           actor=actor(Role.MANAGER, shop['location'].id))
    catalog.update_service(shop['cut'].id, actor=OWNER, name=shop['cut'].name, duration_minutes=45, active=False)
    with pytest.raises(ValidationError, match='archived'):
        checkout.check_out(Sale(location_id=shop['location'].id, lines=[SaleLine(service_id=shop['cut'].id)]),
                           actor=OWNER)


def test_twenty_checkouts_at_once_get_gapless_unique_receipt_numbers(shop):
    mens = make_service(shop['location'], 'SHCM', "Men's cut", price_cents=4500)

    def sell(_n: int) -> str:
        return checkout.check_out(Sale(location_id=shop['location'].id, lines=[SaleLine(
            service_id=mens.id, staff_member_id=shop['member'].id)],
            payments=[PaymentIn(method=CARD, amount_cents=5085)]), actor=OWNER).number

    with ThreadPoolExecutor(max_workers=10) as pool:
        numbers = sorted(int(n) for n in pool.map(sell, range(20)))
    assert numbers == list(range(1, 21))


def test_analytics_split_revenue_over_the_methods_that_paid_it(shop):
    """The cut and an oil, 9700 of revenue (10961 with tax), paid 6000 by card and 4961 in cash: card 9700 × 6000 /
    10961 = 5309.7, cash 4390.3 → 5310 and 4390 (the cent left over goes to the larger part)."""
    from datetime import UTC, datetime

    from app.services.analytics import reports
    checkout.check_out(_sale(shop, PaymentIn(method=CARD, amount_cents=6000),
                             PaymentIn(method=CASH, amount_cents=4961), oil=1), actor=OWNER, as_of=at(DAY, '11:00'))
    report = reports.build_report([shop['location'].id], DAY, DAY, as_of=datetime(2030, 3, 5, tzinfo=UTC),
                                  time_zone=shop['location'].time_zone)
    by_method = dict(report.revenue_by['payment_method'])
    assert by_method == {'card': 5310, 'cash': 4390}
    assert sum(by_method.values()) == report.kpis['revenue_cents'] == 9700
