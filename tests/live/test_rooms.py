"""Live rooms (app/live/rooms.py): one shared message per change for every session showing the same thing,
the sessions' server side following quietly, notices by role, and joining/rejoining a room."""

from __future__ import annotations

import asyncio
import sys

import pytest
from nicegui.testing import User

from app.models import Role
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import DAY, drawn, element, eventually, figure, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def _rooms():
    return sys.modules['app.live.rooms']


async def test_a_booking_goes_to_each_room_once_and_queues_no_session_update(user: User, create_user, shop,
                                                                             room_messages):
    owner, manager, desk, other_desk = user, create_user(), create_user(), create_user()
    await sign_in(owner, Role.OWNER, f'/?day={DAY.isoformat()}')
    await sign_in(manager, Role.MANAGER, f'/?day={DAY.isoformat()}')
    await sign_in(desk, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await sign_in(other_desk, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    rooms = _rooms()
    people = (owner, manager, desk, other_desk)
    subscriptions = [rooms.subscription_of(p.client) for p in people]
    assert subscriptions[2].room is subscriptions[3].room  # same location, role, view and day: one room
    assert len({s.room.name for s in subscriptions}) == 3

    sent_before = [len(p.client.outbox.message_history) for p in people]
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '14:30'))
    await eventually(lambda: figure(owner, 'bookings-today') == '1' and booking.id in drawn(other_desk))
    await asyncio.sleep(0.1)  # NiceGUI's outbox sends what sessions queued every 10 ms
    for person, subscription, before in zip(people, subscriptions, sent_before, strict=True):
        outbox = person.client.outbox
        updated = set(outbox.updates) | {element_id for _, _, (_, kind, data) in list(outbox.message_history)[before:]
                                         if kind == 'update' for element_id in data}
        bound = {element.id for element in subscription.bound}
        assert not bound & updated, f'{subscription.room.name} sent its own update of {bound & updated}'
    by_room = {name: message for name, message, _ in room_messages}
    assert sorted(by_room) == sorted({s.room.name for s in subscriptions}) and len(room_messages) == 3
    owners, managers = by_room[subscriptions[0].room.name], by_room[subscriptions[1].room.name]
    assert owners['parts'] is managers['parts']  # the dashboard's parts are built once for both roles
    assert set(owners['parts']) == {'cards', 'status', 'rows'}  # the revenue chart did not change: not sent
    assert owners['toast']['message'].startswith('New booking: Alex Kim')
    # the server side of every session shows the booking, though nothing was sent to any session by itself
    assert figure(owner, 'bookings-today') == '1' == figure(manager, 'bookings-today')
    assert [r['customer'] for r in element(manager, 'day-bookings').rows] == ['Alex Kim']
    assert booking.id in drawn(desk) and booking.id in drawn(other_desk)


async def test_a_change_that_changes_no_part_sends_only_the_toast(user: User, shop, room_messages):
    await sign_in(user, Role.MANAGER, f'/?day={DAY.isoformat()}')
    later = DAY.replace(year=DAY.year + 1)  # outside the dashboard's 30 days and not on its day
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(later, '10:00'))
    for _ in range(20):
        if room_messages:
            break
        await asyncio.sleep(0.05)
    [(_, message, _)] = room_messages
    assert 'parts' not in message and message['toast']['message'].startswith('New booking: Alex Kim')


@pytest.fixture
def socket_calls(monkeypatch: pytest.MonkeyPatch, room_messages) -> list[tuple[str, str]]:
    """Rooms entered by socket id (no real socket in the simulated user)."""
    entered: list[tuple[str, str]] = []

    async def enter_room(sid: str, room: str, namespace: str | None = None) -> None:
        entered.append((sid, room))

    monkeypatch.setattr(sys.modules['nicegui.core'].sio, 'enter_room', enter_room)
    return entered


async def test_a_page_joins_only_its_own_room(user: User, create_user, socket_calls, room_messages):
    other = create_user()
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await sign_in(other, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    rooms = _rooms()
    mine = rooms.subscription_of(user.client)
    assert not await rooms._on_join('sid-1', {'token': 'guessed', 'client_id': user.client.id, 'seq': 0})
    assert not await rooms._on_join('sid-1', {'token': mine.token, 'client_id': other.client.id, 'seq': 0})
    assert not await rooms._on_join('sid-1', 'not a dict')
    assert socket_calls == []
    assert await rooms._on_join('sid-1', {'token': mine.token, 'client_id': user.client.id, 'seq': mine.room.seq})
    assert socket_calls == [('sid-1', mine.room.name)]
    assert room_messages == []  # up to date: nothing to send


async def test_a_page_back_after_a_drop_gets_what_it_missed(user: User, shop, socket_calls, room_messages):
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    rooms = _rooms()
    mine = rooms.subscription_of(user.client)
    seen = mine.room.seq
    for hhmm in ('10:00', '11:00'):  # two changes while the page's socket was gone
        make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, hhmm))
    await eventually(lambda: mine.room.seq == seen + 2)  # the rooms' messages are composed off the event loop
    room_messages.clear()
    assert await rooms._on_join('sid-2', {'token': mine.token, 'client_id': user.client.id, 'seq': seen})
    assert [(to, m['seq']) for _, m, to in room_messages] == [('sid-2', seen + 1), ('sid-2', seen + 2)]  # replayed

    # the history no longer reaches back (a longer gap): the page's elements are sent again in full
    await eventually(lambda: mine.room.followed == mine.room.seq)  # the server side has followed both
    room_messages.clear()
    mine.room.history.clear()
    user.client.outbox.updates.clear()
    assert await rooms._on_join('sid-3', {'token': mine.token, 'client_id': user.client.id, 'seq': seen})
    assert {e.id for e in mine.bound} <= set(user.client.outbox.updates)
    assert [(to, m) for _, m, to in room_messages] == [('sid-3', {'seq': seen + 2})]


