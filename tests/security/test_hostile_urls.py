"""Any address a person (or an attacker) types opens a page: far-off, broken or hostile parameters become a
message, another location's records a plain refusal, never a server error or a traceback."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from nicegui.testing import User

from app.models import Role
from tests.factories import make_customer, make_location
from tests.fixtures.pages import eventually, figure, log_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

DATES = ['9999-12-31', '0001-01-01', '2030-02-30', 'tomorrow', 'x' * 3000, '\x00', '2030-03-04T10:00', '-1']
TEXTS = ['\x00', "'; DROP TABLE booking; --", '%', 'x' * 3000, '<script>alert(1)</script>']
IDS = ['abc', '-1', '0', '99999999999999999999', '1e3', '\x00']


def addresses(shop) -> list[str]:
    found = [f'/bookings?day={quote(d)}' for d in DATES] + [f'/?day={quote(d)}' for d in DATES]
    found += [f'/analytics?start={quote(d)}&end={quote(e)}' for d, e in zip(DATES, reversed(DATES), strict=True)]
    found += ['/analytics?start=2030-03-31&end=2030-03-01', '/analytics?location=999', '/analytics?location=%00']
    found += [f'/activity?start={quote(d)}&end={quote(d)}&email={quote(t)}&action={quote(t)}'
              for d, t in zip(DATES, TEXTS * 2, strict=False)]
    found += [f'/customers?q={quote(t)}' for t in TEXTS] + [f'/customers/{quote(i, safe="")}' for i in IDS]
    found += [f'/chat?c={quote(i)}' for i in IDS]
    found += [f'/chat/{quote(t, safe="")}' for t in TEXTS if '/' not in t]  # a slash makes it another path: 404
    return found


@pytest.mark.parametrize('role', [Role.OWNER, Role.MANAGER, Role.STAFF])
async def test_hostile_parameters_open_a_page_with_a_message(user: User, shop, role):
    await log_in(user, role)
    for address in addresses(shop):
        if role == Role.STAFF and address.startswith(('/?', '/analytics', '/activity')):
            continue  # staff are refused there anyway (tests/security/test_routes_by_role.py)
        await user.open(address)  # asserts status 200
        await user.should_not_see('Traceback')
        await user.should_not_see(marker='page-error')


async def test_far_off_days_are_clamped_and_said(user: User, shop):
    await log_in(user, Role.MANAGER)
    await user.open('/bookings?day=9999-12-31')
    await user.should_see('Dates from 1900 to 2199 only: showing 31 Dec 2199 as the day.')
    await user.should_see('Tuesday 31 December 2199')
    await user.open('/?day=banana')
    await user.should_see('"banana" is not a date (YYYY-MM-DD); showing')
    await user.open('/analytics?start=0001-01-01&end=2030-03-31')
    await user.should_see('Dates from 1900 to 2199 only: showing 01 Jan 1900 as the first day.')
    await eventually(lambda: figure(user, 'kpi-bookings') == '0', timeout=10)


async def test_another_locations_customer_is_refused_plainly(user: User, shop):
    elsewhere = make_customer(make_location('King St'), 'Robin Diaz', '647 555 0199')
    await log_in(user, Role.MANAGER)
    await user.open(f'/customers/{elsewhere.id}')
    await user.should_see(marker='refused')
    await user.should_not_see('Robin Diaz')
    await user.open(f'/customers/{shop["alex"].id}')
    await user.should_see(marker='customer-name')
