"""The public pages as people meet them (SQLite, NiceGUI's simulated users): the desk sees a time a customer is
booking online marked "being booked online" in its booking dialog and books it; the customer, still typing, is told
at once that it went and is back at the times. A manage link past its lifetime says the booking is over and shows
nothing else: no details, no .ics, no chat. Addresses that used to answer 500 (``/book/²``, ``/book/<40 digits>``)
answer the page with its plain refusal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from nicegui.testing import User

from app.models import Role
from app.services.messaging import links
from tests.factories import at, make_booking
from tests.fixtures.pages import choose_customer, element, eventually, new_booking_dialog, shown, sign_in
from tests.frontdesk.test_online_booking_page import _day, _switch_on, _to_details

pytestmark = pytest.mark.usefixtures('shop')  # made before the app starts (tests/fixtures/pages.py)

THURSDAY = date(2030, 3, 7)


async def test_the_desk_sees_a_time_being_booked_online_books_it_and_the_customer_is_told(user: User, create_user,
                                                                                       shop):
    _switch_on(shop)
    day = _day(shop)
    customer, desk = user, create_user()
    await _to_details(customer, shop, '10:00')  # held for the customer while they type

    await sign_in(desk, Role.STAFF, f'/bookings?day={day.isoformat()}')
    await new_booking_dialog(desk)
    await choose_customer(desk, 'customer', shop['alex'])
    element(desk, 'service').set_value(shop['cut'].id)
    element(desk, 'staff').set_value(shop['jj'].id)
    element(desk, 'date').set_value(day.isoformat())
    await eventually(lambda: shown(desk, 'online-10:00'), timeout=10)  # listed, marked
    assert element(desk, 'being-booked-online').text == (  # 45 minutes from 09:30 to 10:30 would meet it
        'Being booked online: 09:30, 09:45, 10:00, 10:15, 10:30. You may still book them; the customers are told '
        'the time went.')  # several times may be several customers' holds
    assert shown(desk, 'free-09:15') and not shown(desk, 'online-09:15')
    desk.find(marker='online-10:00').click()
    assert element(desk, 'time').value == '10:00'
    desk.find(marker='book').click()
    await desk.should_see("10:00 Alex Kim · Women's cut", retries=100)

    await eventually(lambda: shown(customer, 'time-went'), timeout=10)  # told at once, without tapping anything
    await customer.should_see(f'Sorry, 10:00 on {day:%A %d %B} with JJ has just been booked by someone else. '
                              'Please choose another time.')
    await customer.should_see(marker=f'times-{day.isoformat()}', retries=100)
    await customer.should_not_see(marker='time-10:00')
    await customer.should_see(marker='time-11:00')


async def test_a_manage_link_past_its_lifetime_shows_nothing_but_that_it_is_over(user: User, shop,
                                                                                 shop_clock):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    token = links.manage_token(booking.id, booking.code)
    shop_clock(booking.ends_at + timedelta(days=30, hours=-1))
    await user.open(f'/my/{token}')
    await user.should_see("Women's cut", retries=100)  # still within: the booking shows

    shop_clock(booking.ends_at + timedelta(days=30))  # 30 days after the visit
    await user.open(f'/my/{token}')
    await user.should_see('This booking is over. To book again, contact the shop.', retries=100)
    for detail in ("Women's cut", 'JJ', 'Queen St', 'Add to calendar', 'Chat with us', '14:00'):
        await user.should_not_see(detail)
    calendar = await user.http_client.get(f'/my/{token}/booking.ics')
    assert calendar.status_code == 410 and 'This booking is over' in calendar.text and 'VEVENT' not in calendar.text
    chat = await user.http_client.get(f'/my/{token}/chat')
    assert chat.status_code == 303 and chat.headers['location'] == f'/my/{token}'  # the page that says it is over


@pytest.mark.parametrize('address', ['/book/²', '/book/' + '9' * 40, '/book/١', '/book/-1', '/book/%00'])
async def test_addresses_that_answered_500_open_the_booking_page_with_its_refusal(user: User, shop,
                                                                                  address):
    _switch_on(shop)
    await user.open(address)  # asserts HTTP 200
    await user.should_see('This shop does not take bookings online.', retries=100)
