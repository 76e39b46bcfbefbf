"""Money that moves without the customer paying, on SQLite and PostgreSQL (issue 28):

- a staff member's discount over the location's limit (default: none at all) needs a manager;
- a campaign's code is valid only for the customers it was sent to, never for its holdout;
- refunds, in any number of parts, give back exactly the sale's money and take back exactly the points it earned
  (cumulative rounding), never more on the way.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, func, select

from app.models import (
    CampaignCreate,
    CodeRedemption,
    CustomerCreate,
    DiscountCodeCreate,
    LoyaltyMovement,
    PaymentMethod,
    Receipt,
    Role,
    Target,
)
from app.services import clock
from app.services.campaigns import campaigns
from app.services.catalogue import catalog, locations
from app.services.customers import customers, records
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError, ValidationError
from app.services.money import checkout, codes, loyalty, pricing
from app.services.money.checkout import Sale, SaleLine
from tests.factories import (
    OWNER,
    TZ,
    actor,
    make_customer,
    make_location,
    make_product,
    make_service,
    make_staff_member,
)

CARD = PaymentMethod.CARD
DAY = date(2030, 3, 4)


def receipts() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Receipt)).one()


def settings_with(location, **changes):
    """The location with ``changes`` to its settings, saved as the Settings page saves them."""
    return locations.update_location(location.id, {**locations.settings_of(location).model_dump(), **changes},
                                     actor=OWNER)


# --- a discount over the location's limit needs a manager ------------------------------------------------------------

@pytest.fixture
def till(db, shop_clock):
    location = make_location()  # GST 5 % + PST 8 %, prices without tax
    return {'location': location, 'member': make_staff_member(location, 'JJ'), 'cut': make_service(location),
            'oil': make_product(location, 'OIL', 'Argan oil', stock=50)}  # a cut 82.00, the oil 15.00


def walk_in(till, *, line_percent=None, line_cents=None, percent=None, cents=None) -> Sale:
    """A cut (82.00) and an oil (15.00) sold by JJ, with the discounts given, settled by card."""
    return Sale(location_id=till['location'].id, settle_with=CARD, discount_percent=percent, discount_cents=cents,
                discount_reason='regular' if percent is not None or cents is not None else '',
                lines=[SaleLine(service_id=till['cut'].id, staff_member_id=till['member'].id,
                                discount_percent=line_percent, discount_cents=line_cents,
                                discount_reason='regular' if line_percent is not None or line_cents is not None
                                else ''),
                       SaleLine(product_id=till['oil'], staff_member_id=till['member'].id)])


def test_staff_give_no_discount_by_default_and_owners_and_managers_any(till):
    staff = actor(Role.STAFF, till['location'].id)
    for discounts, field in (({'line_percent': Decimal(100)}, 'lines.0.discount'),  # the 100 % with a reason
                         ({'line_cents': 1}, 'lines.0.discount'),
                         ({'percent': Decimal('0.5')}, 'discount'),
                         ({'cents': 100}, 'discount')):
        for attempt in (checkout.quote, checkout.check_out):  # the totals shown while typing say it too
            with pytest.raises(PermissionDeniedError, match=r'^A discount needs a manager: ask a manager') as refused:
                attempt(walk_in(till, **discounts), actor=staff)
            assert refused.value.field == field
    assert receipts() == 0  # nothing recorded
    checkout.check_out(walk_in(till), actor=staff)  # no discount: staff sell as before
    for boss in (OWNER, actor(Role.MANAGER, till['location'].id)):
        assert checkout.check_out(walk_in(till, line_percent=Decimal(100), percent=Decimal(50)), actor=boss)
    assert receipts() == 3


def test_staff_discounts_up_to_the_locations_limit_line_and_sale_together(till):
    settings_with(till['location'], staff_discount_limit_percent=10)
    staff = actor(Role.STAFF, till['location'].id)
    for discounts in ({'line_percent': Decimal(10)}, {'percent': Decimal(10)},
                      {'cents': 970},  # 10 % of 97.00 exactly
                      {'line_cents': 820}):  # 10 % of the cut's 82.00
        checkout.check_out(walk_in(till, **discounts), actor=staff)
    for discounts, field in (({'line_percent': Decimal('10.01')}, 'lines.0.discount'),
                         ({'line_cents': 821}, 'lines.0.discount'),
                         ({'cents': 971}, 'discount'),
                         ({'line_percent': Decimal(10), 'percent': Decimal(1)}, 'discount'),  # 10.9 % of the cut
                         ({'line_percent': Decimal(100)}, 'lines.0.discount')):
        with pytest.raises(PermissionDeniedError, match=r'^A discount over 10 % needs a manager') as refused:
            checkout.check_out(walk_in(till, **discounts), actor=staff)
        assert refused.value.field == field
    assert receipts() == 4
    assert checkout.check_out(walk_in(till, line_percent=Decimal(10), percent=Decimal(1)),
                              actor=actor(Role.MANAGER, till['location'].id))


def test_the_limit_is_the_location_of_the_sale(till):
    """A limit set at another location lets no one discount here."""
    other = make_location('King St')
    settings_with(other, staff_discount_limit_percent=100)
    with pytest.raises(PermissionDeniedError, match='needs a manager'):
        checkout.check_out(walk_in(till, line_percent=Decimal(5)), actor=actor(Role.STAFF, till['location'].id))
    with pytest.raises(PermissionDeniedError, match='only work with your own location'):
        checkout.check_out(walk_in(till, line_percent=Decimal(5)), actor=actor(Role.MANAGER, other.id))
    assert receipts() == 0


def test_the_limit_is_a_percentage_the_settings_check():
    for wrong in (-1, 101):
        with pytest.raises(ValidationError) as refused:
            locations.check_settings({'name': 'X', 'time_zone': TZ, 'currency': 'CAD',
                                      'staff_discount_limit_percent': wrong})
        assert refused.value.field == 'staff_discount_limit_percent'


# --- a campaign's code is for those it was sent to -------------------------------------------------------------------

@pytest.fixture
def sent_campaign(db, shop_clock):
    """20 customers tagged "spring" who agreed to e-mails, one more without the tag; a campaign with the code BACK10
    sent to them with a 30 % holdout; a draft with the code DRAFT10; a code LOYAL5 made without a campaign."""
    location = make_location()
    member, cut = make_staff_member(location, 'JJ', start='06:00', end='22:00'), make_service(location)
    people = []
    for number in range(21):
        person = customers.create_customer(CustomerCreate(location_id=location.id, name=f'Customer {number:02d}',
                                                          email=f'c{number}@example.com'), actor=OWNER)
        records.update_customer(person.id, {'name': person.name, 'email': person.email,
                                            'tags': ['spring'] if number < 20 else [], 'consent': {'email': True}},
                                actor=OWNER)
        people.append(person.id)
    spring = CampaignCreate(location_id=location.id, name='Spring', target=Target(segment='tag', tag='spring'),
                            subject='Hi', body='Come back: {{ offer_code }}', holdout_permille=300,
                            offer={'code': 'BACK10', 'percent_off': 10})
    sent = campaigns.send_campaign(campaigns.create_campaign(spring, actor=OWNER).id, actor=OWNER)
    campaigns.create_campaign(CampaignCreate(**{**spring.model_dump(), 'name': 'Later',
                                                'offer': {'code': 'DRAFT10', 'percent_off': 10}}), actor=OWNER)
    codes.create_code(DiscountCodeCreate(location_id=location.id, code='LOYAL5', percent_off=5), actor=OWNER)
    rows = campaigns.recipients_of(sent.id, actor=OWNER)
    return {'location': location, 'member': member, 'cut': cut, 'outsider': people[20],
            'recipients': [r.customer_id for r in rows if not r.holdout],
            'holdout': [r.customer_id for r in rows if r.holdout]}


def coded(shop, customer_id: int, code: str) -> Sale:
    return Sale(location_id=shop['location'].id, customer_id=customer_id, code=code, settle_with=CARD,
                lines=[SaleLine(service_id=shop['cut'].id, staff_member_id=shop['member'].id)])


def redemptions() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(CodeRedemption)).one()


def test_a_campaigns_code_is_refused_to_its_holdout_and_to_anyone_it_was_not_sent_to(sent_campaign):
    shop = sent_campaign
    assert len(shop['holdout']) == 6 and len(shop['recipients']) == 14
    for who, code in ([(x, 'BACK10') for x in shop['holdout']] + [(shop['outsider'], 'back10')]
                      + [(shop['recipients'][0], 'DRAFT10'), (shop['holdout'][0], 'DRAFT10')]):  # a draft: nobody yet
        for attempt in (checkout.quote, checkout.check_out):
            with pytest.raises(ValidationError, match='is not valid for this customer') as refused:
                attempt(coded(shop, who, code), actor=OWNER)
            assert refused.value.field == 'code'
    assert (receipts(), redemptions()) == (0, 0)  # nothing recorded: the holdout is still a holdout
    for who in shop['recipients'][:3]:
        done = checkout.check_out(coded(shop, who, 'BACK10'), actor=OWNER)
        assert done.total_cents == 8339  # 82.00 less 10 %, with 13 % tax
    for who in (shop['holdout'][0], shop['outsider']):  # a code made without a campaign keeps its rules
        checkout.check_out(coded(shop, who, 'LOYAL5'), actor=OWNER)
    assert (receipts(), redemptions()) == (5, 5)


# --- refunds give back exactly what the sale took and earned ---------------------------------------------------------

@st.composite
def refunds_of(draw, lines: int, quantities: list[int]):
    """A random partition of every unit of a sale's lines into partial refunds, in a random order: a list of
    ``{line number: units}``."""
    units = [number for number in range(lines) for _ in range(quantities[number])]
    order = draw(st.permutations(units))
    cuts = sorted(draw(st.sets(st.integers(1, max(len(order) - 1, 1)), max_size=len(order) - 1))) if len(
        order) > 1 else []
    return [Counter(order[a:b]) for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]


SALES = st.lists(st.tuples(st.sampled_from(['cut', 'mens', 'oil', 'wax']), st.integers(1, 4),
                           st.sampled_from([None, Decimal(7), Decimal('33.3')])), min_size=1, max_size=3)


@given(whole=st.integers(-10**12, 10**12), parts=st.lists(st.integers(1, 9), min_size=1, max_size=30))
def test_cumulative_rounding_adds_up_to_the_whole_and_never_passes_it(whole, parts):
    units, done, given_back = sum(parts), 0, 0
    for part in parts:
        step = pricing.running_part(whole, Fraction(done + part, units)) - pricing.running_part(
            whole, Fraction(done, units))
        done, given_back = done + part, given_back + step
        assert abs(given_back) <= abs(whole)  # never past the whole on the way
        assert step == 0 or (step > 0) == (whole > 0)  # never given back the other way
    assert given_back == whole


@pytest.fixture
def loyal(db):
    location = settings_with(make_location(), loyalty_points_per_unit=7, loyalty_on='both')
    member = make_staff_member(location, 'JJ', start='06:00', end='22:00')
    items = {'cut': ('service', make_service(location).id),  # 82.00
             'mens': ('service', make_service(location, 'SHCM', "Men's cut", price_cents=4599).id),
             'oil': ('product', catalog.save_product(None, actor=OWNER, location_id=location.id, code='OIL',
                                                     name='Oil', price_cents=333, opening_stock=10**6).id),
             'wax': ('product', catalog.save_product(None, actor=OWNER, location_id=location.id, code='WAX',
                                                     name='Wax', price_cents=1999, opening_stock=10**6).id)}
    return {'location': location, 'member': member, 'items': items, 'alex': make_customer(location)}


def points_of_receipts(receipt_ids: list[int], kind: str) -> int:
    with session_scope() as session:
        return int(session.exec(select(func.coalesce(func.sum(LoyaltyMovement.points), 0)).where(
            col(LoyaltyMovement.receipt_id).in_(receipt_ids), LoyaltyMovement.kind == kind)).one())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), lines=SALES)
def test_refunds_in_any_parts_take_back_exactly_what_the_sale_earned_and_paid(loyal, data, lines):
    moment = clock.local_datetime(DAY, 600, TZ)
    sale = checkout.check_out(Sale(
        location_id=loyal['location'].id, customer_id=loyal['alex'].id, settle_with=CARD,
        lines=[SaleLine(**{f'{loyal["items"][name][0]}_id': loyal['items'][name][1]}, quantity=quantity,
                        discount_percent=off, discount_reason='x' if off else '',
                        staff_member_id=loyal['member'].id) for name, quantity, off in lines]),
        actor=OWNER, as_of=moment)
    sold = checkout.receipt_details(sale.receipt_id, actor=OWNER).lines
    earned = points_of_receipts([sale.receipt_id], 'earned')
    refunds = data.draw(refunds_of(len(sold), [line.quantity for line in sold]))
    backs = []
    for refund in refunds:
        back = checkout.refund(sale.receipt_id, {sold[n].id: count for n, count in refund.items()}, method=CARD,
                               reason='brought back', actor=OWNER, as_of=moment)
        backs.append(back)
        taken = -points_of_receipts([x.receipt_id for x in backs], 'adjusted')
        assert 0 <= taken <= earned  # never more than the sale earned, at any step
        assert sum(x.total_cents for x in backs) <= sale.total_cents
    assert -points_of_receipts([x.receipt_id for x in backs], 'adjusted') == earned
    assert sum(x.total_cents for x in backs) == sale.total_cents  # every cent back, none more


def test_a_cut_brought_back_one_at_a_time_takes_back_all_its_points(loyal):
    """Three men's cuts (3 × 45.99 = 137.97: 137 whole units × 7 = 959 points) brought back one by one take back
    320, 319, 320 (the running total rounded: 319.67 → 320, 639.33 → 639, 959), not 3 × (45 units × 7) = 945, which
    left 14 points behind; the money comes back to the cent, 15591 in all."""
    moment = clock.local_datetime(DAY, 600, TZ)
    sale = checkout.check_out(Sale(location_id=loyal['location'].id, customer_id=loyal['alex'].id, settle_with=CARD,
                                   lines=[SaleLine(service_id=loyal['items']['mens'][1], quantity=3,
                                                   staff_member_id=loyal['member'].id)]), actor=OWNER, as_of=moment)
    line = checkout.receipt_details(sale.receipt_id, actor=OWNER).lines[0].id
    steps = []
    for _ in range(3):
        back = checkout.refund(sale.receipt_id, {line: 1}, method=CARD, reason='x', actor=OWNER, as_of=moment)
        steps.append((-points_of_receipts([back.receipt_id], 'adjusted'), back.total_cents))
    assert points_of_receipts([sale.receipt_id], 'earned') == 959
    assert [points for points, _ in steps] == [320, 319, 320]
    assert sum(cents for _, cents in steps) == sale.total_cents == 15591
    assert loyalty.ledger(loyal['alex'].id, actor=OWNER)[0] == 0


def test_a_refund_gives_back_two_taxes_whose_names_share_their_first_twenty_characters(till):
    """A receipt keeps a tax's name to 20 characters: two taxes alike that far were read back as one, and a refund
    gave back only one of them."""
    levies = [{'name': 'County development levy', 'percent': '2', 'services': True, 'products': True},
              {'name': 'County development levy 2', 'percent': '3', 'services': True, 'products': True}]
    settings_with(till['location'], tax_rates=levies)
    sale = checkout.check_out(walk_in(till), actor=OWNER)
    sold = checkout.receipt_details(sale.receipt_id, actor=OWNER).lines
    back = checkout.refund(sale.receipt_id, {line.id: line.quantity for line in sold}, method=CARD,
                           reason='brought back', actor=OWNER)
    assert sale.total_cents == 9700 + 194 + 291  # 2 % and 3 % of 97.00
    assert back.total_cents == sale.total_cents
