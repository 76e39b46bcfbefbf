"""Every page route the app registers, opened by each role and by a signed-out visitor: shown or
refused exactly as the role table says. A new page without a row here (or without its check) fails."""

from __future__ import annotations

import asyncio

import pytest
from nicegui import Client
from nicegui.testing import User

from app.models import CampaignCreate, Role, Target
from app.services.campaigns import campaigns
from tests.factories import OWNER
from tests.fixtures.pages import eventually, log_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

SHOWN, REFUSED, LOGIN = 'shown', 'refused', 'login'
O, M, S, K = Role.OWNER, Role.MANAGER, Role.STAFF, Role.KIOSK  # noqa: E741  (a table of role initials)
# path → what each role gets (None: signed out). '→ /x' means sent on to /x.
TABLE: dict[str, dict[Role | None, str]] = {
    '/login': {None: SHOWN, O: '→ /', M: '→ /', S: '→ /bookings', K: '→ /kiosk'},
    '/': {None: LOGIN, O: SHOWN, M: SHOWN, S: '→ /bookings', K: '→ /kiosk'},
    '/bookings': {None: LOGIN, O: SHOWN, M: SHOWN, S: SHOWN, K: REFUSED},
    '/customers': {None: LOGIN, O: SHOWN, M: SHOWN, S: SHOWN, K: REFUSED},
    '/customers/{customer_id}': {None: LOGIN, O: SHOWN, M: SHOWN, S: SHOWN, K: REFUSED},
    '/catalog': {None: LOGIN, O: SHOWN, M: SHOWN, S: REFUSED, K: REFUSED},
    '/sales': {None: LOGIN, O: SHOWN, M: SHOWN, S: SHOWN, K: REFUSED},
    '/commission': {None: LOGIN, O: SHOWN, M: SHOWN, S: REFUSED, K: REFUSED},
    '/staff': {None: LOGIN, O: SHOWN, M: SHOWN, S: REFUSED, K: REFUSED},
    '/analytics': {None: LOGIN, O: SHOWN, M: SHOWN, S: REFUSED, K: REFUSED},
    '/reports': {None: LOGIN, O: SHOWN, M: SHOWN, S: REFUSED, K: REFUSED},
    '/campaigns': {None: LOGIN, O: SHOWN, M: SHOWN, S: REFUSED, K: REFUSED},
    '/campaigns/{campaign_id}': {None: LOGIN, O: SHOWN, M: SHOWN, S: REFUSED, K: REFUSED},
    '/import': {None: LOGIN, O: SHOWN, M: SHOWN, S: REFUSED, K: REFUSED},
    '/kiosk': {None: LOGIN, O: REFUSED, M: REFUSED, S: REFUSED, K: SHOWN},
    '/activity': {None: LOGIN, O: SHOWN, M: SHOWN, S: REFUSED, K: REFUSED},
    '/users': {None: LOGIN, O: SHOWN, M: REFUSED, S: REFUSED, K: REFUSED},
    '/settings': {None: LOGIN, O: SHOWN, M: REFUSED, S: REFUSED, K: REFUSED},
    '/settings/backups': {None: LOGIN, O: SHOWN, M: REFUSED, S: REFUSED, K: REFUSED},
    '/chat': {None: LOGIN, O: SHOWN, M: SHOWN, S: SHOWN, K: REFUSED},
    '/chat/{token}': {None: REFUSED, O: REFUSED, M: REFUSED, S: REFUSED, K: REFUSED},  # a made-up link
    '/waitlist': {None: LOGIN, O: SHOWN, M: SHOWN, S: SHOWN, K: REFUSED},
    '/messages': {None: LOGIN, O: SHOWN, M: SHOWN, S: SHOWN, K: REFUSED},
    '/offer/{token}': {None: REFUSED, O: REFUSED, M: REFUSED, S: REFUSED, K: REFUSED},  # a made-up link
    '/my/{token}': {None: REFUSED, O: REFUSED, M: REFUSED, S: REFUSED, K: REFUSED},  # a made-up link
    '/book/{location_id}': {None: REFUSED, O: REFUSED, M: REFUSED, S: REFUSED, K: REFUSED},  # not switched on
    '/book/{location_id}/deposit/{token}': {None: REFUSED, O: REFUSED, M: REFUSED, S: REFUSED, K: REFUSED},  # off
    '/native-login': {None: REFUSED, O: REFUSED, M: REFUSED, S: REFUSED, K: REFUSED},  # without its token
    '/setup': {None: REFUSED, O: REFUSED, M: REFUSED, S: REFUSED, K: REFUSED},  # set up already, no token
    '/account/{token}': {None: REFUSED, O: REFUSED, M: REFUSED, S: REFUSED, K: REFUSED},  # a made-up link
}


@pytest.mark.parametrize('role', [None, *Role], ids=lambda r: r.value if r else 'signed-out')
async def test_every_page_route_is_shown_or_refused_as_the_role_table_says(user: User, shop, role):
    routes = set(Client.page_routes.values())
    assert routes == set(TABLE), f'routes without a row in the role table: {sorted(routes - set(TABLE))}'
    if role is not None:
        await log_in(user, role)
    campaign = campaigns.create_campaign(CampaignCreate(location_id=shop['location'].id, name='Spring',
                                                        target=Target(segment='at_risk'), subject='Hello',
                                                        body='Come back'), actor=OWNER)
    for route, outcomes in TABLE.items():
        path = route.format(customer_id=shop['alex'].id, token='not-a-real-link', location_id=shop['location'].id,
                            campaign_id=campaign.id)
        expected = outcomes[role]
        await user.open(path)
        await asyncio.sleep(0.05)  # let a redirect the page asked for start
        if expected == SHOWN:
            await user.should_not_see(marker='refused')
            await eventually(lambda p=path: user.back_history[-1] == p)
        elif expected == REFUSED:
            await user.should_see(marker='refused')
        elif expected == LOGIN:
            await eventually(lambda p=path: user.back_history[-1].startswith('/login?next='))
            await user.should_see('Sign in to your shop')
        else:
            target = expected.removeprefix('→ ')
            await eventually(lambda t=target: user.back_history[-1] == t)
        await user.should_not_see('Traceback')


async def test_the_navigation_and_the_role_table_follow_the_pages_declarations(user: User, shop):
    """The drawer lists exactly the pages a role may open, as the pages declare them (one registry)."""
    import sys

    from nicegui import ui
    await log_in(user, Role.MANAGER)
    registry = sys.modules['app.pages.registry']  # the module the harness loaded for this test
    for path, entry in registry.PAGES.items():
        shown = {role for role, outcome in TABLE[path].items() if role is not None and outcome == SHOWN}
        assert shown == set(entry.roles), path
    await user.open('/bookings')
    listed = {link.props['href'] for link in user.find(kind=ui.link).elements}
    assert listed == {p.path for p in registry.navigation(Role.MANAGER)}
    assert '/users' not in listed and '/kiosk' not in listed
