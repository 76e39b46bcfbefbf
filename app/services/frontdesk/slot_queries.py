"""What :mod:`app.services.frontdesk.slot_rules` decides on, read from the database, and the write path's SQL fast
path built to match those rules.

:func:`staff_days` loads each staff member's :class:`~app.services.frontdesk.slot_rules.StaffDay` (stretches, skills,
bookings, time off and holds near a window) for the free-time search, the refusal the desk reads and a new hold.
:data:`SLOT_CHECKS` asks the same checks in one statement, each column the SQL form of one rule (``in_hours`` of
``hours``, ``away``, ``performs``, ``clash_id`` of ``booked``, ``held``), every overlap :func:`meets_sql`, the SQL
form of :func:`~app.services.frontdesk.slot_rules.meets`; :data:`INSERT_IF_FREE` inserts a booking only when they all
pass (``tests/frontdesk/test_slot_rules.py`` checks the two agree on random schedules).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Connection, and_, bindparam, exists, func, or_
from sqlalchemy import delete as sa_delete
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlmodel import col

from app.models import (
    Booking,
    BookingResource,
    Customer,
    ExtraShift,
    HoldKind,
    HoldResource,
    Resource,
    ResourceOutage,
    ServiceResource,
    SlotHold,
    StaffService,
    TimeOff,
    WaitlistEntry,
    WorkingHours,
)
from app.services.errors import SlotUnavailableError
from app.services.frontdesk import resource_rules, slot_rules
from app.services.frontdesk.resource_rules import Pool, Use
from app.services.frontdesk.slot_rules import Away, Busy, Held, StaffDay
from app.services.i18n import _, ngettext


def meets_sql(start, until, starts_at=None, reach=None):
    """:func:`slot_rules.meets` as a SQL condition: ``[start, until)`` meets ``[starts_at, reach)`` (the bound
    parameters ``kept_from`` and ``reach``, the slot with its preparation and buffer, unless given)."""
    starts_at = bindparam('kept_from') if starts_at is None else starts_at
    reach = bindparam('reach') if reach is None else reach
    return and_(start < reach, or_(until > starts_at, start == starts_at))


BOOKING_UNTIL = func.coalesce(Booking.blocked_until, Booking.ends_at)
"""Until when a booking keeps its staff member: its end plus its buffer (``blocked_until``), else its end."""
BOOKING_FROM = func.coalesce(Booking.blocked_from, Booking.starts_at)
"""From when a booking keeps its staff member: its start less its preparation (``blocked_from``), else its start."""
_MEMBER = bindparam('staff_member_id')
_OVERLAPS = (Booking.staff_member_id == _MEMBER, col(Booking.status).in_(sorted(slot_rules.BLOCKING_VALUES)),
             meets_sql(BOOKING_FROM, BOOKING_UNTIL), Booking.id != bindparam('exclude_id'))
"""The rule ``booked``: a booking of the staff member in a blocking status meeting the slot, other than
``exclude_id``."""
HOLD_FROM = func.coalesce(SlotHold.blocked_from, SlotHold.starts_at)
HOLD_UNTIL = func.coalesce(SlotHold.blocked_until, SlotHold.ends_at)
"""What a hold keeps of its staff member's time, its preparation and buffer included."""
_HELD = (SlotHold.staff_member_id == _MEMBER, SlotHold.held_until > bindparam('now'),
         meets_sql(HOLD_FROM, HOLD_UNTIL), SlotHold.holder != bindparam('holder'),
         or_(~bindparam('desk', type_=Boolean()), SlotHold.kind != HoldKind.ONLINE.value))
"""The rule ``held``: a live hold of someone else's meeting the slot; for the ``desk``, not a customer's online
hold (:func:`slot_rules.hold_blocks`)."""
SLOT_CHECKS = sa_select(
    or_(exists().where(WorkingHours.staff_member_id == _MEMBER, WorkingHours.weekday == bindparam('weekday'),
                       WorkingHours.start_minute <= bindparam('first'), WorkingHours.end_minute >= bindparam('last')),
        exists().where(ExtraShift.staff_member_id == _MEMBER, ExtraShift.day == bindparam('day'),
                       ExtraShift.start_minute <= bindparam('first'), ExtraShift.end_minute >= bindparam('last'))
        ).label('in_hours'),
    exists().where(TimeOff.staff_member_id == _MEMBER,
                   meets_sql(col(TimeOff.starts_at), col(TimeOff.ends_at))).label('away'),
    or_(~exists().where(StaffService.staff_member_id == _MEMBER),
        exists().where(StaffService.staff_member_id == _MEMBER,
                       StaffService.service_id == bindparam('service_id'))).label('performs'),
    sa_select(col(Booking.id)).where(*_OVERLAPS).limit(1).scalar_subquery().label('clash_id'),
    exists().where(*_HELD).label('held'))
