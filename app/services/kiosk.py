"""What a customer can do at the front-desk kiosk: find today's booking and check in, book a free
slot, see their upcoming bookings. Kiosk devices act as a kiosk user bound to one location; every
function here checks that, and shows a customer only their own bookings (found by phone number or
booking code), with first names only.

Free times come from :mod:`app.services.availability`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from app.models import (
    Booking,
    BookingCreate,
    BookingRead,
    BookingStatus,
    Channel,
    Customer,
    CustomerCreate,
    UserRead,
)

from . import availability, bookings, clock, customers
from .access import FRONT_DESK_ROLES, KIOSK_ROLES, ensure_reader
from .database import session_scope
from .errors import NotFoundError, SlotUnavailableError, ValidationError

WHO_MAY = KIOSK_ROLES | FRONT_DESK_ROLES


def book(location_id: int, service_id: int, slot: availability.Slot, *, name: str, phone: str,
         actor: UserRead, holder: str | None = None) -> BookingRead:
    """Book ``slot`` for the customer with this phone number (created with ``name`` if new), as a
    kiosk booking; ``holder``'s hold on the time (see :func:`availability.hold`) lets it through and
    is dropped once booked.

    :raises ValidationError: no name, or a phone number with fewer than 7 digits
    :raises SlotUnavailableError: someone took the slot meanwhile
    :raises PermissionDeniedError: another location, or a role that may not book
    """
    ensure_reader(actor, location_id, WHO_MAY, 'make bookings')
    customer = _customer_for(location_id, name, phone, actor)
    try:
        booking = bookings.create_booking(BookingCreate(
            location_id=location_id, customer_id=customer.id, service_id=service_id,
            staff_member_id=slot.staff_member_id, starts_at=slot.starts_at, channel=Channel.KIOSK), actor=actor,
            holder=holder)
    except SlotUnavailableError:
        raise SlotUnavailableError('Sorry, that time was just taken. Please choose another.',
                                   field='starts_at') from None
    if holder:
        availability.release(location_id, holder)
    return booking


def join_waitlist(location_id: int, service_id: int, day: date, *, staff_member_id: int | None, name: str,
                  phone: str, actor: UserRead):
    """Put the customer with this phone number (created with ``name`` if new) on the waitlist for
    ``service_id`` on ``day`` (``staff_member_id`` None: anyone); see :mod:`app.services.waitlist`.

    :raises ValidationError: no name, a phone number with fewer than 7 digits, or a past day
    :raises PermissionDeniedError: another location, or a role that may not book
    """
    from . import waitlist

    ensure_reader(actor, location_id, WHO_MAY, 'add to the waitlist')
    customer = _customer_for(location_id, name, phone, actor)
    return waitlist.join(waitlist.WaitlistJoin(location_id=location_id, customer_id=customer.id,
                                               service_id=service_id, day=day, staff_member_id=staff_member_id,
                                               note='joined at the kiosk'), actor=actor)


def _customer_for(location_id: int, name: str, phone: str, actor: UserRead):
    """The customer with this phone number, created with ``name`` if there is none."""
    digits = phone_digits(phone)
    if not name.strip():
        raise ValidationError('Please enter your name.', field='name')
    if len(digits) < 7:
        raise ValidationError('Please enter your phone number (at least 7 digits).', field='phone')
    customer = _find_customer(location_id, digits)
    if customer is None:
        customer = customers.create_customer(CustomerCreate(location_id=location_id, name=name.strip(), phone=phone),
                                             actor=actor)
    return customer


def todays_bookings(location_id: int, phone_or_code: str, *, actor: UserRead,
                    now: datetime | None = None) -> list[BookingRead]:
    """Today's bookings (local day) that can still be checked in, for the customer with this phone
    number, or the booking with this code (``B-123`` or ``123``). Names are cut to first names.

    :raises PermissionDeniedError: another location, or not a kiosk or front-desk role
    """
    ensure_reader(actor, location_id, WHO_MAY, 'look up bookings')
    now = now or datetime.now(UTC)
    with session_scope() as session:
        tz = bookings.location_time_zone(session, location_id)
    start, end = clock.day_bounds(clock.local_day(now, tz), tz)
    found = _bookings_of(location_id, phone_or_code, start, end)
    return [b for b in found if b.status in (BookingStatus.BOOKED, BookingStatus.CONFIRMED)]


def upcoming(location_id: int, phone: str, *, actor: UserRead, now: datetime | None = None) -> list[BookingRead]:
    """The customer's bookings from now on that are still on (booked, confirmed), first names only.

    :raises PermissionDeniedError: another location, or not a kiosk or front-desk role
    """
    ensure_reader(actor, location_id, WHO_MAY, 'look up bookings')
    now = now or datetime.now(UTC)
    found = _bookings_of(location_id, phone, now, now + timedelta(days=366), by_code=False)
    return [b for b in found if b.status in (BookingStatus.BOOKED, BookingStatus.CONFIRMED)]


def check_in(location_id: int, booking_id: int, *, actor: UserRead) -> BookingRead:
    """Check in a booking of this location (the customer has arrived).

    :raises InvalidTransitionError: the booking is not booked or confirmed
    :raises PermissionDeniedError: another location's booking
    """
    ensure_reader(actor, location_id, WHO_MAY, 'check customers in')
    with session_scope() as session:
        booking = session.get(Booking, booking_id)
        if booking is None or booking.location_id != location_id:
            raise NotFoundError('That booking was not found here.')
    return bookings.set_status(booking_id, BookingStatus.CHECKED_IN, actor=actor)


def chat_for_phone(location_id: int, phone: str, *, actor: UserRead):
    """The conversation of the customer with this phone number at the location (started if needed), for
    the kiosk's "Message the desk" screen.

    :raises NotFoundError: no customer has that number here
    :raises PermissionDeniedError: another location, or not a kiosk or front-desk role
    """
    from . import chat

    ensure_reader(actor, location_id, WHO_MAY, 'open a chat')
    customer = _find_customer(location_id, phone_digits(phone))
    if customer is None:
        raise NotFoundError('We could not find that number. Please ask at the desk.', field='phone')
    return chat.conversation_for_customer(customer.id)


def booking_code(booking_id: int) -> str:
    """The code a customer is given for a booking: ``B-`` and its number."""
    return f'B-{booking_id}'


def phone_digits(phone: str) -> str:
    """Only the digits of a phone number (how numbers are compared)."""
    return re.sub(r'\D', '', phone or '')


def _find_customer(location_id: int, digits: str) -> Customer | None:
    with session_scope() as session:
        rows = session.exec(select(Customer).where(Customer.location_id == location_id)).all()
    matches = [c for c in rows if digits and phone_digits(c.phone) == digits]
    return matches[0] if matches else None


def _bookings_of(location_id: int, text: str, start: datetime, end: datetime, *,
                 by_code: bool = True) -> list[BookingRead]:
    text = (text or '').strip()
    code = re.fullmatch(r'(?i)b?-?\s*(\d{1,9})', text) if by_code else None
    with session_scope() as session:
        query = select(Booking).where(Booking.location_id == location_id, Booking.starts_at >= start,
                                      Booking.starts_at < end)
        if code and len(phone_digits(text)) < 7:
            query = query.where(Booking.id == int(code.group(1)))
        else:
            customer = _find_customer(location_id, phone_digits(text))
            if customer is None:
                return []
            query = query.where(Booking.customer_id == customer.id)
        found = [bookings.to_read(session, b) for b in session.exec(query.order_by(Booking.starts_at))]
    return [b.model_copy(update={'customer_name': b.customer_name.split(' ')[0], 'customer_phone': ''})
            for b in found]
