"""Staff members and their working hours."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col, select

from app.models import (
    ExtraShift,
    ExtraShiftRead,
    Location,
    Role,
    Schedule,
    Service,
    StaffMember,
    StaffMemberCreate,
    StaffMemberRead,
    StaffService,
    TimeOff,
    TimeOffRead,
    User,
    UserRead,
    WorkingHours,
    WorkingHoursBase,
)
from app.services import clock, events, i18n
from app.services.accounts import activity
from app.services.accounts.access import EVERY_ROLE, MANAGING_ROLES, ensure_location, ensure_reader, ensure_role
from app.services.caching import VersionedCache
from app.services.customers.customers import location_country, readable_phone
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError
from app.services.i18n import N_, _


def list_staff(location_id: int, *, actor: UserRead, include_inactive: bool = False) -> list[StaffMemberRead]:
    """Staff members of a location with their weekly hours, by name (the kiosk may read them too). Shared:
    the list is cached per location until a staff event (:data:`events.STAFF_EVENTS`); do not mutate it.

    :raises PermissionDeniedError: another location
    """
    ensure_reader(actor, location_id, EVERY_ROLE)
    return _staff.get((location_id, include_inactive), [location_id], lambda: _list(location_id, include_inactive))


def _list(location_id: int, include_inactive: bool) -> list[StaffMemberRead]:
    with session_scope() as session:
        query = select(StaffMember).where(StaffMember.location_id == location_id)
        if not include_inactive:
            query = query.where(StaffMember.active)
        members = session.exec(query.order_by(StaffMember.name)).all()
        hours: dict[int, list[WorkingHoursBase]] = defaultdict(list)
        ids = [m.id for m in members]
        for shift in session.exec(select(WorkingHours).where(WorkingHours.staff_member_id.in_(ids))
                                  .order_by(WorkingHours.weekday, WorkingHours.start_minute)):
            hours[shift.staff_member_id].append(WorkingHoursBase.model_validate(shift))
        return [StaffMemberRead.model_validate(m, update={'working_hours': hours[m.id]}) for m in members]


def create_staff_member(data: StaffMemberCreate, *, actor: UserRead) -> StaffMemberRead:
    """Add a staff member with weekly hours (minutes after local midnight, per weekday 0 = Monday).

    :raises ValidationError: a name already used at the location, or a shift that ends before it starts
    :raises PermissionDeniedError: only owners and managers add staff
    """
    return create_staff_members([data], actor=actor)[0]


def create_staff_members(members: list[StaffMemberCreate], *, actor: UserRead) -> list[StaffMemberRead]:
    """Add several staff members in one transaction (the first-run setup's list), all or none.

    :raises ValidationError: as :func:`create_staff_member`, for the first member at fault (``field`` prefixed
        with its position: ``'1.name'``), or two of the list with the same name
    :raises PermissionDeniedError: only owners and managers add staff, at their own location
    """
    ensure_role(actor, MANAGING_ROLES, N_('add staff members'))
    names: set[str] = set()
    for data in members:
        ensure_location(actor, data.location_id)
        for shift in data.working_hours:
            if shift.start_minute >= shift.end_minute:
                raise ValidationError(_('{name}: a shift must end after it starts.').format(name=data.name),
                                      field='working_hours')
        if data.name.strip().lower() in names:
            raise ValidationError(_('{name} is in the list twice.').format(name=data.name), field='name')
        names.add(data.name.strip().lower())
    created: list[StaffMemberRead] = []
    with session_scope(write=True) as session:
        for data in members:
            taken = session.exec(select(StaffMember).where(StaffMember.location_id == data.location_id,
                                                           StaffMember.name == data.name)).first()
            if taken is not None:
                raise ValidationError(_('There is already a staff member called {name}.').format(name=data.name),
                                      field='name')
            member = StaffMember.model_validate(data.model_dump(exclude={'working_hours'}), update={
                'phone': _phone(session, data.phone or '', data.location_id)})
            session.add(member)
            session.flush()
            for shift in data.working_hours:
                session.add(WorkingHours(staff_member_id=member.id, **shift.model_dump()))
            created.append(StaffMemberRead.model_validate(member, update={'working_hours': data.working_hours}))
            activity.add(session, actor, 'staff_added', i18n.deferred('New staff member: {name}', name=member.name),
                         location_id=member.location_id)
    for member in created:
        events.publish(events.StaffChanged(location_id=member.location_id, staff_member_id=member.id,
                                           summary=i18n.deferred('New staff member: {name}', name=member.name)))
    return created


# every open day view reads the location's staff on every booking: kept until a staff event (or a minute, for
# changes another process made)
_staff: VersionedCache[list[StaffMemberRead]] = VersionedCache(of='staff', max_age=60)


# --- time off, extra shifts, skills --------------------------------------------------------------------------------

def add_time_off(staff_member_id: int, first_day: date, last_day: date, *, actor: UserRead,
                 start_minute: int | None = None, end_minute: int | None = None, reason: str = '') -> TimeOffRead:
    """Mark a staff member away: whole days from ``first_day`` to ``last_day`` (local dates, inclusive), or, with
    ``start_minute`` and ``end_minute`` (minutes after local midnight), those hours of each of those days' span
    (from ``first_day`` at ``start_minute`` to ``last_day`` at ``end_minute``). Free times skip it and bookings
    over it are refused; bookings already there stay for the desk to move.

    :raises ValidationError: it ends before it starts (``field='last_day'`` or ``'end_minute'``), a reason over
        120 characters
    :raises NotFoundError: no such staff member
    :raises PermissionDeniedError: only owners and managers, at their location
    """
    ensure_role(actor, MANAGING_ROLES, N_('give time off'))
    if last_day < first_day:
        raise ValidationError(_('Time off must end on or after the day it starts.'), field='last_day')
    if (start_minute is None) != (end_minute is None):
        raise ValidationError(_('Give both times, or neither for whole days.'), field='end_minute')
    if len(reason or '') > 120:
        raise ValidationError(_('The reason may be at most {most} characters.').format(most=120), field='reason')
    with session_scope(write=True) as session:
        member, tz = _member_at(session, staff_member_id, actor)
        if start_minute is None:
            starts_at, ends_at = clock.day_bounds(first_day, tz)[0], clock.day_bounds(last_day, tz)[1]
        else:
            if not (0 <= start_minute <= 24 * 60 and 0 <= end_minute <= 24 * 60):
                raise ValidationError(_('Times are between 00:00 and 24:00.'), field='end_minute')
            starts_at = clock.local_datetime(first_day, start_minute, tz)
            ends_at = clock.local_datetime(last_day, end_minute, tz)
            if ends_at <= starts_at:
                raise ValidationError(_('Time off must end after it starts.'), field='end_minute')
        away = TimeOff(staff_member_id=member.id, starts_at=starts_at, ends_at=ends_at, all_day=start_minute is None,
                       reason=(reason or '').strip())
        session.add(away)
        session.flush()
        result = TimeOffRead.model_validate(away)
        summary = _away(member.name, result, tz)
        activity.add(session, actor, 'time_off', summary, location_id=member.location_id)
        location_id = member.location_id
    events.publish(events.StaffChanged(location_id=location_id, staff_member_id=staff_member_id, summary=summary))
    return result


def remove_time_off(time_off_id: int, *, actor: UserRead) -> None:
    """Take time off back. :raises NotFoundError, PermissionDeniedError: as :func:`add_time_off`"""
    ensure_role(actor, MANAGING_ROLES, N_('change time off'))
    with session_scope(write=True) as session:
        away = session.get(TimeOff, time_off_id)
        if away is None:
            raise NotFoundError(_('That time off no longer exists.'))
        member, _tz = _member_at(session, away.staff_member_id, actor)
        session.delete(away)
        activity.add(session, actor, 'time_off_removed', i18n.deferred('{name}: time off taken back',
                                                                       name=member.name),
                     location_id=member.location_id)
        location_id = member.location_id
    events.publish(events.StaffChanged(location_id=location_id, staff_member_id=member.id,
                                       summary=i18n.deferred('{name}: time off taken back', name=member.name)))


def add_extra_shift(staff_member_id: int, day: date, start_minute: int, end_minute: int, *,
                    actor: UserRead) -> ExtraShiftRead:
    """A stretch of work on ``day`` besides the weekly hours. :raises ValidationError: it ends before it starts
    :raises NotFoundError, PermissionDeniedError: as :func:`add_time_off`"""
    ensure_role(actor, MANAGING_ROLES, N_('add shifts'))
    if not (0 <= start_minute < end_minute <= 24 * 60):
        raise ValidationError(_('A shift must end after it starts, within the day.'), field='end_minute')
    with session_scope(write=True) as session:
        member, _tz = _member_at(session, staff_member_id, actor)
        shift = ExtraShift(staff_member_id=member.id, day=day, start_minute=start_minute, end_minute=end_minute)
        session.add(shift)
        session.flush()
        result = ExtraShiftRead.model_validate(shift)
        summary = i18n.deferred('{name} works {day} {start}–{end} (extra shift)', name=member.name,
                                day=day.isoformat(), start=_hhmm(start_minute), end=_hhmm(end_minute))
        activity.add(session, actor, 'extra_shift', summary, location_id=member.location_id)
        location_id = member.location_id
    events.publish(events.StaffChanged(location_id=location_id, staff_member_id=staff_member_id, summary=summary))
    return result


def set_services(staff_member_id: int, service_ids: list[int] | None, *, actor: UserRead) -> None:
    """The services ``staff_member_id`` performs (``None``: every service of the location).

    :raises ValidationError: a service of another location
    :raises NotFoundError, PermissionDeniedError: as :func:`add_time_off`
    """
    ensure_role(actor, MANAGING_ROLES, N_("change what staff members do"))
    with session_scope(write=True) as session:
        member, _tz = _member_at(session, staff_member_id, actor)
        summary = _set_services(session, member, service_ids)
        activity.add(session, actor, 'staff_services', summary, location_id=member.location_id)
        location_id = member.location_id
    events.publish(events.StaffChanged(location_id=location_id, staff_member_id=staff_member_id, summary=summary))


def _set_services(session, member: StaffMember, service_ids: list[int] | None) -> str:
    wanted = set(service_ids or [])
    if wanted:
        found = session.exec(select(Service.id).where(col(Service.id).in_(wanted),
                                                      Service.location_id == member.location_id)).all()
        if set(found) != wanted:
            raise ValidationError(_('Choose services of this location.'), field='services')
    session.execute(sa_delete(StaffService).where(StaffService.staff_member_id == member.id))
    for service_id in sorted(wanted) if service_ids is not None else []:
        session.add(StaffService(staff_member_id=member.id, service_id=service_id))
    if service_ids is None:
        return i18n.deferred('{name} performs every service', name=member.name)
    # a count in a stored text: the plural is chosen when it is read (one form here, the reader's rule there)
    return i18n.deferred(_PERFORMS[len(wanted) == 1], name=member.name, n=len(wanted))


def schedule(location_id: int, start: datetime, end: datetime, *, actor: UserRead) -> Schedule:
    """The time off and extra shifts of the location's staff members overlapping ``[start, end)`` (aware), and which
    services each performs (staff members missing from ``services`` perform every one).

    :raises PermissionDeniedError: another location
    """
    ensure_reader(actor, location_id, EVERY_ROLE)
    with session_scope() as session:
        ids = select(StaffMember.id).where(StaffMember.location_id == location_id)
        away = [TimeOffRead.model_validate(t) for t in session.exec(select(TimeOff).where(
            col(TimeOff.staff_member_id).in_(ids), TimeOff.starts_at < end, TimeOff.ends_at > start)
            .order_by(TimeOff.starts_at))]
        tz = session.get(Location, location_id).time_zone
        extra = [ExtraShiftRead.model_validate(x) for x in session.exec(select(ExtraShift).where(
            col(ExtraShift.staff_member_id).in_(ids), ExtraShift.day >= clock.local_day(start, tz),
            ExtraShift.day <= clock.local_day(end, tz)))]
        services: dict[int, set[int]] = defaultdict(set)
        for member_id, service_id in session.exec(select(StaffService.staff_member_id, StaffService.service_id)
                                                  .where(col(StaffService.staff_member_id).in_(ids))):
            services[member_id].add(service_id)
    return Schedule(time_off=away, extra_shifts=extra, services=dict(services))


def _member_at(session, staff_member_id: int, actor: UserRead) -> tuple[StaffMember, str]:
    member = session.get(StaffMember, staff_member_id)
    if member is None:
        raise NotFoundError(_('That staff member no longer exists.'))
    ensure_location(actor, member.location_id)
    return member, session.get(Location, member.location_id).time_zone


def _ensure_may_change_phone(session, member: StaffMember, actor: UserRead) -> None:
    """A staff member who signs in gets password resets by SMS at the number on record
    (:func:`app.services.messaging.sign_in_links.send_reset`): only an owner or the staff member themselves may
    change it — a manager who typed their own number could otherwise reset the account to themselves.

    :raises ValidationError: a manager changing the number of someone else who has a sign-in account (``field``
        'phone')
    """
    if actor.role == Role.OWNER:
        return
    accounts = session.exec(select(User.id).where(User.staff_member_id == member.id)).all()
    if accounts and actor.id not in accounts:
        raise ValidationError(_('Only the owner or {name} can change this mobile number: password reset links are '
                                'sent to it.').format(name=member.name), field='phone')


def _phone(session, typed: str, location_id: int) -> str | None:
    """A staff member's mobile number as stored: E.164 read the location's way, or None for none."""
    return readable_phone((typed or '')[:40], location_country(session, location_id)) or None


def _hhmm(minutes: int) -> str:
    return f'{minutes // 60:02d}:{minutes % 60:02d}'


_PERFORMS = {True: N_('{name} performs {n} service'), False: N_('{name} performs {n} services')}


def _away(name: str, away: TimeOffRead, tz: str) -> str:
    """``Ann is away on 2030-03-04 (holiday)``, stored for any reader (:func:`i18n.deferred`; days written
    ISO-style so they read in any language)."""
    start, end = clock.to_local(away.starts_at, tz), clock.to_local(away.ends_at, tz)
    reason = {'reason': away.reason} if away.reason else {}
    if away.all_day:
        last = (end - timedelta(days=1)).date()
        if last == start.date():
            return i18n.deferred(N_('{name} is away on {day} ({reason})') if reason
                                 else N_('{name} is away on {day}'), name=name, day=start.date().isoformat(),
                                 **reason)
        return i18n.deferred(N_('{name} is away from {first} to {last} ({reason})') if reason
                             else N_('{name} is away from {first} to {last}'),
                             name=name, first=start.date().isoformat(), last=last.isoformat(), **reason)
    return i18n.deferred(N_('{name} is away {start} – {end} ({reason})') if reason
                         else N_('{name} is away {start} – {end}'),
                         name=name, start=f'{start:%Y-%m-%d %H:%M}', end=f'{end:%Y-%m-%d %H:%M}', **reason)


_UNCHANGED = object()


def update_staff_member(staff_member_id: int, *, actor: UserRead, name: str, colour: str = '', active: bool = True,
                        working_hours: list[WorkingHoursBase], services: list[int] | object | None = _UNCHANGED,
                        service_commission: Decimal | None = None, product_commission: Decimal | None = None,
                        account_id: int | object | None = _UNCHANGED, phone: str | object = _UNCHANGED
                        ) -> StaffMemberRead:
    """Change a staff member's name, calendar colour, whether they still work here (a staff member with history is
    never deleted: switched off, their bookings and figures stay), their weekly stretches (several a day: a break
    is the gap between two) and, when given, the services they perform (ids; ``None``: every service), their
    commission rates (percent of services' and of products' takings, ``Decimal`` 0–100 to two places: 12.5 for
    12.5 %), the sign-in account that is theirs (``None``: none; a staff login then lands on their column) and their
    mobile number (as typed: one without a country code is the location's country's, ``'0712 345 678'`` in Kenya is
    stored ``'+254712345678'``; '': none on record). One transaction; logged; open tabs hear of it.

    :raises ValidationError: an empty or taken name (``field='name'``), a colour that is not ``#rrggbb``, a stretch
        that ends before it starts or overlaps another of the same day (``field='working_hours'``), a service of
        another location (``services``), a rate outside 0–100 (``service_commission``/``product_commission``), an
        account of another location or an owner or kiosk account (``account_id``), a phone that is not a possible
        number (``phone``)
    :raises NotFoundError, PermissionDeniedError: as :func:`add_time_off`
    """
    ensure_role(actor, MANAGING_ROLES, N_('change staff members'))
    name = _checked_name(name)
    if colour and not re.fullmatch(r'#[0-9a-fA-F]{6}', colour):
        raise ValidationError(_('Choose a colour such as #3b82f6.'), field='colour')
    _check_stretches(working_hours)
    rates = {field: _basis_points(value, field) for field, value in (
        ('service_commission', service_commission), ('product_commission', product_commission)) if value is not None}
    with session_scope(write=True) as session:
        member, _tz = _member_at(session, staff_member_id, actor)
        _ensure_name_free(session, member, name)
        changes = _set_details(member, name=name, colour=colour, active=active)
        if phone is not _UNCHANGED:
            changes += _set_phone(session, member, phone, actor=actor)
        changes += _set_rates(member, rates)
        session.add(member)
        _replace_hours(session, member, working_hours)
        if services is not _UNCHANGED:
            _set_services(session, member, services)
        if account_id is not _UNCHANGED:
            changes += _link_account(session, member, account_id)
        session.flush()
        result = StaffMemberRead.model_validate(member, update={'working_hours': sorted(
            working_hours, key=lambda h: (h.weekday, h.start_minute))})
        summary = (i18n.deferred('{name}: details and hours saved ({changes})', name=name, changes=', '.join(changes))
                   if changes else i18n.deferred('{name}: details and hours saved', name=name))
        activity.add(session, actor, 'staff_changed', summary, location_id=member.location_id)
    events.publish(events.StaffChanged(location_id=result.location_id, staff_member_id=result.id, summary=summary))
    return result


def _checked_name(name: str | None) -> str:
    """A staff member's name as stored: trimmed, 1–80 characters.

    :raises ValidationError: empty or too long (``field='name'``)
    """
    name = (name or '').strip()
    if not name or len(name) > 80:
        raise ValidationError(_('Give the staff member a name ({most} characters at most).').format(most=80),
                              field='name')
    return name


def _ensure_name_free(session: Session, member: StaffMember, name: str) -> None:
    """:raises ValidationError: another staff member of the location is called ``name`` (``field='name'``)"""
    taken = session.exec(select(StaffMember.id).where(StaffMember.location_id == member.location_id,
                                                      StaffMember.name == name)).first()
    if taken is not None and taken != member.id:
        raise ValidationError(_('There is already a staff member called {name}.').format(name=name), field='name')


def _set_details(member: StaffMember, *, name: str, colour: str, active: bool) -> list[str]:
    """Set the member's name, colour and whether they work here; the changes as the activity log words them."""
    changes = []
    if member.name != name:
        changes.append(_('renamed from {name}').format(name=member.name))
    if member.active != active:
        changes.append(_('back at work') if active else _('switched off'))
    member.name, member.colour, member.active = name, colour.lower(), active
    return changes


