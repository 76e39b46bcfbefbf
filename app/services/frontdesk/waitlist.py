"""The waitlist: customers waiting for a service on a day (a staff member optional).

When a booking is cancelled, the time it frees is offered to the first matching entry (earliest
joined): same location and day, the entry's staff member or anyone, and the entry's service fits
the freed time as a free start (working hours, other bookings and holds as for any booking). The
offered time is held for that customer for ``waitlist_offer_minutes`` so nobody else takes it while
the front desk calls them; the front desk is notified live (bell, toast, the Waitlist page), the customer gets
the offer by e-mail and/or SMS with an accept link (:func:`accept_offer` books the time if it is still held for
them), and a customer with an open chat gets it there too. The desk then books it in one step, or passes it
on (the next matching entry is offered the same time; the passed entry keeps waiting for others).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from babel.dates import format_date, format_time
from sqlmodel import col, select

from app.config import get_settings
from app.models import (
    Booking,
    BookingCreate,
    BookingRead,
    Customer,
    CustomerActor,
    HoldKind,
    Location,
    Role,
    Service,
    SlotHold,
    StaffMember,
    Template,
    UserRead,
    WaitlistEntry,
    WaitlistJoin,
    WaitlistRead,
)
from app.services import clock, events, notifications
from app.services.accounts.access import (
    CUSTOMER_ROLES,
    FRONT_DESK_ROLES,
    KIOSK_ROLES,
    Actor,
    ensure_customer,
    ensure_reader,
)
from app.services.database import session_scope
from app.services.errors import LinkExpiredError, NotFoundError, ValidationError
from app.services.frontdesk import availability, bookings
from app.services.i18n import N_, _, deferred, locale_for, speaking
from app.services.messaging import links, outbox

log = logging.getLogger(__name__)

OPEN = ('waiting', 'offered')
WHO_MAY = FRONT_DESK_ROLES | KIOSK_ROLES


def join(data: WaitlistJoin, *, actor: UserRead, today: date | None = None) -> WaitlistRead:
    """Put a customer on the waitlist.

    :raises NotFoundError: the customer, service or staff member is not at the location
    :raises ValidationError: the day has passed
    :raises PermissionDeniedError: another location, or a role that may not book
    """
    ensure_reader(actor, data.location_id, WHO_MAY, 'add to the waitlist')
    with session_scope(write=True) as session:
        location = session.get(Location, data.location_id)
        if location is None:
            raise NotFoundError(_('No such location.'))
        for model, record_id, field, refusal in (
                (Customer, data.customer_id, 'customer_id', N_('Choose a customer of this location.')),
                (Service, data.service_id, 'service_id', N_('Choose a service of this location.')),
                (StaffMember, data.staff_member_id, 'staff_member_id', N_('Choose a staff member of this location.'))):
            if record_id is None:
                continue
            found = session.get(model, record_id)
            if found is None or found.location_id != data.location_id:
                raise NotFoundError(_(refusal), field=field)
        if data.day < (today or clock.today(location.time_zone)):
            raise ValidationError(_('That day has passed: choose today or a later day.'), field='day')
        entry = WaitlistEntry(**data.model_dump())
        session.add(entry)
        session.flush()
        result = _read(session, entry)
    events.publish(events.WaitlistChanged(location_id=data.location_id, entry_id=result.id, change='joined',
                                          summary=deferred(N_('{customer} joined the waitlist'),
                                                           customer=result.customer_name)))
    return result


def entries(location_id: int, *, actor: UserRead, since: date | None = None) -> list[WaitlistRead]:
    """Open entries (waiting or offered) from ``since`` (default: today) on, by day then who joined first.

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id, FRONT_DESK_ROLES, 'see the waitlist')
    with session_scope() as session:
        location = session.get(Location, location_id)
        since = since or clock.today(location.time_zone if location else 'UTC')
        found = session.exec(select(WaitlistEntry).where(
            WaitlistEntry.location_id == location_id, col(WaitlistEntry.status).in_(OPEN), WaitlistEntry.day >= since)
            .order_by(WaitlistEntry.day, WaitlistEntry.created_at, WaitlistEntry.id)).all()
        return [_read(session, e) for e in found]


