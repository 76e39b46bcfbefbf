"""What a customer can do at the front-desk kiosk: find today's booking and check in, book a free
slot, see their upcoming bookings, message the desk. Kiosk devices act as a kiosk user bound to one
location; every function here checks that.

Who stands at the kiosk is never taken from a phone number alone, nor from a guessable code:

- a booking is found by its **booking code** (:func:`~app.models.booking.new_booking_code`: 50 random
  bits, nothing to do with the booking's number), or by a **phone number together with the name** on
  the customer's record (:func:`same_person`); either way a customer sees first names only;
- a booking or waitlist entry made with a phone number that is on file under **another name** does not
  go to that customer: a new customer is made, and its notes tell the desk to check;
- "Message the desk" starts a **new conversation for this visit** (:func:`chat.open_visitor_conversation`),
  never the customer's own thread with its history and link.

Free times come from :mod:`app.services.frontdesk.availability`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

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
from app.models.booking import CODE_ALPHABET, CODE_LENGTH
from app.services import clock
from app.services.accounts.access import FRONT_DESK_ROLES, KIOSK_ROLES, ensure_reader
from app.services.customers import customers
from app.services.database import session_scope
from app.services.errors import NotFoundError, SlotUnavailableError, ValidationError, validated
from app.services.frontdesk import availability, bookings
from app.services.i18n import _

WHO_MAY = KIOSK_ROLES | FRONT_DESK_ROLES
MIN_PHONE_DIGITS = 7


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
        raise SlotUnavailableError(_('Sorry, that time was just taken. Please choose another.'),
                                   field='starts_at') from None
    if holder:
        availability.release(location_id, holder, actor=actor)
    return booking


def join_waitlist(location_id: int, service_id: int, day: date, *, staff_member_id: int | None, name: str,
                  phone: str, actor: UserRead):
    """Put the customer with this phone number (created with ``name`` if new) on the waitlist for
    ``service_id`` on ``day`` (``staff_member_id`` None: anyone); see :mod:`app.services.frontdesk.waitlist`.

    :raises ValidationError: no name, a phone number with fewer than 7 digits, or a past day
    :raises PermissionDeniedError: another location, or a role that may not book
    """
    from app.services.frontdesk import waitlist

    ensure_reader(actor, location_id, WHO_MAY, 'add to the waitlist')
    customer = _customer_for(location_id, name, phone, actor)
    return waitlist.join(waitlist.WaitlistJoin(location_id=location_id, customer_id=customer.id,
                                               service_id=service_id, day=day, staff_member_id=staff_member_id,
                                               note=_('joined at the kiosk')), actor=actor)


def _customer_for(location_id: int, name: str, phone: str, actor: UserRead):
    """The customer with this phone number and name (:func:`same_person`), or a new customer; a new one
    whose number is on file under another name gets a note for the desk."""
    digits = phone_digits(phone)
    name = ' '.join(name.split())
    _check_name_and_phone(name, digits)
    on_file = _customers_with_phone(location_id, digits)
    customer = next((c for c in on_file if same_person(name, c.name)), None)
    if customer is None:
        # written in the kiosk's language (the location's), which is the desk's unless someone chose another
        note = _('Booked at the kiosk with a phone number on file for {codes}: check whether this is the same '
                 'person.').format(codes=', '.join(c.code for c in on_file)) if on_file else ''
        customer = customers.create_customer(validated(CustomerCreate, location_id=location_id, name=name,
                                                       phone=phone.strip(), notes=note), actor=actor)
    return customer


def todays_bookings(location_id: int, code_or_phone: str, *, actor: UserRead, name: str = '',
                    now: datetime | None = None) -> list[BookingRead]:
    """Today's bookings (local day) that can still be checked in: the one with this booking code, or
    those of the customer with this phone number *and* ``name`` (:func:`same_person`). A phone number
    without a matching name finds nothing. Names are cut to first names.

    :raises PermissionDeniedError: another location, or not a kiosk or front-desk role
    """
    ensure_reader(actor, location_id, WHO_MAY, 'look up bookings')
    now = now or datetime.now(UTC)
    with session_scope() as session:
        tz = bookings.location_time_zone(session, location_id)
    start, end = clock.day_bounds(clock.local_day(now, tz), tz)
    found = _bookings_of(location_id, code_or_phone, name, start, end)
    return [b for b in found if b.status in (BookingStatus.BOOKED, BookingStatus.CONFIRMED)]


def upcoming(location_id: int, code_or_phone: str, *, actor: UserRead, name: str = '',
             now: datetime | None = None) -> list[BookingRead]:
    """The customer's bookings from now on that are still on (booked, confirmed), first names only: found
    as :func:`todays_bookings` finds them (a booking code, or a phone number with the name).

    :raises PermissionDeniedError: another location, or not a kiosk or front-desk role
    """
    ensure_reader(actor, location_id, WHO_MAY, 'look up bookings')
    now = now or datetime.now(UTC)
    found = _bookings_of(location_id, code_or_phone, name, now, now + timedelta(days=366))
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
            raise NotFoundError(_('That booking was not found here.'))
    return bookings.set_status(booking_id, BookingStatus.CHECKED_IN, actor=actor)


def visitor_chat(location_id: int, *, name: str, phone: str, actor: UserRead):
    """A new conversation with the desk for whoever stands at the kiosk (see :func:`chat.open_visitor_conversation`):
    it holds only what is written during this visit, whatever number is typed.

    :raises ValidationError: no name, or a phone number with fewer than 7 digits
    :raises PermissionDeniedError: another location, or not a kiosk or front-desk role
    """
    from app.services.customers import chat

    ensure_reader(actor, location_id, WHO_MAY, 'open a chat')
    name = ' '.join((name or '').split())
    _check_name_and_phone(name, phone_digits(phone))
    return chat.open_visitor_conversation(location_id, name=name, phone=phone.strip(), actor=actor)


def _check_name_and_phone(name: str, digits: str) -> None:
    """:raises ValidationError: no name (field ``name``), or fewer than 7 digits (field ``phone``)"""
    if not name:
        raise ValidationError(_('Please enter your name.'), field='name')
    if len(digits) < MIN_PHONE_DIGITS:
        raise ValidationError(_('Please enter your phone number (at least {n} digits).').format(n=MIN_PHONE_DIGITS),
                              field='phone')


def booking_code(booking: BookingRead) -> str:
    """The code as a customer is given it: ``B-`` and the booking's random code in two groups of five."""
    half = len(booking.code) // 2
    return f'B-{booking.code[:half]}-{booking.code[half:]}'


