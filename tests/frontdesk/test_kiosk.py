"""The kiosk as a customer uses it: check in, book a free slot, see upcoming bookings; it forgets
the customer when left alone and only a staff PIN takes it out of kiosk mode."""

from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui import ui
from nicegui.testing import User

from app.config import reset_settings
from app.models import BookingStatus, Channel, Role
from app.services import clock
from app.services.accounts import users
from app.services.frontdesk import bookings, kiosk
from tests.factories import OWNER, TZ, at, make_booking
from tests.fixtures.pages import element, eventually, log_in, shown

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


async def tap(user: User, marker: str) -> None:
    """Touch the element once it is on screen (kiosk screens are redrawn in the background)."""
    await user.should_see(marker=marker)
    user.find(marker=marker).click()


async def type_into(user: User, marker: str, text: str) -> None:
    await user.should_see(marker=marker)
    user.find(marker=marker).type(text)


def _today():
    return clock.today(TZ)


async def test_a_customer_checks_in_by_phone_number_and_first_name(user: User, shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(_today(), '23:00'),
                           override_hours=True)
    await log_in(user, Role.KIOSK)
    await tap(user, 'kiosk-check_in')
    await type_into(user, 'kiosk-lookup', '(416) 555-0101')  # typed differently from the record
    await tap(user, 'kiosk-find')
    await user.should_see(marker='kiosk-none')  # a phone number alone finds nothing
    await type_into(user, 'kiosk-lookup-name', 'alex')
    await tap(user, 'kiosk-find')
    await user.should_see("Women's cut with JJ")
    await user.should_see('Hello, Alex')  # first name only
    await user.should_not_see('Kim')
    await tap(user, f'kiosk-check-in-{booking.id}')
    await user.should_see('You are checked in')
    assert bookings.get_booking(booking.id, actor=OWNER).status == BookingStatus.CHECKED_IN


async def test_a_booking_code_finds_only_that_booking_and_a_stranger_finds_nothing(user: User, shop):
    mine = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(_today(), '23:00'),
                        override_hours=True)
    make_booking(shop['location'], shop['becky'], shop['mens'], shop['sam'], at(_today(), '23:00'),
                 override_hours=True)
    await log_in(user, Role.KIOSK)
    await tap(user, 'kiosk-check_in')
    await type_into(user, 'kiosk-lookup', kiosk.booking_code(mine).lower())
    await tap(user, 'kiosk-find')
    await user.should_see(marker=f'kiosk-check-in-{mine.id}')
    await user.should_not_see("Men's cut")
    for guess in (f'B-{mine.id}', f'B-{mine.id + 1}', str(mine.id + 1), '555-9999999'):  # numbers open nothing
        user.find(marker='kiosk-lookup').clear().type(guess)
        await tap(user, 'kiosk-find')
        await user.should_see(marker='kiosk-none')


async def _times_tomorrow(user: User, shop, staff_marker: str):
    """JJ has a women's cut tomorrow at 10:00; the kiosk shows tomorrow's free times for a women's cut."""
    tomorrow = _today() + timedelta(days=1)
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(tomorrow, '10:00'))
    await log_in(user, Role.KIOSK)
    await tap(user, 'kiosk-book')
    await tap(user, f'kiosk-service-{shop["cut"].id}')
    await tap(user, staff_marker)
    await tap(user, f'kiosk-day-{tomorrow.isoformat()}')
    await user.should_see(marker=f'kiosk-times-{tomorrow.isoformat()}')  # tomorrow's times, not today's
    return tomorrow


