"""Nothing the desk's pages do per event or per keystroke reads the database on the event loop (issue 33): with the
day view, the week, the list and a booking dialog open in three sessions, a booking made elsewhere, the dialog's
choices and the list's search run every SQL statement in worker threads, so one slow read never stalls every tab.

The simulated user runs the app on the test's event loop, in this thread: a statement executed in this thread
while the window is open was executed on the loop (the test's own writes go to another thread)."""

from __future__ import annotations

import asyncio
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from nicegui.testing import User
from sqlalchemy import event

from app.models import Role
from app.services import database
from app.services.frontdesk import bookings
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import DAY, choose_customer, element, eventually, new_booking_dialog, shown, sign_in

pytestmark = pytest.mark.usefixtures('shop')


@contextmanager
def statements_on_this_thread() -> Iterator[list[str]]:
    """Record each SQL statement executed in this thread (the event loop's) until the block ends: its first words
    and where it came from."""
    here = threading.current_thread()
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        if threading.current_thread() is here:
            seen.append(' '.join(statement.split()[:8]) + '\n' + ''.join(traceback.format_stack(limit=14)))

    engine = database.get_engine()
    event.listen(engine, 'before_cursor_execute', record)
    try:
        yield seen
    finally:
        event.remove(engine, 'before_cursor_execute', record)


def _week_blocks(user: User) -> set[int]:
    return {block['id'] for block in element(user, 'week-grid').props['blocks']}


async def test_a_booking_made_elsewhere_reaches_the_day_the_week_the_list_and_a_dialog_off_the_loop(
        user: User, create_user, shop):
    listing, weekly, booking_desk = user, create_user(), create_user()
    earlier = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '09:00'))
    await sign_in(listing, Role.OWNER, f'/bookings?day={DAY.isoformat()}')
    element(listing, 'booking-tabs').set_value('List')
    await eventually(lambda: [r['id'] for r in element(listing, 'booking-list').rows] == [earlier.id])
    await sign_in(weekly, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    element(weekly, 'booking-tabs').set_value('Week')
    element(weekly, 'week-staff').set_value(shop['jj'].id)
    await eventually(lambda: _week_blocks(weekly) == {earlier.id})
    await sign_in(booking_desk, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await new_booking_dialog(booking_desk)
    await eventually(lambda: shown(booking_desk, 'service'))

    with statements_on_this_thread() as on_loop:
        # the dialog's choices and the list's search, as the desk types and picks
        await choose_customer(booking_desk, 'customer', shop['sam'])
        element(booking_desk, 'service').set_value(shop['cut'].id)
        element(booking_desk, 'staff').set_value(shop['jj'].id)
        await eventually(lambda: shown(booking_desk, 'free-15:00'))
        listing.find(marker='filter-search').type('a')
        await eventually(lambda: [r['id'] for r in element(listing, 'booking-list').rows] == [earlier.id])
        # a booking made elsewhere (another thread, as a worker or another process's bus would deliver it)
        made = await asyncio.to_thread(make_booking, shop['location'], shop['jj'], shop['cut'], shop['alex'],
                                       at(DAY, '15:00'))
        await eventually(lambda: made.id in element(listing, 'day-grid').booking_ids())
        await eventually(lambda: made.id in {r['id'] for r in element(listing, 'booking-list').rows})
        await eventually(lambda: _week_blocks(weekly) == {earlier.id, made.id})
        await eventually(lambda: not shown(booking_desk, 'free-15:00'))
        # the booking opened from the day view: its details read off the loop too
        listing.find(marker='day-grid').trigger('open', made.id)
        await eventually(lambda: element(listing, 'booking-status').text.startswith('Status: Booked'))
    assert on_loop == [], f'{len(on_loop)} statements on the event loop; the first:\n{on_loop[0]}'
    assert bookings.get_booking(made.id, actor=OWNER).staff_member_id == shop['jj'].id
