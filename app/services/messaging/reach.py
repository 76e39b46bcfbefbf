"""Whether a customer can be reached: the one rule the outbox queues messages by and the desk shows.

A customer is reached by e-mail when they have an address and the location sends e-mail (``Location.email_messages``),
by SMS when they have a phone number read as E.164, the location sends SMS (``Location.sms_messages``) and an SMS
provider is set up for it (:func:`sms_ready`). A customer who prefers one of the channels found is reached by that
one only. A booking whose customer none of them reaches gets no confirmation and no reminder; the desk is told so
(the booking dialog, the day view, Messages, the dashboard), all by asking this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection, select
from sqlmodel import Session, col

from app.models import Booking, BookingStatus, Customer, Location, MessageChannel, Service, UnreachedBooking, UserRead
from app.services.accounts.access import ensure_reader
from app.services.database import connection_of, session_scope
from app.services.i18n import N_
from app.services.messaging import sms

PREFERENCES = ('', MessageChannel.SMS.value, MessageChannel.EMAIL.value)
"""A customer's ``preferred_channel``: none, SMS or e-mail."""
NO_REMINDER = N_('No reminder will be sent — no phone or e-mail')
"""What the desk reads beside a booking whose customer cannot be reached (translated where shown)."""
LIVE = (BookingStatus.BOOKED.value, BookingStatus.CONFIRMED.value)


class Contact(Protocol):
    """What the rule reads of a customer (a ``Customer`` row, a ``CustomerRead`` or a row of columns)."""

    email: str
    phone_e164: str
    preferred_channel: str
    erased_at: datetime | None
    merged_into: int | None


def channels(customer: Contact | None, *, email_messages: bool, sms_messages: bool, sms_provider: str
             ) -> list[tuple[MessageChannel, str]]:
    """The channels and addresses ``customer`` hears from the location by: ``[(MessageChannel.EMAIL,
    'ama@example.com'), (MessageChannel.SMS, '+254712345678')]``, only the preferred one when it is among them;
    ``[]`` for no customer, an erased or merged one, or one no channel reaches (see the module docstring).

    :param email_messages: the location sends e-mail (``Location.email_messages``)
    :param sms_messages: the location sends SMS (``Location.sms_messages``)
    :param sms_provider: the SMS provider the location chose (``Location.sms_provider``)
    """
    if customer is None or customer.erased_at is not None or customer.merged_into is not None:
        return []
    found = []
    if email_messages and customer.email:
        found.append((MessageChannel.EMAIL, customer.email))
    if sms_messages and customer.phone_e164 and sms_ready(sms_provider):
        found.append((MessageChannel.SMS, customer.phone_e164))
    preferred = [(channel, to) for channel, to in found if channel.value == (customer.preferred_channel or '')]
    return preferred or found


def sms_ready(sms_provider: str) -> bool:
    """The SMS provider a location chose (``Location.sms_provider``) is set up (:func:`sms.configured`)."""
    return sms.configured(sms_provider)


def unreachable_bookings(location_id: int, booking_ids: list[int], *, actor: UserRead) -> set[int]:
    """The ids among ``booking_ids`` (of ``location_id``) whose customer :func:`channels` finds no way to reach;
    bookings without a customer (walk-ins) are not among them.

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id)
    if not booking_ids:
        return set()
    with session_scope() as session:
        rows = connection_of(session).execute(_facts().where(
            Booking.location_id == location_id, col(Booking.id).in_(sorted(set(booking_ids))))).all()
    return {row.booking_id for row in rows if not _reached(row)}


def unreached(location_id: int, *, start: datetime, end: datetime, actor: UserRead) -> list[UnreachedBooking]:
    """The booked or confirmed bookings starting in [``start``, ``end``) (aware) whose customer no channel reaches,
    by start: they will get no reminder.

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id)
    with session_scope() as session:
        return unreached_in(session, location_id, start=start, end=end)


def unreached_in(unit: Session | Connection, location_id: int, *, start: datetime, end: datetime
                 ) -> list[UnreachedBooking]:
    """:func:`unreached` inside the caller's unit of work, the actor already checked."""
    rows = connection_of(unit).execute(_facts().where(
        Booking.location_id == location_id, Booking.starts_at >= start, Booking.starts_at < end,
        col(Booking.status).in_(LIVE)).order_by(Booking.starts_at, Booking.id)).all()
    return [UnreachedBooking(booking_id=row.booking_id, starts_at=row.starts_at, customer_id=row.customer_id,
                             customer_name=row.name, service_name=row.service_name or '')
            for row in rows if not _reached(row)]


def _reached(row) -> bool:
    return bool(channels(row, email_messages=row.email_messages, sms_messages=row.sms_messages,
                         sms_provider=row.sms_provider))


def _facts():
    """A booking's customer's contact and its location's channels, bookings with a customer only."""
    return (select(Booking.id.label('booking_id'), Booking.location_id, Booking.starts_at, Booking.customer_id,
                   Customer.name, Customer.email, Customer.phone_e164, Customer.preferred_channel, Customer.erased_at,
                   Customer.merged_into, Location.email_messages, Location.sms_messages, Location.sms_provider,
                   Service.name.label('service_name'))
            .join(Customer, Customer.id == Booking.customer_id)
            .join(Location, Location.id == Booking.location_id)
            .outerjoin(Service, Service.id == Booking.service_id))
