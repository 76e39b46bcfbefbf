"""The customer's manage link on a phone: cancel outside the window (free) and inside it (the fee shown, then
charged), move to a free time, the calendar file, and links that are forged, altered or outlived their booking; the
page, and what the link says when it is over, in the location's language."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from nicegui.testing import User
from sqlmodel import select

from app.models import Booking, BookingStatus, Receipt, SlotHold
from app.services.catalogue import locations
from app.services.customers import records
from app.services.database import session_scope
from app.services.messaging import links
from tests.factories import OWNER, at, make_booking
from tests.fixtures.pages import eventually

pytestmark = pytest.mark.usefixtures('shop', 'shop_clock')  # 23:00 on Monday 4 March 2030
TUESDAY, THURSDAY = date(2030, 3, 5), date(2030, 3, 7)


def _link(booking) -> str:
    return f'/my/{links.manage_token(booking.id, booking.code)}'


def _stored(booking_id: int) -> Booking:
    with session_scope() as session:
        return session.get(Booking, booking_id)


async def test_cancel_outside_the_window_is_free(user: User, shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    await user.open(_link(booking))
    await user.should_see("Women's cut", retries=100)
    await user.should_see('Free cancellation until Wed 6 Mar, 14:00.')
    user.find(marker='cancel').click()
    await user.should_see('Cancelling now is free.')
    user.find(marker='confirm-cancel').click()
    await user.should_see('Cancelled', retries=100)
    stored = _stored(booking.id)
    assert (stored.status, stored.cancelled_by) == ('cancelled', 'customer')
    with session_scope() as session:
        assert session.exec(select(Receipt).where(Receipt.booking_id == booking.id)).all() == []
    await user.should_not_see(marker='move')


async def test_cancel_inside_the_window_shows_the_fee_first_then_charges_it(user: User, shop):
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(),
                                            'no_show_fee_percent': 50}, actor=OWNER)
    booking = make_booking(location, shop['jj'], shop['cut'], shop['alex'], at(TUESDAY, '10:00'))  # 11 h away
    await user.open(_link(booking))
    await user.should_see('Your booking is less than 24 hours away.', retries=100)
    await user.should_not_see(marker='move')  # inside the window only the shop moves it
    user.find(marker='cancel').click()
    await user.should_see('A late-cancellation fee of $41.00 is charged.')
    user.find(marker='confirm-cancel').click()
    await user.should_see('Cancelled', retries=100)
    with session_scope() as session:
        (fee,) = session.exec(select(Receipt).where(Receipt.booking_id == booking.id)).all()
    assert fee.total_cents == 4100 and fee.paid_cents == 0  # owed, for the desk to collect


async def test_move_to_a_free_time(user: User, shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    make_booking(shop['location'], shop['jj'], shop['mens'], shop['sam'], at(THURSDAY, '10:00'))  # JJ is busy then
    await user.open(_link(booking))
    await user.should_see("Women's cut", retries=100)
    user.find(marker='move').click()
    await user.should_see(marker='days', retries=100)
    user.find(marker=f'day-{THURSDAY.isoformat()}').click()
    await user.should_see(marker=f'times-{THURSDAY.isoformat()}', retries=100)
    await user.should_see(marker='time-09:00')
    await user.should_not_see(marker='time-10:00')  # taken by Sam
    await user.should_not_see(marker='time-09:30')  # would run into it
    await user.should_see(marker='time-14:00')  # its own time counts as free
    user.find(marker='time-11:00').click()
    await user.should_see('Move to Thu 7 Mar at 11:00 with JJ?')
    user.find(marker='confirm-move').click()
    await eventually(lambda: _stored(booking.id).starts_at == at(THURSDAY, '11:00'), timeout=10)
    await user.should_see('Your booking has moved.', retries=100)
    await user.should_see('Thu 7 Mar · 11:00–11:45', retries=100)


async def test_the_calendar_file_and_the_chat_link(user: User, shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    token = links.manage_token(booking.id, booking.code)
    response = await user.http_client.get(f'/my/{token}/booking.ics')
    assert response.status_code == 200 and response.headers['content-type'].startswith('text/calendar')
    (event,) = Calendar.from_ical(response.content).walk('VEVENT')
    assert event.decoded('dtstart') == at(THURSDAY, '14:00') and "Women's cut" in str(event['summary'])
    assert (await user.http_client.get(f'/my/{token}x/booking.ics')).status_code == 404
    chat = await user.http_client.get(f'/my/{token}/chat')
    assert chat.status_code == 303 and chat.headers['location'].startswith('/chat/')
    await user.open(chat.headers['location'])
    await user.should_see('Chat with the salon — Alex', retries=100)


async def test_forged_altered_and_outlived_links_are_refused(user: User, shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    other = make_booking(shop['location'], shop['becky'], shop['cut'], shop['sam'], at(THURSDAY, '14:00'))
    token = links.manage_token(booking.id, booking.code)
    forged = links.manage_token(other.id, booking.code)  # someone else's booking id with this booking's code
    await user.open(f'{_link(booking)[:-3]}abc')  # altered signature
    await user.should_see('That link is not valid.', retries=100)
    await user.open(f'/my/{forged}')
    await user.should_see('This booking no longer exists.', retries=100)
    await user.should_not_see('Sam')
    records.erase_customer(shop['alex'].id, actor=OWNER)  # the customer asked to be forgotten
    await user.open(f'/my/{token}')
    await user.should_see('This booking no longer exists.', retries=100)
    await user.should_not_see("Women's cut")
    assert _stored(booking.id).status == BookingStatus.BOOKED


async def test_a_waitlist_offer_is_taken_through_its_link(user: User, shop):
    from app.models import Role
    from app.services.frontdesk import bookings as booking_service
    from app.services.frontdesk import waitlist
    from tests.factories import actor
    day = date(2030, 3, 8)
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(day, '15:00'))
    entry = waitlist.join(waitlist.WaitlistJoin(location_id=shop['location'].id, customer_id=shop['sam'].id,
                                                service_id=shop['cut'].id, day=day),
                          actor=actor(Role.STAFF, shop['location'].id), today=date(2030, 3, 1))
    booking_service.cancel_booking(booking.id, actor=OWNER)
    with session_scope() as session:
        hold = session.exec(select(SlotHold).where(SlotHold.holder == f'waitlist-{entry.id}')).one()
    token = links.offer_token(entry.id, hold.held_until.isoformat())
    await user.open(f'/offer/{token}')
    await user.should_see("You're booked: Women's cut with JJ, Friday 08 March at 15:00.", retries=100)
    user.find(marker='manage').click()
    await user.should_see(marker='when', retries=100)
    await user.should_see('Fri 8 Mar · 15:00–15:45')
    await user.open(f'/offer/{token}')  # tapped again: the booking already made, not a second one
    await user.should_see("You're booked: Women's cut with JJ, Friday 08 March at 15:00.", retries=100)
    day_list = booking_service.list_day(shop['location'].id, day, actor=OWNER, time_zone=shop['location'].time_zone)
    assert [b.customer_name for b in day_list if b.status == 'booked'] == ['Sam Lee']


def _speak(shop, language: str) -> None:
    location = shop['location']
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'language': language},
                              actor=OWNER)


async def test_the_manage_page_speaks_french(user: User, shop):
    _speak(shop, 'fr')  # formats en_CA: Babel's fr_CA names the days
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    await user.open(_link(booking))
    await user.should_see("Annulation gratuite jusqu'au mer. 6 mars, 14:00.", retries=100)
    await user.should_not_see('Free cancellation until')
    assert user.client.page.resolve_language() == 'fr'
    await user.should_see('jeu. 7 mars · 14:00–14:45')
    await user.should_see('avec JJ')
    await user.should_see('Annuler le rendez-vous')
    user.find(marker='cancel').click()
    await user.should_see("L'annulation est gratuite maintenant.")
    user.find(marker='confirm-cancel').click()
    await user.should_see('Votre rendez-vous est annulé.', retries=100)


async def test_a_link_that_is_over_says_so_in_the_locations_language(user: User, shop, shop_clock):
    _speak(shop, 'sw')
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    shop_clock(at(THURSDAY, '14:45') + timedelta(days=31))
    await user.open(_link(booking))
    await user.should_see('Miadi hii imekwisha. Ili kuweka miadi tena, wasiliana nasi.', retries=100)
    assert user.client.page.resolve_language() == 'sw'
    await user.should_not_see("Women's cut")
    await user.open(f'{_link(booking)[:-3]}abc')  # not a link of ours: no location to speak for
    await user.should_see('That link is not valid.', retries=100)


async def test_a_waitlist_offer_speaks_the_locations_language(user: User, shop):
    from app.models import Role
    from app.services.frontdesk import bookings as booking_service
    from app.services.frontdesk import waitlist
    from tests.factories import actor
    _speak(shop, 'fr')
    day = date(2030, 3, 8)
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(day, '15:00'))
    entry = waitlist.join(waitlist.WaitlistJoin(location_id=shop['location'].id, customer_id=shop['sam'].id,
                                                service_id=shop['cut'].id, day=day),
                          actor=actor(Role.STAFF, shop['location'].id), today=date(2030, 3, 1))
    booking_service.cancel_booking(booking.id, actor=OWNER)
    with session_scope() as session:
        hold = session.exec(select(SlotHold).where(SlotHold.holder == f'waitlist-{entry.id}')).one()
    await user.open(f'/offer/{links.offer_token(entry.id, hold.held_until.isoformat())}')
    await user.should_see("C'est réservé : Women's cut avec JJ, le vendredi 08 mars à 15:00.", retries=100)
    assert user.client.page.resolve_language() == 'fr'
    await user.should_see("Un créneau s'est libéré")
    await user.should_see('Votre rendez-vous')
