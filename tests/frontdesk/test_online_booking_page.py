"""Online booking on a phone: service, staff member, day and time, details, the one-time code by SMS, booked — and
the desk's open day view draws it at once; a time booked elsewhere vanishes from the customer's list; five wrong
codes spend the code and pause the number; a location that has not switched it on books nothing. The page speaks the
location's language (its words, its dates, the refusals made in worker threads) and is usable by keyboard and
screen reader (real buttons, one h1 per step, named icon buttons, a focus ring)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.dates import format_date
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from app.models import Booking, Channel, Customer, Role
from app.pages.frontdesk.online import Text
from app.services import clock
from app.services.catalogue import locations
from app.services.database import session_scope
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import drawn, element, eventually, sign_in

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)


def _switch_on(shop, **settings) -> None:
    """Online booking on (and any other ``settings``: ``language='sw'``)."""
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'online_booking': True,
                                            **settings}, actor=OWNER)


def _shown(user: User, marker: str) -> bool:
    try:
        return bool(user.find(marker=marker).elements)
    except AssertionError:  # nothing with that marker on the page
        return False


def _day(shop):
    return clock.local_day(clock.now(), shop['location'].time_zone) + timedelta(days=2)


async def _open_day(customer: User, shop) -> None:
    """On the booking page: JJ's women's cut, then the day two days ahead, its times listed."""
    day = _day(shop)
    await customer.open(f'/book/{shop["location"].id}')
    await customer.should_see(marker=f'service-{shop["cut"].id}', retries=100)
    customer.find(marker=f'service-{shop["cut"].id}').click()
    await customer.should_see(marker=f'who-{shop["jj"].id}', retries=100)
    customer.find(marker=f'who-{shop["jj"].id}').click()
    await customer.should_see(marker=f'day-{day.isoformat()}', retries=100)
    # today's times first: a slow first load (a catalog read the first time) must not land on the chosen day
    await eventually(lambda: _shown(customer, 'times') or _shown(customer, 'no-times'))  # (none, late in the day)
    customer.find(marker=f'day-{day.isoformat()}').click()
    await customer.should_see(marker=f'times-{day.isoformat()}', retries=100)


async def _to_details(customer: User, shop, hhmm: str = '10:00') -> None:
    await _open_day(customer, shop)
    customer.find(marker=f'time-{hhmm}').click()
    await customer.should_see(marker='name', retries=100)


async def _ask_code(customer: User, phone: str = '416 555 0199') -> None:
    customer.find(marker='name').type('Robin Park')
    customer.find(marker='phone').type(phone)
    customer.find(marker='send-code').click()
    await customer.should_see(marker='code', retries=100)


def _code(twilio) -> str:
    return re.search(r'\b(\d{6})\b', twilio.messages[-1]['Body']).group(1)


async def test_a_customer_books_online_with_a_code_and_the_desk_sees_it_live(user: User, create_user, shop, twilio,
                                                                           smtp):
    _switch_on(shop)
    desk, customer = user, create_user()
    day = _day(shop)
    await sign_in(desk, Role.STAFF, f'/bookings?day={day.isoformat()}')
    before = drawn(desk)
    await _to_details(customer, shop)
    await _ask_code(customer)
    assert twilio.messages[-1]['To'] == '+14165550199'
    customer.find(marker='code').type(_code(twilio))
    customer.find(marker='book').click()
    await customer.should_see("You're booked", retries=100)
    with session_scope() as session:
        booking = session.exec(select(Booking).where(Booking.channel == Channel.ONLINE.value)).one()
        robin = session.get(Customer, booking.customer_id)
    assert (booking.starts_at, booking.staff_member_id) == (at(day, '10:00'), shop['jj'].id)
    assert (robin.name, robin.phone_e164) == ('Robin Park', '+14165550199')
    await eventually(lambda: drawn(desk) == before | {booking.id}, timeout=10)  # no reload
    customer.find(marker='manage').click()
    await customer.should_see('Free cancellation until', retries=100)


async def test_a_time_booked_elsewhere_vanishes_from_the_customers_list(user: User, shop):
    _switch_on(shop)
    day = _day(shop)
    await _open_day(user, shop)
    await user.should_see(marker='time-11:00')
    make_booking(shop['location'], shop['jj'], shop['mens'], shop['sam'], at(day, '11:00'))  # at the desk
    await user.should_not_see(marker='time-11:00', retries=100)
    await user.should_see(marker='time-12:00')


async def test_a_day_chosen_clears_the_first_days_times_while_its_own_load(user: User, shop, monkeypatch):
    """A click on a time still showing from the day before would hold the wrong day: they go with the click."""
    import threading

    from app.services.frontdesk import online

    _switch_on(shop)
    day, read = _day(shop), online.free_times
    let_go = threading.Event()

    def slow(location_id, service_id, on, **options):
        if on == day:
            let_go.wait(10)  # the chosen day's times are still being read
        return read(location_id, service_id, on, **options)

    monkeypatch.setattr(online, 'free_times', slow)
    await user.open(f'/book/{shop["location"].id}')
    await user.should_see(marker=f'service-{shop["cut"].id}', retries=100)
    user.find(marker=f'service-{shop["cut"].id}').click()
    await user.should_see(marker=f'who-{shop["jj"].id}', retries=100)
    user.find(marker=f'who-{shop["jj"].id}').click()
    await eventually(lambda: _shown(user, 'times') or _shown(user, 'no-times'))
    try:
        user.find(marker=f'day-{day.isoformat()}').click()
        await eventually(lambda: not _shown(user, 'times') and not _shown(user, 'no-times'))
        assert _shown(user, f'day-{day.isoformat()}') and not _shown(user, 'time-10:00')
    finally:
        let_go.set()
    await user.should_see(marker=f'times-{day.isoformat()}', retries=100)
    await user.should_see(marker='time-10:00')


async def test_five_wrong_codes_spend_the_code_and_pause_the_number(user: User, shop, twilio):
    _switch_on(shop)
    await _to_details(user, shop)
    await _ask_code(user)
    right = _code(twilio)
    wrong = '000000' if right != '000000' else '111111'
    code = element(user, 'code')
    for left in (4, 3, 2, 1):
        code.set_value(wrong)
        user.find(marker='book').click()
        await eventually(lambda left=left: code.error == f'That code is not right. {left} '
                                                          f'{"try" if left == 1 else "tries"} left.', timeout=10)
    code.set_value(wrong)
    user.find(marker='book').click()
    await eventually(lambda: code.error == 'Too many wrong codes. Try again in 15 minutes.', timeout=10)
    code.set_value(right)  # too late: the code is spent
    user.find(marker='book').click()
    await eventually(lambda: code.error == 'Too many wrong codes. Try again in 15 minutes.', timeout=10)
    user.find(marker='new-code').click()
    await user.should_see(marker='send-code', retries=100)
    sent = len(twilio.messages)
    user.find(marker='send-code').click()  # the number is paused: no new code
    await eventually(lambda: element(user, 'send-error').text == 'Too many wrong codes. Try again in 15 minutes.',
                     timeout=10)
    assert len(twilio.messages) == sent
    with session_scope() as session:
        assert session.exec(select(Booking).where(Booking.channel == Channel.ONLINE.value)).all() == []


async def test_a_location_without_online_booking_books_nothing(user: User, shop):
    await user.open(f'/book/{shop["location"].id}')
    await user.should_see('This shop does not take bookings online.', retries=100)
    await user.open('/book/nonsense')
    await user.should_see('This shop does not take bookings online.', retries=100)


def _h1s(user: User) -> list[str]:
    return [e.text for e in user.find(kind=Text).elements if e.tag == 'h1']


async def test_the_page_speaks_the_locations_language_kiswahili(user: User, shop):
    _switch_on(shop, language='sw', locale='en_KE')  # Kenyan formats: Babel's sw_KE names the days
    day = _day(shop)
    await user.open(f'/book/{shop["location"].id}')
    await user.should_see('Chagua huduma', retries=100)
    await user.should_not_see('Choose a service')
    assert user.client.page.resolve_language() == 'sw'  # <html lang>, Quasar's own words
    await user.should_see('dakika 45')
    user.find(marker=f'service-{shop["cut"].id}').click()
    await user.should_see('Na nani?', retries=100)
    await user.should_see('Mhudumu yeyote aliye huru')
    assert element(user, 'back').props['aria-label'] == 'Rudi'
    user.find(marker=f'who-{shop["jj"].id}').click()
    await user.should_see('Chagua muda', retries=100)
    user.find(marker=f'day-{day.isoformat()}').click()
    await user.should_see(format_date(day, 'full', locale='sw_KE'), retries=100)  # "Jumamosi, 7 Desemba 2030"
    assert format_date(day, 'full', locale='sw_KE') != format_date(day, 'full', locale='en_KE')


async def test_a_refusal_made_in_a_worker_thread_is_in_french(user: User, shop):
    _switch_on(shop, language='fr')  # no SMS provider: codes go by e-mail
    await _to_details(user, shop)
    await user.should_see('Vos coordonnées')
    await user.should_see(f"{format_date(_day(shop), 'EEE d MMM', locale='fr_CA')}, 10:00 avec JJ")
    user.find(marker='name').type('Robin Park')
    user.find(marker='send-code').click()  # no e-mail address: refused by the service, in a worker thread
    email = element(user, 'email')
    await eventually(lambda: email.error == 'Indiquez votre adresse e-mail : le code y sera envoyé.', timeout=10)
    await user.should_not_see('Give your e-mail address')


async def test_every_step_has_one_h1_and_services_are_buttons(user: User, shop):
    _switch_on(shop)
    await user.open(f'/book/{shop["location"].id}')
    await user.should_see('Choose a service', retries=100)
    assert _h1s(user) == ['Choose a service']
    service = element(user, f'service-{shop["cut"].id}')
    assert isinstance(service, ui.button)  # reached by Tab, pressed by Enter or Space
    assert {'Women\'s cut', '45 min', '$82.00'} <= {e.text for e in service.descendants() if isinstance(e, Text)}
    user.find(marker=f'service-{shop["cut"].id}').click()
    await user.should_see('With whom?', retries=100)
    assert _h1s(user) == ['With whom?']
    assert element(user, 'back').props['aria-label'] == 'Back'  # not "arrow_back"
    user.find(marker=f'who-{shop["jj"].id}').click()
    await user.should_see(marker='days', retries=100)
    assert _h1s(user) == ['Choose a time']
