"""Which language a page speaks: the desk follows the user's own choice, else the location's; the page's
``<html lang>`` says it; work handed to a thread speaks it too; live toasts reach each session in its own."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from nicegui.testing import User

from app.models import Role
from app.services import i18n
from app.services.accounts import users
from app.services.catalogue import locations
from app.services.errors import ValidationError
from tests.factories import OWNER
from tests.fixtures.pages import eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

PAGES = Path(__file__).resolve().parents[1] / 'app' / 'pages'


def set_location_language(location_id: int, language: str) -> None:
    location = locations.get_location(location_id, actor=OWNER)
    values = locations.settings_of(location).model_dump()
    locations.update_location(location_id, {**values, 'language': language}, actor=OWNER)


def test_pages_hand_work_to_threads_only_with_their_language():
    """``run.io_bound`` would run the worker in English whatever the session speaks."""
    offenders = [str(path.relative_to(PAGES)) for path in PAGES.rglob('*.py')
                 if path.name != 'language.py' and re.search(r'\brun\.(io|cpu)_bound\(', path.read_text())]
    assert not offenders, f'use language.io_bound: {offenders}'


async def test_the_desk_speaks_the_locations_language_unless_the_user_chose_their_own(user: User, create_user, shop):
    set_location_language(shop['location'].id, 'sw')
    await sign_in(user, Role.STAFF, '/bookings')
    assert user.client.page.resolve_language() == 'sw'
    assert user.client.storage['language'] == 'sw'

    staff = next(x for x in users.list_users(actor=OWNER) if x.role == Role.STAFF)
    users.set_language('fr', actor=staff)
    other = create_user()
    await sign_in(other, Role.STAFF, '/bookings')
    assert other.client.page.resolve_language() == 'fr'

    manager = create_user()
    await sign_in(manager, Role.MANAGER, '/bookings')  # no choice of their own: the location's
    assert manager.client.page.resolve_language() == 'sw'


def test_a_user_cannot_choose_a_language_we_do_not_speak(shop):
    staff = next(x for x in users.list_users(actor=OWNER) if x.role == Role.STAFF)
    with pytest.raises(ValidationError, match='xx') as refused:
        users.set_language('xx', actor=staff)
    assert refused.value.field == 'language'
    assert users.set_language(None, actor=staff).language is None


def test_a_location_cannot_be_given_a_language_we_do_not_speak(shop):
    location = locations.get_location(shop['location'].id, actor=OWNER)
    values = locations.settings_of(location).model_dump()
    with pytest.raises(ValidationError) as refused:
        locations.update_location(location.id, {**values, 'language': 'de'}, actor=OWNER)
    assert refused.value.field == 'language'
    assert locations.get_location(location.id, actor=OWNER).language == 'en'


async def test_work_in_a_thread_speaks_the_sessions_language(user: User, shop):
    from app.pages import language

    set_location_language(shop['location'].id, 'fr')
    await sign_in(user, Role.STAFF, '/bookings')
    with user.client:
        heard = await language.io_bound(i18n.current)
    assert heard == 'fr'


async def test_a_live_toast_reaches_each_session_in_its_own_language(user: User, create_user, shop, room_messages):
    from app.services import events

    staff = next(x for x in users.list_users(actor=OWNER) if x.role == Role.STAFF)
    users.set_language('fr', actor=staff)
    manager = create_user()
    await sign_in(user, Role.STAFF, '/bookings')
    await sign_in(manager, Role.MANAGER, '/bookings')
    rooms = sys.modules['app.live.rooms']
    french, english = rooms.subscription_of(user.client), rooms.subscription_of(manager.client)
    assert (french.language, english.language) == ('fr', 'en')
    summary = i18n.deferred('ClientPulse does not speak "{language}".', language='xx')  # stored in no language
    events.publish(events.DataImported(location_id=shop['location'].id, summary=summary))
    await eventually(lambda: len({name for name, message, _ in room_messages if 'toast' in message}) >= 2)
    by_room = {name: message['toast']['message'] for name, message, _ in room_messages if 'toast' in message}
    assert by_room[english.room.name] == 'Import finished: ClientPulse does not speak "xx".'
    with i18n.speaking('fr'):
        wanted = i18n._('Import finished: {summary}').format(
            summary=i18n._('ClientPulse does not speak "{language}".').format(language='xx'))
    assert by_room[french.room.name] == wanted != by_room[english.room.name]