def _set_phone(session: Session, member: StaffMember, phone: str, *, actor: UserRead) -> list[str]:
    """Set the member's mobile number (as typed, read in the location's country); the change as logged.

    :raises ValidationError: not a possible number (``field='phone'``)
    :raises PermissionDeniedError: as :func:`_ensure_may_change_phone`
    """
    number = _phone(session, phone, member.location_id)
    changes = []
    if number != (member.phone or None):
        _ensure_may_change_phone(session, member, actor)
        changes.append(_('mobile number {phone}').format(phone=number) if number else _('no mobile number'))
    member.phone = number
    return changes


def _set_rates(member: StaffMember, rates: dict[str, int]) -> list[str]:
    """Set the member's commission rates (field → basis points); the changes as logged (``12.5 %``)."""
    changes = []
    for field, points in rates.items():
        if getattr(member, f'{field}_bp') != points:
            changes.append((_('service commission {rate} %') if field == 'service_commission'
                            else _('product commission {rate} %')).format(rate=f'{points / 100:g}'))
            setattr(member, f'{field}_bp', points)
    return changes


def _replace_hours(session: Session, member: StaffMember, working_hours: list[WorkingHoursBase]) -> None:
    """The member's weekly stretches become ``working_hours`` (checked by :func:`_check_stretches`)."""
    session.execute(sa_delete(WorkingHours).where(WorkingHours.staff_member_id == member.id))
    for shift in working_hours:
        session.add(WorkingHours(staff_member_id=member.id, **shift.model_dump()))


