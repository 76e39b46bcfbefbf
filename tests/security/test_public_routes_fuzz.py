"""Every address anyone may reach without signing in answers something other than a server error, whatever its path
parameters, query string or body: the booking page, the manage link (page, .ics, chat), waitlist offers, calendar
feeds, the customer's chat and its files, the payments callback, Stripe's webhook, setup and sign-in. Hypothesis
drives the real app over HTTP (NiceGUI's app through httpx's ASGI transport, app errors answered as they would be
served, not raised), and a page that fails after answering fails the test through its ERROR log (the ``user``
fixture)."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nicegui import core
from nicegui.testing import User

from app.services.messaging import links
from tests.factories import at, make_booking
from tests.fixtures.pages import (
    DAY,
)
from tests.frontdesk.test_online_booking_page import _switch_on

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

ROUTES = ['/book/{}', '/my/{}', '/my/{}/booking.ics', '/my/{}/chat', '/offer/{}', '/calendar/{}', '/calendar/{}.ics',
          '/chat/{}', '/chat/{}/files/{}', '/chat-files/{}', '/setup', '/login', '/native-login',
          '/payments/mpesa/callback', '/account/{}', '/messages/sms/africastalking/{}', '/payments/stripe/webhook']
CALLBACK = '/payments/mpesa/callback'
HOSTILE = ['²', '١٢', '9' * 40, '-1', '0', '1e3', '0x1f', ' 1', '\x00', '%', '..', 'x' * 3000, '<script>', "'; --",
           '\u202e', '\ud800'.encode('utf-8', 'surrogatepass').decode('utf-8', 'replace'), 'NaN', '1.0', '+1']
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                  max_size=4), max_leaves=30)


@pytest.fixture
async def http(user: User, shop):
    """An HTTP client of the app the ``user`` fixture started, answering app errors as a server would (500); its
    ``known`` maps :data:`KNOWN` to this shop's values."""
    _switch_on(shop)
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app, raise_app_exceptions=False),
                                 base_url='http://test') as client:
        client.known = {'{location}': str(shop['location'].id),
                        '{manage}': links.manage_token(booking.id, booking.code),
                        '{offer}': links.offer_token(1, '2030-03-04T10:00:00+00:00')}
        yield client


KNOWN = ['{location}', '{manage}', '{offer}']
"""Path parameters that mean something here, filled in per test: the location's id, a real manage link's token and
a real (lapsed) offer token."""
SEGMENTS = st.one_of(st.text(max_size=80), st.sampled_from(HOSTILE), st.sampled_from(KNOWN), st.integers().map(str),
                     st.binary(max_size=40).map(lambda b: b.decode('latin-1')))


def _part(text: str, http: httpx.AsyncClient, *, quoted: bool = True) -> str:
    text = http.known.get(text, text)
    return (quote(text, safe='') or '-') if quoted else text


def _answered(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, f'{what} answered {response.status_code}: {response.text[:300]}'
    assert 'Traceback' not in response.text, f'{what} answered a traceback'


async def _get(http: httpx.AsyncClient, route: str, parts: list[str], query: dict[str, str]) -> None:
    path = route.format(*[quote(p, safe='') or '-' for p in parts[:route.count('{}')]])
    url = path + ('?' + urlencode(query) if query else '')
    _answered(await http.get(url), f'GET {url[:200]}')


async def test_every_public_route_with_every_hostile_parameter_answers_without_a_server_error(http):
    for route in ROUTES:
        for text in [*HOSTILE, *KNOWN]:
            path = route.format(*[_part(text, http)] * route.count('{}'))
            for method in ('GET', 'POST'):
                _answered(await http.request(method, path), f'{method} {path[:200]}')
            for key in ('token', 'next', 'day', 'location'):
                query = urlencode({key: _part(text, http, quoted=False)})
                _answered(await http.get(f'{route.format(*["1"] * route.count("{}"))}?{query}'), f'{route}?{query}')


@EXAMPLES
@given(route=st.sampled_from([r for r in ROUTES if r != CALLBACK]), parts=st.lists(SEGMENTS, min_size=2, max_size=2),
       query=st.dictionaries(st.sampled_from(['token', 'next', 'day', 'c', 'x', 'location']) | st.text(max_size=8),
                             SEGMENTS, max_size=3))
async def test_any_path_and_query_of_a_public_route_answers_without_a_server_error(http, route, parts, query):
    path = route.format(*[_part(p, http) for p in parts[:route.count('{}')]])
    url = path + ('?' + urlencode({k: _part(v, http, quoted=False) for k, v in query.items()}) if query else '')
    _answered(await http.get(url), f'GET {url[:200]}')


@EXAMPLES
@given(route=st.sampled_from(ROUTES), part=SEGMENTS,
       body=st.one_of(JSON.map(lambda v: json.dumps(v).encode()), st.binary(max_size=2000),
                      st.text(max_size=500).map(str.encode)),
       content_type=st.sampled_from(['application/json', 'text/plain', 'application/x-www-form-urlencoded',
                                     'multipart/form-data; boundary=x', '']))
async def test_any_body_to_a_public_route_answers_without_a_server_error(http, route, part, body, content_type):
    path = route.format(*[_part(part, http)] * route.count('{}'))
    response = await http.post(path, content=body, headers={'content-type': content_type} if content_type else {})
    _answered(response, f'POST {path[:200]} ({len(body)} bytes)')


@EXAMPLES
@given(body=JSON)
async def test_the_payments_callback_refuses_bodies_of_any_shape_without_a_server_error(http, body):
    text = json.dumps(body)  # NaN and Infinity too, as Python writes them (not JSON: a hostile sender may)
    _answered(await http.post(CALLBACK, content=text.encode(), headers={'content-type': 'application/json'}),
              f'POST {CALLBACK} {text[:200]}')


async def test_a_callback_with_a_false_length_answers_without_a_server_error(http):
    for declared in (b'', b'-1', b'abc', str(10 ** 40).encode(), b'1' * 400, '٣'.encode()):
        _answered(await http.post(CALLBACK, content=b'{}', headers={'content-length': declared}), str(declared[:40]))


async def test_a_deeply_nested_callback_body_answers_without_a_server_error(http):
    """(RecursionError in the callback's JSON parsing: fixed in ``app/pages/money/mpesa.py`` by the payments work.)"""
    for opening, closing in (('[', ']'), ('{"a":', '}')):
        depth = 60_000 // len(opening + closing)
        body = (opening * depth + closing * depth).encode()
        _answered(await http.post(CALLBACK, content=body, headers={'content-type': 'application/json'}),
                  f'a body nested {depth} deep')
