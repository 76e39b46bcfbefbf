"""What a customer does through the manage link in their messages (``/my/<token>``): see the booking and their other
upcoming ones, cancel it (free outside the location's cancellation window; inside it the deposit or fee rule is shown
first and applied), move it to a free time (the same live availability as the desk, inside the location's notice and
horizon), add it to a calendar, chat with the shop.

The link's signed token (:mod:`app.services.messaging.links`) is the only proof: it names one booking and its random
code. The customer acts as themselves: ``CustomerActor(customer_id, location_id, proof='manage_link')`` of the
booking's customer and location (:func:`actor_of_link`), so every service checks each row it reads or writes against
that customer and location, and refuses whatever only staff may do. The link lives as long as its booking
(:func:`links.manage_link_ends_at`, from the booking as it is when opened): after that every way in — the page, the
``.ics``, the chat — says the booking is over (:class:`LinkExpiredError`) and shows nothing of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date
from sqlmodel import select

from app.models import (
    Booking,
    BookingMove,
    BookingRead,
    BookingStatus,
    Customer,
    CustomerActor,
    Location,
    WaitlistEntry,
)
from app.services import clock, i18n
from app.services.customers import chat
from app.services.database import session_scope
from app.services.errors import LinkExpiredError, NotFoundError, ValidationError
from app.services.frontdesk import availability, bookings
from app.services.i18n import N_, _, ngettext
from app.services.messaging import ics, links, outbox
from app.services.money import deposits

GONE = N_('This booking no longer exists. If you think that is wrong, call the shop.')


@dataclass(frozen=True)
class Place:
    """What a customer's page needs of a location before it shows anything: its language (the page speaks it),
    its formats (Babel locale) and time zone."""

    language: str
    locale: str
    time_zone: str


def place_of_link(token: str) -> Place | None:
    """The location of the booking a manage token names (None: not a valid token, or no such booking). Says nothing
    of the booking, so a link that is over still speaks its location's language."""
    try:
        booking_id, code = links.read_manage_token(token)
    except NotFoundError:
        return None
    with session_scope() as session:
        booking = session.get(Booking, booking_id)
        if booking is None or booking.code != code:
            return None
        return _place(session.get(Location, booking.location_id))


def place_of_offer(token: str) -> Place | None:
    """The location of the waitlist entry an offer token names (None: not a valid token, or no such entry)."""
    try:
        entry_id, _held_until = links.read_offer_token(token)
    except NotFoundError:
        return None
    with session_scope() as session:
        entry = session.get(WaitlistEntry, entry_id)
        return _place(session.get(Location, entry.location_id)) if entry is not None else None


def _place(location: Location | None) -> Place | None:
    if location is None:
        return None
    return Place(language=i18n.language_of(location.language), locale=location.locale, time_zone=location.time_zone)


@dataclass(frozen=True)
class ManagedBooking:
    """A booking as its customer sees it behind the manage link. Money in minor units of ``currency``."""

    token: str
    booking: BookingRead
    location_name: str
    location_address: str
    location_phone: str
    language: str
    """the location's: what the page speaks"""
    time_zone: str
    locale: str
    currency: str
    cancellation_hours: int
    changeable: bool
    """booked or confirmed, and not started"""
    late: bool
    """inside the cancellation window now"""
    fee_cents: int
    """what a cancellation now costs: the held deposit kept, or the location's fee (0: free)"""
    deposit_held: bool
    others: list[tuple[str, BookingRead]]
    """the customer's other upcoming bookings at the location, each with its own manage token"""


