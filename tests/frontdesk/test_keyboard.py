"""The customer's pages with the keyboard alone (WCAG 2.1.1, 2.4.3, 4.1.2), in Debian's Chromium: booking online from
the first page to "booked", and moving the booking through its manage link, with Tab, Shift+Tab,
Enter and Space (and typing into fields) — no mouse, no ``element.click()``. What has the focus is read from
Chromium's accessibility tree (``aria_snapshot``), so a control is found by the name a screen reader announces.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import PHONE, Site, sign_in

WAIT = 15_000


def focused(page) -> str:
    """The focused element as Chromium's accessibility tree has it, e.g. ``- button "Move"``, ``- textbox "Name"``."""
    if not page.evaluate('() => !!document.activeElement && document.activeElement !== document.body'):
        return ''
    try:
        return page.locator('*:focus').first.aria_snapshot(timeout=2_000).splitlines()[0]
    except Exception:  # nothing focused (the body) or a node out of the tree
        return ''


def tab_to(page, name: str | re.Pattern, *, role: str = '', back: bool = False, limit: int = 60) -> str:
    """Press Tab (Shift+Tab with ``back``) until the focused element's accessible name matches ``name`` (and its
    role is ``role``, when given); return what is focused."""
    pattern = name if isinstance(name, re.Pattern) else re.compile(re.escape(name))
    seen = []
    for _ in range(limit):
        page.keyboard.press('Shift+Tab' if back else 'Tab')
        now = focused(page)
        seen.append(now)
        found = re.match(r'- (\w+)(?: "(.*)")?', now)
        if found and pattern.search(found.group(2) or '') and (not role or found.group(1) == role):
            return now
    raise AssertionError(f'{pattern.pattern!r} is not reached with {"Shift+Tab" if back else "Tab"}; focus went: '
                         + ' | '.join(dict.fromkeys(s for s in seen if s)))


def day_name(day) -> re.Pattern:
    """A day button of the free-times picker ("Tue 8"), as its accessible name reads."""
    return re.compile(rf'^\w+\s+{day.day}$')


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


def test_a_customer_books_online_with_the_keyboard_only(phone, site: Site, browser_shop):
    page = phone
    page.goto(f'{site.url}/book/{browser_shop.location_id}')
    page.get_by_text('Choose a service').wait_for(timeout=WAIT)
    tab_to(page, "Women's cut")
    page.keyboard.press('Enter')
    page.get_by_text('Choose a time').wait_for(timeout=WAIT)
    day = browser_shop.today + timedelta(days=2)
    tab_to(page, day_name(day), role='button')
    page.keyboard.press('Space')
    page.get_by_text(f'{day:%B} {day.day}, {day.year}').first.wait_for(timeout=WAIT)
    tab_to(page, '10:00', role='button')
    page.keyboard.press('Enter')
    page.get_by_text('Your details').wait_for(timeout=WAIT)
    tab_to(page, 'E-mail', role='textbox')
    page.keyboard.type('robin.keys@example.com')
    tab_to(page, 'Name', role='textbox', back=True)  # back up to the name
    page.keyboard.type('Robin Keys')
    sent = len(site.mail.messages)
    tab_to(page, 'Send me a code', role='button')
    page.keyboard.press('Enter')
    page.get_by_text('Enter your code').wait_for(timeout=WAIT)
    tab_to(page, 'Code', role='textbox')
    page.keyboard.type(site.mail.code(sent))
    tab_to(page, re.compile('^Book$'), role='button')
    page.keyboard.press('Enter')
    page.get_by_text("You're booked").wait_for(timeout=WAIT)
    tab_to(page, 'Your booking', role='button')
    page.keyboard.press('Enter')
    page.get_by_text('Free cancellation until').wait_for(timeout=WAIT)
    move_with_the_keyboard(page, browser_shop.today + timedelta(days=5))


