"""The notification bell: what one session does rings in the other's bell, live; read marks stick."""

from __future__ import annotations

import pytest
from nicegui.testing import User

from app.models import Role
from tests.fixtures.pages import DAY, choose_customer, click_block, element, eventually, new_booking_dialog, sign_in

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')  # check-ins on the day booked, no-shows after the start


def _count(user: User) -> str:
    """The number on the bell ('0' when the badge is hidden: the simulated user finds only visible elements)."""
    try:
        return element(user, 'bell-count').text
    except AssertionError:
        return '0'


async def test_a_booking_made_in_one_session_rings_the_other_sessions_bell(user: User, create_user, shop):
    manager, receptionist = user, create_user()
    await sign_in(manager, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    assert _count(manager) == '0'
    await sign_in(receptionist, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    await new_booking_dialog(receptionist)
    await choose_customer(receptionist, 'customer', shop['sam'])
    element(receptionist, 'service').set_value(shop['cut'].id)
    element(receptionist, 'staff').set_value(shop['jj'].id)
    element(receptionist, 'time').set_value('15:00')
    receptionist.find(marker='book').click()
    await eventually(lambda: _count(manager) == '1')  # no reload
    manager.find(marker='bell').click()  # the list is drawn when the bell is opened
    await manager.should_see(marker='bell-item')
    texts = [label.text for item in manager.find(marker='bell-item').elements
             for label in item.descendants() if hasattr(label, 'text')]
    assert any(t.startswith("New booking: Sam Lee — Women's cut") for t in texts)
    assert _count(receptionist) == '1'  # the receptionist's own bell lists it too, unread
    item_id = next(m for e in manager.find(marker='bell-item').elements for c in e.descendants()
                   for m in c._markers if m.startswith('bell-read-'))
    manager.find(marker=item_id).click()
    await eventually(lambda: _count(manager) == '0')
    assert _count(receptionist) == '1'  # read marks are per person
    receptionist.find(marker='bell').click()  # the list's frame is drawn on the first opening
    receptionist.find(marker='bell-read-all').click()
    await eventually(lambda: _count(receptionist) == '0')
    await manager.open(f'/bookings?day={DAY.isoformat()}')  # after a reload the read mark holds
    assert _count(manager) == '0'


async def test_a_failed_payment_at_the_desk_rings_the_managers_bell_only(user: User, create_user, shop):
    from app.models import BookingStatus
    from app.services.frontdesk import bookings
    from tests.factories import OWNER, at, make_booking
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '10:00'))
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=OWNER)
    manager, desk = user, create_user()
    await sign_in(manager, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    await sign_in(desk, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    before, desk_before = _count(manager), _count(desk)
    await click_block(desk, booking.id)
    await desk.should_see(marker='payment-failed')
    desk.find(marker='payment-failed').click()
    await eventually(lambda: _count(manager) == str(int(before) + 1))
    manager.find(marker='bell').click()
    await manager.should_see('Payment failed: Sam Lee, 82.00 by card — card declined')
    assert _count(desk) == desk_before  # the desk's bell does not count it (managers' business)


async def test_marking_read_in_one_page_updates_the_same_persons_other_pages(user: User, create_user, shop):
    from tests.factories import at, make_booking
    tab, other_tab, colleague = user, create_user(), create_user()
    await sign_in(tab, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    await sign_in(other_tab, Role.MANAGER, f'/?day={DAY.isoformat()}')  # the same manager, another page
    await sign_in(colleague, Role.STAFF, f'/bookings?day={DAY.isoformat()}')
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['sam'], at(DAY, '10:00'))
    await eventually(lambda: _count(tab) == _count(other_tab) == _count(colleague) == '1')
    tab.find(marker='bell').click()
    tab.find(marker='bell-read-all').click()
    await eventually(lambda: _count(tab) == '0')
    await eventually(lambda: _count(other_tab) == '0')
    assert _count(colleague) == '1'  # someone else's read marks are not theirs


async def test_the_bell_reads_and_marks_off_the_event_loop(user: User, shop, monkeypatch):
    import threading

    from app.services import notifications
    threads = []
    for name in ('unread_count', 'visible', 'mark_read'):
        real = getattr(notifications, name)

        def traced(*args, real=real, **kwargs):
            threads.append(threading.get_ident())
            return real(*args, **kwargs)
        monkeypatch.setattr(notifications, name, traced)
    await sign_in(user, Role.MANAGER, f'/bookings?day={DAY.isoformat()}')
    threads.clear()  # the page's first count is read as it is built
    user.find(marker='bell').click()  # opening the list reads it
    await user.should_see('Nothing yet.')
    user.find(marker='bell-read-all').click()  # marking read writes, then reads again
    await eventually(lambda: len(threads) >= 5)
    assert threading.get_ident() not in threads  # this test runs on the app's event loop
