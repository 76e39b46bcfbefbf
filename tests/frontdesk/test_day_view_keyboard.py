"""The day view without a mouse, in a real browser: bookings and free times are buttons one tab stop apart from the
rest of the page, the arrow keys move between them, Enter opens what a click opens, each block says its status, and
"List" shows the day as a plain list. Needs Chromium (tests/fixtures/browser.py)."""

from __future__ import annotations

from datetime import date

from app.services.catalogue import catalog, staff
from app.services.customers import customers
from tests.factories import OWNER, at, make_booking
from tests.fixtures.browser import FLAGS, sign_in

DAY = '2030-03-04'


def test_the_day_view_is_reachable_by_keyboard_and_as_a_list(chromium, served):
    from playwright.sync_api import sync_playwright

    location_id = 1
    member = staff.list_staff(location_id, actor=OWNER)[0]
    service = catalog.list_services(location_id, actor=OWNER)[0]
    sam = customers.search_customers(location_id, actor=OWNER, limit=5)[0]
    booking = make_booking(_Location(location_id), member, service, sam, at(date.fromisoformat(DAY), '10:00'))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        page = browser.new_context(viewport={'width': 1400, 'height': 900}).new_page()
        sign_in(page, served, 'staff@shop.test', f'/bookings?day={DAY}')
        page.get_by_role('button', name='New booking').wait_for(timeout=15_000)

        block = page.locator(f'[data-booking="{booking.id}"]')
        block.wait_for(timeout=5_000)
        assert block.get_attribute('role') == 'button'
        # Sam has no phone or e-mail here: the block's name says so too (issue 30)
        assert block.get_attribute('aria-label') == ("10:00 Sam Lee · Women's cut · Booked · "
                                                     'No reminder will be sent — no phone or e-mail')
        assert block.locator('[data-status-icon]').count() == 1  # the status by an icon, not by colour alone
        legend = page.locator('[data-legend]').inner_text()
        assert all(word in legend for word in ('Booked', 'Confirmed', 'Checked in', 'Completed', 'No-show'))
        # one tab stop for the grid: the first cell (JJ's 09:00, free) takes it; the others wait for the arrows
        assert page.locator('[data-slot][tabindex="0"], [data-booking][tabindex="0"]').count() == 1
        first = page.locator('[data-slot][tabindex="0"]')
        assert first.get_attribute('aria-label') == 'JJ, 09:00: free'
        first.focus()
        for _ in range(4):  # 09:00 → 09:15 → 09:30 → 09:45 → the 10:00 booking
            page.keyboard.press('ArrowDown')
        assert page.evaluate('document.activeElement.dataset.booking') == str(booking.id)
        outline = page.evaluate('getComputedStyle(document.activeElement).outlineStyle')
        assert outline != 'none'  # a visible focus ring (3 px, #1d4ed8)
        page.keyboard.press('Enter')
        page.get_by_role('dialog').get_by_text('Status: Booked').wait_for(timeout=5_000)
        page.keyboard.press('Escape')
        page.get_by_role('dialog').wait_for(state='detached', timeout=5_000)
        page.locator(f'[data-booking="{booking.id}"]').focus()
        page.keyboard.press('ArrowDown')  # the free time after the booking (and its buffer)
        label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert label.startswith('JJ, ') and label.endswith(': free')
        page.keyboard.press(' ')
        page.get_by_role('dialog').get_by_text('New booking').wait_for(timeout=5_000)
        assert page.get_by_role('dialog').get_attribute('aria-label') == 'New booking'
        page.keyboard.press('Escape')

        page.locator('[data-list-toggle]').click()
        item = page.locator(f'[data-list-booking="{booking.id}"]')
        item.wait_for(timeout=5_000)
        assert 'Booked' in item.inner_text() and 'JJ' in item.inner_text()
        item.focus()
        page.keyboard.press('Enter')
        page.get_by_role('dialog').get_by_text('Status: Booked').wait_for(timeout=5_000)
        browser.close()


class _Location:
    """What :func:`make_booking` reads of a location."""

    def __init__(self, location_id: int) -> None:
        self.id = location_id