async def test_a_customer_books_a_free_slot_with_anyone(user: User, shop):
    tomorrow = await _times_tomorrow(user, shop, 'kiosk-staff-anyone')
    await tap(user, 'kiosk-slot-1000')  # JJ is taken at 10:00; BECKY is free
    await tap(user, 'kiosk-confirm')
    await eventually(lambda: element(user, 'kiosk-name').error == 'Please enter your name.')
    await type_into(user, 'kiosk-name', 'Robin Diaz')
    await type_into(user, 'kiosk-phone', '647 555 0199')
    await tap(user, 'kiosk-confirm')
    await user.should_see('Your booking code is B-')
    made = [b for b in bookings.list_bookings(shop['location'].id, actor=OWNER) if b.channel == Channel.KIOSK]
    assert len(made) == 1
    assert (made[0].customer_name, made[0].staff_member_id, made[0].starts_at) == (
        'Robin Diaz', shop['becky'].id, at(tomorrow, '10:00'))
    await tap(user, 'kiosk-done')
    await tap(user, 'kiosk-mine')
    await type_into(user, 'kiosk-lookup', '6475550199')
    await type_into(user, 'kiosk-lookup-name', 'Robin')
    await tap(user, 'kiosk-find')
    await user.should_see(kiosk.booking_code(made[0]))


async def test_a_taken_slot_is_not_offered(user: User, shop):
    await _times_tomorrow(user, shop, f'kiosk-staff-{shop["jj"].id}')
    await user.should_see(marker='kiosk-slot-0915')
    await user.should_not_see(marker='kiosk-slot-1000')  # JJ's 45-minute booking holds 10:00–10:45
    await user.should_not_see(marker='kiosk-slot-0930')  # 09:30 + 45 min would run into it
    await user.should_see(marker='kiosk-slot-1045')


async def test_left_alone_the_kiosk_forgets_what_was_typed(user: User, shop, monkeypatch):
    monkeypatch.setenv('CLIENTPULSE_KIOSK_IDLE_SECONDS', '1')
    reset_settings()
    await log_in(user, Role.KIOSK)
    await tap(user, 'kiosk-check_in')
    await type_into(user, 'kiosk-lookup', '416 555 0101')
    await user.should_see(marker='kiosk-find')
    await eventually(lambda: not shown(user, 'kiosk-lookup'), timeout=5)  # back to the start screen
    await user.should_see('Welcome!')
    await tap(user, 'kiosk-check_in')
    await user.should_see(marker='kiosk-lookup')
    assert element(user, 'kiosk-lookup').value == ''


async def test_only_a_staff_pin_leaves_kiosk_mode_and_there_are_no_links_out(user: User, shop):
    staff_user = next(u for u in users.list_users(actor=OWNER) if u.role == Role.STAFF)
    users.set_pin(staff_user.id, '2468', actor=OWNER)
    await log_in(user, Role.KIOSK)
    with pytest.raises(AssertionError):
        user.find(kind=ui.link)  # no navigation anywhere
    with pytest.raises(AssertionError):
        user.find(marker='navigation')
    await tap(user, 'kiosk-exit')
    await type_into(user, 'kiosk-pin', '1111')
    await tap(user, 'kiosk-pin-ok')
    await eventually(lambda: element(user, 'kiosk-pin').error == 'That PIN is not right.')
    assert user.back_history[-1] == '/kiosk'
    await user.open('/bookings')
    await user.should_see(marker='refused')  # the kiosk account cannot go elsewhere either
    await user.open('/kiosk')
    await tap(user, 'kiosk-exit')
    await type_into(user, 'kiosk-pin', '2468')
    await tap(user, 'kiosk-pin-ok')
    await eventually(lambda: user.back_history[-1] == '/login')
    await user.should_see('Sign in to your shop')


