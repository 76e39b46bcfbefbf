"""A waitlist offer reaches the customer by e-mail with an accept link: accepting books the held time (once, however
often it is tapped); a lapsed or passed-on offer says so and books nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from app.models import Role
from app.services.customers import records
from app.services.errors import NotFoundError, ValidationError
from app.services.frontdesk import bookings, self_service, waitlist
from app.services.messaging import outbox
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
    alex, sam = make_customer(location), make_customer(location, 'Sam Lee', '416-555-0102')
    records.update_customer(sam.id, {'name': 'Sam Lee', 'phone': '416-555-0102', 'email': 'sam@example.com'},
                            actor=OWNER)
    return {'location': location, 'jj': make_staff_member(location, 'JJ'), 'cut': make_service(location),
            'alex': alex, 'sam': sam}


def _offer(shop, smtp):
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(DAY, '15:00'))
    entry = waitlist.join(waitlist.WaitlistJoin(location_id=shop['location'].id, customer_id=shop['sam'].id,
                                                service_id=shop['cut'].id, day=DAY),
                          actor=actor(Role.STAFF, shop['location'].id), today=date(2030, 3, 1))
    bookings.cancel_booking(booking.id, actor=OWNER)
    outbox.deliver_due()
    (mail,) = [m for m in smtp.messages if m['To'] == 'sam@example.com']
    body = mail.get_body(('plain',)).get_content()
    assert mail['Subject'] == 'A time came free at Queen St'
    assert "Women's cut with JJ on Monday, March 4, 2030 at 3:00\u202fp.m." in body and 'held for you until' in body
    return entry, re.search(r'/offer/(\S+)', body).group(1)


def test_accepting_the_offer_books_the_held_time_once(shop, smtp):
    entry, token = _offer(shop, smtp)
    booking, manage = waitlist.accept_offer(token)
    assert (booking.customer_name, booking.starts_at) == ('Sam Lee', at(DAY, '15:00'))
    again, _ = waitlist.accept_offer(token)  # a second tap
    assert again.id == booking.id
    assert self_service.open_link(manage).booking.id == booking.id
    assert entry.id not in {e.id for e in waitlist.entries(shop['location'].id, actor=OWNER, since=DAY)}


def test_a_lapsed_or_passed_on_offer_books_nothing(shop, smtp):
    entry, token = _offer(shop, smtp)
    with pytest.raises(ValidationError, match='no longer held'):
        waitlist.accept_offer(token, as_of=datetime.now(UTC) + timedelta(hours=1))
    waitlist.pass_offer(entry.id, actor=OWNER)
    with pytest.raises(ValidationError, match='no longer held'):
        waitlist.accept_offer(token)
    with pytest.raises(NotFoundError):
        waitlist.accept_offer(token[:-3] + 'xyz')
    day = bookings.list_day(shop['location'].id, DAY, actor=OWNER, time_zone=shop['location'].time_zone)
    assert [b.customer_name for b in day if b.status == 'booked'] == []