def parse_code(text: str) -> str | None:
    """The stored form of a typed booking code (``b-7kq2m-9xd4p``, ``7KQ2M9XD4P``…), or None if ``text`` is not
    one. Case, spaces and dashes do not matter; O is read as 0, I and L as 1 (Crockford's rules)."""
    compact = re.sub(r'[\s-]', '', (text or '').upper()).removeprefix('B')
    compact = compact.translate(str.maketrans('OIL', '011'))
    if len(compact) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in compact):
        return None
    return compact


def phone_digits(phone: str) -> str:
    """Only the digits of a phone number (how numbers are compared)."""
    return re.sub(r'\D', '', phone or '')


def same_person(typed: str, recorded: str) -> bool:
    """Whether a name typed at the kiosk is the customer's on record: the same first name, and the same last
    name when one is typed (case, accents and punctuation ignored). ``Alex`` and ``alex kim`` match
    ``Alex Kim``; ``Alexander``, ``Kim`` and ``Alex Lee`` do not."""
    said, known = _name_words(typed), _name_words(recorded)
    if not said or not known or said[0] != known[0]:
        return False
    return len(said) == 1 or said[-1] == known[-1]


def _name_words(name: str) -> list[str]:
    """The words of a name in any script, case-folded, without accents (José → jose, Мария → мария)."""
    decomposed = unicodedata.normalize('NFKD', name or '').casefold()
    return re.findall(r'[^\W_]+', ''.join(c for c in decomposed if not unicodedata.combining(c)))


def _customers_with_phone(location_id: int, digits: str) -> list[Customer]:
    if not digits:
        return []
    with session_scope() as session:
        rows = session.exec(select(Customer).where(Customer.location_id == location_id, Customer.phone != '')
                            .order_by(Customer.id)).all()
    return [c for c in rows if phone_digits(c.phone) == digits]


def _bookings_of(location_id: int, text: str, name: str, start: datetime, end: datetime) -> list[BookingRead]:
    """The bookings in ``[start, end)`` with the code ``text``, else those of the customer with the phone number
    ``text`` and the name ``name`` (a 10-digit number can read as a code too: the code is tried first)."""
    text, name = (text or '')[:100], (name or '')[:200]  # typed at a touch screen: nothing longer means anything
    code = parse_code(text)
    with session_scope() as session:
        query = select(Booking).where(Booking.location_id == location_id, Booking.starts_at >= start,
                                      Booking.starts_at < end).order_by(Booking.starts_at)
        found = list(session.exec(query.where(Booking.code == code))) if code is not None else []
        if not found:
            matching = [c.id for c in _customers_with_phone(location_id, phone_digits(text))
                        if same_person(name, c.name)]
            found = list(session.exec(query.where(col(Booking.customer_id).in_(matching)))) if matching else []
        shown = [bookings.to_read(session, b) for b in found]
    return [b.model_copy(update={'customer_name': b.customer_name.split(' ')[0], 'customer_phone': ''})
            for b in shown]
