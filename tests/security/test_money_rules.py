"""Money that moves without the customer paying, on SQLite and PostgreSQL (issue 28):

- a staff member's discount over the location's limit (default: none at all) needs a manager;
- a campaign's code is valid only for the customers it was sent to, never for its holdout.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import func, select

from app.models import (
    CampaignCreate,
    CodeRedemption,
    CustomerCreate,
    DiscountCodeCreate,
    PaymentMethod,
    Receipt,
    Role,
    Target,
)
from app.services.campaigns import campaigns
from app.services.catalogue import locations
from app.services.customers import customers, records
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError, ValidationError
from app.services.money import checkout, codes
from app.services.money.checkout import Sale, SaleLine
from tests.factories import OWNER, TZ, actor, make_location, make_product, make_service, make_staff_member

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

