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

from sqlalchemy import ColumnElement, Connection, false, func, select, true
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
        return set(connection_of(session).execute(_unreached_ids().where(
            Booking.location_id == location_id, col(Booking.id).in_(sorted(set(booking_ids))))).scalars())


def unreachable_between(location_id: int, start: datetime, end: datetime, *, actor: UserRead,
                        staff_member_id: int | None = None) -> set[int]:
    """The ids of the bookings of ``location_id`` (of ``staff_member_id`` when given) starting in [``start``,
    ``end``) (aware; any status) whose customer :func:`channels` finds no way to reach: what the day and week views
    flag, asked by time rather than by a list of ids (a busy day's 1,500 ids made compiling the statement most of
    its cost, on every change).

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id)
    query = _unreached_ids().where(Booking.location_id == location_id, Booking.starts_at >= start,
                                   Booking.starts_at < end)
    if staff_member_id is not None:
        query = query.where(Booking.staff_member_id == staff_member_id)
    with session_scope() as session:
        return set(connection_of(session).execute(query).scalars())


def _unreached_ids():
    """The ids of bookings whose customer is not reached (:func:`not_reached`); walk-ins have no customer."""
    return (select(Booking.id).join(Customer, Customer.id == Booking.customer_id)
            .join(Location, Location.id == Booking.location_id).where(not_reached()))


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
        col(Booking.status).in_(LIVE), not_reached()).order_by(Booking.starts_at, Booking.id)).all()
    return [UnreachedBooking(booking_id=row.booking_id, starts_at=row.starts_at, customer_id=row.customer_id,
                             customer_name=row.name, service_name=row.service_name or '')
            for row in rows]


def unreached_count(unit: Session | Connection, location_id: int, *, start: datetime, end: datetime) -> int:
    """How many bookings :func:`unreached_in` lists, counted by the database (a busy week's thousands of rows are
    not brought into Python to be counted: the dashboard asks on every change), the actor already checked."""
    return connection_of(unit).execute(_unreached_ids().with_only_columns(func.count()).where(
        Booking.location_id == location_id, Booking.starts_at >= start, Booking.starts_at < end,
        col(Booking.status).in_(LIVE))).scalar_one()


def not_reached() -> ColumnElement[bool]:
    """SQL, for a query joining ``Booking``'s ``Customer`` and ``Location``: the customer is one :func:`channels`
    finds no way to reach — erased or merged, or neither an e-mail the location sends to nor an E.164 phone it
    sends SMS to through a provider set up (:func:`sms_ready`, asked here, in Python, for each provider). The same
    rule as :func:`channels` (a preference only picks among the channels found), for a day's or a week's bookings
    in one statement: asked row by row in Python it cost a busy day's live update most of its time (bench/fanout.py
    --day-size). ``tests/messaging/test_reach.py`` checks both on every combination."""
    ready = [provider for provider in sms.PROVIDERS if sms_ready(provider)]
    by_email = (Location.email_messages == true()) & (func.coalesce(Customer.email, '') != '')
    by_sms = (Location.sms_messages == true()) & (func.coalesce(Customer.phone_e164, '') != '') \
        & (col(Location.sms_provider).in_(ready) if ready else false())
    return col(Customer.erased_at).is_not(None) | col(Customer.merged_into).is_not(None) | ~(by_email | by_sms)


def _facts():
    """A booking's customer's contact and its location's channels, bookings with a customer only."""
    return (select(Booking.id.label('booking_id'), Booking.location_id, Booking.starts_at, Booking.customer_id,
                   Customer.name, Customer.email, Customer.phone_e164, Customer.preferred_channel, Customer.erased_at,
                   Customer.merged_into, Location.email_messages, Location.sms_messages, Location.sms_provider,
                   Service.name.label('service_name'))
            .join(Customer, Customer.id == Booking.customer_id)
            .join(Location, Location.id == Booking.location_id)
            .outerjoin(Service, Service.id == Booking.service_id))
