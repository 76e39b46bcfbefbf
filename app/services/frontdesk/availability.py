"""Free times: when a staff member (or anyone) can take a service, from working hours, the bookings
that hold their time (everything but cancelled) and the service's length, on a 15-minute grid,
never earlier than now. Used by the booking dialog and the kiosk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import col, select

from app.models import Booking, BookingStatus, Service, SlotHold, StaffMember, UserRead, WorkingHours
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
               now: datetime | None = None, holder: str | None = None) -> list[Slot]:
    """Free starts for ``service_id`` on the local ``day``, earliest first, one per time: with the given
    staff member, or with ``ANYONE`` the free staff member with the fewest bookings that day. Times
    someone is booking at the kiosk (a hold not yet expired, other than ``holder``'s) are not free.

    :raises NotFoundError: no such service at the location
    :raises ValidationError: the service has no duration yet
    :raises PermissionDeniedError: another location, or a role that may not book
    """
    ensure_reader(actor, location_id, WHO_MAY, 'see free times')
    now = now or datetime.now(UTC)
    with session_scope() as session:
        service = session.get(Service, service_id)
        if service is None or service.location_id != location_id or not service.active:
            raise NotFoundError('That service is not offered here.', field='service_id')
        if not service.duration_minutes:
            raise ValidationError(f'"{service.name}" cannot be booked here yet; please ask at the desk.',
                                  field='service_id')
        tz = bookings.location_time_zone(session, location_id)
        query = select(StaffMember).where(StaffMember.location_id == location_id, StaffMember.active)
        if staff_member_id != ANYONE:
            query = query.where(StaffMember.id == staff_member_id)
        members = session.exec(query.order_by(StaffMember.name)).all()
        if staff_member_id != ANYONE and not members:
            raise NotFoundError('That staff member does not work here.', field='staff_member_id')
        start, end = clock.day_bounds(day, tz)
        ids = [m.id for m in members]
        shifts = session.exec(select(WorkingHours).where(col(WorkingHours.staff_member_id).in_(ids),
                                                         WorkingHours.weekday == day.weekday())).all()
        taken = session.exec(select(Booking.staff_member_id, Booking.starts_at, Booking.ends_at).where(
            col(Booking.staff_member_id).in_(ids), col(Booking.status).in_(BLOCKING),
            Booking.starts_at < end, Booking.ends_at > start)).all()
        taken += bookings.held_times(session, ids, start, end, now=now, except_holder=holder)
    busy: dict[int, list[tuple[datetime, datetime]]] = {m.id: [] for m in members}
    for member_id, starts_at, ends_at in taken:
        busy[member_id].append((starts_at, ends_at))
    length = timedelta(minutes=service.duration_minutes)
    found: dict[datetime, Slot] = {}
    for member in sorted(members, key=lambda m: (len(busy[m.id]), m.name)):  # the least booked first
        for shift in (s for s in shifts if s.staff_member_id == member.id):
            minute = shift.start_minute + (-shift.start_minute) % GRID_MINUTES
            while minute + service.duration_minutes <= shift.end_minute:
                starts_at = clock.local_datetime(day, minute, tz)
                ends_at = starts_at + length
                if starts_at >= now and starts_at not in found and not any(
                        b_start < ends_at and b_end > starts_at for b_start, b_end in busy[member.id]):
                    found[starts_at] = Slot(starts_at, member.id, member.name)
                minute += GRID_MINUTES
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
        clash = session.exec(select(Booking.id).where(
            Booking.staff_member_id == slot.staff_member_id, col(Booking.status).in_(BLOCKING),
            Booking.starts_at < ends_at, Booking.ends_at > slot.starts_at)).first()
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
