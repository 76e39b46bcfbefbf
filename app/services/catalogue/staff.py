"""Staff members and their working hours."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import select

from app.models import StaffMember, StaffMemberCreate, StaffMemberRead, UserRead, WorkingHours, WorkingHoursBase
from app.services import events
from app.services.accounts import activity
from app.services.accounts.access import EVERY_ROLE, MANAGING_ROLES, ensure_location, ensure_reader, ensure_role
from app.services.caching import VersionedCache
from app.services.database import session_scope
from app.services.errors import ValidationError


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
    ensure_role(actor, MANAGING_ROLES, 'add staff members')
    names: set[str] = set()
    for data in members:
        ensure_location(actor, data.location_id)
        for shift in data.working_hours:
            if shift.start_minute >= shift.end_minute:
                raise ValidationError(f'{data.name}: a shift must end after it starts.', field='working_hours')
        if data.name.strip().lower() in names:
            raise ValidationError(f'{data.name} is in the list twice.', field='name')
        names.add(data.name.strip().lower())
    created: list[StaffMemberRead] = []
    with session_scope(write=True) as session:
        for data in members:
            taken = session.exec(select(StaffMember).where(StaffMember.location_id == data.location_id,
                                                           StaffMember.name == data.name)).first()
            if taken is not None:
                raise ValidationError(f'There is already a staff member called {data.name}.', field='name')
            member = StaffMember.model_validate(data.model_dump(exclude={'working_hours'}))
            session.add(member)
            session.flush()
            for shift in data.working_hours:
                session.add(WorkingHours(staff_member_id=member.id, **shift.model_dump()))
            created.append(StaffMemberRead.model_validate(member, update={'working_hours': data.working_hours}))
            activity.add(session, actor, 'staff_added', f'New staff member: {member.name}',
                         location_id=member.location_id)
    for member in created:
        events.publish(events.StaffChanged(location_id=member.location_id, staff_member_id=member.id,
                                           summary=f'New staff member: {member.name}'))
    return created


# every open day view reads the location's staff on every booking: kept until a staff event (or a minute, for
# changes another process made)
_staff: VersionedCache[list[StaffMemberRead]] = VersionedCache(of='staff', max_age=60)