async def test_a_new_staff_member_gets_a_column_in_open_day_views(user: User, shop, room_messages):
    from tests.factories import make_staff_member
    await sign_in(user, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    grid = element(user, 'day-grid')
    assert [c['name'] for c in grid.props['grid']['columns']] == ['BECKY', 'JJ']
    make_staff_member(shop['location'], 'KELLY')
    await eventually(lambda: [c['name'] for c in grid.props['grid']['columns']] == ['BECKY', 'JJ', 'KELLY'])
    for _ in range(20):
        if room_messages:
            break
        await asyncio.sleep(0.05)
    [(_, message, _)] = room_messages
    assert [c['name'] for c in message['parts']['grid']['columns']] == ['BECKY', 'JJ', 'KELLY']


async def test_a_full_resend_is_followed_by_what_the_server_side_has_not_followed_yet(user: User, shop,
                                                                                      socket_calls, room_messages):
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    rooms = _rooms()
    mine = rooms.subscription_of(user.client)
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    await eventually(lambda: mine.room.followed == mine.room.seq == 1)
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '11:00'))
    await eventually(lambda: len(room_messages) == 2)
    second = room_messages[-1][1]
    mine.room.followed = 1  # as if its followers had not run yet: the server side does not show it
    mine.room.history.popleft()  # and the page's gap reaches further back than the history
    room_messages.clear()
    assert await rooms._on_join('sid-4', {'token': mine.token, 'client_id': user.client.id, 'seq': 0})
    assert [(to, m) for _, m, to in room_messages] == [('sid-4', {'seq': 1}), ('sid-4', second)]


async def test_an_event_that_changes_no_data_builds_no_view(user: User, shop, room_messages,
                                                            monkeypatch: pytest.MonkeyPatch):
    from app.services import events
    await sign_in(user, Role.MANAGER, f'/?day={DAY.isoformat()}')
    rooms = _rooms()
    built: list[str] = []
    original = rooms._views['dashboard']
    monkeypatch.setitem(rooms._views, 'dashboard', lambda *args: built.append('dashboard') or original(*args))
    events.publish(events.AvailabilityChanged(location_id=shop['location'].id))  # a hold at the kiosk
    await asyncio.sleep(0.1)
    assert built == [] and room_messages == []
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '10:00'))
    await eventually(lambda: built == ['dashboard'])  # built once, in a worker thread


async def test_a_booking_on_a_busy_day_sends_its_own_block_and_row_not_the_days(user: User, create_user, shop,
                                                                                 room_messages):
    """The day view's blocks and the dashboard's rows are keyed parts: a change carries the items that changed
    and the ids that went; each session's server side still holds the whole list."""
    desk = create_user()
    await sign_in(user, Role.OWNER, f'/?day={DAY.isoformat()}')
    await sign_in(desk, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    earlier = [make_booking(shop['location'], shop['becky'], shop['cut'], shop['sam'], at(DAY, f'{h:02d}:00'))
               for h in range(9, 15)]
    await eventually(lambda: len(drawn(desk)) == 6)
    room_messages.clear()
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '11:30'))
    await eventually(lambda: booking.id in drawn(desk) and len(element(user, 'day-bookings').rows) == 7)
    parts = {name: message['parts'] for name, message, _ in room_messages if 'parts' in message}
    blocks = next(p['blocks'] for p in parts.values() if 'blocks' in p)
    rows = next(p['rows'] for p in parts.values() if 'rows' in p)
    assert [b['id'] for b in blocks['set']] == [booking.id] and blocks['drop'] == []
    assert [r['id'] for r in rows['set']] == [booking.id] and rows['sort'] == 'at'
    assert [r['id'] for r in element(user, 'day-bookings').rows] == [  # in time order: 11:00, 11:30, 12:00
        *[b.id for b in earlier[:3]], booking.id, *[b.id for b in earlier[3:]]]

    room_messages.clear()
    from app.services.frontdesk import bookings
    bookings.cancel_booking(earlier[0].id, actor=OWNER)
    await eventually(lambda: earlier[0].id not in drawn(desk))
    parts = {name: message['parts'] for name, message, _ in room_messages if 'parts' in message}
    blocks = next(p['blocks'] for p in parts.values() if 'blocks' in p)
    rows = next(p['rows'] for p in parts.values() if 'rows' in p)
    assert blocks['set'] == [] and blocks['drop'] == [earlier[0].id]  # cancelled: no longer drawn
    assert [(r['id'], r['status']) for r in rows['set']] == [(earlier[0].id, 'Cancelled')]
