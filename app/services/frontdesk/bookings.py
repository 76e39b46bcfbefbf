"""Bookings: made, moved, cancelled and their status changed, each in one unit of work.

The rules (no double booking, working and opening hours, time off, buffers, holds, status changes) are
:mod:`app.services.frontdesk.slot_rules`; this module loads rows, locks, asks the rules, writes, logs and prepares
the events. Every write first takes the staff member's lock (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite), then checks, then writes, so two tabs or two processes booking the same slot at the same
instant cannot both win. A new booking is checked and inserted in one statement
(:data:`~app.services.frontdesk.slot_queries.INSERT_IF_FREE`, built to match the rules); only a refused one reads the
staff member's day to say why. Events are published after commit.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, exists, or_
from sqlalchemy import delete as sa_delete
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.models import (
    Booking,
    BookingCreate,
    BookingMove,
    BookingRead,
    BookingResource,
    BookingStatus,
    Channel,
    Customer,
    CustomerCreate,
    CustomerRead,
    HoldKind,
    Location,
    Service,
    ServiceResource,
    StaffMember,
    UserRead,
)
from app.models.booking import new_booking_code
from app.services import clock, events, i18n, notifications, revisions
from app.services.accounts import activity
from app.services.accounts.access import (
    CUSTOMER_ROLES,
    FRONT_DESK_ROLES,
    KIOSK_ROLES,
    MANAGING_ROLES,
    Actor,
    ensure_customer,
    ensure_location,
    ensure_reader,
    ensure_role,
    is_customer,
    is_kiosk,
    label_of,
)
from app.services.caching import VersionedCache
from app.services.customers import customers
from app.services.database import connection_of, database_url, session_scope, write_connection
from app.services.errors import ClientPulseError, NotFoundError, SlotUnavailableError, ValidationError
from app.services.frontdesk import slot_queries, slot_rules
from app.services.frontdesk.slot_rules import (  # the status rules, also read from here by pages
    ALLOWED_TRANSITIONS,  # noqa: F401
    BLOCKING_STATUSES,
    STATUS_LABELS,  # noqa: F401
)
from app.services.i18n import N_, _
from app.services.messaging import outbox
from app.services.money import deposits

T = TypeVar('T')

STATUS_SUMMARIES = {
    BookingStatus.CONFIRMED: N_('Confirmed: {customer} — {service}, {when} with {staff}'),
    BookingStatus.CHECKED_IN: N_('Checked in: {customer} — {service}, {when} with {staff}'),
    BookingStatus.COMPLETED: N_('Completed: {customer} — {service}, {when} with {staff}'),
    BookingStatus.NO_SHOW: N_('No-show: {customer} — {service}, {when} with {staff}'),
}
"""The activity row and toast of a status change (deferred: each reader sees it in their language)."""
UNDONE_SUMMARIES = {
    BookingStatus.CHECKED_IN: N_('Checked in undone: {customer} — {service}, {when} with {staff}'),
    BookingStatus.NO_SHOW: N_('No-show undone: {customer} — {service}, {when} with {staff}'),
}
_MISSING = {
    'booking': N_('That booking no longer exists (id {id}).'),
    'location': N_('That location no longer exists (id {id}).'),
    'service': N_('That service no longer exists (id {id}).'),
    'customer': N_('That customer no longer exists (id {id}).'),
    'staff member': N_('That staff member no longer exists (id {id}).'),
}
_ELSEWHERE = {
    'booking': N_('That booking belongs to another location.'),
    'location': N_('That location belongs to another location.'),
    'service': N_('That service belongs to another location.'),
    'customer': N_('That customer belongs to another location.'),
    'staff member': N_('That staff member belongs to another location.'),
}


def create_booking(data: BookingCreate, *, actor: Actor, holder: str | None = None,
                   new_customer: CustomerCreate | None = None) -> BookingRead:
    """Book ``data.service_id`` with ``data.staff_member_id`` at ``data.starts_at`` (aware).

    The end is ``starts_at`` + the service's duration; the price is the service's list price (minor
    units). ``new_customer``: the booking is for a customer added with it, in the same transaction (a
    refused booking leaves no customer behind); ``data.customer_id`` is then ignored.

    :raises NotFoundError: the service, staff member or customer does not exist at the location
    :raises ValidationError: the service has no duration, or a naive time was given
    :raises OutsideWorkingHoursError: not inside the staff member's hours (owners/managers may override)
    :raises SlotUnavailableError: the staff member already has a booking overlapping the time, or
        it is held for someone else (a hold other than ``holder``'s: at the kiosk or for the waitlist; a customer's
        online hold only when ``holder`` is given or the actor is the kiosk, i.e. a customer books, never for the desk)
    :raises PermissionDeniedError: the actor may not book at this location
    """
    # a booking for a known customer runs on a Core connection: the ORM session's bookkeeping cost a fifth of it
    with (session_scope(write=True) if new_customer is not None else write_connection()) as session:
        result, event, added = insert_booking(session, data, actor=actor, holder=holder, new_customer=new_customer)
    if added is not None:
        events.publish(events.CustomerChanged(location_id=added.location_id, customer_id=added.id, created=True))
    events.publish(event)
    return result


def insert_booking(session: Session | Connection, data: BookingCreate, *, actor: Actor, holder: str | None = None,
                   new_customer: CustomerCreate | None = None, series_id: int | None = None
                   ) -> tuple[BookingRead, events.BookingChanged, CustomerRead | None]:
    """:func:`create_booking` inside the caller's unit of work (a recurring series books every occurrence in one
    transaction, each one ``series_id``'s): returns the booking, the event to publish after the commit and the
    customer added with it. ``session`` must be a Session when ``new_customer`` is given.

    :raises: as :func:`create_booking`
    """
    ensure_role(actor, FRONT_DESK_ROLES | CUSTOMER_ROLES | (KIOSK_ROLES if data.channel == Channel.KIOSK
                                                            else frozenset()), N_('make bookings'))
    ensure_location(actor, data.location_id)
    if new_customer is None:
        ensure_customer(actor, data.customer_id)
    _ensure_aware(data.starts_at, 'starts_at')
    connection = connection_of(session)
    # the staff member's lock, the location, the service and the customer in one statement
    facts = connection.execute(_BOOKING_FACTS, {
        'staff_member_id': data.staff_member_id, 'location_id': data.location_id, 'service_id': data.service_id,
        'customer_id': None if new_customer is not None else data.customer_id}).first()
    _ensure_bookable(facts, data)
    data, added, customer_name, customer_phone = _customer_for(session, facts, data, new_customer, actor=actor)
    if data.override_hours:
        ensure_role(actor, MANAGING_ROLES, N_('book outside working hours'))
    place = slot_rules.Place(time_zone=facts.time_zone, opening_hours=facts.opening_hours or [],
                             closures=facts.closures or [], buffer_minutes=facts.location_buffer or 0)
    slot = slot_rules.ask(data.starts_at.astimezone(UTC), facts.duration_minutes, place,
                          service_buffer=facts.service_buffer, prep=facts.prep_minutes or 0,
                          now=datetime.now(UTC),  # holds expire by the real time
                          holder=holder or '', override=bool(data.override_hours),
                          # a customer books through their hold (online, or at the kiosk)
                          desk=holder is None and not (is_kiosk(actor) or is_customer(actor)))
    closed = slot_rules.refusal(place, slot_rules.StaffDay(data.staff_member_id, facts.name), slot,
                                checks={'closed'})
    if closed is not None:
        raise slot_rules.closed_error(closed, place, slot_rules.StaffDay(data.staff_member_id, facts.name), slot)
    values = {**data.model_dump(exclude={'override_hours', 'starts_at', 'channel'}), 'starts_at': slot.starts_at,
              'ends_at': slot.ends_at, 'blocked_until': slot.reach if slot.reach > slot.ends_at else None,
              'blocked_from': slot.kept_from if slot.kept_from < slot.starts_at else None,
              'channel': data.channel.value, 'status': BookingStatus.BOOKED.value,
              'price_cents': facts.price_cents, 'booked_at': clock.now(), 'code': new_booking_code(),
              'series_id': series_id}
    # the rules' checks and the insert in one statement: inserted only if the slot passes them (the lock is held)
    booking_id = connection.execute(slot_queries.INSERT_IF_FREE, {
        **values, **slot_queries.slot_parameters(data.staff_member_id, data.service_id, slot)}).scalar_one_or_none()
    if booking_id is None:  # refused: the rules say which check failed, in words
        raise _refusal(connection, place, data.staff_member_id, facts.name, data.service_id, slot)
    if facts.needs_resources:  # its rooms, chairs or equipment, taken in the same transaction or none of it
        slot_queries.take_resources(connection, booking_id, data.location_id,
                                    slot_queries.service_needs(connection, data.service_id), slot.kept_from,
                                    slot.reach, now=slot.now, holder=slot.holder, desk=slot.desk)
        if slot.holder:  # the holder's hold kept them for this booking: it no longer keeps them too
            slot_queries.release_held_resources(connection, data.location_id, slot.holder)
    revisions.record(connection, data.location_id, booking_ids=[booking_id])  # the ORM's hook sees no Core insert
    result = BookingRead.model_validate({
        **values, 'id': booking_id, 'cancelled_at': None, 'cancelled_by': None, 'notice_days': None,
        'customer_name': customer_name, 'customer_phone': customer_phone, 'service_name': facts.service_name,
        'staff_name': facts.name})
    told = None if new_customer is not None else outbox.BookingFacts(  # a customer added here: read by the outbox
        id=booking_id, location_id=data.location_id, customer_id=data.customer_id, starts_at=slot.starts_at,
        status=values['status'], channel=values['channel'], email=facts.email, phone_e164=facts.phone_e164,
        erased_at=facts.erased_at, merged_into=facts.merged_into, preferred_channel=facts.preferred_channel,
        reminder_hours=facts.reminder_hours, quiet_start_minute=facts.quiet_start_minute,
        quiet_end_minute=facts.quiet_end_minute, time_zone=facts.time_zone, email_messages=facts.email_messages,
        sms_messages=facts.sms_messages, sms_provider=facts.sms_provider)
    event = _log_change(session, result, 'created', facts.time_zone,
                        _summary(N_('New booking: {customer} — {service}, {when} with {staff}'), result,
                                 facts.time_zone), actor=actor, facts=told)
    return result, event, added


def _ensure_bookable(facts, data: BookingCreate) -> None:
    """Refuse a booking whose staff member, location or service (``facts``: a row of :data:`_BOOKING_FACTS`) is
    missing, elsewhere, inactive or not bookable this way.

    :raises NotFoundError, ValidationError: as :func:`create_booking`
    """
    if facts is None or facts.location_id != data.location_id:
        raise NotFoundError(_('That staff member does not work at this location.'), field='staff_member_id')
    if facts.time_zone is None:
        raise NotFoundError(_(_MISSING['location']).format(id=data.location_id))
    if not facts.active:
        raise ValidationError(_('{name} is no longer active.').format(name=facts.name), field='staff_member_id')
    if facts.service_location_id is None:
        raise NotFoundError(_(_MISSING['service']).format(id=data.service_id))
    if facts.service_location_id != data.location_id:
        raise NotFoundError(_(_ELSEWHERE['service']))
    if not facts.service_active:
        raise ValidationError(_('{service} is archived and can no longer be booked.').format(
            service=facts.service_name), field='service_id')
    if data.channel in (Channel.KIOSK, Channel.ONLINE) and not facts.service_kiosk:
        raise ValidationError(_('{service} is booked at the desk, not by customers themselves.').format(
            service=facts.service_name), field='service_id')


def _customer_for(session: Session | Connection, facts, data: BookingCreate, new_customer: CustomerCreate | None, *,
                  actor: Actor) -> tuple[BookingCreate, CustomerRead | None, str, str]:
    """The booking's customer: ``new_customer`` added in the same unit of work, the known one (checked to be at the
    location), or a walk-in; returns the booking data (with the new customer's id), the customer added, the
    customer's name and phone. Then the service must have a duration.

    :raises NotFoundError, ValidationError: as :func:`create_booking`
    """
    added, name, phone = None, 'Walk-in', ''
    if new_customer is not None:
        if new_customer.location_id != data.location_id:
            raise ValidationError(_('The new customer belongs to another location.'), field='customer_id')
        added = customers.add_customer(session, new_customer, actor=actor)
        data = data.model_copy(update={'customer_id': added.id})
        name, phone = added.name, added.phone
    elif data.customer_id is not None:
        if facts.customer_location_id is None:
            raise NotFoundError(_(_MISSING['customer']).format(id=data.customer_id))
        if facts.customer_location_id != data.location_id:
            raise NotFoundError(_(_ELSEWHERE['customer']))
        name, phone = facts.customer_name, facts.customer_phone
    if not facts.duration_minutes:
        raise ValidationError(_('"{service}" has no duration yet. Set one under Services before booking it.').format(
            service=facts.service_name), field='service_id')
    return data, added, name, phone


def _refusal(connection: Connection, place: slot_rules.Place, staff_member_id: int, name: str, service_id: int,
             slot: slot_rules.Ask) -> ClientPulseError:
    """Why ``slot`` may not be booked with the staff member, in words: their day read (:func:`slot_queries.staff_days`)
    and :func:`slot_rules.refusal` asked (every check but the location's, asked before). "Just taken" when the rules
    find nothing (a write the fast path saw and this read does not)."""
    day = slot_queries.staff_days(connection, [(staff_member_id, name)], service_id, slot.day, slot.kept_from,
                                  slot.reach, now=slot.now)[staff_member_id]
    refused = slot_rules.refusal(place, day, slot, checks=set(slot_rules.CHECKS) - {'closed'})
    if refused is None:
        return SlotUnavailableError(_('That time was just taken. Choose another time.'), field='starts_at')
    who = ''
    if refused.check == 'held' and refused.item.kind == HoldKind.OFFER.value and slot.desk:
        who = slot_queries.waitlist_customer(connection, refused.item.holder)
    return slot_rules.as_error(refused, place, day, slot, waitlist_customer=who)


_BOOKING_FACTS = (sa_select(col(StaffMember.name), col(StaffMember.active), col(StaffMember.location_id),
                            col(Location.time_zone), col(Service.location_id).label('service_location_id'),
                            col(Service.name).label('service_name'), col(Service.duration_minutes),
                            col(Service.active).label('service_active'), col(Service.kiosk).label('service_kiosk'),
                            col(Service.price_cents), col(Service.buffer_minutes).label('service_buffer'),
                            col(Service.prep_minutes), exists().where(
                                ServiceResource.service_id == bindparam('service_id')).label('needs_resources'),
                            col(Location.buffer_minutes).label('location_buffer'), col(Location.opening_hours),
                            col(Location.closures), col(Customer.location_id).label('customer_location_id'),
                            col(Customer.name).label('customer_name'), col(Customer.phone).label('customer_phone'),
                            # what the customer's messages depend on (outbox.BookingFacts): not read again there
                            col(Customer.email), col(Customer.phone_e164), col(Customer.erased_at),
                            col(Customer.merged_into), col(Customer.preferred_channel), col(Location.reminder_hours),
                            col(Location.quiet_start_minute), col(Location.quiet_end_minute),
                            col(Location.email_messages), col(Location.sms_messages), col(Location.sms_provider))
                  .select_from(StaffMember)
                  .outerjoin(Location, Location.id == bindparam('location_id'))
                  .outerjoin(Service, Service.id == bindparam('service_id'))
                  .outerjoin(Customer, Customer.id == bindparam('customer_id'))
                  .where(StaffMember.id == bindparam('staff_member_id'))
                  .with_for_update(of=StaffMember))
"""A booking's staff member (locked), location, service and customer in one statement, built once (building the
statement anew cost more than running it)."""


def move_booking(booking_id: int, data: BookingMove, *, actor: Actor, by_customer: bool = False) -> BookingRead:
    """Move a booked or confirmed booking to a new start (and optionally another staff member). A time held for
    someone else is refused as for :func:`create_booking` (``by_customer``: the customer moves it through their link,
    so a customer's online hold counts too).

    :raises InvalidTransitionError: the booking is already checked in, completed, cancelled or a no-show
    :raises OutsideWorkingHoursError, SlotUnavailableError: as for :func:`create_booking`
    """
    ensure_role(actor, FRONT_DESK_ROLES | CUSTOMER_ROLES, N_('move bookings'))
    _ensure_aware(data.starts_at, 'starts_at')
    with session_scope(write=True) as session:
        result, event = move_in(session, booking_id, data, actor=actor, by_customer=by_customer)
    events.publish(event)
    return result


def move_in(session: Session, booking_id: int, data: BookingMove, *, actor: Actor, by_customer: bool = False
            ) -> tuple[BookingRead, events.BookingChanged]:
    """:func:`move_booking` in the caller's unit of work; returns the booking and the event to publish after the
    commit."""
    ensure_role(actor, FRONT_DESK_ROLES | CUSTOMER_ROLES, N_('move bookings'))
    _ensure_aware(data.starts_at, 'starts_at')
    booking = _get(session, Booking, booking_id, 'booking')
    ensure_location(actor, booking.location_id)
    ensure_customer(actor, booking.customer_id)
    location = _get(session, Location, booking.location_id, 'location')
    _raise(slot_rules.move_refusal(BookingStatus(booking.status)))
    previous_day = clock.local_day(booking.starts_at, location.time_zone)
    staff = _lock_staff_member(session, data.staff_member_id or booking.staff_member_id, booking.location_id)
    if data.override_hours:
        ensure_role(actor, MANAGING_ROLES, N_('book outside working hours'))
    service = session.get(Service, booking.service_id)
    place = slot_rules.Place.of(location)
    slot = slot_rules.ask(data.starts_at.astimezone(UTC), (booking.ends_at - booking.starts_at) / timedelta(minutes=1),
                          place, service_buffer=service.buffer_minutes if service else None,
                          prep=service.prep_minutes if service else 0, now=datetime.now(UTC),
                          desk=not (by_customer or is_customer(actor)), override=bool(data.override_hours),
                          exclude_id=booking.id)
    connection = session.connection()
    day = slot_queries.staff_days(connection, [(staff.id, staff.name)], booking.service_id, slot.day, slot.kept_from,
                                  slot.reach, now=slot.now)[staff.id]
    refused = slot_rules.refusal(place, day, slot)
    if refused is not None:
        who = (slot_queries.waitlist_customer(connection, refused.item.holder)
               if refused.check == 'held' and refused.item.kind == HoldKind.OFFER.value and slot.desk else '')
        raise slot_rules.as_error(refused, place, day, slot, waitlist_customer=who)
    # its resources given back and taken again for the new time (what its service needs now)
    connection.execute(sa_delete(BookingResource).where(BookingResource.booking_id == booking.id))
    slot_queries.take_resources(connection, booking.id, booking.location_id,
                                slot_queries.service_needs(connection, booking.service_id), slot.kept_from, slot.reach,
                                now=slot.now, desk=slot.desk)
    starts_at, ends_at = slot.starts_at, slot.ends_at
    booking.starts_at, booking.ends_at, booking.staff_member_id = starts_at, ends_at, staff.id
    booking.blocked_until = slot.reach if slot.reach > slot.ends_at else None
    booking.blocked_from = slot.kept_from if slot.kept_from < slot.starts_at else None
    session.add(booking)
    session.flush()
    result = _to_read(session, booking)
    event = _log_change(session, result, 'moved', location.time_zone,
                        _summary(N_('Booking moved: {customer} — {service}, {when} with {staff}'), result,
                                 location.time_zone), previous_day=previous_day, actor=actor)
    return result, event


def cancel_booking(booking_id: int, *, actor: Actor, cancelled_by: str | None = None,
                   as_of: datetime | None = None, reason: str = '') -> BookingRead:
    """Cancel a booked or confirmed booking; records who cancelled, why (``reason``, in the activity log and the
    notification) and the days of notice given. The
    waitlist hears of it on the bus and offers the freed time (:mod:`app.services.frontdesk.waitlist`).

    ``notice_days`` = local booking date − local cancellation date (0 = cancelled on the day).

    A cancellation inside the location's cancellation window keeps a held deposit as a fee
    (:func:`deposits.keep_as_fee`); so does a no-show (:func:`set_status`).

    :raises InvalidTransitionError: the booking is not booked or confirmed
    """
    ensure_role(actor, FRONT_DESK_ROLES | CUSTOMER_ROLES, N_('cancel bookings'))
    now = as_of or datetime.now(UTC)
    with session_scope(write=True) as session:
        result, changes = cancel_in(session, booking_id, actor=actor, cancelled_by=cancelled_by, now=now,
                                    reason=reason)
    for change in changes:
        events.publish(change)
    return result


def cancel_in(session: Session, booking_id: int, *, actor: Actor, cancelled_by: str | None, now: datetime,
              reason: str = '') -> tuple[BookingRead, list[events.Event]]:
    """:func:`cancel_booking` in the caller's unit of work; returns the booking and the events to publish after
    the commit (its change, and the fee's receipt when a deposit or fee was kept)."""
    ensure_role(actor, FRONT_DESK_ROLES | CUSTOMER_ROLES, N_('cancel bookings'))
    booking = _get(session, Booking, booking_id, 'booking')
    ensure_location(actor, booking.location_id)
    ensure_customer(actor, booking.customer_id)
    location = _get(session, Location, booking.location_id, 'location')
    _raise(slot_rules.transition_refusal(BookingStatus(booking.status), BookingStatus.CANCELLED))
    booking.status = BookingStatus.CANCELLED.value
    booking.cancelled_at = now
    booking.cancelled_by = (cancelled_by or label_of(actor))[:80]
    booking.notice_days = (clock.local_day(booking.starts_at, location.time_zone)
                           - clock.local_day(now, location.time_zone)).days
    session.add(booking)
    session.flush()
    kept = deposits.keep_as_fee(session, booking, 'Late cancellation', actor, now) \
        if deposits.late(booking, location, now) else None
    result = _to_read(session, booking)
    why = (reason or '').strip()[:200]
    if why:
        summary = (N_('Booking cancelled: {customer} — {service}, {when} with {staff} — {reason} (deposit kept as a '
                      'fee)') if kept else N_('Booking cancelled: {customer} — {service}, {when} with {staff} — '
                                              '{reason}'))
    else:
        summary = (N_('Booking cancelled: {customer} — {service}, {when} with {staff} (deposit kept as a fee)')
                   if kept else N_('Booking cancelled: {customer} — {service}, {when} with {staff}'))
    event = _log_change(session, result, 'cancelled', location.time_zone,
                        _summary(summary, result, location.time_zone, **({'reason': why} if why else {})),
                        actor=actor)
    return result, [event, *_fee_made(kept, booking.location_id, location.time_zone, now)]


def _fee_made(receipt_id: int | None, location_id: int, time_zone: str, now: datetime) -> list[events.Event]:
    """The event of a fee's receipt made with a booking's change (:func:`deposits.keep_as_fee`), if one was: what
    shows takings and the reports of today hear of it (the booking's own event gives the booking's day). No toast:
    the booking's says it."""
    if receipt_id is None:
        return []
    return [events.ReceiptCreated(receipt_id=receipt_id, location_id=location_id,
                                  day=clock.local_day(now, time_zone), amount_cents=0)]


def set_status(booking_id: int, status: BookingStatus, *, actor: UserRead, as_of: datetime | None = None
               ) -> BookingRead:
    """Confirm, check in, complete or mark a no-show (use :func:`cancel_booking` to cancel). A check-in is taken
    only on the booking's own (local) day, a no-show only once the booking has started (``as_of``: now).

    :raises InvalidTransitionError: not allowed from the current status (see :data:`ALLOWED_TRANSITIONS`), or at
        this time, said in words
    """
    # a customer at the kiosk may check themselves in, nothing else
    ensure_role(actor, FRONT_DESK_ROLES | (KIOSK_ROLES if status == BookingStatus.CHECKED_IN else frozenset()),
                N_('change bookings'))
    if status == BookingStatus.CANCELLED:
        return cancel_booking(booking_id, actor=actor)
    with session_scope(write=True) as session:
        booking = _get(session, Booking, booking_id, 'booking')
        ensure_location(actor, booking.location_id)
        location = _get(session, Location, booking.location_id, 'location')
        _raise(slot_rules.transition_refusal(BookingStatus(booking.status), status))
        _raise(slot_rules.timely_refusal(status, booking.starts_at, location.time_zone, as_of or clock.now()))
        booking.status = status.value
        session.add(booking)
        session.flush()
        kept = deposits.keep_as_fee(session, booking, 'No-show', actor, as_of or clock.now()) \
            if status == BookingStatus.NO_SHOW else None
        result = _to_read(session, booking)
        summary = (N_('No-show: {customer} — {service}, {when} with {staff} (deposit kept as a fee)') if kept
                   else STATUS_SUMMARIES[status])
        changes = [_log_change(session, result, 'status', location.time_zone,
                               _summary(summary, result, location.time_zone), actor=actor),
                   *_fee_made(kept, booking.location_id, location.time_zone, as_of or clock.now())]
    for change in changes:
        events.publish(change)
    return result


def undo_status(booking_id: int, *, actor: UserRead) -> BookingRead:
    """Take back a check-in or a no-show marked by mistake: the booking is booked again (owners and managers).

    :raises InvalidTransitionError: the booking is neither checked in nor a no-show (a paid one is final)
    :raises SlotUnavailableError: a no-show's resources were given to another booking meanwhile
    :raises PermissionDeniedError: not an owner or manager, or another location
    """
    ensure_role(actor, MANAGING_ROLES, N_('undo a check-in or a no-show'))
    with session_scope(write=True) as session:
        booking = _get(session, Booking, booking_id, 'booking')
        ensure_location(actor, booking.location_id)
        location = _get(session, Location, booking.location_id, 'location')
        was = BookingStatus(booking.status)
        _raise(slot_rules.undo_refusal(was))
        if was == BookingStatus.NO_SHOW:  # its resources were freed meanwhile: taken again under their locks, or none
            connection = session.connection()
            connection.execute(sa_delete(BookingResource).where(BookingResource.booking_id == booking.id))
            slot_queries.take_resources(connection, booking.id, booking.location_id,
                                        slot_queries.service_needs(connection, booking.service_id),
                                        booking.blocked_from or booking.starts_at,
                                        booking.blocked_until or booking.ends_at, now=datetime.now(UTC))
        booking.status = BookingStatus.BOOKED.value
        session.add(booking)
        session.flush()
        result = _to_read(session, booking)
        event = _log_change(session, result, 'status', location.time_zone,
                            _summary(UNDONE_SUMMARIES[was], result, location.time_zone), actor=actor)
    events.publish(event)
    return result


def get_booking(booking_id: int, *, actor: UserRead) -> BookingRead:
    """One booking with customer, service and staff names.

    :raises NotFoundError: no such booking
    :raises PermissionDeniedError: not a front-desk role, or another location's booking
    """
    with session_scope() as session:
        booking = _get(session, Booking, booking_id, 'booking')
        ensure_reader(actor, booking.location_id)
        return _to_read(session, booking)


def list_bookings(location_id: int, *, actor: UserRead, start: datetime | None = None, end: datetime | None = None,
                  staff_member_id: int | None = None, status: BookingStatus | None = None,
                  customer_id: int | None = None, search: str = '', limit: int = 2000) -> list[BookingRead]:
    """Bookings at a location starting in ``[start, end)`` (aware), earliest first, with names.

    Computed once per change of the location for every session asking the same (the list is shared:
    do not mutate it). ``search`` matches the customer's name, code or phone, case-insensitively.

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id)
    if (start is not None and end is not None and end - start <= timedelta(days=2) and staff_member_id is None
            and status is None and customer_id is None and not search.strip() and limit >= 2000):
        return _days.get(location_id, start, end)
    return _lists.get((location_id, start, end, staff_member_id, status, customer_id, search.strip().lower(), limit),
                      [location_id], lambda: _list(location_id, start, end, staff_member_id, status, customer_id,
                                                   search, limit))


_lists: VersionedCache[list[BookingRead]] = VersionedCache(max_age=10, max_entries=512)
"""Lists by their query, shared by every session until the location changes (or 10 s have passed: another
process may have written without this one hearing of it)."""


class _DayLists:
    """A location's bookings of one day (the day view, the dashboard), kept current by patching, not re-reading.

    A booking made, moved or cancelled changes one or two rows of a day that may hold 1,500: a list re-read in
    full on every change made each change cost every open day view more the busier the day was
    (``bench/fanout.py --day-size``). A list is stored with the location's revision (:mod:`app.services.revisions`)
    read before it; when the location's data version has moved on, only the bookings logged since that
    revision are read and put in (or taken out), and the bookings that did not change stay the very same
    objects (so what pages derived from them is reused). A bulk write, a log that no longer reaches back or
    another database token reads the day in full. Lists are shared: never mutate them.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self._values: dict[tuple, tuple[str, int, tuple[int, ...], float, list[BookingRead]]] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, location_id: int, start: datetime, end: datetime) -> list[BookingRead]:
        """Bookings at ``location_id`` starting in ``[start, end)`` (aware UTC), earliest first."""
        key = (database_url(), location_id, start, end)
        with self._lock:
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            versions = (events.version(location_id),)
            now = time.monotonic()
            cached = self._values.get(key)
            if cached is not None and cached[2] == versions and now - cached[3] < 10:
                return cached[4]
            with session_scope() as session:
                connection = session.connection()
                token, revision = revisions.current(connection, [location_id]).get(location_id, ('', 0))
                listed = None
                if cached is not None and cached[0] == token:
                    changed = revisions.changed_since(connection, location_id, cached[1])
                    if changed is not None:
                        listed = self._patched(session, cached[4], changed[0], location_id, start, end)
                if listed is None:
                    listed = _rows(session, location_id, start, end, None, None, None, '', 2000)
            with self._lock:
                if len(self._values) >= self.max_entries:
                    self._values.pop(next(iter(self._values)))
                self._values[key] = (token, revision, versions, now, listed)
            return listed

    @staticmethod
    def _patched(session: Session, listed: list[BookingRead], ids: set[int], location_id: int, start: datetime,
                 end: datetime) -> list[BookingRead]:
        if not ids:
            return listed  # receipts only: the same list, so nothing derived from it is built again
        fresh = _rows(session, location_id, start, end, None, None, None, '', 2000, ids=ids)
        patched = [b for b in listed if b.id not in ids]
        for booking in fresh:  # into the sorted list where each belongs, not the whole day sorted again
            bisect.insort(patched, booking, key=_list_order)
        return patched


_days = _DayLists()


def _list_order(booking: BookingRead) -> tuple[datetime, int]:
    return booking.starts_at, booking.id


def _list(location_id: int, start: datetime | None, end: datetime | None, staff_member_id: int | None,
          status: BookingStatus | None, customer_id: int | None, search: str, limit: int) -> list[BookingRead]:
    with session_scope() as session:
        return _rows(session, location_id, start, end, staff_member_id, status, customer_id, search, limit)


def _rows(session: Session, location_id: int, start: datetime | None, end: datetime | None,
          staff_member_id: int | None, status: BookingStatus | None, customer_id: int | None, search: str,
          limit: int, *, ids: set[int] | None = None) -> list[BookingRead]:
    # plain columns, not ORM objects: building four mapped instances per row cost more than the query
    query = (sa_select(*Booking.__table__.c, col(Customer.name).label('customer_name'),
                       col(Customer.phone).label('customer_phone'), col(Service.name).label('service_name'),
                       col(StaffMember.name).label('staff_name'))
             .select_from(Booking)
             .join(Service, Service.id == Booking.service_id)
             .join(StaffMember, StaffMember.id == Booking.staff_member_id)
             .outerjoin(Customer, Customer.id == Booking.customer_id)
             .where(Booking.location_id == location_id))
    if start is not None:
        query = query.where(Booking.starts_at >= start)
    if end is not None:
        query = query.where(Booking.starts_at < end)
    if staff_member_id is not None:
        query = query.where(Booking.staff_member_id == staff_member_id)
    if status is not None:
        query = query.where(Booking.status == status.value)
    if customer_id is not None:
        query = query.where(Booking.customer_id == customer_id)
    if ids is not None:
        query = query.where(col(Booking.id).in_(sorted(ids)))
    if search.strip():
        pattern = f'%{search.strip().lower()}%'
        query = query.where(or_(col(Customer.name).ilike(pattern), col(Customer.code).ilike(pattern),
                                col(Customer.phone).ilike(pattern)))
    rows = session.execute(query.order_by(Booking.starts_at, Booking.id).limit(limit)).mappings().all()
    return [BookingRead.model_validate({**row, 'customer_name': row['customer_name'] or 'Walk-in',
                                        'customer_phone': row['customer_phone'] or ''}) for row in rows]


def list_day(location_id: int, day: date, *, actor: UserRead, time_zone: str, **filters) -> list[BookingRead]:
    """Bookings starting on the local calendar ``day``. :raises PermissionDeniedError: as :func:`list_bookings`"""
    start, end = clock.day_bounds(day, time_zone)
    return list_bookings(location_id, actor=actor, start=start, end=end, **filters)


def overlapping_ids(bookings: list[BookingRead]) -> set[int]:
    """Ids of bookings that overlap another of the same staff member (imported history may).

    Two bookings overlap when one starts before the other ends, or both start at the same moment
    (so bookings of unknown length, ``ends_at == starts_at``, clash only when they start together).
    """
    by_staff: dict[int, list[BookingRead]] = defaultdict(list)
    for booking in bookings:
        if booking.status in BLOCKING_STATUSES:
            by_staff[booking.staff_member_id].append(booking)
    clashes: set[int] = set()
    for items in by_staff.values():
        latest: BookingRead | None = None  # the booking ending last so far
        for booking in sorted(items, key=lambda b: b.starts_at):
            if latest is not None and (booking.starts_at < latest.ends_at or booking.starts_at == latest.starts_at):
                clashes.update({booking.id, latest.id})
            if latest is None or booking.ends_at >= latest.ends_at:
                latest = booking
    return clashes


# --- helpers -------------------------------------------------------------------------------------------------------

def _raise(refusal: ClientPulseError | None) -> None:
    """Raise a rule's refusal, if any."""
    if refusal is not None:
        raise refusal


def _ensure_aware(value: datetime, field: str) -> None:
    if value.tzinfo is None:
        raise ValidationError(_('The time must include a time zone.'), field=field)


def _get(session: Session, model: type[T], record_id: int, what: str) -> T:
    record = session.get(model, record_id)
    if record is None:
        raise NotFoundError(_(_MISSING[what]).format(id=record_id))
    return record


def lock_staff_members(session: Session, staff_member_ids: set[int], location_id: int) -> None:
    """Take several staff members' row locks in id order, before a unit of work that books or moves for each (a
    series' occurrences): one lock order everywhere, staff members before resources, so no two writers wait for each
    other.

    :raises NotFoundError, ValidationError: as :func:`_lock_staff_member`
    """
    for staff_member_id in sorted(staff_member_ids):
        _lock_staff_member(session, staff_member_id, location_id)


def _lock_staff_member(session: Session, staff_member_id: int, location_id: int):
    """Take the staff member's row lock (a no-op on SQLite, where BEGIN IMMEDIATE already serialises); returns the
    row (``id, name, active, location_id``)."""
    staff = session.connection().execute(_STAFF_LOCK, {'staff_member_id': staff_member_id}).first()
    if staff is None or staff.location_id != location_id:
        raise NotFoundError(_('That staff member does not work at this location.'), field='staff_member_id')
    if not staff.active:
        raise ValidationError(_('{name} is no longer active.').format(name=staff.name), field='staff_member_id')
    return staff


# the statements, built once: building the expressions anew cost more than running them
_STAFF_LOCK = (sa_select(col(StaffMember.id), col(StaffMember.name), col(StaffMember.active),
                         col(StaffMember.location_id))
               .where(StaffMember.id == bindparam('staff_member_id')).with_for_update())


def location_time_zone(session: Session | None, location_id: int) -> str:
    """The location's time zone (IANA name); without ``session``, read in a session of its own.

    :raises NotFoundError: no such location
    """
    if session is None:
        with session_scope() as own:
            return location_time_zone(own, location_id)
    return _get(session, Location, location_id, 'location').time_zone


def to_read(session: Session, booking: Booking) -> BookingRead:
    """``booking`` with customer, service and staff names, inside the caller's unit of work."""
    return _to_read(session, booking)


def _to_read(session: Session, booking: Booking) -> BookingRead:
    customer = session.get(Customer, booking.customer_id) if booking.customer_id else None
    return _read_from(booking, customer, session.get(Service, booking.service_id),
                      session.get(StaffMember, booking.staff_member_id))


def _read_from(booking: Booking, customer: Customer | None, service: Service | None,
               staff: StaffMember | None) -> BookingRead:
    return BookingRead.model_validate(booking, update={
        'customer_name': customer.name if customer else 'Walk-in',
        'customer_phone': customer.phone if customer else '',
        'service_name': service.name if service else '',
        'staff_name': staff.name if staff else '',
    })


def _summary(message: str, booking: BookingRead, time_zone: str, **values: Any) -> str:
    """A booking change's summary (activity row, notification, toast), stored deferred: ``message`` (marked with
    ``N_``) names the booking by ``{customer}``, ``{service}``, ``{when}`` and ``{staff}``; each reader sees it in
    their language, ``{when}`` included (``Mon 04 Mar 14:30``, ``lun. 04 mars 14:30``)."""
    when = i18n.moment(clock.to_local(booking.starts_at, time_zone), 'EEE dd MMM HH:mm')
    return i18n.deferred(message, customer=booking.customer_name, service=booking.service_name, when=when,
                         staff=booking.staff_name, **values)


def _log_change(session: Session | Connection, booking: BookingRead, change: str, time_zone: str, summary: str, *,
                actor: Actor, previous_day: date | None = None,
                facts: outbox.BookingFacts | None = None) -> events.BookingChanged:
    """The change's activity entry, notification and messages to the customer, in the booking's own unit of work
    (one user action, one transaction); returns the event to publish once it has committed. ``facts``: what the
    messages depend on, when the caller has read it already."""
    activity.add(session, actor, f'booking_{change}', summary, location_id=booking.location_id, booking_id=booking.id)
    outbox.booking_changed(session, booking.id, change, now=clock.now(), facts=facts)  # same transaction
    return notifications.prepare(session, events.BookingChanged(
        booking_id=booking.id, location_id=booking.location_id, staff_member_id=booking.staff_member_id,
        day=clock.local_day(booking.starts_at, time_zone), change=change, status=booking.status.value,
        summary=summary, previous_day=previous_day))
