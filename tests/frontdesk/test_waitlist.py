"""The waitlist: a cancellation's freed time goes to the first matching entry, held for them."""

from __future__ import annotations

from datetime import date

import pytest

from app.models import BookingCreate, Role
from app.services import events, i18n, notifications
from app.services.customers import chat
from app.services.errors import NotFoundError, SlotUnavailableError, ValidationError
from app.services.frontdesk import bookings, waitlist
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

DAY = date(2030, 3, 4)


@pytest.fixture
def shop(db):
    location = make_location()
    jj, becky = make_staff_member(location, 'JJ'), make_staff_member(location, 'Becky')
    cut = make_service(location)  # 45 min
    colour = make_service(location, 'COL', 'Colour', minutes=120)
    people = {name: make_customer(location, name, f'416-555-01{i:02d}')
              for i, name in enumerate(['Alex Kim', 'Sam Lee', 'Priya Patel', 'Dana Fox'])}
    return {'location': location, 'jj': jj, 'becky': becky, 'cut': cut, 'colour': colour, **people}


def _join(shop, name: str, service: str = 'cut', staff: str | None = None, day: date = DAY):
    return waitlist.join(waitlist.WaitlistJoin(
        location_id=shop['location'].id, customer_id=shop[name].id, service_id=shop[service].id, day=day,
        staff_member_id=shop[staff].id if staff else None), actor=actor(Role.STAFF, shop['location'].id),
        today=date(2030, 3, 1))


def test_a_cancellation_offers_the_freed_time_to_the_first_matching_entry_and_holds_it(shop):
    seen: list[events.Event] = []
    events.subscribe(seen.append)
    try:
        booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['Alex Kim'], at(DAY, '15:00'))
        make_booking(shop['location'], shop['jj'], shop['cut'], shop['Dana Fox'], at(DAY, '16:00'))
        _join(shop, 'Sam Lee', 'colour')           # 120 min do not fit 15:00–16:00 with JJ
        _join(shop, 'Priya Patel', staff='becky')  # wants Becky, the time is JJ's
        _join(shop, 'Dana Fox', day=date(2030, 3, 5))  # another day
        first = _join(shop, 'Alex Kim')           # matches
        _join(shop, 'Dana Fox')                   # matches too, but joined later
        bookings.cancel_booking(booking.id, actor=OWNER)
    finally:
        events.unsubscribe(seen.append)
    offered = [e for e in waitlist.entries(shop['location'].id, actor=OWNER, since=DAY) if e.status == 'offered']
    assert [(e.id, e.offered_staff_name) for e in offered] == [(first.id, 'JJ')]
    assert offered[0].offered_starts_at == at(DAY, '15:00')
    offer = next(e for e in seen if isinstance(e, events.WaitlistChanged) and e.change == 'offered')
    assert offer.notification_id is not None  # the front desk's bells ring
    bell = notifications.visible(actor(Role.STAFF, shop['location'].id))[0].text  # stored for each reader's language
    assert 'Waitlist: Alex Kim can have' in i18n.shown(bell)
    with pytest.raises(SlotUnavailableError):  # held for Alex: nobody else can book it meanwhile
        bookings.create_booking(BookingCreate(location_id=shop['location'].id, customer_id=shop['Sam Lee'].id,
                                              service_id=shop['cut'].id, staff_member_id=shop['jj'].id,
                                              starts_at=at(DAY, '15:00')), actor=OWNER)
    booked = waitlist.book_offer(first.id, actor=OWNER)
    assert (booked.customer_name, booked.starts_at) == ('Alex Kim', at(DAY, '15:00'))
    assert first.id not in {e.id for e in waitlist.entries(shop['location'].id, actor=OWNER, since=DAY)}


def test_passing_an_offer_moves_it_to_the_next_match_and_keeps_the_first_waiting(shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['Priya Patel'], at(DAY, '11:00'))
    alex, sam = _join(shop, 'Alex Kim'), _join(shop, 'Sam Lee', staff='jj')
    bookings.cancel_booking(booking.id, actor=OWNER)
    following = waitlist.pass_offer(alex.id, actor=OWNER)
    assert following is not None and following.id == sam.id and following.offered_starts_at == at(DAY, '11:00')
    statuses = {e.customer_name: e.status for e in waitlist.entries(shop['location'].id, actor=OWNER, since=DAY)}
    assert statuses == {'Alex Kim': 'waiting', 'Sam Lee': 'offered'}
    waitlist.remove(sam.id, actor=OWNER)  # the hold goes with it: the time can be booked again
    make_booking(shop['location'], shop['jj'], shop['cut'], shop['Dana Fox'], at(DAY, '11:00'))


def test_a_customer_who_chats_gets_the_offer_in_their_chat(shop):
    conversation = chat.open_conversation(shop['Alex Kim'].id, actor=OWNER)
    booking = make_booking(shop['location'], shop['becky'], shop['cut'], shop['Sam Lee'], at(DAY, '10:00'))
    _join(shop, 'Alex Kim')
    bookings.cancel_booking(booking.id, actor=OWNER)
    last = chat.customer_messages(conversation.access_token)[-1]
    assert last.sender == 'staff' and "Women's cut at 10:00 on Monday 04 March with Becky" in last.body


def test_joining_checks_the_day_and_the_location(shop):
    with pytest.raises(ValidationError, match='passed'):
        _join(shop, 'Alex Kim', day=date(2030, 2, 1))
    other = make_location(name='Other shop')
    stranger = make_customer(other, 'Jo Other', '416-555-0999')
    with pytest.raises(NotFoundError, match='customer'):
        waitlist.join(waitlist.WaitlistJoin(location_id=shop['location'].id, customer_id=stranger.id,
                                            service_id=shop['cut'].id, day=DAY), actor=OWNER, today=DAY)