async def test_a_customer_messages_the_desk_from_the_kiosk(user: User, create_user, shop):
    """A number typed at the kiosk proves nothing: the visit gets a conversation of its own, shown to the desk as
    unverified, and the customer's own thread (its history and its link) stays out of reach."""
    from app.services.customers import chat
    from tests.customers.test_chat_page import _bodies
    from tests.fixtures.pages import sign_in

    desk = create_user()
    earlier = chat.open_conversation(shop['sam'].id, actor=OWNER)
    chat.send_as_staff(earlier.id, 'Your colour formula: 7N + 20 vol', actor=OWNER)
    await log_in(user, Role.KIOSK)
    await tap(user, 'kiosk-chat')
    await type_into(user, 'kiosk-name', 'Sam')
    await type_into(user, 'kiosk-phone', '12')
    await tap(user, 'kiosk-open-chat')
    await eventually(lambda: 'at least 7 digits' in (element(user, 'kiosk-phone').error or ''))
    element(user, 'kiosk-phone').set_value('(416) 555-0102')  # Sam's number
    await tap(user, 'kiosk-open-chat')
    await type_into(user, 'chat-text', 'Running 10 minutes late, sorry!')
    await tap(user, 'chat-send')
    await user.should_see('Running 10 minutes late')
    await user.should_not_see('Your colour formula')  # a phone number does not open the earlier conversation
    assert [m.body for m in chat.staff_messages(earlier.id, actor=OWNER)] == ['Your colour formula: 7N + 20 vol']
    listed = chat.conversations(shop['location'].id, actor=OWNER)
    visit = next(c for c in listed if c.customer_id is None)
    assert visit.customer_name == 'Sam (at the kiosk, unverified, (416) 555-0102)'
    assert visit.access_token != earlier.access_token
    with pytest.raises(AssertionError):
        user.find(kind=ui.link, content=earlier.access_token)  # nothing on the kiosk leads to Sam's own thread
    await sign_in(desk, Role.STAFF, f'/chat?c={visit.id}')
    desk.find(marker='chat-text').type('No problem, see you soon.')
    desk.find(marker='chat-send').click()
    await eventually(lambda: _bodies(user)[-1:] == ['No problem, see you soon.'])  # live at the kiosk
    await eventually(lambda: element(desk, 'chat-receipt').text == 'Read')


async def test_with_no_free_time_a_customer_joins_the_waitlist(user: User, shop):
    from app.services.frontdesk import waitlist
    from tests.factories import make_service
    long_one = make_service(shop['location'], 'BAL', 'Balayage day', minutes=600)  # never fits a 09–17 day
    tomorrow = _today() + timedelta(days=1)
    await log_in(user, Role.KIOSK)
    await tap(user, 'kiosk-book')
    await tap(user, f'kiosk-service-{long_one.id}')
    await tap(user, f'kiosk-staff-{shop["jj"].id}')
    await tap(user, f'kiosk-day-{tomorrow.isoformat()}')
    await user.should_see(marker=f'kiosk-times-{tomorrow.isoformat()}')
    await tap(user, 'kiosk-waitlist')
    await type_into(user, 'kiosk-name', 'Robin Diaz')
    await type_into(user, 'kiosk-phone', '647 555 0199')
    await tap(user, 'kiosk-join-waitlist')
    await user.should_see('You are on the waitlist for Balayage day')
    waiting = waitlist.entries(shop['location'].id, actor=OWNER, since=tomorrow)
    assert [(e.customer_name, e.service_name, e.staff_name, e.day) for e in waiting] == [
        ('Robin Diaz', 'Balayage day', 'JJ', tomorrow)]


def speak(location, language: str, locale: str | None = None) -> None:
    """The location's pages (the kiosk, the customer's) speak ``language``; ``locale``: its formats."""
    from app.models import Location
    from app.services.database import session_scope

    with session_scope(write=True) as session:
        row = session.get(Location, location.id)
        row.language = language
        row.locale = locale or row.locale
        session.add(row)


