"""Two people in two real browsers (Playwright driving Debian's Chromium): a booking made by one
appears in the other's day view within a second, without a reload.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``); with ``CI=true`` its absence fails the
test, elsewhere it is skipped.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from app.models import Role
from app.services.accounts import users
from tests.factories import OWNER, make_location
from tests.fixtures.browser import FLAGS, PASSWORD, sign_in

DAY = '2030-03-04'


SAM_AT_15 = "15:00 Sam Lee · Women's cut"


@pytest.fixture
def people(chromium, served):
    """Two people signed in to the day view in browsers of their own: ``(tablet, desk, tablet_context)``
    (a staff member's tablet, whose network a test may cut, and the manager at the desk)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        screen = {'width': 1400, 'height': 900}
        tablet_context = browser.new_context(viewport=screen)
        tablet, desk = tablet_context.new_page(), browser.new_context(viewport=screen).new_page()
        for page, email in ((tablet, 'staff@shop.test'), (desk, 'manager@shop.test')):
            sign_in(page, served, email, f'/bookings?day={DAY}')
            page.get_by_role('button', name='New booking').wait_for(timeout=15_000)
        yield tablet, desk, tablet_context
        browser.close()


def _book_sam_at_15(page) -> None:
    """Book Sam Lee for a women's cut with JJ at 15:00 through the booking dialog (15:00 is a free time)."""
    page.get_by_role('button', name='New booking').click()
    dialog = page.get_by_role('dialog')
    dialog.get_by_label('Customer').fill('lee sam')  # typed as the desk would: the server searches
    page.get_by_role('option', name='Sam Lee').first.click()
    for label, choice in (('Service', "Women's cut"), ('Staff member', 'JJ')):
        dialog.get_by_label(label).click()
        page.get_by_role('option', name=choice).first.click()
    dialog.get_by_role('button', name='15:00').click()
    dialog.get_by_role('button', name='Book').click()


def test_a_booking_made_by_one_person_appears_for_the_other_within_a_second(people, served):
    tablet, desk, _ = people
    office = desk.context.browser.new_context(viewport={'width': 1400, 'height': 900}).new_page()
    sign_in(office, served, 'manager@shop.test', f'/?day={DAY}')  # the manager's dashboard, in the back office
    booked_today = office.locator('[data-figure="bookings-today"]')
    before = int(booked_today.inner_text(timeout=15_000))
    assert tablet.get_by_text(SAM_AT_15).count() == 0
    _book_sam_at_15(desk)
    booked_at = time.monotonic()
    tablet.get_by_text(SAM_AT_15).wait_for(timeout=1_000)
    assert time.monotonic() - booked_at < 1.0
    # the dashboard's figure cards (one element, its values replaced by the room's message) count it
    expect(booked_today).to_have_text(str(before + 1), timeout=5_000)
    office.context.close()
    # the same room message brought the toast and counted the bell up; the block drawn from it opens the booking
    tablet.get_by_text("New booking: Sam Lee — Women's cut").wait_for(timeout=1_000)
    # below the header, whose controls stay reachable (a toast over the bell took the bell's click)
    toast = tablet.locator('.q-notification', has_text='New booking: Sam Lee').bounding_box()
    header = tablet.locator('.q-header').bounding_box()
    assert toast['y'] >= header['y'] + header['height']
    assert tablet.locator('.q-badge').inner_text() == '1'
    tablet.get_by_text(SAM_AT_15).click()
    tablet.get_by_role('dialog').get_by_text('Status: Booked').wait_for(timeout=5_000)
    tablet.keyboard.press('Escape')
    # the desk cancels it: the room sends only that block's id to drop, and the tablet's day view lets it go
    desk.get_by_text(SAM_AT_15).click()
    desk.get_by_role('dialog').get_by_label('Reason').fill('Running late, will rebook')
    desk.get_by_role('dialog').get_by_role('button', name='Cancel booking').click()
    desk.get_by_role('dialog').get_by_role('button', name='Yes, cancel it').click()
    tablet.get_by_text(SAM_AT_15).wait_for(state='detached', timeout=5_000)
    assert tablet.locator('[data-booking]').count() == 0
    # the header's menus are drawn on their first press: the bell's list, and the language's choices, whose buttons
    # tell the server which was pressed (their onclick)
    tablet.get_by_role('button', name='Notifications').click()
    tablet.get_by_role('button', name='Mark all read').wait_for(timeout=5_000)
    tablet.keyboard.press('Escape')
    desk.get_by_role('button', name='Language').click()
    desk.get_by_role('button', name='Kiswahili').click()
    expect(desk.locator('h1')).to_have_text('Miadi', timeout=10_000)  # "Bookings"
    desk.get_by_role('button', name='Lugha').click()
    desk.get_by_role('button', name='Sawa na tawi').click()  # "Same as the location"
    expect(desk.locator('h1')).to_have_text('Bookings', timeout=10_000)


def test_a_short_outage_keeps_typed_input_and_brings_the_missed_change(people):
    tablet, desk, tablet_context = people
    typed = tablet.get_by_label('Go to day')
    typed.fill('2030-03-11')  # typed, not yet used
    tablet_context.set_offline(True)  # the tablet's Wi-Fi drops
    time.sleep(2)
    _book_sam_at_15(desk)  # a change while it is away
    desk.get_by_text(SAM_AT_15).wait_for(timeout=5_000)
    time.sleep(2)
    tablet_context.set_offline(False)
    tablet.get_by_text(SAM_AT_15).wait_for(timeout=15_000)  # the missed change arrives
    assert typed.input_value() == '2030-03-11'  # and what was typed is still there


@pytest.mark.parametrize('reconnect_timeout', ['2'])  # the outage below outlasts it (the app's default is 30 s)
def test_after_a_longer_outage_the_page_reloads_to_the_current_state(people, reconnect_timeout):
    tablet, desk, tablet_context = people
    tablet.get_by_label('Go to day').fill('2030-03-11')
    reloads: list[str] = []
    tablet.on('framenavigated', lambda frame: reloads.append(frame.url) if frame == tablet.main_frame else None)
    tablet_context.set_offline(True)
    _book_sam_at_15(desk)
    desk.get_by_text(SAM_AT_15).wait_for(timeout=5_000)
    time.sleep(float(reconnect_timeout) + 3)  # the server has let the session go
    tablet_context.set_offline(False)
    tablet.get_by_text(SAM_AT_15).wait_for(timeout=15_000)  # the current state
    assert reloads  # it came back by reloading the page
    assert tablet.get_by_label('Go to day').input_value() == DAY  # a fresh page, not the typed value


def test_the_week_tab_draws_the_staff_members_week_and_a_new_booking_in_it(people):
    """The Week tab in a real browser: seven day columns for JJ, then the tablet's booking on its day."""
    tablet, desk, _ = people
    desk.get_by_role('tab', name='Week').click()
    for day in ('Mon 04', 'Tue 05', 'Sun 10'):
        desk.get_by_text(day, exact=True).wait_for(timeout=5_000)
    _book_sam_at_15(tablet)
    desk.get_by_text(SAM_AT_15).wait_for(timeout=5_000)


def test_on_a_phone_no_page_scrolls_sideways_and_tables_scroll_in_their_frame(chromium, served):
    """At 390×844 (a staff member's phone) each page fits the screen's width; a table wider than the screen scrolls
    sideways inside its own frame; the booking dialog fits."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        page = browser.new_page(viewport={'width': 390, 'height': 844})
        sign_in(page, served, 'manager@shop.test', f'/bookings?day={DAY}')
        page.get_by_role('button', name='New booking').wait_for(timeout=15_000)
        wide, signs_out = {}, {}
        for path in ('/', f'/bookings?day={DAY}', '/customers', '/catalog', '/staff', '/waitlist', '/activity',
                     '/analytics', '/campaigns', '/messages', '/chat', '/reports', '/commission', '/sales'):
            page.goto(f'{served}{path}')
            page.wait_for_timeout(800)
            if path == '/analytics':  # its tabs come with the report
                page.get_by_role('tab', name='Forecast').wait_for(timeout=15_000)
            sign_out = page.locator('header button').filter(has_text='logout').bounding_box()
            signs_out[path] = sign_out['x'] + sign_out['width']  # a long title must not push it off the screen
            if path.startswith('/bookings'):
                page.get_by_role('tab', name='List').click()
                page.wait_for_timeout(500)
            found = page.evaluate('''() => ({page: document.scrollingElement.scrollWidth,
                tables: [...document.querySelectorAll('.q-table__middle')].filter(e => e.offsetParent)
                    .map(e => getComputedStyle(e).overflowX)})''')
            wide[path] = found
        page.goto(f'{served}/bookings?day={DAY}')
        page.get_by_role('button', name='New booking').click()
        card = page.get_by_role('dialog').locator('.q-card').first
        card.wait_for()
        box = card.bounding_box()
        # the owner of two locations: the header also holds the location menu
        make_location('Elm St')
        users.create_user('owner@shop.test', PASSWORD, role=Role.OWNER, actor=OWNER)
        owner = browser.new_page(viewport={'width': 390, 'height': 844})
        sign_in(owner, served, 'owner@shop.test')
        for path in ('/commission', '/reports', '/settings', '/users', '/import'):
            owner.goto(f'{served}{path}')
            owner.wait_for_timeout(800)
            wide[f'owner {path}'] = {'page': owner.evaluate('document.scrollingElement.scrollWidth'), 'tables': []}
            sign_out = owner.locator('header button').filter(has_text='logout').bounding_box()
            signs_out[f'owner {path}'] = sign_out['x'] + sign_out['width']
        browser.close()
    assert {path: found['page'] for path, found in wide.items() if found['page'] > 390} == {}
    assert {path: right for path, right in signs_out.items() if right > 390} == {}
    assert all(overflow == 'auto' for found in wide.values() for overflow in found['tables'])
    assert sum(len(found['tables']) for found in wide.values()) >= 4
    assert box['x'] >= 0 and box['x'] + box['width'] <= 390


def test_a_customer_books_online_on_a_phone_and_the_desk_sees_it(smtp, chromium, served):
    """Real Chromium at 390×844: the booking page, its code by e-mail, booked; the manage link fits the phone;
    the desk's day view, open in another browser, draws the booking without a reload."""
    import re
    from datetime import timedelta

    from playwright.sync_api import sync_playwright

    from app.services import clock
    from app.services.catalogue import locations

    (location,) = locations.list_locations(actor=OWNER)
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'online_booking': True},
                              actor=OWNER)
    day = clock.local_day(clock.now(), location.time_zone) + timedelta(days=2)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        desk = browser.new_context(viewport={'width': 1400, 'height': 900}).new_page()
        sign_in(desk, served, 'manager@shop.test', f'/bookings?day={day.isoformat()}')
        desk.get_by_role('button', name='New booking').wait_for(timeout=15_000)
        phone = browser.new_context(viewport={'width': 390, 'height': 844}).new_page()
        phone.goto(f'{served}/book/{location.id}')
        phone.get_by_text("Women's cut").click()
        phone.locator('button').filter(has_text=re.compile(rf'^\s*\w+\s+{day.day}\s*$')).first.click()
        # the chosen day's heading ("Tuesday, December 8, 2026"): the month alone is also today's when both are in
        # one month, and 10:00 was then clicked in today's list just before the chosen day's replaced it
        phone.get_by_text(f'{day:%B} {day.day}, {day.year}').first.wait_for(timeout=10_000)
        phone.get_by_role('button', name='10:00', exact=True).click()
        phone.get_by_label('Name').fill('Robin Park')
        phone.get_by_label('E-mail', exact=True).fill('robin@example.com')
        phone.get_by_role('button', name='Send me a code').click()
        phone.get_by_label('Code').wait_for(timeout=15_000)
        code = re.search(r'\d{6}', smtp.messages[-1]['Subject']).group(0)
        phone.get_by_label('Code').fill(code)
        phone.get_by_role('button', name='Book', exact=True).click()
        phone.get_by_text("You're booked").wait_for(timeout=15_000)
        booked_width = phone.evaluate('document.scrollingElement.scrollWidth')
        desk.get_by_text("10:00 Robin Park · Women's cut").wait_for(timeout=5_000)  # no reload
        phone.get_by_role('button', name='Your booking').click()
        phone.get_by_text('Free cancellation until').wait_for(timeout=15_000)
        manage_width = phone.evaluate('document.scrollingElement.scrollWidth')
        browser.close()
    assert (booked_width, manage_width) == (390, 390)
