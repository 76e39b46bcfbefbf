"""Every amount of money the app takes has one stated maximum (``MAX_AMOUNT_CENTS``), on SQLite and PostgreSQL
(issue 28): a tip or price of 10**19 raised OverflowError (SQLite) or a raw "integer out of range" (PostgreSQL, whose
``INTEGER`` columns held at most 21,474,836.47). Each entry point refuses an amount over the maximum naming its field,
with the same words, and changes nothing; amounts up to it are kept to the cent; typed amounts are refused by the
pages before they reach a service.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import func, select

from app.models import (
    BookingStatus,
    CampaignCreate,
    DiscountCodeCreate,
    PaymentMethod,
    Role,
    Service,
    ServiceCreate,
    Target,
)
from app.models.base import MAX_AMOUNT_CENTS
from app.pages.formatting import to_minor
from app.services.amounts import TOO_LARGE, check_amount
from app.services.campaigns import campaigns
from app.services.catalogue import catalog
from app.services.database import session_scope
from app.services.errors import ImportRowError, ValidationError
from app.services.frontdesk import bookings
from app.services.imports import salon
from app.services.money import checkout, codes, day_close, deposits, loyalty, mobile_money
from app.services.money.checkout import PaymentIn, Sale, SaleLine
from tests.factories import OWNER, actor, at, make_booking, make_customer, make_location, make_product, make_service
from tests.factories import make_staff_member as make_member
from tests.security.test_cross_location import snapshot

HUGE = 10**19  # the tip
REFUSAL = f'^{re.escape(TOO_LARGE)}$'
DAY = date(2030, 3, 4)
CARD, CASH = PaymentMethod.CARD, PaymentMethod.CASH


@pytest.fixture
def shop(db, shop_clock):
    location = make_location()
    member, cut = make_member(location, 'JJ'), make_service(location)
    alex = make_customer(location)
    booking = make_booking(location, member, cut, alex, at(DAY, '10:00'))
    later = make_booking(location, member, cut, alex, at(DAY, '15:00'))
    open_sale = checkout.check_out(Sale(location_id=location.id, lines=[SaleLine(service_id=cut.id,
                                                                                 staff_member_id=member.id)],
                                        payments=[PaymentIn(method=CARD, amount_cents=1000)]), actor=OWNER)
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    return {'location': location, 'member': member, 'cut': cut, 'alex': alex, 'booking': booking, 'later': later,
            'open_sale': open_sale, 'oil': make_product(location, 'OIL', 'Argan oil')}


def sale(shop, *, line: dict | None = None, **changes) -> Sale:
    return Sale(**{'location_id': shop['location'].id, 'booking_id': shop['booking'].id,
                   'lines': [SaleLine(service_id=shop['cut'].id, **(line or {}))], **changes})


ENTRY_POINTS = {  # name → (call(shop, amount), the field named)
    'checkout: tip': (lambda s, a: checkout.check_out(sale(s, tip_cents=a), actor=OWNER), 'tip'),
    'checkout: price change': (lambda s, a: checkout.check_out(sale(s, line={
        'unit_price_cents': a, 'price_reason': 'x'}), actor=OWNER), 'lines.0.price'),
    'checkout: line discount amount': (lambda s, a: checkout.check_out(sale(s, line={
        'discount_cents': a, 'discount_reason': 'x'}), actor=OWNER), 'lines.0.discount'),
    'checkout: sale discount amount': (lambda s, a: checkout.check_out(sale(
        s, discount_cents=a, discount_reason='x'), actor=OWNER), 'discount'),
    'checkout: payment': (lambda s, a: checkout.check_out(sale(
        s, payments=[PaymentIn(method=CARD, amount_cents=a)]), actor=OWNER), 'payments.0'),
    'checkout: cash handed over': (lambda s, a: checkout.check_out(sale(
        s, payments=[PaymentIn(method=CASH, amount_cents=100, tendered_cents=a)]), actor=OWNER), 'payments.0'),
    'checkout: gift card sold': (lambda s, a: checkout.check_out(sale(s, gift_cards=[a]), actor=OWNER),
                                 'gift_cards'),
    'checkout: totals while typing': (lambda s, a: checkout.quote(sale(s, tip_cents=a), actor=OWNER), 'tip'),
    'a payment on a balance': (lambda s, a: checkout.add_payment(
        s['open_sale'].receipt_id, PaymentIn(method=CARD, amount_cents=a), actor=OWNER), 'payments.0'),
    'a deposit': (lambda s, a: deposits.take(s['later'].id, PaymentIn(method=CASH, amount_cents=a),
                                             actor=OWNER), 'amount'),
    'a new service': (lambda s, a: catalog.create_service(ServiceCreate(
        location_id=s['location'].id, code='BIG', name='Big', price_cents=a), actor=OWNER), 'price_cents'),
    'the first-run service list': (lambda s, a: catalog.create_services([ServiceCreate(
        location_id=s['location'].id, code='', name='Big', cost_cents=a)], actor=OWNER), 'cost_cents'),
    "a service's price": (lambda s, a: catalog.update_service(
        s['cut'].id, actor=OWNER, name='Cut', duration_minutes=45, price_cents=a), 'price_cents'),
    "a service's deposit": (lambda s, a: catalog.update_service(
        s['cut'].id, actor=OWNER, name='Cut', duration_minutes=45, price_cents=100, deposit_cents=a),
        'deposit_cents'),
    "a product's price": (lambda s, a: catalog.save_product(
        s['oil'], actor=OWNER, location_id=s['location'].id, code='OIL', name='Oil', price_cents=a), 'price_cents'),
    "a product's cost": (lambda s, a: catalog.save_product(
        None, actor=OWNER, location_id=s['location'].id, code='NEW', name='New', cost_cents=a), 'cost_cents'),
    "a campaign's budget": (lambda s, a: campaigns.create_campaign(CampaignCreate(
        location_id=s['location'].id, name='Big', target=Target(segment='vip'), subject='Hi', body='Hi',
        budget_cents=a), actor=OWNER), 'budget_cents'),
    "a campaign's spend filter": (lambda s, a: campaigns.create_campaign(CampaignCreate(
        location_id=s['location'].id, name='Big', target=Target(segment='filter', min_spend_cents=a), subject='Hi',
        body='Hi'), actor=OWNER), 'target.min_spend_cents'),
    "a campaign's offer": (lambda s, a: campaigns.create_campaign(CampaignCreate(
        location_id=s['location'].id, name='Big', target=Target(segment='vip'), subject='Hi', body='Hi',
        offer={'code': 'BIG-OFF', 'amount_off_cents': a}), actor=OWNER), 'offer.amount_off_cents'),
    "a campaign's reach and cost": (lambda s, a: campaigns.audience(
        s['location'].id, Target(segment='vip'), channel='email', holdout_permille=0, cost_per_message_cents=a,
        actor=OWNER), 'cost_per_message_cents'),
    'a discount code': (lambda s, a: codes.create_code(DiscountCodeCreate(
        location_id=s['location'].id, code='BIGOFF', amount_off_cents=a), actor=OWNER), 'amount_off_cents'),
    'the cash counted at day close': (lambda s, a: day_close.close_day(s['location'].id, DAY, a, actor=OWNER),
                                      'counted'),
    'an M-Pesa prompt': (lambda s, a: mobile_money.request(s['open_sale'].receipt_id, '0712345678', a, actor=OWNER),
                         'amount'),
    'a loyalty reward': (lambda s, a: loyalty.save_reward(
        None, actor=OWNER, location_id=s['location'].id, name='Big', points=10, discount_cents=a), 'discount_cents'),
}


@pytest.mark.parametrize('entry', sorted(ENTRY_POINTS))
def test_an_amount_over_the_maximum_is_refused_naming_its_field_and_changes_nothing(entry, shop):
    call, field = ENTRY_POINTS[entry]
    before = snapshot()
    for amount in (HUGE, MAX_AMOUNT_CENTS + 1):
        with pytest.raises(ValidationError, match=REFUSAL) as refused:
            call(shop, amount)
        assert refused.value.field == field
    assert snapshot() == before


def test_the_largest_amounts_are_kept_to_the_cent_and_a_sale_over_the_maximum_is_refused(shop):
    """A cut at 400,000,000.00 (452,000,000.00 with tax) and a tip that brings the sale to the maximum, paid in cash:
    kept to the cent on both databases (PostgreSQL's 32-bit columns could not hold them) and refunded; a tip that
    takes the sale over the maximum is refused."""
    catalog.update_service(shop['cut'].id, actor=OWNER, name='Cut', duration_minutes=45, price_cents=4 * 10**10)
    walk_in = Sale(location_id=shop['location'].id, tip_cents=MAX_AMOUNT_CENTS - 1,
                   tip_staff_member_id=shop['member'].id,
                   lines=[SaleLine(service_id=shop['cut'].id, staff_member_id=shop['member'].id)])
    with pytest.raises(ValidationError, match=REFUSAL) as refused:
        checkout.check_out(walk_in, actor=OWNER)  # 452,000,000.00 with tax, and the tip: over the maximum
    assert refused.value.field == 'total'
    done = checkout.check_out(walk_in.model_copy(update={
        'tip_cents': MAX_AMOUNT_CENTS - 45_200_000_000, 'settle_with': CASH}), actor=OWNER)
    assert (done.total_cents, done.paid_cents, done.balance_cents) == (MAX_AMOUNT_CENTS, MAX_AMOUNT_CENTS, 0)
    details = checkout.receipt_details(done.receipt_id, actor=OWNER)
    assert (details.tip_cents, details.lines[0].net_cents, details.lines[0].taxes) == (
        54_800_000_000, 4 * 10**10, {'GST': 2 * 10**9, 'PST': 32 * 10**8})
    back = checkout.refund(done.receipt_id, {details.lines[0].id: 1}, method=CARD, reason='x', actor=OWNER)
    assert back.total_cents == 45_200_000_000


def test_a_staff_member_over_the_maximum_is_refused_like_anyone(shop):
    with pytest.raises(ValidationError, match=REFUSAL):
        checkout.check_out(sale(shop, tip_cents=HUGE), actor=actor(Role.STAFF, shop['location'].id))


@pytest.mark.parametrize(('typed', 'cents'), [(12.5, 1250), ('0.01', 1), (None, 0), (10**9, MAX_AMOUNT_CENTS),
                                              (-(10**9), -MAX_AMOUNT_CENTS)])
def test_a_page_reads_typed_amounts_up_to_the_maximum(typed, cents):
    assert to_minor(typed, 'tip', 'USD') == cents == check_amount(cents, 'tip')


@pytest.mark.parametrize('typed', [1e19, 10**19, '1000000000.01', '1e999999', -1e12, float(2**63)])
def test_a_page_refuses_an_absurd_amount_before_any_service_in_the_same_words(typed):
    with pytest.raises(ValidationError, match=REFUSAL) as refused:
        to_minor(typed, 'tip', 'USD')
    assert refused.value.field == 'tip'


def test_an_imported_price_over_the_maximum_names_file_line_and_field(db, tmp_path):
    folder = tmp_path / 'salon'
    folder.mkdir()
    (folder / salon.SALON_FILES['services']).write_text(
        'IsActive,Code,Desc,Cate,Price,Cost\nTRUE,CUT,Cut,HAIR,45.00,1\nTRUE,X,X,X,100000000000000000000,1\n')
    with pytest.raises(ImportRowError, match=r'line 3, field "Price".*too large an amount') as refused:
        salon.import_salon(folder, actor=OWNER)
    assert refused.value.line == 3
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Service)).one() == 0
