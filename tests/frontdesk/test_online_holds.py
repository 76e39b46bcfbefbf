"""Anonymous visitors of ``/book`` cannot take a shop's day away: one live hold per booking session, two per network
address, at most a quarter of a staff member's free times hidden from online customers (the worst case, tested with
hostile sessions from one address and from many), and a customer's online hold never blocks the desk, who sees the
time marked and may book it; the online customer is then told the time went. Kiosk and waitlist holds still block
the desk, which is told for whom. On both databases."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from app.models import BookingCreate, HoldKind, MessageChannel, Role, SlotHold
from app.services.catalogue import locations
from app.services.database import session_scope
from app.services.errors import HoldLimitError, SlotUnavailableError, ValidationError
from app.services.frontdesk import availability, bookings, online, waitlist
from tests.factories import (
    OWNER,
    actor,
    at,
    make_booking,
    make_customer,
    make_location,
    make_service,
    make_staff_member,
)

DAY = date(2030, 3, 5)  # a Tuesday; JJ works 09:00–17:00, a women's cut is 45 minutes on the 15-minute grid
NOW = datetime(2030, 3, 1, tzinfo=UTC)
FREE = 30  # 09:00 … 16:15
WORST = max(FREE * 25 // 100, 5)  # ⌊F/4⌋ = 7, or what one hold hides (5 starts of a 45-minute service)


@pytest.fixture
def shop(db):
    location = make_location()
    locations.update_location(location.id, {**locations.settings_of(location).model_dump(), 'online_booking': True},
                              actor=OWNER)
    return {'location': location, 'jj': make_staff_member(location, 'JJ'), 'becky': make_staff_member(
        location, 'Becky'), 'cut': make_service(location), 'alex': make_customer(location)}


def _online_view(shop, holder: str | None = None) -> list[datetime]:
    return [s.starts_at for s in availability.free_slots(
        shop['location'].id, shop['cut'].id, DAY, actor=online.visitor_at(shop['location'].id),
        staff_member_id=shop['jj'].id, now=NOW, holder=holder, customer=True)]


def _desk_view(shop) -> list[availability.Slot]:
    return availability.free_slots(shop['location'].id, shop['cut'].id, DAY, actor=OWNER,
                                   staff_member_id=shop['jj'].id, now=NOW)


def _hold(shop, starts_at: datetime, holder: str, ip: str, visitor: str = '', who: str = 'jj') -> None:
    availability.hold(shop['location'].id, shop['cut'].id, availability.Slot(starts_at, shop[who].id, who),
                      holder=holder, actor=online.visitor_at(shop['location'].id), now=NOW,
                      kind=HoldKind.ONLINE, ip=ip, visitor=visitor or holder)


def _live_online_holds() -> int:
    with session_scope() as session:
        return len(session.exec(select(SlotHold).where(SlotHold.kind == 'online', SlotHold.held_until > NOW)).all())


def test_an_online_hold_never_blocks_the_desk_and_the_customer_is_told_the_time_went(shop, smtp):
    ten = at(DAY, '10:00')
    details = online.Details(name='Robin Park', email='robin@example.com', channel=MessageChannel.EMAIL)
    token = online.request_code(shop['location'].id, details, ip='10.0.0.5', as_of=NOW)
    code = re.search(r'\d{6}', smtp.messages[-1]['Subject']).group(0)
    _hold(shop, ten, 'page-1', '10.0.0.5')
    assert ten not in _online_view(shop)  # other customers no longer see it
    assert ten in _online_view(shop, holder='page-1')  # the customer holding it does
    desk = {s.starts_at: s.held for s in _desk_view(shop)}
    assert desk[ten] == 'online' and desk[at(DAY, '11:00')] == ''  # the desk sees it, marked
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], ten)  # and books it
    assert booking.starts_at == ten
    slot = availability.Slot(ten, shop['jj'].id, 'JJ')
    with pytest.raises(ValidationError, match='10:00 on Tuesday 05 March with JJ has just been booked by someone '
                                              'else') as caught:
        online.confirm(shop['location'].id, token, code, details, service_id=shop['cut'].id, slot=slot,
                       holder='page-1', as_of=NOW)
    assert caught.value.field == 'starts_at'
    assert not online.still_free(shop['location'].id, shop['cut'].id, slot, holder='page-1', as_of=NOW)
    eleven = availability.Slot(at(DAY, '11:00'), shop['jj'].id, 'JJ')  # the same code books another time
    _hold(shop, eleven.starts_at, 'page-1', '10.0.0.5')
    made, _ = online.confirm(shop['location'].id, token, code, details, service_id=shop['cut'].id, slot=eleven,
                             holder='page-1', as_of=NOW)
    assert made.starts_at == eleven.starts_at and made.channel == 'online'


def test_one_live_hold_per_booking_session_and_two_per_network_address(shop):
    nine, eleven, later = at(DAY, '09:00'), at(DAY, '11:00'), at(DAY + timedelta(days=1), '15:00')
    _hold(shop, nine, 'tab-1', '10.0.0.7', visitor='browser-a')
    _hold(shop, eleven, 'tab-2', '10.0.0.7', visitor='browser-a')  # another tab of the same browser: replaces it
    assert nine in _online_view(shop) and eleven not in _online_view(shop) and _live_online_holds() == 1
    _hold(shop, nine, 'tab-3', '10.0.0.7', visitor='browser-b', who='becky')  # a second session from the address
    with pytest.raises(HoldLimitError, match='2 times are already being booked from your network') as caught:
        _hold(shop, later, 'tab-4', '10.0.0.7', visitor='browser-c')
    assert caught.value.field == 'starts_at'
    _hold(shop, later, 'tab-4', '10.0.0.8', visitor='browser-c')  # another address may
    availability.release(shop['location'].id, 'tab-3', actor=online.visitor_at(shop['location'].id))
    _hold(shop, at(DAY, '12:00'), 'tab-5', '10.0.0.7', visitor='browser-d', who='becky')  # one of two went
    with pytest.raises(SlotUnavailableError):  # customers never hold over each other
        _hold(shop, at(DAY, '11:15'), 'tab-6', '10.0.0.9', visitor='browser-e')
    assert _live_online_holds() == 3


@pytest.mark.parametrize('addresses', [1, 12])
def test_twelve_hostile_sessions_hide_at_most_a_quarter_of_a_day_from_online_customers(shop, addresses):
    assert len(_online_view(shop)) == len(_desk_view(shop)) == FREE
    for session in range(12):  # each hostile session tries every time still shown, keeping the first it gets
        for starts_at in _online_view(shop):
            try:
                _hold(shop, starts_at, f'hostile-{session}', f'203.0.113.{session % addresses}')
                break
            except (ValidationError, SlotUnavailableError):
                continue
    free, hidden = availability.hidden_online(shop['location'].id, shop['cut'].id, DAY,
                                              staff_member_id=shop['jj'].id, now=NOW)
    assert free == FREE and hidden == FREE - len(_online_view(shop))
    assert hidden <= WORST and len(_online_view(shop)) >= FREE - WORST == 23
    assert _live_online_holds() <= min(12, 2 * addresses)
    assert [s.starts_at for s in _desk_view(shop)] == [at(DAY, '09:00') + timedelta(minutes=15 * i)
                                                        for i in range(FREE)]  # the desk still sees every time
    last = _online_view(shop)[-1]  # a real customer: past the limits their time is not held, but they book it
    with pytest.raises(HoldLimitError, match='cannot be kept for you while you type'):
        _hold(shop, last, 'a-real-customer', '198.51.100.1')
    booked = bookings.create_booking(BookingCreate(
        location_id=shop['location'].id, customer_id=shop['alex'].id, service_id=shop['cut'].id,
        staff_member_id=shop['jj'].id, starts_at=last, channel='online'),
        actor=online.customer_at(shop['location'].id, shop['alex'].id), holder='a-real-customer')
    assert booked.starts_at == last


def test_kiosk_and_waitlist_holds_block_the_desk_which_is_told_for_whom(shop):
    location, jj = shop['location'], shop['jj']
    kiosk = actor(Role.KIOSK, location.id)
    availability.hold(location.id, shop['cut'].id, availability.Slot(at(DAY, '09:00'), jj.id, 'JJ'),
                      holder='screen-1', actor=kiosk, now=NOW)
    cancelled = make_booking(location, jj, shop['cut'], shop['alex'], at(DAY, '14:00'))
    waitlist.join(waitlist.WaitlistJoin(location_id=location.id, customer_id=make_customer(
        location, 'Sam Lee', '416-555-0102').id, service_id=shop['cut'].id, day=DAY), actor=OWNER,
        today=date(2030, 3, 1))
    bookings.cancel_booking(cancelled.id, actor=OWNER)  # offered to Sam, held for them
    held = {s.starts_at: s.held for s in availability.free_slots(location.id, shop['cut'].id, DAY, actor=OWNER,
                                                                 staff_member_id=jj.id, include_held=True)}
    assert held[at(DAY, '09:00')] == 'kiosk' and held[at(DAY, '14:00')] == 'offer'
    assert at(DAY, '09:00') not in [s.starts_at for s in _desk_view(shop)]  # not offered as free
    for hhmm, said in (('09:00', 'at the kiosk'), ('14:00', 'held for Sam Lee from the waitlist until')):
        with pytest.raises(SlotUnavailableError, match=said):
            bookings.create_booking(BookingCreate(location_id=location.id, customer_id=shop['alex'].id,
                                                  service_id=shop['cut'].id, staff_member_id=jj.id,
                                                  starts_at=at(DAY, hhmm)), actor=OWNER)
    with pytest.raises(SlotUnavailableError):  # nor can an online customer hold it (the offer keeps the real time)
        availability.hold(location.id, shop['cut'].id, availability.Slot(at(DAY, '14:00'), jj.id, 'JJ'),
                          holder='page-9', actor=online.visitor_at(location.id), kind=HoldKind.ONLINE)
