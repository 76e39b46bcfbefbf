"""Every page route and every plain route the app registers, opened by each role and by a signed-out visitor: shown or
refused (a page), answered with the status (a plain route) exactly as the role tables say. A new page or route without
a row here (or without its check, or declared around the guard) fails."""

from __future__ import annotations

import asyncio
import re

import pytest
from fastapi.routing import APIRoute
from nicegui import Client, core
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

# (method, path) → the status each role gets (None: signed out), with made-up ids and tokens. A route for some roles
# answers 401 signed out and 403 to the others; a public route answers everyone alike, refusing the made-up token.
ROUTE_TABLE: dict[tuple[str, str], dict[Role | None, int]] = {
    ('GET', '/chat-files/{attachment_id}'): {None: 401, O: 404, M: 404, S: 404, K: 403},  # no such file
    ('GET', '/chat/{token}/files/{attachment_id}'): dict.fromkeys((None, *Role), 404),
    ('GET', '/my/{token}/booking.ics'): dict.fromkeys((None, *Role), 404),
    ('GET', '/my/{token}/chat'): dict.fromkeys((None, *Role), 404),
    ('GET', '/calendar/{name}'): dict.fromkeys((None, *Role), 404),
    ('POST', '/payments/mpesa/callback'): dict.fromkeys((None, *Role), 200),  # Daraja is answered "Rejected"
    ('POST', '/payments/mpesa/callback/{token}'): dict.fromkeys((None, *Role), 200),  # likewise
    ('POST', '/payments/stripe/webhook'): dict.fromkeys((None, *Role), 400),  # not signed by Stripe
    ('POST', '/messages/sms/africastalking'): dict.fromkeys((None, *Role), 403),  # no token
    ('POST', '/messages/sms/africastalking/{token}'): dict.fromkeys((None, *Role), 403),  # a made-up token
    ('GET', '/healthz'): dict.fromkeys((None, *Role), 200),
}
REFUSALS = {401, 403}
STATIC = {'/assets/{path:path}'}  # the logo and styles (``app.add_static_files`` in app/server.py): public files


def plain_routes() -> set[tuple[str, str]]:
    """Every (method, path) the running app answers outside its pages, its static files and NiceGUI's own routes."""
    pages = set(Client.page_routes.values()) | STATIC
    return {(method, route.path) for route in core.app.routes if isinstance(route, APIRoute)
            and not route.path.startswith('/_nicegui') and route.path not in pages for method in route.methods}


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

    await log_in(user, Role.MANAGER)
    registry = sys.modules['app.pages.registry']  # the module the harness loaded for this test
    for path, entry in registry.PAGES.items():
        shown = {role for role, outcome in TABLE[path].items() if role is not None and outcome == SHOWN}
        assert shown == set(entry.roles), path
    await user.open('/bookings')
    (navigation,) = user.find(marker='navigation').elements
    listed = set(re.findall(r'<a href="([^"]+)"', navigation.content))
    assert listed == {p.path for p in registry.navigation(Role.MANAGER)}
    assert '/users' not in listed and '/kiosk' not in listed


@pytest.mark.parametrize('role', [None, *Role], ids=lambda r: r.value if r else 'signed-out')
async def test_every_plain_route_answers_each_role_as_the_route_table_says(user: User, shop, role):
    import sys
    registry = sys.modules['app.pages.registry']  # the module the harness loaded for this test
    routes = plain_routes()
    assert routes == set(ROUTE_TABLE), (f'routes without a row in the route table: {sorted(routes - set(ROUTE_TABLE))}'
                                        f'; rows without a route: {sorted(set(ROUTE_TABLE) - routes)}')
    around_the_guard = sorted(routes - set(registry.ROUTES))
    assert not around_the_guard, f'routes not declared through the guard: {around_the_guard}'
    if role is not None:
        await log_in(user, role)
    for (method, route), statuses in ROUTE_TABLE.items():
        path = route.format(attachment_id='404', token='not-a-real-link', name='not-a-real-feed.ics')
        answer = await user.http_client.request(method, path, content=b'{}')
        assert answer.status_code == statuses[role], f'{method} {path} as {role}: {answer.status_code} {answer.text}'


def test_the_route_table_follows_the_routes_declarations():
    """A route declared for some roles refuses exactly the others and the signed-out; a public one answers everyone
    alike and names what it checks instead."""
    from app.pages import registry
    from app.pages.declared import DECLARED

    declared = {(e.method, e.path): e for e in (line.declaration for line in DECLARED)
                if isinstance(e, registry.RouteEntry)}
    assert set(declared) == set(ROUTE_TABLE)
    for key, entry in declared.items():
        statuses = ROUTE_TABLE[key]
        if entry.roles is None:
            assert entry.proof and len(set(statuses.values())) == 1, key  # a token refused alike, whoever asks
        else:
            assert statuses[None] == 401, key
            assert {role for role in Role if statuses[role] not in REFUSALS} == set(entry.roles), key
            assert {statuses[role] for role in Role if role not in entry.roles} <= {403}, key


def test_a_route_states_who_may_call_it():
    from app.pages.guard import route
    with pytest.raises(ValueError, match='roles or proof'):
        route('GET', '/anything')
    with pytest.raises(ValueError, match='roles or proof'):
        route('GET', '/anything', roles=frozenset({Role.OWNER}), proof='a token')


def test_a_declaration_registers_nothing_until_mounted_and_a_module_lists_only_its_own_in_order():
    import textwrap
    import types

    from app.pages import registry
    module = types.ModuleType('tests.pages.declared_here')
    exec(textwrap.dedent('''
        from app.pages.guard import guarded_page, route
        from app.pages.health import healthz  # declared elsewhere: not this module's
        from app.pages.signed_in import OWNERS

        @route('GET', '/declared-here/file', proof='nothing')
        def file():
            pass

        @guarded_page('/declared-here', roles=OWNERS, title='Users', icon='people')
        def here(page):
            pass
    '''), module.__dict__)
    assert [(f.__name__, d) for f, d in registry.declared(module)] == [
        ('file', registry.RouteEntry('GET', '/declared-here/file', None, 'nothing')),
        ('here', registry.PageEntry('/declared-here', frozenset({Role.OWNER}), 'Users', 'people'))]
    assert not [r for r in core.app.routes if getattr(r, 'path', '').startswith('/declared-here')]
    assert '/declared-here' not in registry.PAGES