"""The staff member's checks of a slot in one statement (parameters: :func:`slot_parameters`)."""
_BOOKED_COLUMNS = ('location_id', 'customer_id', 'service_id', 'staff_member_id', 'starts_at', 'ends_at',
                   'blocked_from', 'blocked_until', 'notes', 'status', 'channel', 'price_cents', 'booked_at', 'code',
                   'series_id')


def _insert_if_free():
    table = Booking.__table__
    checks = SLOT_CHECKS.selected_columns
    return sa_insert(table).from_select(
        list(_BOOKED_COLUMNS),
        sa_select(*[bindparam(name, type_=table.c[name].type) for name in _BOOKED_COLUMNS]).where(
            or_(bindparam('override', type_=Boolean()), checks.in_hours), ~checks.away, checks.performs,
            checks.clash_id.is_(None), ~checks.held),
    ).returning(table.c.id)


INSERT_IF_FREE = _insert_if_free()
"""The booking (the columns of ``_BOOKED_COLUMNS`` as parameters, with :func:`slot_parameters`), inserted only if
the staff member performs the service, works then (or ``override``), is not away, has no booking and no hold of
someone else's meeting it; returns its id, or no row. Built once: building it anew cost more than running it."""


def slot_parameters(staff_member_id: int, service_id: int, slot: slot_rules.Ask) -> dict:
    """The bound parameters of :data:`SLOT_CHECKS` and :data:`INSERT_IF_FREE` for ``slot``."""
    return {'staff_member_id': staff_member_id, 'service_id': service_id, 'weekday': slot.day.weekday(),
            'day': slot.day, 'first': slot.first - slot.prep, 'last': slot.last, 'kept_from': slot.kept_from,
            'reach': slot.reach,
            'exclude_id': slot.exclude_id, 'now': slot.now, 'holder': slot.holder, 'desk': slot.desk,
            'override': slot.override}


def staff_days(connection: Connection, members: list[tuple[int, str]], service_id: int, day: date, start: datetime,
               end: datetime, *, now: datetime) -> dict[int, StaffDay]:
    """Each member's (``(id, name)``) :class:`StaffDay` on the local ``day`` for ``service_id``: the weekday's
    working stretches and the day's extra shifts, whether they perform the service, and their blocking bookings
    (with the customer's name), time off and live holds (everyone's) that could meet a slot inside ``[start, end]``
    (aware UTC)."""
    ids = [member_id for member_id, _name in members]
    days = {member_id: StaffDay(member_id, name) for member_id, name in members}
    if not ids:
        return days
    near = {'ids': ids, 'start': start, 'end': end, 'weekday': day.weekday(), 'day': day, 'now': now}
    skills: dict[int, set[int]] = {}
    for member_id, skill in connection.execute(_SKILLS, near):
        skills.setdefault(member_id, set()).add(skill)
    for member_id in ids:
        days[member_id].performs = slot_rules.performs(skills.get(member_id, ()), service_id)
    for row in connection.execute(_STRETCHES, near):
        days[row.staff_member_id].shifts.append((row.start_minute, row.end_minute))
    for row in connection.execute(_NEAR_BOOKINGS, near):
        days[row.staff_member_id].bookings.append(Busy(row.starts_at, row.ends_at, row.until, row.status, row.id,
                                                       row.customer or '', row.blocked_from))
    for row in connection.execute(_NEAR_AWAY, near):
        days[row.staff_member_id].away.append(Away(row.starts_at, row.ends_at, row.all_day, row.reason or ''))
    for row in connection.execute(_NEAR_HOLDS, near):
        days[row.staff_member_id].holds.append(Held(row.starts_at, row.ends_at, row.held_until, row.kind, row.holder,
                                                    row.blocked_from, row.blocked_until))
    return days


def waitlist_customer(connection: Connection, holder: str) -> str:
    """The name of the waitlisted customer a waitlist offer's hold (``holder`` ``'waitlist-<entry id>'``) is for;
    '' when unknown."""
    entry_id = holder.removeprefix('waitlist-')
    return connection.execute(sa_select(col(Customer.name)).join(
        WaitlistEntry, WaitlistEntry.customer_id == Customer.id).where(
        WaitlistEntry.id == (int(entry_id) if entry_id.isdigit() else 0))).scalar_one_or_none() or ''


