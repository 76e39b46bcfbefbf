"""Issue 30, in a real browser: the day view of today draws the current time as a line across the columns that moves
by itself as time passes (no message from the server), an online booking carries a marker with a name, and the
legend lists every mark as a labelled list. Needs Chromium (tests/fixtures/browser.py)."""

from __future__ import annotations

from app.models import Channel
from app.services import clock
from app.services.catalogue import catalog, staff
from app.services.customers import customers
from tests.factories import OWNER, make_booking
from tests.fixtures.browser import FLAGS, sign_in
from tests.frontdesk.test_day_view_keyboard import _Location

TZ = 'America/Toronto'  # make_small_shop's location


def test_the_now_line_moves_with_the_clock_and_the_marks_are_named(chromium, served):
    from playwright.sync_api import sync_playwright

    location_id = 1
    member = staff.list_staff(location_id, actor=OWNER)[0]
    service = catalog.list_services(location_id, actor=OWNER)[0]
    sam = customers.search_customers(location_id, actor=OWNER, limit=5)[0]
    moment = clock.now()
    today = clock.today(TZ)
    minute = clock.minute_of_day(moment, TZ)
    starts = max(0, min(minute // 15 * 15, 23 * 60))  # a booking now makes the grid show this hour, day or night
    booking = make_booking(_Location(location_id), member, service, sam, clock.local_datetime(today, starts, TZ),
                           channel=Channel.ONLINE, override_hours=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        page = browser.new_context(viewport={'width': 1400, 'height': 900}).new_page()
        page.clock.install()  # the page's timers and Date under the test's hand (now: the real time)
        sign_in(page, served, 'staff@shop.test', f'/bookings?day={today.isoformat()}')
        block = page.locator(f'[data-booking="{booking.id}"]')
        block.wait_for(timeout=15_000)

        marker = block.locator('[data-channel="online"]')
        assert marker.get_attribute('role') == 'img' and marker.get_attribute('aria-label') == 'Booked online'
        assert 'Booked · Booked online' in block.get_attribute('aria-label')

        line = page.locator('[data-now-line]')
        line.first.wait_for(timeout=5_000)
        assert line.count() == 1  # one staff member, one column
        label = page.locator('[data-now-label]').inner_text()
        hours, minutes = (int(part) for part in label.split(':'))
        assert abs(hours * 60 + minutes - clock.minute_of_day(clock.now(), TZ)) <= 1
        before = line.first.evaluate('element => element.offsetTop')
        # the browser's clock moves to noon at the shop (14:00 when it is about noon already); the line follows at
        # its next 30-second tick, with nothing from the server (whose clock it keeps to: no reload)
        target = 14 * 60 if 11 * 60 <= hours * 60 + minutes < 13 * 60 else 12 * 60
        page.clock.set_system_time(clock.local_datetime(today, target, TZ))
        page.clock.run_for(30_000)
        page.wait_for_function(f"document.querySelector('[data-now-label]').innerText === '{target // 60}:00'")
        after = line.first.evaluate('element => element.offsetTop')
        assert abs(after - before - (target - hours * 60 - minutes) * 1.1) <= 2  # 1.1 px a minute
        assert page.locator('[data-now-label]').inner_text() == f'{target // 60}:00'

        legend = page.get_by_role('list', name='Marks')
        assert legend.get_by_role('listitem').count() == 9
        for words in ('Booked online', 'Booked at the kiosk', 'Time off', 'Current time', 'Overlaps another booking',
                      'No reminder will be sent — no phone or e-mail',
                      'Preparation and buffer (not shown to the customer)'):
            assert legend.get_by_role('listitem').filter(has_text=words).count() == 1
        assert page.get_by_role('list', name='Status').get_by_role('listitem').count() == 6
        browser.close()
