"""Free times: when a staff member (or anyone) can take a service. A free start lies on the location's slot grid,
inside one of the staff member's working stretches (a break is the gap between two) and one of the location's
opening stretches (when set), on a day without a closure, never earlier than now; the service's length plus its
buffer (the service's, else the location's default) must not meet another booking's time plus its buffer, nor a
kiosk hold. A customer choosing (the kiosk) also gets the location's minimum notice and horizon. Used by the
booking dialog, the kiosk and the waitlist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from app.models import (
    Booking,
    BookingStatus,
    ExtraShift,
    Location,
    Role,
    Service,
    SlotHold,
    StaffMember,
    StaffService,
    TimeOff,
    UserRead,
    WorkingHours,
)
from app.services import clock, events
from app.services.accounts.access import FRONT_DESK_ROLES, KIOSK_ROLES, ensure_reader
from app.services.database import session_scope
from app.services.errors import NotFoundError, SlotUnavailableError, ValidationError
from app.services.frontdesk import bookings

GRID_MINUTES = 15
BLOCKING = [BookingStatus.BOOKED.value, BookingStatus.CONFIRMED.value, BookingStatus.CHECKED_IN.value,
            BookingStatus.COMPLETED.value, BookingStatus.NO_SHOW.value]
WHO_MAY = KIOSK_ROLES | FRONT_DESK_ROLES
ANYONE = 0
"""``staff_member_id`` meaning "whoever is free"."""
HOLD_MINUTES = 5
"""How long the kiosk keeps a time for a customer who is typing their name and phone."""


@dataclass(frozen=True)
class Slot:
    """A free start (aware UTC) with the staff member who would take it."""

    starts_at: datetime
    staff_member_id: int
    staff_name: str


def free_slots(location_id: int, service_id: int, day: date, *, actor: UserRead, staff_member_id: int = ANYONE,
               now: datetime | None = None, holder: str | None = None, customer: bool = False,
               exclude_booking_id: int | None = None) -> list[Slot]:
    """Free starts for ``service_id`` on the local ``day``, earliest first, one per time: with the given
    staff member, or with ``ANYONE`` the free staff member with the fewest bookings that day. Times
    someone is booking at the kiosk (a hold not yet expired, other than ``holder``'s) are not free.
    ``customer`` (as for a kiosk actor): only times inside the location's notice and horizon.
    ``exclude_booking_id``: that booking's own time counts as free (a customer moving it).

    :raises NotFoundError: no such service at the location
    :raises ValidationError: the service has no duration yet
    :raises PermissionDeniedError: another location, or a role that may not book
    """
    ensure_reader(actor, location_id, WHO_MAY, 'see free times')
    now = now or datetime.now(UTC)
    with session_scope() as session:
        service = session.get(Service, service_id)
        if (service is None or service.location_id != location_id or not service.active
                or (actor.role == Role.KIOSK and not service.kiosk)):
            raise NotFoundError('That service is not offered here.', field='service_id')
        if not service.duration_minutes:
            raise ValidationError(f'"{service.name}" cannot be booked here yet; please ask at the desk.',
                                  field='service_id')
        location = session.get(Location, location_id)
        tz = location.time_zone
        query = select(StaffMember).where(StaffMember.location_id == location_id, StaffMember.active)
        if staff_member_id != ANYONE:
            query = query.where(StaffMember.id == staff_member_id)
        members = session.exec(query.order_by(StaffMember.name)).all()
        if staff_member_id != ANYONE and not members:
            raise NotFoundError('That staff member does not work here.', field='staff_member_id')
        start, end = clock.day_bounds(day, tz)
        skilled = session.exec(select(StaffService.staff_member_id, StaffService.service_id).where(
            col(StaffService.staff_member_id).in_([m.id for m in members]))).all()
        performs: dict[int, set[int]] = {}
        for member_id, skill in skilled:
            performs.setdefault(member_id, set()).add(skill)
        members = [m for m in members if m.id not in performs or service_id in performs[m.id]]
        ids = [m.id for m in members]
        shifts = [(s.staff_member_id, s.start_minute, s.end_minute) for s in session.exec(
            select(WorkingHours).where(col(WorkingHours.staff_member_id).in_(ids),
                                       WorkingHours.weekday == day.weekday()))]
        shifts += [(x.staff_member_id, x.start_minute, x.end_minute) for x in session.exec(
            select(ExtraShift).where(col(ExtraShift.staff_member_id).in_(ids), ExtraShift.day == day))]
        away = session.exec(select(TimeOff.staff_member_id, TimeOff.starts_at, TimeOff.ends_at).where(
            col(TimeOff.staff_member_id).in_(ids), TimeOff.starts_at < end + timedelta(hours=4),
            TimeOff.ends_at > start)).all()
        blocked = func.coalesce(Booking.blocked_until, Booking.ends_at)
        taken = session.exec(select(Booking.staff_member_id, Booking.starts_at, blocked).where(
            col(Booking.staff_member_id).in_(ids), col(Booking.status).in_(BLOCKING),
            Booking.id != (exclude_booking_id or 0),
            Booking.starts_at < end + timedelta(hours=4), blocked > start)).all()  # a late start's buffer may
        # reach past midnight: the first hours of the next day count too
        taken += bookings.held_times(session, ids, start, end, now=now, except_holder=holder)
        taken += away  # time off is as busy as a booking
    if any(c['start'] <= day.isoformat() <= c['end'] for c in location.closures or []):
        return []
    grid = location.slot_minutes or GRID_MINUTES
    buffer = timedelta(minutes=service.buffer_minutes if service.buffer_minutes is not None
                       else location.buffer_minutes)
    earliest, latest = now, None
    if actor.role == Role.KIOSK or customer:  # a customer choosing: the location's notice and horizon
        earliest = now + timedelta(minutes=location.min_notice_minutes)
        latest = now + timedelta(days=location.horizon_days)
    opening = [(s['start_minute'], s['end_minute']) for s in location.opening_hours or []
               if s['weekday'] == day.weekday()]
    if location.opening_hours and not opening:
        return []
    busy: dict[int, list[tuple[datetime, datetime]]] = {m.id: [] for m in members}
    for member_id, starts_at, ends_at in taken:
        busy[member_id].append((starts_at, ends_at))
    length = timedelta(minutes=service.duration_minutes)
    found: dict[datetime, Slot] = {}
    for member in sorted(members, key=lambda m: (len(busy[m.id]), m.name)):  # the least booked first
        for first, last in sorted((a, b) for who, a, b in shifts if who == member.id):
            minute = first + (-first) % grid
            while minute + service.duration_minutes <= last:
                starts_at = clock.local_datetime(day, minute, tz)
                reach = starts_at + length + buffer
                if (earliest <= starts_at and (latest is None or starts_at <= latest) and starts_at not in found
                        and (not location.opening_hours or any(
                            a <= minute and minute + service.duration_minutes <= b for a, b in opening))
                        and not any(b_start < reach and b_end > starts_at for b_start, b_end in busy[member.id])):
                    found[starts_at] = Slot(starts_at, member.id, member.name)
                minute += grid
    return [found[k] for k in sorted(found)]


def hold(location_id: int, service_id: int, slot: Slot, *, holder: str, actor: UserRead,
         minutes: int = HOLD_MINUTES, now: datetime | None = None) -> datetime:
    """Keep ``slot`` (for the service's length) from everyone but ``holder`` for ``minutes``; replaces
    the holder's earlier hold. Returns when it lapses.

    :raises SlotUnavailableError: the time was booked or held meanwhile
    :raises PermissionDeniedError: another location, or a role that may not book
    """
    ensure_reader(actor, location_id, WHO_MAY, 'hold a time')
    now = now or datetime.now(UTC)
    with session_scope(write=True) as session:
        service = session.get(Service, service_id)
        if service is None or service.location_id != location_id or not service.duration_minutes:
            raise NotFoundError('That service is not offered here.', field='service_id')
        member = session.exec(select(StaffMember).where(StaffMember.id == slot.staff_member_id)
                              .with_for_update()).first()
        if member is None or member.location_id != location_id or not member.active:
            raise NotFoundError('That staff member does not work here.', field='staff_member_id')
        ends_at = slot.starts_at + timedelta(minutes=service.duration_minutes)
        location = session.get(Location, location_id)
        reach = ends_at + timedelta(minutes=service.buffer_minutes if service.buffer_minutes is not None
                                    else location.buffer_minutes)
        clash = session.exec(select(Booking.id).where(
            Booking.staff_member_id == slot.staff_member_id, col(Booking.status).in_(BLOCKING),
            Booking.starts_at < reach, func.coalesce(Booking.blocked_until, Booking.ends_at) > slot.starts_at)).first()
        if clash is not None or bookings.held_times(session, [slot.staff_member_id], slot.starts_at, ends_at, now=now,
                                                   except_holder=holder):
            raise SlotUnavailableError('Sorry, that time was just taken. Please choose another.', field='starts_at')
        for earlier in session.exec(select(SlotHold).where(SlotHold.holder == holder)):
            session.delete(earlier)
        until = now + timedelta(minutes=minutes)
        session.add(SlotHold(location_id=location_id, staff_member_id=slot.staff_member_id, starts_at=slot.starts_at,
                             ends_at=ends_at, held_until=until, holder=holder))
    events.publish(events.AvailabilityChanged(location_id=location_id))
    return until


def release(location_id: int, holder: str, *, actor: UserRead) -> None:
    """Drop ``holder``'s hold at the location (booked, or the customer walked away); other screens see
    the time again. Holds elsewhere are never touched.

    :raises PermissionDeniedError: another location, or a role that may not book
    """
    ensure_reader(actor, location_id, WHO_MAY, 'release a time')
    with session_scope(write=True) as session:
        gone = session.exec(select(SlotHold).where(SlotHold.holder == holder,
                                                   SlotHold.location_id == location_id)).all()
        for old in gone:
            session.delete(old)
    if gone:
        events.publish(events.AvailabilityChanged(location_id=location_id))