def _basis_points(percent, field: str) -> int:
    try:
        value = Decimal(str(percent))
    except InvalidOperation:
        raise ValidationError(_('Enter the commission as a percentage, e.g. 12.5.'), field=field) from None
    if not value.is_finite() or not 0 <= value <= 100 or value != value.quantize(Decimal('0.01')):
        raise ValidationError(_('A commission is a percentage from 0 to 100, to two decimal places.'), field=field)
    return int(value * 100)


def _link_account(session, member: StaffMember, account_id: int | None) -> list[str]:
    """Make ``account_id`` (a staff or manager account of the member's location) the member's own sign-in."""
    current = session.exec(select(User).where(User.staff_member_id == member.id)).all()
    if account_id is not None:
        account = session.get(User, account_id)
        if (account is None or account.location_id != member.location_id
                or account.role not in (Role.STAFF.value, Role.MANAGER.value)):
            raise ValidationError(_('Choose a staff or manager sign-in of this location.'), field='account_id')
    if [u.id for u in current] == ([account_id] if account_id is not None else []):
        return []
    for user in current:
        user.staff_member_id = None
        session.add(user)
    session.flush()
    if account_id is None:
        return [_('no sign-in linked')]
    account.staff_member_id = member.id
    session.add(account)
    return [_('signs in as {email}').format(email=account.email)]