_IDS = bindparam('ids', expanding=True)
_SKILLS = sa_select(col(StaffService.staff_member_id), col(StaffService.service_id)).where(
    col(StaffService.staff_member_id).in_(_IDS))
_STRETCHES = sa_select(col(WorkingHours.staff_member_id), col(WorkingHours.start_minute),
                       col(WorkingHours.end_minute)).where(
    col(WorkingHours.staff_member_id).in_(_IDS), WorkingHours.weekday == bindparam('weekday')).union_all(
    sa_select(col(ExtraShift.staff_member_id), col(ExtraShift.start_minute), col(ExtraShift.end_minute)).where(
        col(ExtraShift.staff_member_id).in_(_IDS), ExtraShift.day == bindparam('day')))
# near a window: starting before its end and kept until its start or later (so one of no length starting with it
# is read too; the rules decide what meets)
_NEAR_BOOKINGS = (sa_select(col(Booking.id), col(Booking.staff_member_id), col(Booking.starts_at),
                            col(Booking.ends_at), BOOKING_UNTIL.label('until'), col(Booking.status),
                            col(Customer.name).label('customer'), col(Booking.blocked_from))
                  .select_from(Booking).outerjoin(Customer, Customer.id == Booking.customer_id)
                  .where(col(Booking.staff_member_id).in_(_IDS),
                         col(Booking.status).in_(sorted(slot_rules.BLOCKING_VALUES)),
                         BOOKING_FROM < bindparam('end'), BOOKING_UNTIL >= bindparam('start')))
_NEAR_AWAY = sa_select(col(TimeOff.staff_member_id), col(TimeOff.starts_at), col(TimeOff.ends_at),
                       col(TimeOff.all_day), col(TimeOff.reason)).where(
    col(TimeOff.staff_member_id).in_(_IDS), TimeOff.starts_at < bindparam('end'),
    TimeOff.ends_at >= bindparam('start'))
_NEAR_HOLDS = sa_select(col(SlotHold.staff_member_id), col(SlotHold.starts_at), col(SlotHold.ends_at),
                        col(SlotHold.held_until), col(SlotHold.kind), col(SlotHold.holder), col(SlotHold.blocked_from),
                        col(SlotHold.blocked_until)).where(
    col(SlotHold.staff_member_id).in_(_IDS), SlotHold.held_until > bindparam('now'),
    HOLD_FROM < bindparam('end'), HOLD_UNTIL >= bindparam('start'))


# --- resources -----------------------------------------------------------------------------------------------------

def service_needs(connection: Connection, service_id: int) -> list[tuple[str, int]]:
    """``[(kind, units)]`` the service needs of resources for each booking (none: it needs none)."""
    return [(row.kind, row.units) for row in connection.execute(
        sa_select(col(ServiceResource.kind), col(ServiceResource.units)).where(
            ServiceResource.service_id == service_id).order_by(ServiceResource.kind))]


def resource_pools(connection: Connection, location_id: int, kinds: list[str], start: datetime, end: datetime, *,
                   lock: bool = False, now: datetime | None = None, holder: str = '', desk: bool = False
                   ) -> list[Pool]:
    """The location's active resources of ``kinds`` as :class:`~resource_rules.Pool` s, with the uses of bookings in a
    blocking status and the times out of service near ``[start, end]`` (aware UTC; a superset: the rules pick what
    meets). ``lock``: the resources' rows are locked first, in id order (``FOR UPDATE`` on PostgreSQL; SQLite's write
    transaction holds the whole database), so two bookings taking the same resources take turns. With ``now``, the
    live holds' resources count as uses too, as :func:`slot_rules.hold_blocks` says for the asker: not ``holder``'s
    own, and for the ``desk`` not a customer's online hold."""
    query = sa_select(col(Resource.id), col(Resource.name), col(Resource.kind), col(Resource.capacity)).where(
        Resource.location_id == location_id, col(Resource.active), col(Resource.kind).in_(sorted(set(kinds)))
    ).order_by(Resource.id)
    pools = {row.id: Pool(row.id, row.name, row.kind, row.capacity)
             for row in connection.execute(query.with_for_update() if lock else query)}
    if not pools:
        return []
    near = {'ids': sorted(pools), 'start': start, 'end': end}
    for row in connection.execute(_NEAR_USES, near):
        pools[row.resource_id].uses.append(Use(row.start, row.until, row.units, row.booking_id))
    for row in connection.execute(_NEAR_OUTAGES, near):
        pools[row.resource_id].outages.append((row.starts_at, row.ends_at, row.reason or ''))
    if now is not None:
        for row in connection.execute(_NEAR_HOLD_USES, {**near, 'now': now, 'holder': holder, 'desk': desk}):
            pools[row.resource_id].uses.append(Use(row.start, row.until, row.units))
    return list(pools.values())


