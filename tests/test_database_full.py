"""The disk fills while the desk works: booking a series says "Nothing was saved …" (not an error page or a raw
database error), the bell rings once however many actions fail, and ``/healthz`` answers 503 saying so.

A full disk, simulated: the database compacted (``VACUUM``, no free pages left) and each of the app's connections
given ``PRAGMA max_page_count`` at its size, so any write needing one more page is refused with SQLITE_FULL
("database or disk is full"). A weekly series of 52 bookings needs several."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from nicegui.testing import User
from sqlalchemy import event

from app.live import rooms
from app.models import Role
from app.services import database, notifications
from app.services.frontdesk import bookings
from tests.factories import OWNER
from tests.fixtures.pages import DAY, choose_customer, element, eventually, new_booking_dialog, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

NOTHING_SAVED = "Nothing was saved: the shop's database cannot be written (disk full or read-only)."


@pytest.fixture
def fill_the_disk(sqlite_db):
    """A function that leaves the database no room from now on (see the module's notes); undone at the end."""
    engine_of = database.get_engine
    listeners: list = []

    def fill() -> None:
        path = sqlite_db.split('///', 1)[1]
        with sqlite3.connect(path, isolation_level=None, timeout=30) as compact:
            compact.execute('VACUUM')
            pages = compact.execute('PRAGMA page_count').fetchone()[0]
        engine = engine_of()

        def cap(connection, _record) -> None:
            connection.execute(f'PRAGMA max_page_count={pages}')

        event.listen(engine, 'connect', cap)
        listeners.append((engine, cap))
        engine.dispose()

    yield fill
    for engine, cap in listeners:
        event.remove(engine, 'connect', cap)
        engine.dispose()
    database._outage = database._Outage(threading.Lock())
    notifications._held.notices = {}


def _count(user: User) -> str:
    try:
        return element(user, 'bell-count').text
    except AssertionError:
        return '0'


async def test_a_full_disk_says_nothing_was_saved_rings_the_bell_once_and_healthz_says_so(
        user: User, shop, fill_the_disk, room_messages, caplog):
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    assert _count(user) == '0'
    assert (await user.http_client.get('/healthz')).status_code == 200
    fill_the_disk()
    await new_booking_dialog(user)
    await user.should_see('New booking')
    await choose_customer(user, 'customer', shop['sam'])
    element(user, 'service').set_value(shop['cut'].id)
    element(user, 'staff').set_value(shop['jj'].id)
    element(user, 'time').set_value('10:00')
    element(user, 'repeat').set_value(1)
    element(user, 'repeat-count').set_value(52)
    for attempt in (1, 2):  # the desk tries again: told again, but the bell does not ring again
        user.find(marker='book').click()
        await eventually(lambda n=attempt: user.notify.messages.count(NOTHING_SAVED) == n, timeout=30)
    await eventually(lambda: _count(user) == '1', timeout=10)

    answer = await user.http_client.get('/healthz')
    assert answer.status_code == 503 and answer.headers['cache-control'] == 'no-store'
    body = answer.json()
    assert body['status'] == 'unhealthy' and body['writable'] is False and body['database'] == 'ok'
    assert body['problems'][0].startswith('the database cannot be written (disk full) since ')
    assert _count(user) == '1'
    notices = [message['notice'] for _, message, _ in room_messages if 'notice' in message]
    assert notices == [{'toast': {'message': database.OUTAGE_NOTICE, 'type': 'warning',
                                  'position': rooms.TOAST_POSITION, 'timeout': 8000, 'multiLine': True}}]
    user.find(marker='bell').click()
    await user.should_see(database.OUTAGE_NOTICE)
    assert not [b for b in bookings.list_bookings(shop['location'].id, actor=OWNER) if b.customer_name == 'Sam Lee']
    logged = [r.getMessage() for r in caplog.get_records('call') if r.levelname == 'ERROR']
    assert logged == ['the database refuses writes (disk full): database or disk is full; nothing is saved until it '
                      'is fixed']  # once per outage, not per refused write
    caplog.clear()  # expected: NiceGUI's harness fails a test on any ERROR log