def open_link(token: str, *, as_of: datetime | None = None) -> ManagedBooking:
    """The booking a manage token names, with what its customer may do now.

    :raises NotFoundError: the token is not valid, or the booking (or its customer) is gone
    :raises LinkExpiredError: the link's lifetime is over
    """
    now = as_of or clock.now()
    booking_id, code = links.read_manage_token(token)
    with session_scope() as session:
        booking, location = _booking(session, booking_id, code, now)
        read = bookings.to_read(session, booking)
        late = deposits.late(booking, location, now)
        fee, from_deposit = deposits.fee_now(session, booking)
        upcoming = session.exec(select(Booking).where(
            Booking.customer_id == booking.customer_id, Booking.location_id == booking.location_id,
            Booking.id != booking.id, Booking.starts_at > now,
            Booking.status.in_([BookingStatus.BOOKED.value, BookingStatus.CONFIRMED.value]))
            .order_by(Booking.starts_at).limit(20)).all()
        others = [(links.manage_token(other.id, other.code), bookings.to_read(session, other)) for other in upcoming]
        return ManagedBooking(
            token=token, booking=read, location_name=location.name, location_address=location.address,
            location_phone=location.phone, language=i18n.language_of(location.language),
            time_zone=location.time_zone, locale=location.locale,
            currency=location.currency, cancellation_hours=location.cancellation_hours,
            changeable=booking.status in outbox.LIVE and booking.starts_at > now, late=late,
            fee_cents=fee if late else 0, deposit_held=from_deposit, others=others)


def cancel(token: str, *, as_of: datetime | None = None) -> BookingRead:
    """Cancel the booking a manage token names. Inside the window the held deposit is kept, or the location's fee
    charged (:func:`bookings.cancel_booking`); the page shows which before the customer confirms.

    :raises NotFoundError: the token is not valid, or the booking is gone (:class:`LinkExpiredError`: over)
    :raises InvalidTransitionError: the booking is no longer booked or confirmed
    :raises ValidationError: it has already started
    """
    now = as_of or clock.now()
    booking_id, actor = _live_booking(token, now)
    return bookings.cancel_booking(booking_id, actor=actor, cancelled_by='customer',
                                   as_of=now, reason='cancelled by the customer through their link')


def free_times(token: str, day: date, *, anyone: bool = False, as_of: datetime | None = None
               ) -> list[availability.Slot]:
    """Free starts on the local ``day`` the booking could move to: with its staff member (``anyone``: whoever
    performs the service), inside the location's notice and horizon, the booking's own time counting as free.

    :raises NotFoundError: the token is not valid, or the booking is gone (:class:`LinkExpiredError`: over)
    """
    now = as_of or clock.now()
    booking_id, actor = _live_booking(token, now)
    with session_scope() as session:
        booking = session.get(Booking, booking_id)
        service_id, staff_member_id = booking.service_id, booking.staff_member_id
    return availability.free_slots(actor.location_id, service_id, day, actor=actor,
                                   staff_member_id=availability.ANYONE if anyone else staff_member_id, now=now,
                                   customer=True, exclude_booking_id=booking_id)


def reschedule(token: str, starts_at: datetime, staff_member_id: int, *, as_of: datetime | None = None
               ) -> BookingRead:
    """Move the booking a manage token names to ``starts_at`` (aware) with ``staff_member_id``: only to a time
    :func:`free_times` offers now, and only outside the cancellation window (inside it the shop moves it).

    :raises NotFoundError: the token is not valid, or the booking is gone (:class:`LinkExpiredError`: over)
    :raises ValidationError: inside the window, or the time is not offered (taken meanwhile, outside the notice or
        horizon)
    :raises SlotUnavailableError: taken at the last moment (checked again under the staff member's lock)
    """
    now = as_of or clock.now()
    booking_id, actor = _live_booking(token, now)
    with session_scope() as session:
        booking = session.get(Booking, booking_id)
        location = session.get(Location, actor.location_id)
        if deposits.late(booking, location, now):
            raise ValidationError(_only_the_shop(location), field='starts_at')
        time_zone, day = location.time_zone, clock.local_day(starts_at, location.time_zone)
        locale = location.locale
    offered = {(slot.starts_at, slot.staff_member_id) for slot in free_times(token, day, anyone=True, as_of=now)}
    offered |= {(slot.starts_at, slot.staff_member_id) for slot in free_times(token, day, as_of=now)}
    if (starts_at, staff_member_id) not in offered:
        local = clock.to_local(starts_at, time_zone)
        raise ValidationError(_('{time} on {day} is no longer free. Choose another time.').format(
            time=f'{local:%H:%M}', day=format_date(local.date(), 'dd MMM', locale=i18n.locale_for(locale))),
            field='starts_at')
    return bookings.move_booking(booking_id, BookingMove(starts_at=starts_at, staff_member_id=staff_member_id),
                                 actor=actor, by_customer=True)