def take_resources(connection: Connection, booking_id: int, location_id: int, needs: list[tuple[str, int]],
                   start: datetime, end: datetime, *, now: datetime, holder: str = '', desk: bool = True,
                   table=BookingResource, key: str = 'booking_id') -> list[tuple[int, int]]:
    """Give booking ``booking_id``, kept over ``[start, end)``, the units of resources its service ``needs``, inside
    the caller's transaction (the resources locked meanwhile): ``[(resource id, units)]`` written. Others' live holds
    keep theirs (``now``, ``holder``, ``desk``: as :func:`resource_pools`). ``table``/``key``: where the units go — a
    hold's (:class:`~app.models.HoldResource`, ``'hold_id'``) keeps them for the booking it becomes.

    :raises SlotUnavailableError: a kind has too few units free then (what is free and what is out of service, in
        words); the caller's transaction must roll back
    """
    if not needs:
        return []
    pools = resource_pools(connection, location_id, [kind for kind, _units in needs], start, end, lock=True, now=now,
                           holder=holder, desk=desk)
    taken, shortage = resource_rules.allocate(needs, pools, start, end,
                                              exclude_id=booking_id if table is BookingResource else 0)
    if shortage is not None:
        raise shortage_error(shortage)
    connection.execute(sa_insert(table), [
        {key: booking_id, 'resource_id': resource_id, 'units': units} for resource_id, units in taken])
    return taken


def release_held_resources(connection: Connection, location_id: int, holder: str) -> None:
    """``holder``'s holds at the location keep no resources any more (its booking has taken them; the hold itself
    lapses or is released by its page): otherwise they would count twice for everyone else meanwhile."""
    connection.execute(sa_delete(HoldResource).where(col(HoldResource.hold_id).in_(
        sa_select(col(SlotHold.id)).where(SlotHold.location_id == location_id, SlotHold.holder == holder))))


def shortage_error(shortage: resource_rules.Shortage) -> SlotUnavailableError:
    """The refusal the desk (or a customer) reads when a kind of resource is short."""
    if shortage.out and not shortage.free:
        message = _('No {kind} is free at that time ({names} out of service). Choose another time.').format(
            kind=shortage.kind, names=', '.join(shortage.out))
    elif not shortage.free:
        message = _('No {kind} is free at that time. Choose another time.').format(kind=shortage.kind)
    else:
        message = ngettext('Only {free} {kind} is free at that time; this service needs {needed}. Choose another time.',
                           'Only {free} {kind} are free at that time; this service needs {needed}. Choose another '
                           'time.', shortage.free).format(free=shortage.free, kind=shortage.kind,
                                                          needed=shortage.needed)
    return SlotUnavailableError(message, field='starts_at')


_NEAR_USES = (sa_select(col(BookingResource.resource_id), col(BookingResource.units), col(BookingResource.booking_id),
                        BOOKING_FROM.label('start'), BOOKING_UNTIL.label('until'))
              .join(Booking, Booking.id == BookingResource.booking_id)
              .where(col(BookingResource.resource_id).in_(_IDS),
                     col(Booking.status).in_(sorted(slot_rules.BLOCKING_VALUES)),
                     BOOKING_FROM < bindparam('end'), BOOKING_UNTIL >= bindparam('start')))
_NEAR_HOLD_USES = (sa_select(col(HoldResource.resource_id), col(HoldResource.units), HOLD_FROM.label('start'),
                             HOLD_UNTIL.label('until'))
                   .join(SlotHold, SlotHold.id == HoldResource.hold_id)
                   .where(col(HoldResource.resource_id).in_(_IDS), SlotHold.held_until > bindparam('now'),
                          SlotHold.holder != bindparam('holder'),
                          or_(~bindparam('desk', type_=Boolean()), SlotHold.kind != HoldKind.ONLINE.value),
                          HOLD_FROM < bindparam('end'), HOLD_UNTIL >= bindparam('start')))
_NEAR_OUTAGES = sa_select(col(ResourceOutage.resource_id), col(ResourceOutage.starts_at), col(ResourceOutage.ends_at),
                          col(ResourceOutage.reason)).where(
    col(ResourceOutage.resource_id).in_(_IDS), ResourceOutage.starts_at < bindparam('end'),
    ResourceOutage.ends_at >= bindparam('start'))
