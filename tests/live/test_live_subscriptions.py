"""Per-session live handlers run only for the events that concern them and end with what they serve."""

from __future__ import annotations

import sys

import pytest
from nicegui.testing import User

from app.live import bus
from app.models import Role
from app.services import events
from tests.fixtures.pages import DAY, element, eventually, new_booking_dialog, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def _callbacks() -> int:
    return len(bus.clients_following())


async def test_the_booking_dialogs_subscription_ends_with_the_dialog(user: User, shop):
    await sign_in(user, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    before = _callbacks()
    for _ in range(3):
        await new_booking_dialog(user)
        await user.should_see(marker='book')
        assert _callbacks() == before + 1
        user.find('Close').click()
        await eventually(lambda: _callbacks() == before)  # each closed dialog took its handler with it


async def test_the_customer_list_is_read_again_only_when_customers_change(user: User, shop, monkeypatch):
    customers = sys.modules['app.services.customers.customers']
    reads: list[str] = []
    real = customers.search_customers
    monkeypatch.setattr(customers, 'search_customers', lambda *a, **k: (reads.append('read'), real(*a, **k))[1])
    await sign_in(user, Role.STAFF, '/customers')
    await user.should_see(marker='customer-list')
    reads.clear()
    location_id = shop['location'].id
    for noise in (events.ChatChanged(location_id=location_id, conversation_id=1, change='typing', side='customer'),
                  events.AvailabilityChanged(location_id=location_id)):
        events.publish(noise)
    await user.should_see(marker='customer-list')
    assert reads == []  # typing and holds no longer make every open customers page query the database
    from app.models import CustomerCreate
    from tests.factories import OWNER
    customers.create_customer(CustomerCreate(location_id=location_id, name='Robin Diaz'), actor=OWNER)
    await eventually(lambda: reads == ['read'])
    await eventually(lambda: 'Robin Diaz' in {r['name'] for r in element(user, 'customer-list').rows})