def linkable_accounts(location_id: int, *, actor: UserRead) -> list[tuple[int, str, int | None]]:
    """Sign-in accounts a staff member of ``location_id`` may be linked to: ``[(account id, email, staff member id
    linked now or None)]``, staff and manager accounts of the location, by email.

    :raises PermissionDeniedError: not an owner or manager, or another location
    """
    ensure_reader(actor, location_id, MANAGING_ROLES, N_('see sign-in accounts'))
    with session_scope() as session:
        return [tuple(row) for row in session.exec(
            select(User.id, User.email, User.staff_member_id).where(
                User.location_id == location_id, User.active,
                col(User.role).in_([Role.STAFF.value, Role.MANAGER.value])).order_by(User.email))]


def _check_stretches(working_hours: list[WorkingHoursBase]) -> None:
    by_day: dict[int, list[WorkingHoursBase]] = defaultdict(list)
    for shift in working_hours:
        if shift.start_minute >= shift.end_minute:
            raise ValidationError(_('A stretch must end after it starts.'), field='working_hours')
        by_day[shift.weekday].append(shift)
    for weekday, shifts in by_day.items():
        ordered = sorted(shifts, key=lambda s: s.start_minute)
        if any(b.start_minute < a.end_minute for a, b in itertools.pairwise(ordered)):
            raise ValidationError(_(_OVERLAP[weekday]), field='working_hours')


_OVERLAP = (N_('Two stretches on Monday overlap.'), N_('Two stretches on Tuesday overlap.'),
            N_('Two stretches on Wednesday overlap.'), N_('Two stretches on Thursday overlap.'),
            N_('Two stretches on Friday overlap.'), N_('Two stretches on Saturday overlap.'),
            N_('Two stretches on Sunday overlap.'))
