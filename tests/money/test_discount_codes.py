"""Discount codes at checkout, on SQLite and PostgreSQL: found in any case, off the whole sale, once per customer; a
code given in two checkouts at the same moment counts once; expired, used-up and combined codes are refused and
leave nothing behind."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import func, select

from app.models import DiscountCode, DiscountCodeCreate, PaymentMethod, Receipt
from app.services import clock
from app.services.database import session_scope
from app.services.errors import ValidationError
from app.services.money import checkout, codes
from app.services.money.checkout import Sale, SaleLine
from tests.factories import OWNER, make_customer, make_location, make_service, make_staff_member

pytestmark = pytest.mark.usefixtures('shop_clock')


@pytest.fixture
def shop(db):
    location = make_location()  # GST 5 % + PST 8 %, prices without tax
    member = make_staff_member(location, 'JJ')
    mens = make_service(location, 'SHCM', "Men's cut", price_cents=4500)
    alex, sam = make_customer(location), make_customer(location, 'Sam Lee', '416-555-0102')
    return {'location': location, 'member': member, 'mens': mens, 'alex': alex, 'sam': sam}


def sale(shop, customer, code: str = '', **changes) -> Sale:
    return Sale(location_id=shop['location'].id, customer_id=customer.id if customer else None, code=code,
                lines=[SaleLine(service_id=shop['mens'].id, staff_member_id=shop['member'].id)],
                settle_with=PaymentMethod.CARD, **changes)


def make_code(shop, code='SPRING10', **changes):
    return codes.create_code(DiscountCodeCreate(**{'location_id': shop['location'].id, 'code': code,
                                                   'percent_off': 10, **changes}), actor=OWNER)


def receipts() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Receipt)).one()


def test_a_code_takes_its_share_off_the_sale_once_per_customer(shop):
    code = make_code(shop)
    priced = checkout.quote(sale(shop, shop['alex'], ' spring10 '), actor=OWNER)
    assert priced.discount_cents == 450  # 10 % of 45.00, found in any case
    done = checkout.check_out(sale(shop, shop['alex'], 'spring10'), actor=OWNER)
    # 4500 − 450 = 4050; GST 202.5 → 203, PST 324: 4577 paid
    assert done.total_cents == 4577 and done.paid_cents == 4577
    (use,) = codes.uses(code.id)
    assert (use.customer_id, use.receipt_id, use.discount_cents) == (shop['alex'].id, done.receipt_id, 450)
    with pytest.raises(ValidationError, match='used the code SPRING10 already') as refused:
        checkout.check_out(sale(shop, shop['alex'], 'SPRING10'), actor=OWNER)
    assert refused.value.field == 'code'
    assert receipts() == 1  # the refused sale left nothing
    checkout.check_out(sale(shop, shop['sam'], 'SPRING10'), actor=OWNER)  # another customer may
    with session_scope() as session:
        assert session.get(DiscountCode, code.id).redeemed == 2


def test_a_code_given_in_two_checkouts_at_the_same_moment_counts_once(shop):
    code = make_code(shop, amount_off_cents=1000, percent_off=None)
    gate = threading.Barrier(2)
    outcomes: list[str] = []

    def pay() -> None:
        gate.wait(10)
        try:
            checkout.check_out(sale(shop, shop['alex'], 'SPRING10'), actor=OWNER)
            outcomes.append('paid')
        except ValidationError as error:
            outcomes.append(error.field or '')

    tills = [threading.Thread(target=pay) for _ in range(2)]
    for till in tills:
        till.start()
    for till in tills:
        till.join(30)
    assert sorted(outcomes) == ['code', 'paid']
    assert len(codes.uses(code.id)) == 1 and receipts() == 1
    with session_scope() as session:
        assert session.get(DiscountCode, code.id).redeemed == 1


def test_expired_used_up_combined_and_customerless_codes_are_refused_naming_the_field(shop):
    make_code(shop, 'OLDCODE', expires_at=clock.now() - timedelta(minutes=1))
    make_code(shop, 'ONEONLY', max_redemptions=1)
    checkout.check_out(sale(shop, shop['sam'], 'ONEONLY'), actor=OWNER)
    for text, given, extra, message in (
            ('OLDCODE', shop['alex'], {}, 'expired'),
            ('ONEONLY', shop['alex'], {}, 'used up'),
            ('NOSUCH', shop['alex'], {}, 'No such code'),
            ("x' OR '1'='1", shop['alex'], {}, 'No such code'),
            ('SPRING10', None, {}, 'choose the customer'),
            ('ONEONLY', shop['alex'], {'discount_percent': 5, 'discount_reason': 'regular'}, 'does not combine')):
        with pytest.raises(ValidationError, match=message) as refused:
            checkout.check_out(sale(shop, given, text, **extra), actor=OWNER)
        assert refused.value.field == 'code'
    assert receipts() == 1


def test_a_code_is_made_only_in_its_form_once_per_location(shop):
    make_code(shop)
    for changes, field in (({'code': 'spring10'}, 'code'), ({'code': 'NO SPACES'}, 'code'),
                           ({'code': 'BOTH1', 'amount_off_cents': 500}, 'percent_off')):
        with pytest.raises(ValidationError) as refused:
            make_code(shop, **changes)
        assert refused.value.field == field


def test_a_code_of_another_location_is_not_found_here(shop):
    other = make_location('King St')
    codes.create_code(DiscountCodeCreate(location_id=other.id, code='KINGONLY', percent_off=50), actor=OWNER)
    with pytest.raises(ValidationError, match='No such code') as refused:
        checkout.check_out(sale(shop, shop['alex'], 'KINGONLY'), actor=OWNER)
    assert refused.value.field == 'code' and receipts() == 0
