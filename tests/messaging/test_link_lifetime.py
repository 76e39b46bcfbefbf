"""A manage link lives as long as its booking: until 30 days after the visit, or 7 days after a cancellation if sooner,
computed from the booking as it is when the link is opened. After that the booking, its .ics, its chat and a waitlist
offer's link all say the booking is over and give nothing else. On both databases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.models import SlotHold
from app.services.database import session_scope
from app.services.errors import NotFoundError
from app.services.frontdesk import bookings, self_service, waitlist
from app.services.messaging import links
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

THURSDAY = date(2030, 3, 7)
OVER = 'This booking is over. To book again, contact the shop.'
AFTER_VISIT, AFTER_CANCELLATION = timedelta(days=30), timedelta(days=7)


@pytest.fixture
def shop(db):
    location = make_location()
    return {'location': location, 'jj': make_staff_member(location, 'JJ'), 'cut': make_service(location),
            'alex': make_customer(location)}


def _every_way_in(token: str, now) -> list:
    return [lambda: self_service.open_link(token, as_of=now), lambda: self_service.calendar_file(token, as_of=now),
            lambda: self_service.chat_path(token, as_of=now), lambda: self_service.cancel(token, as_of=now),
            lambda: self_service.free_times(token, THURSDAY, as_of=now)]


def test_a_link_opens_its_booking_until_thirty_days_after_the_visit(shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    token = links.manage_token(booking.id, booking.code)
    ends = at(THURSDAY, '14:45') + AFTER_VISIT
    assert self_service.open_link(token, as_of=ends - timedelta(minutes=1)).booking.id == booking.id
    assert b'BEGIN:VCALENDAR' in self_service.calendar_file(token, as_of=ends - timedelta(minutes=1))
    assert self_service.chat_path(token, as_of=ends - timedelta(minutes=1)).startswith('/chat/')
    for way_in in _every_way_in(token, ends):
        with pytest.raises(NotFoundError, match='This booking is over') as caught:
            way_in()
        assert str(caught.value) == OVER  # nothing of the booking in what is said


def test_a_cancellation_shortens_it_to_seven_days(shop):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '14:00'))
    token = links.manage_token(booking.id, booking.code)
    cancelled_at = at(date(2030, 3, 1), '09:00')
    before = self_service.open_link(token, as_of=cancelled_at + timedelta(days=6))  # not yet cancelled: live
    assert before.changeable
    bookings.cancel_booking(booking.id, actor=OWNER, as_of=cancelled_at)
    assert self_service.open_link(token, as_of=cancelled_at + timedelta(days=6)).booking.status == 'cancelled'
    for way_in in _every_way_in(token, cancelled_at + AFTER_CANCELLATION):
        with pytest.raises(NotFoundError, match=OVER):  # the same token, the booking now: over
            way_in()


def test_an_accepted_waitlist_offers_link_ends_with_its_booking(shop):
    freed = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(THURSDAY, '11:00'))
    entry = waitlist.join(waitlist.WaitlistJoin(
        location_id=shop['location'].id, customer_id=make_customer(shop['location'], 'Sam Lee', '416-555-0102').id,
        service_id=shop['cut'].id, day=THURSDAY), actor=OWNER, today=date(2030, 3, 1))
    bookings.cancel_booking(freed.id, actor=OWNER)  # offered to Sam and held for them
    with session_scope() as session:
        hold = session.exec(select(SlotHold).where(SlotHold.holder == f'waitlist-{entry.id}')).one()
    token = links.offer_token(entry.id, hold.held_until.isoformat())
    booking, manage = waitlist.accept_offer(token)
    assert booking.starts_at == at(THURSDAY, '11:00') and manage
    assert waitlist.accept_offer(token)[0].id == booking.id  # a second tap: the same booking
    with pytest.raises(NotFoundError, match='This booking is over'):
        waitlist.accept_offer(token, as_of=booking.ends_at + AFTER_VISIT)
