"""The activity log: booking actions with who, when and from where; managers see their location."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from app.models import BookingStatus, PaymentMethod, Role
from app.services import i18n
from app.services.accounts import activity, users
from app.services.errors import PermissionDeniedError
from app.services.frontdesk import bookings
from app.services.money import receipts
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

pytestmark = pytest.mark.usefixtures('shop_clock')  # check-ins on the day booked, no-shows after the start

DAY = date(2030, 3, 4)


def test_booking_actions_are_logged_with_address_and_browser(db):
    here, there = make_location('Queen St'), make_location('King St')
    member, service, customer = make_staff_member(here), make_service(here), make_customer(here)
    desk = users.create_user('desk@shop.test', 'right password', role=Role.STAFF, location_id=here.id,
                             actor=OWNER).model_copy(update={'ip': '192.168.1.23', 'user_agent': 'Tablet/1.0'})
    booking = make_booking(here, member, service, customer, at(DAY, '10:00'), by=desk)
    bookings.set_status(booking.id, BookingStatus.CHECKED_IN, actor=desk)
    receipts.pay_booking(booking.id, payment_method=PaymentMethod.CARD, actor=desk, as_of=at(DAY, '11:00'))
    other = make_booking(there, make_staff_member(there, 'KELLY'), make_service(there), None, at(DAY, '10:00'))
    bookings.cancel_booking(other.id, actor=OWNER)

    mine = [e for e in activity.entries(actor=actor(Role.MANAGER, here.id)) if e.email == 'desk@shop.test']
    assert [e.action for e in mine] == ['payment', 'booking_status', 'booking_created']
    assert 'staff_added' in {e.action for e in activity.entries(actor=actor(Role.MANAGER, here.id))}  # the back office
    assert {(e.email, e.ip, e.user_agent) for e in mine} == {('desk@shop.test', '192.168.1.23', 'Tablet/1.0')}
    assert mine[-1].booking_id == booking.id and i18n.shown(mine[-1].detail).startswith('New booking: Alex Kim')
    assert i18n.is_deferred(mine[0].detail)  # stored to be read in each reader's language
    assert i18n.shown(mine[0].detail) == 'Receipt 1: 92.66 paid (card 92.66)'  # $82.00 and 13 % of taxes
    everything = activity.entries(actor=OWNER)
    assert [e.action for e in everything][:2] == ['booking_cancelled', 'booking_created']  # King St's too
    assert [e.action for e in activity.entries(actor=OWNER, action='payment')] == ['payment']
    assert len(activity.entries(actor=OWNER, email='desk@')) == 3
    with pytest.raises(PermissionDeniedError):
        activity.entries(actor=actor(Role.STAFF, here.id))

    table = list(csv.reader(io.StringIO(activity.to_csv(mine, {here.id: 'Queen St'}))))
    assert table[0] == activity.CSV_HEADER and len(table) == 4
    assert table[1][1:5] == ['desk@shop.test', 'staff', 'Queen St', 'payment'] and table[1][7] == '192.168.1.23'
