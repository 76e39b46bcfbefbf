"""Free times: when a staff member (or anyone) can take a service. A free start lies on the location's slot grid,
inside one of the staff member's working stretches (a break is the gap between two) and one of the location's
opening stretches (when set), on a day without a closure, never earlier than now; the service's length plus its
buffer (the service's, else the location's default) must not meet another booking's time plus its buffer, nor a
hold. A customer choosing (the kiosk, online, the manage link) also gets the location's minimum notice and horizon.
Used by the booking dialog, the kiosk, online booking, the manage link and the waitlist.

**Holds** (:class:`~app.models.HoldKind`) keep a time for a customer who is booking it, for a few minutes:

- a **kiosk** hold (a customer typing their details at the shop's kiosk) and a waitlist **offer** (a freed time held
  for the waitlisted customer it was offered to, ``waitlist_offer_minutes``) block everyone, the desk too: the person
  is in the shop, or the desk itself offered them the time. The desk's booking dialog lists such a time as "held"
  (not bookable) and a booking there is refused saying for whom and until when;
- an **online** hold blocks other customers only (online, the kiosk, the manage link's "Move", waitlist offers).
  The desk still sees the time, marked "being booked online", and may book it; the online customer is then told the
  time went (their page follows the change live, and confirming refuses it).

Limits on online holds (anyone may open ``/book``): one live hold per booking session (a new one replaces it; the
browser's session, so more tabs do not make more), at most :attr:`~app.config.Settings.online_holds_per_address`
(2) live at a location from one network address, and on each staff member's day at most
:attr:`~app.config.Settings.online_hold_share_percent` (25 %) of its free times hidden from online customers by
online holds (the first hold of a day is always allowed). Past a limit the time is simply not held
(:class:`~app.services.errors.HoldLimitError`): the customer still books it, only it is not kept from others while
they type — so the limits bound what holds can hide without ever stopping a customer from booking.

**Worst case**: N hostile booking sessions from M addresses keep at most min(N, 2·M) online holds live at a location;
whatever N and M, a staff member's day with F free times for a service keeps at least F − max(⌊F/4⌋, s) of them
offered online, where s is what one hold hides (⌈(held length + service length + buffer) / grid⌉ − 1 starts). For the
usual day of ``tests/frontdesk/test_online_holds.py`` (09:00–17:00, a 45-minute service on the 15-minute grid:
F = 30, s = 5) that is at most 7 hidden, 23 left; the desk always sees all 30. ``bench/holds.py`` prints the table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select

from app.config import get_settings
from app.models import (
    Booking,
    BookingStatus,
    ExtraShift,
    HoldKind,
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
from app.services.errors import HoldLimitError, NotFoundError, SlotUnavailableError, ValidationError
from app.services.frontdesk import bookings
from app.services.i18n import N_, _, ngettext

GRID_MINUTES = 15
BLOCKING = [BookingStatus.BOOKED.value, BookingStatus.CONFIRMED.value, BookingStatus.CHECKED_IN.value,
            BookingStatus.COMPLETED.value, BookingStatus.NO_SHOW.value]
WHO_MAY = KIOSK_ROLES | FRONT_DESK_ROLES
ANYONE = 0
"""``staff_member_id`` meaning "whoever is free"."""
HOLD_MINUTES = 5
"""How long the kiosk and the online booking page keep a time for a customer who is typing their details."""
ONLINE = HoldKind.ONLINE.value
_RANK = {'': 0, ONLINE: 1, HoldKind.KIOSK.value: 2, HoldKind.OFFER.value: 2}
"""Which staff member a start is shown with when several could take it: one free outright first."""


@dataclass(frozen=True)
class Slot:
    """A free start (aware UTC) with the staff member who would take it.

    ``held``: '' (free); ``'online'`` (only in the desk's view: a customer is booking it online; the desk may still
    book it); ``'kiosk'`` or ``'offer'`` (only when asked for with ``include_held``: held for a customer at the kiosk
    or from the waitlist, not bookable until they are done)."""

    starts_at: datetime
    staff_member_id: int
    staff_name: str
    held: str = ''


def free_slots(location_id: int, service_id: int, day: date, *, actor: UserRead, staff_member_id: int = ANYONE,
               now: datetime | None = None, holder: str | None = None, customer: bool = False,
               exclude_booking_id: int | None = None, desk: bool | None = None,
               include_held: bool = False) -> list[Slot]:
    """Free starts for ``service_id`` on the local ``day``, earliest first, one per time: with the given
    staff member, or with ``ANYONE`` the free staff member with the fewest bookings that day (one free outright
    before one being booked online). Times held for someone else (a hold not yet expired, other than ``holder``'s)
    are not free, except that ``desk`` (default: a front-desk role not acting for a customer) gets times held online
    marked ``held='online'``; ``include_held`` also lists the desk the kiosk's and the waitlist's held times, marked.
    ``customer`` (as for a kiosk actor): only times inside the location's notice and horizon.
    ``exclude_booking_id``: that booking's own time counts as free (a customer moving it).

    :raises NotFoundError: no such service at the location
    :raises ValidationError: the service has no duration yet
    :raises PermissionDeniedError: another location, or a role that may not book
    """
    ensure_reader(actor, location_id, WHO_MAY, N_('see free times'))
    now = now or datetime.now(UTC)
    choosing = actor.role == Role.KIOSK or customer
    desk = not choosing if desk is None else desk
    with session_scope() as session:
        service = session.get(Service, service_id)
        if (service is None or service.location_id != location_id or not service.active
                or (actor.role == Role.KIOSK and not service.kiosk)):
            raise NotFoundError(_('That service is not offered here.'), field='service_id')
        if not service.duration_minutes:
            raise ValidationError(_('"{service}" cannot be booked here yet; please ask at the desk.').format(
                service=service.name), field='service_id')
        location = session.get(Location, location_id)
        query = select(StaffMember).where(StaffMember.location_id == location_id, StaffMember.active)
        if staff_member_id != ANYONE:
            query = query.where(StaffMember.id == staff_member_id)
        members = session.exec(query.order_by(StaffMember.name)).all()
        if staff_member_id != ANYONE and not members:
            raise NotFoundError(_('That staff member does not work here.'), field='staff_member_id')
        facts = _day_facts(session, location, service, [(m.id, m.name) for m in members], day, now=now,
                           holder=holder, exclude_booking_id=exclude_booking_id)
    found: dict[datetime, Slot] = {}
    for member_id, name in sorted(facts.members, key=lambda m: (facts.load(m[0]), m[1])):  # the least booked first
        for starts_at, held in facts.starts(member_id, customer=choosing):
            if (held == ONLINE and not desk) or (held not in ('', ONLINE) and not include_held):
                continue
            current = found.get(starts_at)
            if current is None or _RANK[held] < _RANK[current.held]:
                found[starts_at] = Slot(starts_at, member_id, name, held)
    return [found[k] for k in sorted(found)]


def hold(location_id: int, service_id: int, slot: Slot, *, holder: str, actor: UserRead,
         minutes: int = HOLD_MINUTES, now: datetime | None = None, kind: HoldKind = HoldKind.KIOSK, ip: str = '',
         visitor: str = '') -> datetime:
    """Keep ``slot`` (for the service's length) from everyone but ``holder`` for ``minutes``; replaces the holder's
    earlier hold. Returns when it lapses (aware UTC). ``kind``: whom it blocks (see the module). An online hold
    (``ip``: the visitor's network address; ``visitor``: their browser session) also replaces that session's earlier
    online hold at the location and is refused past the limits above.

    :raises SlotUnavailableError: the time was booked or held meanwhile
    :raises HoldLimitError: an online hold past a limit (field ``starts_at``): nothing is held, the time may still be
        booked
    :raises PermissionDeniedError: another location, or a role that may not book
    """
    ensure_reader(actor, location_id, WHO_MAY, N_('hold a time'))
    now = now or datetime.now(UTC)
    kind = HoldKind(kind)
    with session_scope(write=True) as session:
        service = session.get(Service, service_id)
        if service is None or service.location_id != location_id or not service.duration_minutes:
            raise NotFoundError(_('That service is not offered here.'), field='service_id')
        location = session.exec(select(Location).where(Location.id == location_id).with_for_update(
            key_share=True)).one() if kind == HoldKind.ONLINE else session.get(Location, location_id)
        # the location's row (FOR NO KEY UPDATE on PostgreSQL; SQLite's write lock covers all) makes an online hold's
        # limits one at a time per location; it does not wait for bookings, whose foreign key only shares the key
        member = session.exec(select(StaffMember).where(StaffMember.id == slot.staff_member_id)
                              .with_for_update()).first()
        if member is None or member.location_id != location_id or not member.active:
            raise NotFoundError(_('That staff member does not work here.'), field='staff_member_id')
        ends_at = slot.starts_at + timedelta(minutes=service.duration_minutes)
        reach = ends_at + timedelta(minutes=service.buffer_minutes if service.buffer_minutes is not None
                                    else location.buffer_minutes)
        clash = session.exec(select(Booking.id).where(
            Booking.staff_member_id == slot.staff_member_id, col(Booking.status).in_(BLOCKING),
            Booking.starts_at < reach, func.coalesce(Booking.blocked_until, Booking.ends_at) > slot.starts_at)).first()
        if clash is not None or bookings.held_times(session, [slot.staff_member_id], slot.starts_at, ends_at, now=now,
                                                   except_holder=holder):
            raise SlotUnavailableError(_('Sorry, that time was just taken. Please choose another.'),
                                       field='starts_at')
        earlier = select(SlotHold).where(SlotHold.holder == holder)
        if kind == HoldKind.ONLINE and visitor:  # one live hold per booking session, however many pages it opens
            earlier = select(SlotHold).where((SlotHold.holder == holder) | (
                (SlotHold.location_id == location_id) & (SlotHold.kind == ONLINE) & (SlotHold.visitor == visitor)))
        for old in session.exec(earlier):
            session.delete(old)
        session.flush()
        if kind == HoldKind.ONLINE:
            _within_address_limit(session, location_id, ip[:64], now)
        session.add(SlotHold(location_id=location_id, staff_member_id=slot.staff_member_id, starts_at=slot.starts_at,
                             ends_at=ends_at, held_until=now + timedelta(minutes=minutes), holder=holder,
                             kind=kind.value, ip=ip[:64] if kind == HoldKind.ONLINE else '',
                             visitor=visitor[:64] if kind == HoldKind.ONLINE else ''))
        session.flush()
        if kind == HoldKind.ONLINE:
            _within_day_share(session, location, service, member, slot.starts_at, holder, now)
    events.publish(events.AvailabilityChanged(location_id=location_id))
    return now + timedelta(minutes=minutes)


def release(location_id: int, holder: str, *, actor: UserRead) -> None:
    """Drop ``holder``'s hold at the location (booked, or the customer walked away); other screens see
    the time again. Holds elsewhere are never touched.

    :raises PermissionDeniedError: another location, or a role that may not book
    """
    ensure_reader(actor, location_id, WHO_MAY, N_('release a time'))
    with session_scope(write=True) as session:
        gone = session.exec(select(SlotHold).where(SlotHold.holder == holder,
                                                   SlotHold.location_id == location_id)).all()
        for old in gone:
            session.delete(old)
    if gone:
        events.publish(events.AvailabilityChanged(location_id=location_id))


def hidden_online(location_id: int, service_id: int, day: date, *, staff_member_id: int,
                  now: datetime | None = None) -> tuple[int, int]:
    """(free times of the staff member's local ``day`` for the service as the desk counts them — online holds do not
    block it —, of which online holds hide from online customers): what the day-share limit compares. For tests and
    ``bench/holds.py``; the limit itself is checked inside :func:`hold`.

    :raises NotFoundError: no such service or staff member at the location
    """
    now = now or datetime.now(UTC)
    with session_scope() as session:
        service, location = session.get(Service, service_id), session.get(Location, location_id)
        member = session.get(StaffMember, staff_member_id)
        if service is None or location is None or member is None or {service.location_id, member.location_id} != {
                location_id}:
            raise NotFoundError(_('That service or staff member is not at this location.'))
        return _counts(_day_facts(session, location, service, [(member.id, member.name)], day, now=now), member.id)


# --- helpers -------------------------------------------------------------------------------------------------------

@dataclass
class _DayFacts:
    """What a local day's free times are computed from (loaded in one session, used after it)."""

    location: Location
    service: Service
    day: date
    now: datetime
    members: list[tuple[int, str]]
    shifts: list[tuple[int, int, int]]
    """(staff member, first minute, last minute) of the day's working stretches and extra shifts"""
    busy: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    """bookings (to their buffer's end) and time off"""
    holds: dict[int, list[tuple[datetime, datetime, str]]] = field(default_factory=dict)
    """live holds other than the asker's, with their kind"""

    def load(self, member_id: int) -> int:
        return len(self.busy[member_id]) + len(self.holds[member_id])

    def starts(self, member_id: int, *, customer: bool) -> Iterator[tuple[datetime, str]]:
        """The member's starts on the grid inside their stretches, the opening hours and (``customer``) the notice
        and horizon, that meet no booking or time off: each with the kind of hold that covers it ('' none; a kiosk
        or offer hold before an online one)."""
        location, service, day = self.location, self.service, self.day
        if any(c['start'] <= day.isoformat() <= c['end'] for c in location.closures or []):
            return
        opening = [(s['start_minute'], s['end_minute']) for s in location.opening_hours or []
                   if s['weekday'] == day.weekday()]
        if location.opening_hours and not opening:
            return
        earliest, latest = self.now, None
        if customer:  # a customer choosing: the location's notice and horizon
            earliest = self.now + timedelta(minutes=location.min_notice_minutes)
            latest = self.now + timedelta(days=location.horizon_days)
        grid = location.slot_minutes or GRID_MINUTES
        length = timedelta(minutes=service.duration_minutes)
        buffer = timedelta(minutes=service.buffer_minutes if service.buffer_minutes is not None
                           else location.buffer_minutes)
        for first, last in sorted((a, b) for who, a, b in self.shifts if who == member_id):
            minute = first + (-first) % grid
            while minute + service.duration_minutes <= last:
                starts_at = clock.local_datetime(day, minute, location.time_zone)
                reach = starts_at + length + buffer
                if (earliest <= starts_at and (latest is None or starts_at <= latest)
                        and (not location.opening_hours or any(
                            a <= minute and minute + service.duration_minutes <= b for a, b in opening))
                        and not any(b_start < reach and b_end > starts_at for b_start, b_end in self.busy[member_id])):
                    kinds = {kind for h_start, h_end, kind in self.holds[member_id]
                             if h_start < reach and h_end > starts_at}
                    yield starts_at, max(kinds, key=_RANK.__getitem__) if kinds else ''
                minute += grid


def _day_facts(session, location: Location, service: Service, members: list[tuple[int, str]], day: date, *,
               now: datetime, holder: str | None = None, exclude_booking_id: int | None = None) -> _DayFacts:
    ids = [m[0] for m in members]
    skilled = session.exec(select(StaffService.staff_member_id, StaffService.service_id).where(
        col(StaffService.staff_member_id).in_(ids))).all()
    performs: dict[int, set[int]] = {}
    for member_id, skill in skilled:
        performs.setdefault(member_id, set()).add(skill)
    members = [m for m in members if m[0] not in performs or service.id in performs[m[0]]]
    ids = [m[0] for m in members]
    start, end = clock.day_bounds(day, location.time_zone)
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
    facts = _DayFacts(location=location, service=service, day=day, now=now, members=members, shifts=shifts,
                      busy={i: [] for i in ids}, holds={i: [] for i in ids})
    for member_id, starts_at, ends_at in [*taken, *away]:  # time off is as busy as a booking
        facts.busy[member_id].append((starts_at, ends_at))
    for member_id, starts_at, ends_at, kind in bookings.held_times(session, ids, start, end, now=now,
                                                                   except_holder=holder):
        facts.holds[member_id].append((starts_at, ends_at, kind))
    return facts


def _counts(facts: _DayFacts, member_id: int) -> tuple[int, int]:
    held = [kind for _start, kind in facts.starts(member_id, customer=True) if kind in ('', ONLINE)]
    return len(held), held.count(ONLINE)


def _within_address_limit(session, location_id: int, ip: str, now: datetime) -> None:
    most = get_settings().online_holds_per_address
    live = session.exec(select(func.count()).select_from(SlotHold).where(
        SlotHold.location_id == location_id, SlotHold.kind == ONLINE, SlotHold.ip == ip,
        SlotHold.held_until > now)).one()
    if live >= most:
        raise HoldLimitError(ngettext(
            '{n} time is already being booked from your network, so this one cannot be kept for you while you type.',
            '{n} times are already being booked from your network, so this one cannot be kept for you while you type.',
            most).format(n=most), field='starts_at')


def _within_day_share(session, location: Location, service: Service, member: StaffMember, starts_at: datetime,
                      holder: str, now: datetime) -> None:
    """Online holds may hide at most the share of a staff member's free times that day (beyond the day's first)."""
    day = clock.local_day(starts_at, location.time_zone)
    facts = _day_facts(session, location, service, [(member.id, member.name)], day, now=now)
    start, end = clock.day_bounds(day, location.time_zone)
    others = session.exec(select(func.count()).select_from(SlotHold).where(
        SlotHold.staff_member_id == member.id, SlotHold.kind == ONLINE, SlotHold.holder != holder,
        SlotHold.held_until > now, SlotHold.starts_at < end, SlotHold.ends_at > start)).one()
    if not others or member.id not in facts.holds:
        return
    free, hidden = _counts(facts, member.id)
    if hidden > free * get_settings().online_hold_share_percent // 100:
        raise HoldLimitError(_('Many times with {name} that day are being booked online just now, so this one cannot '
                               'be kept for you while you type.').format(name=member.name), field='starts_at')