def listen() -> None:
    """Hear every cancellation on the bus and offer the time it freed (idempotent; the front desk's package calls it
    when loaded, so a cancellation from any page, the kiosk or the command line reaches the waitlist). Only this
    process's cancellations: with several processes, the one that cancelled makes the offer, once."""
    events.subscribe(_on_booking_changed, local_only=True)


def _on_booking_changed(event: events.Event) -> None:
    if not isinstance(event, events.BookingChanged) or event.change != 'cancelled':
        return
    agent = waitlist_actor(event.location_id)
    try:
        offer_freed_time(bookings.get_booking(event.booking_id, actor=agent), actor=agent)
    except Exception:  # the cancellation has committed; an offer that fails is only logged
        log.exception('could not offer the time of booking %s to the waitlist', event.booking_id)


def waitlist_actor(location_id: int) -> UserRead:
    """Who the waitlist acts as when it offers a freed time: a manager of that one location, with no account."""
    return UserRead(id=0, email='waitlist', role=Role.MANAGER, location_id=location_id, staff_member_id=None,
                    active=True)


def offer_freed_time(booking: BookingRead, *, actor: UserRead, exclude: frozenset[int] = frozenset()
                     ) -> WaitlistRead | None:
    """Offer the time ``booking`` (just cancelled) freed to the first matching waiting entry, if any.

    Returns the offered entry. Called for each cancellation the bus carries (:func:`listen`), after its commit.
    """
    with session_scope() as session:
        location = session.get(Location, booking.location_id)
        day = clock.local_day(booking.starts_at, location.time_zone)
        waiting = session.exec(select(WaitlistEntry).where(
            WaitlistEntry.location_id == booking.location_id, WaitlistEntry.day == day,
            WaitlistEntry.status == 'waiting').order_by(WaitlistEntry.created_at, WaitlistEntry.id)).all()
        candidates = [e for e in waiting if e.id not in exclude
                      and e.staff_member_id in (None, booking.staff_member_id)]
    for entry in candidates:
        try:
            slots = availability.free_slots(booking.location_id, entry.service_id, day, actor=actor,
                                            staff_member_id=booking.staff_member_id, desk=False)
            # (desk=False: a time a customer is booking online is theirs to finish, not to offer)
        except (NotFoundError, ValidationError):
            continue  # the service is no longer offered or bookable
        slot = next((s for s in slots if booking.starts_at <= s.starts_at < booking.ends_at), None)
        if slot is None:
            continue
        holder = f'waitlist-{entry.id}'
        try:
            until = availability.hold(booking.location_id, entry.service_id, slot, holder=holder, actor=actor,
                                      minutes=get_settings().waitlist_offer_minutes, kind=HoldKind.OFFER)
        except Exception:
            log.exception('could not hold %s for waitlist entry %s', slot, entry.id)
            continue
        with session_scope(write=True) as session:
            stored = session.get(WaitlistEntry, entry.id)
            stored.status, stored.offered_starts_at = 'offered', slot.starts_at
            stored.offered_staff_member_id = slot.staff_member_id
            session.add(stored)
            session.flush()
            result = _read(session, stored)
            local = clock.to_local(slot.starts_at, location.time_zone)
            words = locale_for(location.locale, location.language)  # the day's name in the location's language
            summary = deferred(N_('Waitlist: {customer} can have {service} at {time} on {day} with {staff} (freed by '
                                  'a cancellation; held {minutes} min)'), customer=result.customer_name,
                               service=result.service_name, time=f'{local:%H:%M}',
                               day=format_date(local.date(), 'EEE dd MMM', locale=words),
                               staff=result.offered_staff_name, minutes=get_settings().waitlist_offer_minutes)
            offered = notifications.prepare(session, events.WaitlistChanged(
                location_id=booking.location_id, entry_id=entry.id, change='offered', summary=summary))
            outbox.queue_for_customer(session, entry.customer_id, template=Template.WAITLIST_OFFER,
                                      due_at=clock.now(), context={
                                          'service': result.service_name, 'staff': result.offered_staff_name,
                                          'date': format_date(local.date(), 'full', locale=words),
                                          'time': format_time(local, 'short', locale=words),
                                          'offer_until': f'{clock.to_local(until, location.time_zone):%H:%M}',
                                          'accept_link': f'{links.base_url()}/offer/'
                                                         f'{links.offer_token(entry.id, until.isoformat())}'})
        events.publish(offered)
        _tell_customer(result, local, actor, location)
        return result
    return None


