"""A customer's page: edit their details (an alert then shows on their bookings), merge a duplicate, erase on
request; all through the page."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import Role
from tests.factories import OWNER, at, make_booking, make_customer
from tests.fixtures.pages import DAY, click_block, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def test_edit_merge_and_erase_a_customer_through_their_page(user: User, shop):
    from app.services.customers import customers, records  # to read back what the pages saved
    twin = make_customer(shop['location'], 'Alex K.', '(416) 555 0101')  # alex's number, typed another way
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], twin, at(DAY, '10:00'))
    alex = shop['alex']
    await sign_in(user, Role.MANAGER, f'/customers/{alex.id}')
    user.find(marker='customer-edit').click()
    user.find(marker='edit-phone').clear().type('12')
    user.find(marker='edit-save').click()
    await eventually(lambda: 'not a phone number' in (element(user, 'edit-phone').error or ''))
    user.find(marker='edit-phone').clear().type('+1 416 555 0101')
    user.find(marker='edit-alerts').type('Allergic to latex')
    element(user, 'edit-sms').set_value(True)
    user.find(marker='edit-save').click()
    await eventually(lambda: customers.get_customer(alex.id, actor=OWNER).alerts == 'Allergic to latex')
    assert 'sms' in customers.get_customer(alex.id, actor=OWNER).consent

    await user.open(f'/customers/{alex.id}')
    user.find(marker='customer-merge').click()
    merge = element(user, 'merge-duplicate')
    assert next(iter(merge.options.values())).startswith('★ Alex K.')  # the likely duplicate first
    merge.set_value(twin.id)
    merging_page = user.client
    user.find(marker='merge-confirm').click()
    await eventually(lambda: records.counts(alex.id)['bookings'] == 1 and records.counts(twin.id)['bookings'] == 0)
    await eventually(lambda: user.client is not merging_page)  # the page reloads after the merge: before leaving it

    await user.open(f'/bookings?day={DAY.isoformat()}')
    await click_block(user, booking.id)
    await user.should_see('Allergic to latex')  # the merged booking now carries Alex's alert

    await user.open(f'/customers/{alex.id}')
    user.find(marker='customer-erase').click()
    user.find(marker='erase-confirm').click()
    await eventually(lambda: customers.get_customer(alex.id, actor=OWNER).name == records.ERASED_NAME)
    await user.open(f'/customers/{twin.id}')
    await user.should_see(marker='customer-gone')


async def test_the_customer_list_shows_tags_and_consent_and_filters_by_tag(user: User, shop):
    from app.services.customers import records
    alex = shop['alex']
    records.update_customer(alex.id, {'name': alex.name, 'phone': alex.phone, 'tags': ['VIP'],
                                      'consent': {'sms': True}}, actor=OWNER)
    await sign_in(user, Role.STAFF, '/customers')
    rows = {r['name']: r for r in element(user, 'customer-list').rows}
    assert (rows[alex.name]['tags'], rows[alex.name]['marketing']) == ('VIP', 'SMS')
    assert len(rows) > 1
    element(user, 'customer-tag').set_value('VIP')
    await eventually(lambda: [r['name'] for r in element(user, 'customer-list').rows] == [alex.name])


async def test_a_manager_exports_a_customers_own_data_from_their_page(user: User, shop):
    """Issue 31: the export runs (logged) and is served once for download; staff have no such button."""
    from sqlmodel import select

    from app.models import ActivityEntry
    from app.services.database import session_scope
    alex = shop['alex']
    await sign_in(user, Role.MANAGER, f'/customers/{alex.id}')
    user.find(marker='customer-export').click()

    def logged() -> bool:
        with session_scope() as session:
            return session.exec(select(ActivityEntry).where(ActivityEntry.action == 'customer_exported')).first() \
                is not None
    await eventually(logged)
    await user.should_see('Their data is being downloaded')
