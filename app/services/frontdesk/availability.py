"""Free times: when a staff member (or anyone) can take a service. A free start lies on the location's slot grid,
inside one of the staff member's working stretches (a break is the gap between two) and one of the location's
opening stretches (when set), on a day without a closure, never earlier than now, with room for the service's
preparation before it inside the stretch; the service's preparation, length and buffer (the service's, else the
location's default) must not meet another booking's, nor a hold's (which keeps the preparation and buffer of the
booking it becomes). A customer choosing (the kiosk, online, the manage link) also gets the location's minimum
notice and horizon. Used by the booking dialog, the kiosk, online booking, the manage link and the waitlist. Each
start is asked of :func:`app.services.frontdesk.slot_rules.refusal`, the rule the write path's refusal and SQL fast
path follow too.

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

**Worst case**: N hostile booking pages from M addresses keep at most min(N, 2·M) online holds live at a location;
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
from sqlmodel import select

from app.config import get_settings
from app.models import (
    HoldKind,
    HoldResource,
    Location,
    Service,
    SlotHold,
    StaffMember,
)
from app.services import clock, events
from app.services.accounts.access import (
    CUSTOMER_ROLES,
    FRONT_DESK_ROLES,
    KIOSK_ROLES,
    Actor,
    ensure_reader,
    is_customer,
    is_kiosk,
)
from app.services.database import session_scope
from app.services.errors import HoldLimitError, NotFoundError, SlotUnavailableError, ValidationError
from app.services.frontdesk import resource_rules, slot_queries, slot_rules
from app.services.frontdesk.resource_rules import Pool
from app.services.frontdesk.slot_rules import ONLINE, Place, StaffDay
from app.services.i18n import N_, _, ngettext

WHO_MAY = KIOSK_ROLES | FRONT_DESK_ROLES | CUSTOMER_ROLES
ANYONE = 0
"""``staff_member_id`` meaning "whoever is free"."""
HOLD_MINUTES = 5
"""How long the kiosk and the online booking page keep a time for a customer who is typing their details."""
_RANK = slot_rules.HOLD_RANK
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


def free_slots(location_id: int, service_id: int, day: date, *, actor: Actor, staff_member_id: int = ANYONE,
               now: datetime | None = None, holder: str | None = None, customer: bool = False,
               exclude_booking_id: int | None = None, desk: bool | None = None,
               include_held: bool = False) -> list[Slot]:
    """Free starts for ``service_id`` on the local ``day``, earliest first, one per time: with the given
    staff member, or with ``ANYONE`` the free staff member with the fewest bookings that day (one free outright
    before one being booked online). Times held for someone else (a hold not yet expired, other than ``holder``'s)
    are not free, except that ``desk`` (default: a front-desk role not acting for a customer) gets times held online
    marked ``held='online'``; ``include_held`` also lists the desk the kiosk's and the waitlist's held times, marked.
    ``customer`` (as for a kiosk or customer actor): only times inside the location's notice and horizon.
    ``exclude_booking_id``: that booking's own time counts as free (a customer moving it).

    :raises NotFoundError: no such service at the location
    :raises ValidationError: the service has no duration yet
    :raises PermissionDeniedError: another location, or a role that may not book
    """
    ensure_reader(actor, location_id, WHO_MAY, N_('see free times'))
    now = now or datetime.now(UTC)
    choosing = is_kiosk(actor) or is_customer(actor) or customer
    desk = not choosing if desk is None else desk
    with session_scope() as session:
        location, service = _bookable_service(session, location_id, service_id, kiosk=is_kiosk(actor))
        query = select(StaffMember).where(StaffMember.location_id == location_id, StaffMember.active)
        if staff_member_id != ANYONE:
            query = query.where(StaffMember.id == staff_member_id)
        members = session.exec(query.order_by(StaffMember.name)).all()
        if staff_member_id != ANYONE and not members:
            raise NotFoundError(_('That staff member does not work here.'), field='staff_member_id')
        facts = _day_facts(session, location, service, [(m.id, m.name) for m in members], day, now=now,
                           holder=holder, exclude_booking_id=exclude_booking_id, desk=desk)
    found: dict[datetime, Slot] = {}
    for member_id, name in sorted(facts.members, key=lambda m: (facts.load(m[0]), m[1])):  # the least booked first
        for starts_at, held in facts.starts(member_id, customer=choosing):
            if not _shown(held, desk=desk, include_held=include_held):
                continue
            current = found.get(starts_at)
            if current is None or _RANK[held] < _RANK[current.held]:
                found[starts_at] = Slot(starts_at, member_id, name, held)
    return [found[k] for k in sorted(found)]


def _shown(held: str, *, desk: bool, include_held: bool) -> bool:
    """Whether a start held by ``held`` ('' none) is listed: the desk may book over an online hold (so it sees it,
    marked); a kiosk or waitlist hold is listed only when asked for (``include_held``)."""
    if held == ONLINE:
        return desk
    return not held or include_held


def _bookable_service(session, location_id: int, service_id: int, *, kiosk: bool) -> tuple[Location, Service]:
    """The location and the service whose free times are asked for.

    :raises NotFoundError: no such active service at the location (for the kiosk: not offered there)
    :raises ValidationError: it has no duration yet
    """
    service = session.get(Service, service_id)
    if (service is None or service.location_id != location_id or not service.active
            or (kiosk and not service.kiosk)):
        raise NotFoundError(_('That service is not offered here.'), field='service_id')
    if not service.duration_minutes:
        raise ValidationError(_('"{service}" cannot be booked here yet; please ask at the desk.').format(
            service=service.name), field='service_id')
    return session.get(Location, location_id), service


def hold(location_id: int, service_id: int, slot: Slot, *, holder: str, actor: Actor,
         minutes: int = HOLD_MINUTES, now: datetime | None = None, kind: HoldKind = HoldKind.KIOSK, ip: str = '',
         visitor: str = '') -> datetime:
    """Keep ``slot`` (for the service's length) from everyone but ``holder`` for ``minutes``; replaces the holder's
    earlier hold. Returns when it lapses (aware UTC). ``kind``: whom it blocks (see the module). An online hold
    (``ip``: the visitor's network address; ``visitor``: their browser session) also replaces that session's earlier
    online hold at the location and is refused past the limits above.

    :raises SlotUnavailableError: the time was booked or held meanwhile, or the resources the service needs were
        taken (it keeps them too, for the booking it becomes)
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
        place = Place.of(location)
        asked = slot_rules.ask(slot.starts_at, service.duration_minutes, place, service_buffer=service.buffer_minutes,
                               prep=service.prep_minutes, now=now, holder=holder,
                               desk=False)  # a hold is for a customer: every hold counts
        staff_day = slot_queries.staff_days(session.connection(), [(member.id, member.name)], service.id, asked.day,
                                            asked.kept_from, asked.reach, now=now)[member.id]
        if slot_rules.refusal(place, staff_day, asked, checks=slot_rules.HOLD_CHECKS) is not None:
            raise SlotUnavailableError(_('Sorry, that time was just taken. Please choose another.'),
                                       field='starts_at')
        ends_at = asked.ends_at
        earlier = select(SlotHold).where(SlotHold.holder == holder)
        if kind == HoldKind.ONLINE and visitor:  # one live hold per booking session, however many pages it opens
            earlier = select(SlotHold).where((SlotHold.holder == holder) | (
                (SlotHold.location_id == location_id) & (SlotHold.kind == ONLINE) & (SlotHold.visitor == visitor)))
        for old in session.exec(earlier):
            session.delete(old)
        session.flush()
        if kind == HoldKind.ONLINE:
            _within_address_limit(session, location_id, ip[:64], now)
        kept = SlotHold(location_id=location_id, staff_member_id=slot.staff_member_id, starts_at=slot.starts_at,
                        ends_at=ends_at, held_until=now + timedelta(minutes=minutes), holder=holder,
                        # the booking it becomes keeps its preparation and buffer: so does the hold
                        blocked_from=asked.kept_from if asked.kept_from < asked.starts_at else None,
                        blocked_until=asked.reach if asked.reach > ends_at else None,
                        kind=kind.value, ip=ip[:64] if kind == HoldKind.ONLINE else '',
                        visitor=visitor[:64] if kind == HoldKind.ONLINE else '')
        session.add(kept)
        session.flush()
        # and the resources it will take (locked after the staff member, as a booking's): gone with the hold
        slot_queries.take_resources(session.connection(), kept.id, location_id,
                                    slot_queries.service_needs(session.connection(), service.id), asked.kept_from,
                                    asked.reach, now=now, holder=holder, desk=False, table=HoldResource,
                                    key='hold_id')
        if kind == HoldKind.ONLINE:
            _within_day_share(session, location, service, member, slot.starts_at, holder, now)
    events.publish(events.AvailabilityChanged(location_id=location_id))
    return now + timedelta(minutes=minutes)


def release(location_id: int, holder: str, *, actor: Actor) -> None:
    """Drop ``holder``'s hold at the location (booked, or the customer walked away); other screens see
    the time again. Holds elsewhere are never touched.

    :raises PermissionDeniedError: another location, or a role that may not book (a customer releases online holds
        only)
    """
    ensure_reader(actor, location_id, WHO_MAY, N_('release a time'))
    # a customer lets go of an online hold only (never the kiosk's or a waitlist offer's by its name)
    drop_hold(location_id, holder, kinds=(HoldKind.ONLINE,) if is_customer(actor) else tuple(HoldKind))


def drop_hold(location_id: int, holder: str, *, kinds: tuple[HoldKind, ...]) -> None:
    """Delete ``holder``'s holds of ``kinds`` at the location, for a service that has already checked its actor's
    right to them (:func:`release` checks; ``waitlist.book_offer`` checks the entry is the customer's own)."""
    with session_scope(write=True) as session:
        gone = session.exec(select(SlotHold).where(
            SlotHold.holder == holder, SlotHold.location_id == location_id,
            SlotHold.kind.in_([kind.value for kind in kinds]))).all()
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
    """What a local day's free times are computed from (loaded in one session, used after it): the location's rules,
    the service, and each member's :class:`~app.services.frontdesk.slot_rules.StaffDay`."""

    place: Place
    service_id: int
    minutes: int
    """the service's length"""
    service_buffer: int | None
    prep: int
    """the service's preparation before each booking, minutes"""
    day: date
    now: datetime
    members: list[tuple[int, str]]
    days: dict[int, StaffDay]
    start: datetime
    """the local day's start (aware UTC)"""
    holder: str = ''
    exclude_booking_id: int = 0
    needs: list[tuple[str, int]] = field(default_factory=list)
    """``[(kind, units)]`` of resources the service needs (:mod:`~app.services.frontdesk.resource_rules`)"""
    pools: list[Pool] = field(default_factory=list)
    """the location's resources of those kinds, with their uses and times out of service that day"""

    def load(self, member_id: int) -> int:
        """How busy the member is that day: bookings (other than the one moved), time off and others' holds."""
        day = self.days[member_id]
        return (sum(b.booking_id != self.exclude_booking_id and b.until > self.start for b in day.bookings)
                + sum(a.ends_at > self.start for a in day.away)
                + sum(h.holder != self.holder and h.ends_at > self.start for h in day.holds))

    def starts(self, member_id: int, *, customer: bool) -> Iterator[tuple[datetime, str]]:
        """The member's starts on the grid inside their stretches that the rules let be booked (for a
        ``customer``, inside the location's notice and horizon; for the desk, from now on), each with the kind of
        hold that covers it ('' none; a kiosk or offer hold before an online one)."""
        earliest, latest = slot_rules.notice_window(self.now, self.place, customer=customer)
        staff_day = self.days[member_id]
        for minute in slot_rules.grid_starts(staff_day.shifts, self.minutes, self.place.slot_minutes, self.prep):
            asked = slot_rules.ask_at(self.day, minute, self.minutes, self.place, service_buffer=self.service_buffer,
                                      prep=self.prep, now=self.now, holder=self.holder, desk=False, earliest=earliest,
                                      latest=latest, exclude_id=self.exclude_booking_id)
            refused = slot_rules.refusal(self.place, staff_day, asked)
            if (refused is None or refused.check == 'held') and self.needs and resource_rules.allocate(
                    self.needs, self.pools, asked.kept_from, asked.reach, exclude_id=self.exclude_booking_id)[1]:
                continue  # too few of a kind of resource free then
            if refused is None:
                yield asked.starts_at, ''
            elif refused.check == 'held':
                yield asked.starts_at, refused.item.kind


def _day_facts(session, location: Location, service: Service, members: list[tuple[int, str]], day: date, *,
               now: datetime, holder: str | None = None, exclude_booking_id: int | None = None,
               desk: bool = False) -> _DayFacts:
    place = Place.of(location)
    start, end = clock.day_bounds(day, location.time_zone)
    longest = timedelta(minutes=service.duration_minutes + slot_rules.buffer_minutes(service.buffer_minutes,
                                                                                     place.buffer_minutes))
    # a late start (and its buffer) may reach past midnight: the first hours of the next day count too; an early
    # one's preparation, the last minutes of the day before
    near = (start - timedelta(minutes=service.prep_minutes), end + max(timedelta(hours=4), longest))
    days = slot_queries.staff_days(session.connection(), members, service.id, day, *near, now=now)
    needs = slot_queries.service_needs(session.connection(), service.id)
    pools = slot_queries.resource_pools(session.connection(), location.id, [kind for kind, _units in needs], *near,
                                        now=now, holder=holder or '', desk=desk) if needs else []
    return _DayFacts(place=place, service_id=service.id, minutes=service.duration_minutes,
                     service_buffer=service.buffer_minutes, prep=service.prep_minutes, day=day, now=now,
                     members=members, days=days, start=start, holder=holder or '',
                     exclude_booking_id=exclude_booking_id or 0, needs=needs, pools=pools)


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
    if not others or not facts.days[member.id].performs:
        return
    free, hidden = _counts(facts, member.id)
    if hidden > free * get_settings().online_hold_share_percent // 100:
        raise HoldLimitError(_('Many times with {name} that day are being booked online just now, so this one cannot '
                               'be kept for you while you type.').format(name=member.name), field='starts_at')