def book_offer(entry_id: int, *, actor: Actor) -> BookingRead:
    """Book the time held for an offered entry (the customer said yes: at the desk, or themselves through the offer's
    link as a :class:`CustomerActor`, for their own entry only).

    :raises ValidationError: the entry holds no offer
    :raises SlotUnavailableError: the time went meanwhile (the hold lapsed and someone booked it)
    :raises PermissionDeniedError: another location's entry, or (a customer) another customer's
    """
    entry = _get(entry_id, actor, FRONT_DESK_ROLES | CUSTOMER_ROLES)
    if entry.status != 'offered' or entry.offered_starts_at is None:
        raise ValidationError(_('This entry has no offered time to book.'))
    holder = f'waitlist-{entry.id}'
    booking = bookings.create_booking(BookingCreate(
        location_id=entry.location_id, customer_id=entry.customer_id, service_id=entry.service_id,
        staff_member_id=entry.offered_staff_member_id, starts_at=entry.offered_starts_at), actor=actor, holder=holder)
    availability.drop_hold(entry.location_id, holder, kinds=(HoldKind.OFFER,))  # the entry is the actor's (_get)
    _set(entry.id, status='booked', booking_id=booking.id)
    events.publish(events.WaitlistChanged(location_id=entry.location_id, entry_id=entry.id, change='booked',
                                          summary=deferred(N_('{customer} booked from the waitlist'),
                                                           customer=entry.customer_name)))
    return booking


def accept_offer(token: str, *, as_of: datetime | None = None) -> tuple[BookingRead, str]:
    """The customer took the offer through the link in their message: book the held time if it is still held for
    them. Returns the booking and its manage token (a second tap returns the booking already made). The customer books
    as themselves: ``CustomerActor(entry's customer, entry's location, proof='offer_link')``.

    :raises NotFoundError: the link is not valid, or the entry is gone (:class:`LinkExpiredError`: the booking it
        made is over, as for its manage link)
    :raises ValidationError: the offer lapsed, was passed on or taken back
    :raises SlotUnavailableError: the time went meanwhile
    """
    entry_id, held_until = links.read_offer_token(token)
    now = as_of or datetime.now(UTC)  # holds keep the real time (see availability.hold)
    with session_scope() as session:
        entry = session.get(WaitlistEntry, entry_id)
        if entry is None:
            raise NotFoundError(_('That offer no longer exists.'))
        if entry.status == 'booked' and entry.booking_id is not None:
            booking = session.get(Booking, entry.booking_id)
            if booking is None or now >= links.manage_link_ends_at(booking.ends_at, booking.cancelled_at):
                raise LinkExpiredError(links.OVER)
            return bookings.to_read(session, booking), links.manage_token(booking.id, booking.code)
        hold = session.exec(select(SlotHold).where(SlotHold.holder == f'waitlist-{entry.id}')).first()
    if (entry.status != 'offered' or hold is None or hold.held_until.isoformat() != held_until
            or hold.held_until <= now):
        raise ValidationError(_('Sorry, this time is no longer held for you. Call us, or wait for the next offer.'))
    booking = book_offer(entry.id, actor=CustomerActor(customer_id=entry.customer_id, location_id=entry.location_id,
                                                       proof='offer_link'))
    return booking, links.manage_token(booking.id, booking.code)