def calendar_file(token: str, *, as_of: datetime | None = None) -> bytes:
    """The booking as an .ics file (cancelled: a withdrawn event), in its location's language.

    :raises NotFoundError: the token is not valid, or the booking is gone (:class:`LinkExpiredError`: over)
    """
    now = as_of or clock.now()
    booking_id, code = links.read_manage_token(token)
    with session_scope() as session:
        booking, location = _booking(session, booking_id, code, now)
        with i18n.speaking(location.language):
            return ics.calendar([outbox.booking_entry(session, booking, location, now=now)])


def chat_path(token: str, *, as_of: datetime | None = None) -> str:
    """The local path of the customer's chat with the shop (``/chat/<access token>``), started if needed.

    :raises NotFoundError: the token is not valid, or the booking is gone (:class:`LinkExpiredError`: over)
    """
    return f'/chat/{chat.own_conversation(actor_of_link(token, as_of=as_of)).access_token}'


def link_over(booking: Booking | BookingRead, now: datetime) -> bool:
    """Whether ``booking``'s manage link has passed its lifetime at ``now`` (:func:`links.manage_link_ends_at`)."""
    return now >= links.manage_link_ends_at(booking.ends_at, booking.cancelled_at)


def _booking(session, booking_id: int, code: str, now: datetime) -> tuple[Booking, Location]:
    booking = session.get(Booking, booking_id)
    if booking is None or booking.code != code or booking.customer_id is None:
        raise NotFoundError(_(GONE))
    customer = session.get(Customer, booking.customer_id)
    if customer is None or customer.erased_at is not None or customer.merged_into is not None:
        raise NotFoundError(_(GONE))
    if link_over(booking, now):
        raise LinkExpiredError(_(links.OVER))
    return booking, session.get(Location, booking.location_id)


def _only_the_shop(location: Location) -> str:
    """Why a customer cannot move a booking inside the cancellation window themselves."""
    hours = location.cancellation_hours
    if location.phone:
        return ngettext('Less than {n} hour before your booking it can only be moved by the shop: call {phone}.',
                        'Less than {n} hours before your booking it can only be moved by the shop: call {phone}.',
                        hours).format(n=hours, phone=location.phone)
    return ngettext('Less than {n} hour before your booking it can only be moved by the shop: call them.',
                    'Less than {n} hours before your booking it can only be moved by the shop: call them.',
                    hours).format(n=hours)


def actor_of_link(token: str, *, as_of: datetime | None = None) -> CustomerActor:
    """Who holds the manage link ``token``: the booking's customer at its location (``proof='manage_link'``).

    :raises NotFoundError: the token is not valid, or the booking (or its customer) is gone (:class:`LinkExpiredError`:
        over)
    """
    booking_id, code = links.read_manage_token(token)
    with session_scope() as session:
        booking, _location = _booking(session, booking_id, code, as_of or clock.now())
        return _holder(booking)


def _holder(booking: Booking) -> CustomerActor:
    return CustomerActor(customer_id=booking.customer_id, location_id=booking.location_id, proof='manage_link')


def _live_booking(token: str, now: datetime) -> tuple[int, CustomerActor]:
    """The booking a manage token names, not yet started, and its holder as the actor."""
    booking_id, code = links.read_manage_token(token)
    with session_scope() as session:
        booking, _location = _booking(session, booking_id, code, now)
        if booking.starts_at <= now and booking.status in outbox.LIVE:
            raise ValidationError(_('This booking has started; ask at the desk.'))
        return booking.id, _holder(booking)


