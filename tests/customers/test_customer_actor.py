"""A customer acts as themselves (:class:`CustomerActor`: this customer, this location, and what proved it), never as
a made-up staff user: the services let them do what a customer may (their own bookings and chat, at their location)
and refuse everything else, one test per kind of refusal; the activity log names them as the customer they are."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from app.models import ActivityEntry, BookingCreate, BookingMove, BookingStatus, Channel, CustomerActor, SlotHold
from app.models import CustomerCreate as NewCustomer
from app.pages.layout import role_name
from app.services import i18n
from app.services.accounts import activity
from app.services.customers import chat, customers
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError
from app.services.frontdesk import availability, bookings, online, self_service, waitlist
from app.services.messaging import links
from app.services.money import checkout, deposits
from tests.factories import OWNER, at, make_booking, make_customer, make_location, make_service, make_staff_member

pytestmark = pytest.mark.usefixtures('shop_clock')  # 23:00 on Monday 4 March 2030
THURSDAY = date(2030, 3, 7)


@pytest.fixture
def shop(db):
    location, there = make_location(), make_location('King St')
    return {'location': location, 'jj': make_staff_member(location, 'JJ'), 'cut': make_service(location),
            'alex': make_customer(location), 'bo': make_customer(location, 'Bo Lee', '416-555-0102'),
            'there': there, 'kim': make_customer(there, 'Kim Park', '416-555-0103')}


def _as(customer, proof: str = 'manage_link') -> CustomerActor:
    return CustomerActor(customer_id=customer.id, location_id=customer.location_id, proof=proof)


def _book(shop, customer, hhmm: str = '14:00'):
    return make_booking(shop['location'], shop['jj'], shop['cut'], customer, at(THURSDAY, hhmm))


def _logged(action: str) -> list[tuple[str, str, int | None]]:
    with session_scope() as session:
        rows = session.exec(select(ActivityEntry).where(ActivityEntry.action == action).order_by(ActivityEntry.id))
        return [(r.email, r.role, r.user_id) for r in rows]


def test_a_customer_actor_names_its_customer_unless_it_is_a_visitor_and_cannot_be_changed():
    visitor = CustomerActor(customer_id=None, location_id=1, proof='online_booking')
    assert visitor.label == 'visitor (online booking)'
    for proof in ('manage_link', 'booking_code', 'offer_link', 'chat_link'):
        with pytest.raises(ValueError, match='has a customer_id'):
            CustomerActor(customer_id=None, location_id=1, proof=proof)
    with pytest.raises(ValueError, match='proof'):
        CustomerActor(customer_id=3, location_id=1, proof='a phone number')
    with pytest.raises(ValueError, match='frozen'):
        visitor.customer_id = 3  # type: ignore[misc]


def test_the_manage_link_acts_as_its_customer_and_the_log_names_them(shop):
    booking = _book(shop, shop['alex'])
    token = links.manage_token(booking.id, booking.code)
    assert self_service.actor_of_link(token) == _as(shop['alex'])
    self_service.reschedule(token, at(THURSDAY, '11:00'), shop['jj'].id)
    self_service.cancel(token)
    label = f'customer {shop["alex"].id} (manage link)'
    assert _logged('booking_moved') == [(label, 'customer', None)]
    assert _logged('booking_cancelled') == [(label, 'customer', None)]
    assert {(e.email, e.role) for e in activity.entries(actor=OWNER)} >= {(label, 'customer')}
    assert 'customer' in activity.to_csv(activity.entries(actor=OWNER, action='booking_cancelled'), {})
    with i18n.speaking('fr'):  # the Activity page's role column
        assert (role_name('customer'), role_name('staff')) == ('client', 'personnel')


def test_a_customer_may_not_touch_another_customers_booking(shop):
    theirs, walk_in = _book(shop, shop['bo'], '14:00'), _book(shop, None, '16:00')
    me = _as(shop['alex'])
    for booking in (theirs, walk_in):
        with pytest.raises(PermissionDeniedError, match='your own bookings'):
            bookings.cancel_booking(booking.id, actor=me)
        with pytest.raises(PermissionDeniedError, match='your own bookings'):
            bookings.move_booking(booking.id, BookingMove(starts_at=at(THURSDAY, '11:00')), actor=me)
        with pytest.raises(PermissionDeniedError, match='your own bookings'):  # a visitor is nobody's customer yet
            bookings.cancel_booking(booking.id, actor=online.visitor_at(shop['location'].id))
    for who in (me, online.visitor_at(shop['location'].id)):  # nor book for someone else
        with pytest.raises(PermissionDeniedError, match='your own bookings'):
            bookings.create_booking(BookingCreate(
                location_id=shop['location'].id, customer_id=shop['bo'].id, service_id=shop['cut'].id,
                staff_member_id=shop['jj'].id, starts_at=at(THURSDAY, '10:00'), channel=Channel.ONLINE),
                actor=who, holder='page-1')
    with pytest.raises(PermissionDeniedError, match='add customers'):  # a proven customer adds nobody
        bookings.create_booking(BookingCreate(
            location_id=shop['location'].id, service_id=shop['cut'].id, staff_member_id=shop['jj'].id,
            starts_at=at(THURSDAY, '10:00'), channel=Channel.ONLINE), actor=online.customer_at(
                shop['location'].id, shop['alex'].id), holder='page-1',
            new_customer=NewCustomer(location_id=shop['location'].id, name='Someone Else', phone='416-555-0199'))
    assert bookings.get_booking(theirs.id, actor=OWNER).status == BookingStatus.BOOKED
    assert bookings.get_booking(walk_in.id, actor=OWNER).status == BookingStatus.BOOKED


def test_a_customer_may_not_act_at_another_location(shop):
    mine = _book(shop, shop['alex'])
    elsewhere = CustomerActor(customer_id=shop['alex'].id, location_id=shop['there'].id, proof='manage_link')
    with pytest.raises(PermissionDeniedError, match='your own location'):
        bookings.cancel_booking(mine.id, actor=elsewhere)
    kim = _as(shop['kim'])
    for call in (lambda: availability.free_slots(shop['location'].id, shop['cut'].id, THURSDAY, actor=kim),
                 lambda: availability.hold(shop['location'].id, shop['cut'].id, availability.Slot(
                     at(THURSDAY, '10:00'), shop['jj'].id, 'JJ'), holder='page-1', actor=kim),
                 lambda: availability.release(shop['location'].id, 'page-1', actor=kim),
                 lambda: chat.own_conversation(CustomerActor(customer_id=shop['alex'].id, location_id=shop['there'].id,
                                                             proof='manage_link'))):
        with pytest.raises(PermissionDeniedError, match='your own location'):
            call()
    assert bookings.get_booking(mine.id, actor=OWNER).status == BookingStatus.BOOKED


STAFF_ONLY = {
    'check out': lambda s, me: checkout.check_out(checkout.Sale(location_id=s['location'].id, lines=[]), actor=me),
    'list customers': lambda s, me: customers.search_customers(s['location'].id, actor=me),
    'read a customer record': lambda s, me: customers.get_customer(s['alex'].id, actor=me),
    'list bookings': lambda s, me: bookings.list_bookings(s['location'].id, actor=me),
    'read a booking': lambda s, me: bookings.get_booking(s['mine'].id, actor=me),
    'check in': lambda s, me: bookings.set_status(s['mine'].id, BookingStatus.CHECKED_IN, actor=me),
    'take a deposit': lambda s, me: deposits.status(s['mine'].id, actor=me),
    'join the waitlist': lambda s, me: waitlist.join(waitlist.WaitlistJoin(
        location_id=s['location'].id, customer_id=s['alex'].id, service_id=s['cut'].id, day=THURSDAY), actor=me),
    'read chats': lambda s, me: chat.conversations(s['location'].id, actor=me),
    'write as the shop': lambda s, me: chat.send_as_staff(chat.own_conversation(me).id, 'hello', actor=me),
    'see the activity log': lambda s, me: activity.entries(actor=me),
}


@pytest.mark.parametrize('call', STAFF_ONLY.values(), ids=STAFF_ONLY.keys())
def test_a_customer_may_not_do_what_only_staff_may(shop, call):
    """Even at their own location, with their own booking and record: a customer actor is no role."""
    shop['mine'] = _book(shop, shop['alex'])
    with pytest.raises(PermissionDeniedError, match='A customer may not'):
        call(shop, _as(shop['alex']))


def test_online_booking_acts_as_a_visitor_then_as_the_customer_the_code_proved(shop):
    location = shop['location'].id
    new = bookings.create_booking(BookingCreate(
        location_id=location, service_id=shop['cut'].id, staff_member_id=shop['jj'].id,
        starts_at=at(THURSDAY, '10:00'), channel=Channel.ONLINE), actor=online.visitor_at(location), holder='page-1',
        new_customer=NewCustomer(location_id=location, name='New Person', phone='416-555-0177'))
    known = bookings.create_booking(BookingCreate(
        location_id=location, customer_id=shop['alex'].id, service_id=shop['cut'].id, staff_member_id=shop['jj'].id,
        starts_at=at(THURSDAY, '12:00'), channel=Channel.ONLINE), actor=online.customer_at(location, shop['alex'].id),
        holder='page-2')
    assert new.customer_name == 'New Person' and known.customer_id == shop['alex'].id
    assert online.customer_at(location, None) == online.visitor_at(location)
    assert _logged('booking_created') == [('visitor (online booking)', 'customer', None),
                                          (f'customer {shop["alex"].id} (booking code)', 'customer', None)]


def test_a_waitlist_offer_is_taken_by_its_own_customer(shop):
    day = date(2030, 3, 4)  # holds keep the real time: a day ahead of it
    booking = make_booking(shop['location'], shop['jj'], shop['cut'], shop['alex'], at(day, '15:00'))
    entry = waitlist.join(waitlist.WaitlistJoin(location_id=shop['location'].id, customer_id=shop['bo'].id,
                                                service_id=shop['cut'].id, day=day), actor=OWNER,
                          today=date(2030, 3, 1))
    bookings.cancel_booking(booking.id, actor=OWNER)  # the waitlist offers the freed time to Bo
    with pytest.raises(PermissionDeniedError, match='your own bookings'):  # Alex cannot take Bo's offer
        waitlist.book_offer(entry.id, actor=_as(shop['alex'], 'offer_link'))
    with session_scope() as session:
        hold = session.exec(select(SlotHold).where(SlotHold.holder == f'waitlist-{entry.id}')).one()
        until = hold.held_until.astimezone(UTC)
    assert until > datetime.now(UTC)
    taken, _manage = waitlist.accept_offer(links.offer_token(entry.id, hold.held_until.isoformat()))
    assert taken.customer_id == shop['bo'].id
    assert _logged('booking_created')[-1] == (f'customer {shop["bo"].id} (offer link)', 'customer', None)
    with session_scope() as session:  # the offer's hold went with the booking (a cancellation frees the time again)
        assert session.exec(select(SlotHold).where(SlotHold.holder == f'waitlist-{entry.id}')).first() is None


def test_the_manage_links_chat_opens_the_customers_own_conversation_only_to_them(shop):
    booking = _book(shop, shop['alex'])
    path = self_service.chat_path(links.manage_token(booking.id, booking.code))
    own = chat.own_conversation(_as(shop['alex']))
    assert path == f'/chat/{own.access_token}' and own.customer_id == shop['alex'].id
    with pytest.raises(PermissionDeniedError, match='may not open a chat'):  # staff open chats by customer
        chat.own_conversation(OWNER)
    with pytest.raises(PermissionDeniedError, match='your own bookings'):  # a visitor has no conversation yet
        chat.own_conversation(online.visitor_at(shop['location'].id))


def test_a_customer_releases_online_holds_only_never_the_kiosks_or_a_waitlist_offers(shop):
    """``release`` takes the holder's name as given: a customer may let go of an online hold, but a kiosk's hold or a
    waitlist offer's (whose holder names are guessable) stays, while the desk can release any."""
    from app.models import HoldKind

    slot = availability.Slot(at(THURSDAY, '10:00'), shop['jj'].id, 'JJ')
    later = availability.Slot(at(THURSDAY, '11:00'), shop['jj'].id, 'JJ')
    availability.hold(shop['location'].id, shop['cut'].id, slot, holder='waitlist-1', kind=HoldKind.OFFER,
                      actor=OWNER)
    availability.hold(shop['location'].id, shop['cut'].id, later, holder='page-7', kind=HoldKind.ONLINE,
                      actor=online.visitor_at(shop['location'].id))
    me = _as(shop['alex'])

    def holders() -> set[str]:
        with session_scope() as session:
            return {h.holder for h in session.exec(select(SlotHold))}

    availability.release(shop['location'].id, 'waitlist-1', actor=me)
    availability.release(shop['location'].id, 'page-7', actor=me)
    assert holders() == {'waitlist-1'}
    availability.release(shop['location'].id, 'waitlist-1', actor=OWNER)
    assert holders() == set()