def pass_offer(entry_id: int, *, actor: UserRead) -> WaitlistRead | None:
    """The customer cannot take the offered time: they keep waiting, and the time is offered to the next
    matching entry (returned, or None when nobody else matches)."""
    entry = _get(entry_id, actor)
    if entry.status != 'offered' or entry.offered_starts_at is None:
        raise ValidationError(_('This entry has no offered time to pass on.'))
    availability.release(entry.location_id, f'waitlist-{entry.id}', actor=actor)
    _set(entry.id, status='waiting', offered_starts_at=None, offered_staff_member_id=None)
    events.publish(events.WaitlistChanged(location_id=entry.location_id, entry_id=entry.id, change='passed'))
    with session_scope() as session:
        service = session.get(Service, entry.service_id)
    freed = BookingRead.model_construct(
        location_id=entry.location_id, staff_member_id=entry.offered_staff_member_id,
        starts_at=entry.offered_starts_at,
        ends_at=entry.offered_starts_at + timedelta(minutes=service.duration_minutes or 1))
    return offer_freed_time(freed, actor=actor, exclude=frozenset({entry.id}))


def remove(entry_id: int, *, actor: UserRead) -> None:
    """Take an entry off the waitlist (releasing a time held for it)."""
    entry = _get(entry_id, actor)
    availability.release(entry.location_id, f'waitlist-{entry.id}', actor=actor)
    _set(entry.id, status='removed', offered_starts_at=None, offered_staff_member_id=None)
    events.publish(events.WaitlistChanged(location_id=entry.location_id, entry_id=entry.id, change='removed'))


# --- helpers -------------------------------------------------------------------------------------------------------

def _get(entry_id: int, actor: Actor, roles: frozenset = FRONT_DESK_ROLES) -> WaitlistRead:
    with session_scope() as session:
        entry = session.get(WaitlistEntry, entry_id)
        if entry is None:
            raise NotFoundError(_('No such waitlist entry.'))
        ensure_reader(actor, entry.location_id, roles, 'change the waitlist')
        ensure_customer(actor, entry.customer_id)
        return _read(session, entry)


def _set(entry_id: int, **values) -> None:
    with session_scope(write=True) as session:
        entry = session.get(WaitlistEntry, entry_id)
        for key, value in values.items():
            setattr(entry, key, value)
        session.add(entry)


def _read(session, entry: WaitlistEntry) -> WaitlistRead:
    customer = session.get(Customer, entry.customer_id)
    service = session.get(Service, entry.service_id)
    staff = session.get(StaffMember, entry.staff_member_id) if entry.staff_member_id else None
    offered = session.get(StaffMember, entry.offered_staff_member_id) if entry.offered_staff_member_id else None
    return WaitlistRead(**entry.model_dump(), customer_name=customer.name if customer else '',
                        customer_phone=(customer.phone or '') if customer else '',
                        service_name=service.name if service else '', staff_name=staff.name if staff else _('Anyone'),
                        offered_staff_name=offered.name if offered else None)


def _tell_customer(entry: WaitlistRead, local: datetime, actor: UserRead, location: Location) -> None:
    """A customer who already chats with the shop gets the offer there too, in the location's language (a failure
    is only logged)."""
    from app.services.customers import chat

    try:
        if chat.has_conversation(entry.customer_id):
            conversation = chat.conversation_for_customer(entry.customer_id)
            with speaking(location.language):
                day = format_date(local.date(), 'EEEE dd MMMM', locale=locale_for(location.locale))
                text = _('Good news: {service} at {time} on {day} with {staff} has opened up for you. Reply here or '
                         'call us to take it.').format(service=entry.service_name, time=f'{local:%H:%M}', day=day,
                                                       staff=entry.offered_staff_name)
            chat.send_as_staff(conversation.id, text, actor=actor)
    except Exception:
        log.exception('could not tell customer %s of their offer', entry.customer_id)
