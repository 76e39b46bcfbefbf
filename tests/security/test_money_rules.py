"""Money that moves without the customer paying, on SQLite and PostgreSQL (issue 28):

- a staff member's discount over the location's limit (default: none at all) needs a manager.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import func, select

from app.models import PaymentMethod, Receipt, Role
from app.services.catalogue import locations
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError, ValidationError
from app.services.money import checkout
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