def test_a_customer_moves_their_booking_through_the_manage_link_with_the_keyboard_only(phone, site: Site, browser_shop):
    page = phone
    page.goto(site.url + browser_shop.manage)
    page.get_by_text('Free cancellation until').wait_for(timeout=WAIT)
    move_with_the_keyboard(page, browser_shop.today + timedelta(days=6))


def move_with_the_keyboard(page, day) -> None:
    """On a manage page: Move, the day, a free time, and "Move it" in the question, by keyboard; the page then
    shows the new day."""
    tab_to(page, 'Move', role='button')
    page.keyboard.press('Enter')
    page.get_by_text('Choose a new time').wait_for(timeout=WAIT)
    tab_to(page, day_name(day), role='button')
    page.keyboard.press('Space')
    page.get_by_text(f'{day:%B} {day.day}, {day.year}').first.wait_for(timeout=WAIT)
    tab_to(page, '14:00', role='button')
    page.keyboard.press('Enter')
    page.get_by_role('dialog').get_by_text(re.compile('^Move to ')).wait_for(timeout=WAIT)
    tab_to(page, 'Move it', role='button')  # the dialog keeps the focus inside it
    page.keyboard.press('Enter')
    page.get_by_text('Your booking has moved.').wait_for(timeout=WAIT)
    page.get_by_text(f'{day:%a} {day.day} {day:%b} · 14:00').wait_for(timeout=WAIT)


def test_a_new_step_takes_the_focus_only_when_no_control_has_it(phone):
    # a slow day's free times finish loading after the visitor has tabbed to a day: the heading must not take the
    # focus back (Space then pressed nothing; seen in CI on a loaded machine)
    from app.pages.frontdesk.online import FOCUS_HEADING

    page = phone
    page.set_content('<h1 tabindex="-1">Choose a time</h1><button>Wed 9</button>')
    page.get_by_role('button', name='Wed 9').focus()
    page.evaluate(FOCUS_HEADING)
    assert focused(page) == '- button "Wed 9"'
    page.evaluate('document.activeElement.remove()')  # the control that was used is gone
    page.evaluate(FOCUS_HEADING)
    assert focused(page).startswith('- heading "Choose a time"')


def test_the_accessibility_tree_names_the_online_booking_heading_and_services(phone, site: Site, browser_shop):
    page = phone
    page.goto(f'{site.url}/book/{browser_shop.location_id}')
    page.get_by_text('Choose a service').wait_for(timeout=WAIT)
    tree = page.locator('body').aria_snapshot()
    assert re.search(r'- heading "[^"]+" \[level=1\]', tree), tree
    assert re.search(r'- button "[^"]*Women\'s cut', tree), tree


def test_the_desk_chooses_a_customer_it_searched_for_with_the_arrow_keys_and_enter(phone, site: Site, browser_shop):
    # Quasar fills the input with the option the arrow keys reach: that is no search (a search for "+ New customer"
    # had left one option on the server, and Enter on the second raised NiceGUI's IndexError: "Something went wrong")
    page = phone
    sign_in(page, site.url, 'staff@shop.test', f'/bookings?day={browser_shop.desk_day.isoformat()}')
    page.get_by_role('button', name='New booking').click()
    dialog = page.get_by_role('dialog')
    dialog.get_by_label('Customer').fill('lee sa')  # the server searches as the desk types
    page.get_by_role('option', name=re.compile('^Sam Lee')).wait_for(timeout=WAIT)
    for key in ('ArrowDown', 'ArrowDown', 'Enter'):  # "+ New customer", then Sam Lee
        page.keyboard.press(key)
    expect(dialog.get_by_label('Customer')).to_have_value(re.compile(r'^Sam Lee · \w+ 416-555-0102$'),
                                                          timeout=WAIT)
    dialog.get_by_role('button', name='Book').click()  # answered after the choice: its error would be here by now
    dialog.get_by_text('Choose a service.').wait_for(timeout=WAIT)
    assert page.get_by_text('Something went wrong').count() == 0
