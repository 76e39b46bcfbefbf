"""Issue 30: the day view shows the current time as a line, says how a booking was made when the customer booked
online or at the kiosk (a marker with a name), and its legend names every colour and mark it draws."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui.testing import User

from app.models import Channel, Role
from app.pages.frontdesk.grid import now_line
from app.services import clock
from tests.factories import at, make_booking
from tests.fixtures.pages import DAY, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

TZ = 'America/Toronto'


def test_the_now_line_is_the_minute_of_the_locations_day_and_only_on_its_today():
    moment = clock.local_datetime(DAY, 14 * 60 + 7, 'Africa/Nairobi')
    line = now_line(DAY, 'Africa/Nairobi', moment)
    assert line == {'day': DAY.isoformat(), 'time_zone': 'Africa/Nairobi', 'minute': 14 * 60 + 7,
                    'server_ms': int(moment.timestamp() * 1000)}
    assert now_line(DAY, 'Europe/Paris', moment)['minute'] == 12 * 60 + 7  # the location's clock, not the server's
    assert now_line(DAY + timedelta(days=1), 'Africa/Nairobi', moment)['minute'] is None  # not today: no line


@pytest.mark.usefixtures('shop', 'shop_clock')  # the shop before the clock is set
async def test_the_day_view_marks_online_and_kiosk_bookings_draws_now_and_names_its_legend(user: User, shop,
                                                                                           shop_clock):
    shop_clock(clock.local_datetime(DAY, 10 * 60 + 30, TZ))  # 10:30 at the shop on the day shown
    online = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '09:00'),
                          channel=Channel.ONLINE)
    kiosk = make_booking(shop['location'], shop['becky'], shop['cut'], shop['sam'], at(DAY, '11:00'),
                         channel=Channel.KIOSK)
    phoned = make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '13:00'))
    await sign_in(user, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await user.should_see(marker='day-grid', retries=100)
    grid = element(user, 'day-grid')
    await eventually(lambda: {online.id, kiosk.id, phoned.id} <= grid.booking_ids(), timeout=10)
    blocks = {block['id']: block for block in grid.props['blocks']}

    assert (blocks[online.id]['channel'], blocks[online.id]['channel_label']) == ('online', 'Booked online')
    assert (blocks[kiosk.id]['channel'], blocks[kiosk.id]['channel_label']) == ('kiosk', 'Booked at the kiosk')
    assert blocks[online.id]['channel_icon'] and blocks[kiosk.id]['channel_icon'] != blocks[online.id]['channel_icon']
    # the block's accessible name says it too (a screen reader reads the button's name, not its icons)
    assert 'Booked · Booked online' in blocks[online.id]['title']  # (Alex has no phone or e-mail: the no-reminder
    assert 'Booked at the kiosk' in blocks[kiosk.id]['title']      # words follow,
    # tests/frontdesk/test_desk_contact_page.py)
    assert blocks[phoned.id]['channel'] is None and 'Booked online' not in blocks[phoned.id]['title']

    now = grid.props['now']
    assert (now['day'], now['time_zone'], now['minute']) == (DAY.isoformat(), TZ, 10 * 60 + 30)

    legend = grid.props['grid']
    assert [entry['label'] for entry in legend['legend']] == [
        'Booked', 'Confirmed', 'Checked in', 'Completed', 'Cancelled', 'No-show']
    marks = {entry['kind'] + ':' + entry['label'] for entry in legend['markers']}
    assert marks == {'channel:Booked online', 'channel:Booked at the kiosk', 'risk:No-show risk (! medium, !! high)',
                     'clash:Overlaps another booking', 'imported:Length not recorded (imported)', 'away:Time off',
                     'kept:Preparation and buffer (not shown to the customer)',
                     'unreached:No reminder will be sent — no phone or e-mail', 'now:Current time'}
    assert legend['texts']['markers'] == 'Marks' and legend['texts']['now'] == 'Current time: {time}'

    await user.open(f'/bookings?day={(DAY + timedelta(days=1)).isoformat()}')  # another day: no line
    await user.should_see(marker='day-grid', retries=100)
    assert element(user, 'day-grid').props['now']['minute'] is None