async def test_a_kiosk_of_a_location_that_speaks_kiswahili_speaks_it_dates_included(user: User, shop):
    from babel.dates import format_date

    from tests.factories import make_service
    speak(shop['location'], 'sw', 'en_KE')  # a Nairobi shop: Kenyan formats, Kiswahili words
    long_one = make_service(shop['location'], 'BAL', 'Balayage day', minutes=600)  # never fits a 09–17 day
    tomorrow = _today() + timedelta(days=1)
    await log_in(user, Role.KIOSK)
    await user.should_see('Karibu!')
    await user.should_see('Weka miadi')
    await user.should_not_see('Welcome!')
    assert element(user, 'kiosk-exit').props['aria-label'] == 'Toka kwenye hali ya kioski'  # the lock has a name
    await tap(user, 'kiosk-book')
    await user.should_see('Chagua huduma')
    await tap(user, f'kiosk-service-{long_one.id}')
    await user.should_see('Balayage day: na nani?')
    await tap(user, f'kiosk-staff-{shop["jj"].id}')
    short = format_date(tomorrow, 'EEE dd', locale='sw_KE')
    await user.should_see(marker=f'kiosk-day-{tomorrow.isoformat()}')
    assert element(user, f'kiosk-day-{tomorrow.isoformat()}').text == short  # "Jumatatu 07", not "Mon 07"
    await tap(user, f'kiosk-day-{tomorrow.isoformat()}')
    await user.should_see(marker=f'kiosk-times-{tomorrow.isoformat()}')
    day = format_date(tomorrow, 'EEEE dd MMMM', locale='sw_KE')
    assert day != format_date(tomorrow, 'EEEE dd MMMM', locale='en_KE')
    await user.should_see(f'Jiunge na orodha ya kusubiri ya {day}')
    await tap(user, 'kiosk-waitlist')
    await tap(user, 'kiosk-join-waitlist')  # no name: refused in the worker thread, in Kiswahili
    await eventually(lambda: element(user, 'kiosk-name').error == 'Tafadhali andika jina lako.')
    await type_into(user, 'kiosk-name', 'Wanjiku Kamau')
    await type_into(user, 'kiosk-phone', '0712 345 678')
    await tap(user, 'kiosk-join-waitlist')
    await user.should_see(f'Uko kwenye orodha ya kusubiri ya Balayage day tarehe {day}.')
    await user.should_not_see('You are on the waitlist')


async def test_a_french_kiosk_counts_upcoming_bookings_in_french(user: User, shop):
    speak(shop['location'], 'fr')
    for hhmm in ('10:00', '11:00'):
        make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'],
                     at(_today() + timedelta(days=1), hhmm))
    await log_in(user, Role.KIOSK)
    await tap(user, 'kiosk-mine')
    await user.should_see('Mes rendez-vous')
    await type_into(user, 'kiosk-lookup', '416 555 0101')
    await type_into(user, 'kiosk-lookup-name', 'Alex')
    await tap(user, 'kiosk-find')
    await eventually(lambda: element(user, 'kiosk-upcoming-count').text == '2 rendez-vous à venir')
    await user.should_see("Women's cut avec JJ")


async def test_the_kiosk_counts_one_upcoming_booking_and_two(user: User, shop):
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(_today() + timedelta(days=1), '10:00'))
    await log_in(user, Role.KIOSK)
    await tap(user, 'kiosk-mine')
    await type_into(user, 'kiosk-lookup', '416 555 0101')
    await type_into(user, 'kiosk-lookup-name', 'Alex')
    await tap(user, 'kiosk-find')
    await eventually(lambda: element(user, 'kiosk-upcoming-count').text == '1 upcoming booking')
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(_today() + timedelta(days=2), '10:00'))
    await tap(user, 'kiosk-find')
    await eventually(lambda: element(user, 'kiosk-upcoming-count').text == '2 upcoming bookings')


async def test_each_kiosk_screen_has_one_heading_and_the_pin_dialog_a_name(user: User, shop):
    await log_in(user, Role.KIOSK)
    for screen in ('check_in', 'book', 'mine', 'chat'):
        await tap(user, f'kiosk-{screen}')
        await user.should_see(marker='kiosk-back')
        headings = [e for e in user.find(kind=ui.label).elements if e.tag == 'h1']
        assert len(headings) == 1, screen
        await tap(user, 'kiosk-back')
    await tap(user, 'kiosk-exit')
    await user.should_see(marker='kiosk-pin')
    dialog = next(iter(user.find(kind=ui.dialog).elements))
    assert dialog.props['aria-label'] == 'Staff PIN to leave kiosk mode'
