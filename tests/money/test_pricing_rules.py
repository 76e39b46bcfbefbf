"""The sale and refund rules of app/services/money/pricing.py, as pure functions over plain values: what is due once a
deposit is netted, who a tip is for, the customer's reward and code, a price change, the staff discount limit, a
recorded sale's totals read back, and the refund rule (refunds give back exactly what the sale took, in any number of
parts). No database."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.models.base import MAX_AMOUNT_CENTS
from app.services.errors import PermissionDeniedError, ValidationError
from app.services.money import pricing
from app.services.money.pricing import Discount, Item, Rate

VAT = Rate('VAT', Decimal('16'))
LEVY = Rate('Levy', Decimal('2'), products=False)


# --- the refund rule -------------------------------------------------------------------------------------------------

@st.composite
def parts_of(draw, units: int) -> list[int]:
    """A random split of ``units`` into parts of at least one, in order."""
    cuts = sorted(draw(st.sets(st.integers(1, units - 1), max_size=units - 1))) if units > 1 else []
    return [b - a for a, b in zip([0, *cuts], [*cuts, units], strict=True)]


@given(data=st.data(), whole=st.integers(-10**9, 10**9), sold=st.integers(1, 40))
def test_the_parts_a_refund_gives_back_always_sum_to_what_was_taken(data, whole, sold):
    parts = data.draw(parts_of(sold))
    before, steps = 0, []
    for count in parts:
        steps.append(pricing.given_back(whole, before=before, count=count, sold=sold))
        before += count
        assert abs(sum(steps)) <= abs(whole)  # never past what was taken on the way
    assert sum(steps) == whole
    assert all(step == 0 or (step > 0) == (whole > 0) for step in steps)  # never the other way


@given(data=st.data(), amount=st.integers(0, 10**7), vat=st.integers(0, 10**6), levy=st.integers(0, 10**5),
       sold=st.integers(1, 12))
def test_a_line_brought_back_in_any_parts_gives_back_its_amount_and_each_tax_exactly(data, amount, vat, levy, sold):
    parts = data.draw(parts_of(sold))
    before, back_amount, back_taxes, back_total = 0, 0, {'VAT': 0, 'Levy': 0}, 0
    for count in parts:
        line = pricing.LineSold('Oil', sold, amount, {'VAT': vat, 'Levy': levy}, returned=before)
        given_back = pricing.refund_line(line, count, field_name='lines.7')
        assert given_back.total_cents == given_back.amount_cents + sum(given_back.taxes.values())
        back_amount += given_back.amount_cents
        back_total += given_back.total_cents
        for name, cents in given_back.taxes.items():
            back_taxes[name] += cents
        before += count
    assert (back_amount, back_taxes, back_total) == (amount, {'VAT': vat, 'Levy': levy}, amount + vat + levy)


def test_a_refund_by_thirds_rounds_the_running_total_not_each_part():
    # 100 cents over 3 units: running shares 33.3 → 33, 66.7 → 67, 100: parts 33, 34, 33 (not 33 + 33 + 33 = 99)
    line = pricing.LineSold('Cut', 3, 100, {'VAT': 16})
    parts = []
    for before in range(3):
        back = pricing.refund_line(pricing.LineSold('Cut', 3, 100, {'VAT': 16}, returned=before), 1, field_name='x')
        parts.append((back.amount_cents, back.taxes['VAT']))
    assert parts == [(33, 5), (34, 6), (33, 5)]
    assert pricing.refund_line(line, 3, field_name='x') == pricing.LineBack(100, {'VAT': 16}, 116)


@pytest.mark.parametrize(('returned', 'count'), [(0, 4), (2, 2), (3, 1), (0, 0), (0, -1)])
def test_more_than_is_left_of_a_line_or_nothing_is_refused_naming_the_line(returned, count):
    with pytest.raises(ValidationError) as refused:
        pricing.refund_line(pricing.LineSold('Wax', 3, 999, {}, returned=returned), count, field_name='lines.12')
    assert refused.value.field == 'lines.12'
    if count > 0:
        assert f'Only {3 - returned} of "Wax"' in str(refused.value)


SALE_LINES = st.lists(st.tuples(st.sampled_from(['service', 'product']), st.integers(0, 20_000), st.integers(1, 4)),
                      min_size=1, max_size=4)


@given(data=st.data(), lines=SALE_LINES, earned=st.integers(0, 5000),
       kinds=st.sampled_from([{'service'}, {'product'}, {'service', 'product'}]))
def test_refunds_in_any_parts_take_back_exactly_the_points_the_sale_earned(data, lines, earned, kinds):
    units = [number for number, (_, _, sold) in enumerate(lines) for _ in range(sold)]
    order = data.draw(st.permutations(units))
    parts = data.draw(parts_of(len(order)))
    back, taken, start = [0] * len(lines), 0, 0
    for size in parts:
        for number in order[start:start + size]:
            back[number] += 1
        start += size
        share = pricing.share_back([(kind, cents, sold, back[n]) for n, (kind, cents, sold) in enumerate(lines)], kinds)
        step = pricing.points_back(earned, taken, share)
        assert step >= 0
        taken += step
        assert taken <= earned
    assert taken == earned


def test_the_points_share_is_weighted_by_what_earned_them_else_by_units():
    lines = [('service', 8000, 1, 1), ('product', 2000, 2, 1), ('product', 500, 1, 0)]
    assert pricing.share_back(lines, {'service', 'product'}) == Fraction(8000 + 1000, 10500)
    assert pricing.share_back(lines, {'product'}) == Fraction(1000, 2500)
    free = [('service', 0, 2, 1), ('product', 0, 2, 0)]
    assert pricing.share_back(free, {'service'}) == Fraction(1, 4)  # nothing earned by amount: by units


def test_a_refund_never_gives_back_more_than_was_paid_and_not_yet_refunded():
    pricing.ensure_within_paid(6000, paid_cents=10000, refunded_cents=4000, currency='KES')  # exactly what is left
    with pytest.raises(ValidationError) as refused:
        pricing.ensure_within_paid(6001, paid_cents=10000, refunded_cents=4000, currency='KES')
    assert refused.value.field == 'lines' and '60.01' in str(refused.value) and '60.00' in str(refused.value)
    with pytest.raises(ValidationError, match='1500 back, more than the 1000 paid'):  # RWF: no decimals
        pricing.ensure_within_paid(1500, paid_cents=1000, refunded_cents=0, currency='RWF')


# --- what is due, and who the tip is for -----------------------------------------------------------------------------

def test_what_is_due_adds_the_tip_and_gift_cards_and_nets_a_deposit():
    due = pricing.amount_due(9266, tip_cents=1000, gift_cards=[5000, 2500], deposit_cents=2000)
    assert due == pricing.Due(total_cents=17766, from_deposit_cents=2000, now_cents=15766)


def test_a_deposit_larger_than_the_sale_covers_it_and_no_more():
    assert pricing.amount_due(1500, tip_cents=0, gift_cards=[], deposit_cents=2000) == pricing.Due(1500, 1500, 0)
    assert pricing.amount_due(1500, tip_cents=0, gift_cards=[], deposit_cents=0) == pricing.Due(1500, 0, 1500)


def test_a_total_over_the_maximum_is_refused_naming_the_total():
    with pytest.raises(ValidationError) as refused:
        pricing.amount_due(MAX_AMOUNT_CENTS, tip_cents=1, gift_cards=[], deposit_cents=0)
    assert refused.value.field == 'total'


def test_a_tip_goes_to_the_one_chosen_else_the_bookings_else_the_first_lines():
    assert pricing.tip_for(500, chosen=3, booking_staff=1, lines_staff=[2]) == 3
    assert pricing.tip_for(500, chosen=None, booking_staff=1, lines_staff=[2]) == 1
    assert pricing.tip_for(500, chosen=None, booking_staff=None, lines_staff=[None, 2]) == 2
    assert pricing.tip_for(0, chosen=None, booking_staff=None, lines_staff=[]) is None
    with pytest.raises(ValidationError) as refused:
        pricing.tip_for(500, chosen=None, booking_staff=None, lines_staff=[None])
    assert refused.value.field == 'tip'


# --- a price change, the desk's discounts and the customer's ---------------------------------------------------------

def test_a_price_change_needs_a_manager_and_a_reason():
    assert pricing.price_charged(8200, None, reason='', managing=False, field_name='lines.0.price') == 8200
    assert pricing.price_charged(8200, 8200, reason='', managing=False, field_name='lines.0.price') == 8200
    assert pricing.price_charged(8200, 7000, reason='regular', managing=True, field_name='lines.0.price') == 7000
    with pytest.raises(PermissionDeniedError):
        pricing.price_charged(8200, 7000, reason='regular', managing=False, field_name='lines.0.price')
    with pytest.raises(ValidationError) as refused:
        pricing.price_charged(8200, 7000, reason='  ', managing=True, field_name='lines.0.price')
    assert refused.value.field == 'lines.0.price'


def test_a_discount_is_given_only_when_a_percentage_or_an_amount_is():
    assert pricing.Discount.given(None, None, 'why') is None
    assert pricing.Discount.given(Decimal(5), None, 'why') == Discount(percent=Decimal(5), reason='why')


@pytest.mark.parametrize(('line', 'whole', 'field'), [
    (Discount(percent=Decimal(15), reason='x'), None, 'lines.0.discount'),  # a line's own over the limit
    (None, Discount(percent=Decimal(15), reason='x'), 'discount'),  # the sale's
    (Discount(percent=Decimal(6), reason='x'), Discount(percent=Decimal(6), reason='x'), 'discount'),  # 11.64 % in all
])
def test_staff_give_at_most_the_limit_of_each_line_managers_any(line, whole, field):
    items = [Item('service', 10000, 1, line), Item('product', 2000)]
    pricing.allowed_discount(items, whole, limit_percent=15, managing=False)  # 15 % is within 15 %
    pricing.allowed_discount(items, whole, limit_percent=0, managing=True)
    with pytest.raises(PermissionDeniedError) as refused:
        pricing.allowed_discount(items, whole, limit_percent=10, managing=False)
    assert refused.value.field == field and '10 %' in str(refused.value)


def test_a_free_service_reward_takes_one_unit_off_its_first_line():
    items = [Item('product', 333, 2), Item('service', 8200), Item('service', 4599, 3)]
    one = pricing.free_service(items, [None, 11, 12], service_id=11, name='Free cut')
    assert one[1] == Item('service', 8200, 1, Discount(percent=Decimal(100), reason='Free cut'))
    three = pricing.free_service(items, [None, 11, 12], service_id=12, name='Free cut')
    assert three[2] == Item('service', 4599, 3, Discount(amount_cents=4599, reason='Free cut'))
    assert (one[0], one[2], three[:2]) == (items[0], items[2], items[:2])  # the other lines as they were
    with pytest.raises(ValidationError, match='add the service to the sale first') as refused:
        pricing.free_service(items, [None, 11, 12], service_id=13, name='Free cut')
    assert refused.value.field == 'reward'
    taken = [Item('service', 8200, 1, Discount(percent=Decimal(5), reason='x'))]
    with pytest.raises(ValidationError, match='already has a discount'):
        pricing.free_service(taken, [11], service_id=11, name='Free cut')


def test_an_amount_off_reward_does_not_stack_with_the_desks_discount_and_never_takes_more_than_is_left():
    reward = pricing.amount_off_reward(1000, '10 off', desk_discount=None)
    items = [Item('product', 500, 2, Discount(amount_cents=300, reason='x'))]  # 1000 less 300: 700 left
    assert pricing.sale_discount(items, None, reward) == Discount(amount_cents=700, reason='10 off')
    assert pricing.sale_discount([Item('product', 5000)], None, reward) == reward
    desk = Discount(percent=Decimal(5), reason='regular')
    assert pricing.sale_discount(items, desk, None) == desk
    code = Discount(percent=Decimal(10), reason='BACK10')
    assert pricing.sale_discount(items, None, code) == code
    with pytest.raises(ValidationError) as refused:
        pricing.amount_off_reward(1000, '10 off', desk_discount=desk)
    assert refused.value.field == 'reward'


# --- a recorded sale's totals read back ------------------------------------------------------------------------------

SOLD = st.lists(st.tuples(st.sampled_from(['service', 'product']), st.integers(0, 50_000), st.integers(1, 5),
                          st.sampled_from([None, Decimal(10), Decimal('33.3')])), min_size=1, max_size=4)


@given(sold=SOLD, inclusive=st.booleans(), off=st.sampled_from([None, Decimal(7)]), tip=st.integers(0, 5000))
def test_a_recorded_sale_prints_the_totals_it_was_priced_with(sold, inclusive, off, tip):
    items = [Item(kind, cents, quantity, Discount(percent=percent, reason='x') if percent else None)
             for kind, cents, quantity, percent in sold]
    priced = pricing.price(items, [VAT, LEVY], inclusive=inclusive,
                           sale_discount=Discount(percent=off, reason='x') if off else None)
    stored = [pricing.StoredLine(item.unit_price_cents, item.quantity, line.net_cents, line.discount_cents,
                                 line.taxes, line.total_cents) for item, line in zip(items, priced.lines, strict=True)]
    expected = pricing.totals(priced.lines, inclusive=inclusive, tip_cents=tip)
    if all(sum(line.taxes.values()) for line in priced.lines):  # every line tells how it was entered
        assert pricing.stored_totals(stored, default_inclusive=not inclusive, tip_cents=tip) == expected
    assert pricing.stored_totals(stored, default_inclusive=inclusive, tip_cents=tip) == expected
    assert expected[-1].cents == priced.total_cents + tip


def test_a_free_service_does_not_make_taxes_print_as_included_where_prices_are_without_tax():
    free = pricing.StoredLine(unit_price_cents=0, quantity=1, amount_cents=0, discount_cents=0, taxes={'VAT': 0},
                              total_cents=0)
    printed = pricing.stored_totals([free], default_inclusive=False)
    assert [(t.key, t.included) for t in printed if t.key == 'tax'] == [('tax', False)]
