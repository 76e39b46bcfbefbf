"""Resources (rooms, chairs, stations, equipment): kept by owners and managers, each with a kind and a capacity, out
of service at times; and the units of each kind a service needs (:mod:`app.models.resource`). Bookings take them as
:mod:`app.services.frontdesk.resource_rules` decides."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete as sa_delete
from sqlalchemy import func
from sqlmodel import col, select

from app.models import (
    MAX_UNITS,
    Booking,
    BookingResource,
    Resource,
    ResourceCreate,
    ResourceOutage,
    ResourceRead,
    Service,
    ServiceResource,
    UserRead,
)
from app.services import events
from app.services.accounts import activity
from app.services.accounts.access import FRONT_DESK_ROLES, MANAGING_ROLES, ensure_location, ensure_reader, ensure_role
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError, validated
from app.services.i18n import N_, _


def list_resources(location_id: int, *, actor: UserRead, include_inactive: bool = False) -> list[ResourceRead]:
    """The location's resources by kind then name (retired ones only with ``include_inactive``).

    :raises PermissionDeniedError: another location, or a role outside the front desk
    """
    ensure_reader(actor, location_id, FRONT_DESK_ROLES)
    with session_scope() as session:
        query = select(Resource).where(Resource.location_id == location_id)
        if not include_inactive:
            query = query.where(col(Resource.active))
        return [ResourceRead.model_validate(r) for r in session.exec(query.order_by(Resource.kind, Resource.name))]


def kinds(location_id: int, *, actor: UserRead) -> list[str]:
    """The kinds of the location's active resources, sorted (what a service may need).

    :raises PermissionDeniedError: as :func:`list_resources`
    """
    return sorted({r.kind for r in list_resources(location_id, actor=actor)})


def save_resource(data: ResourceCreate, *, actor: UserRead, resource_id: int | None = None) -> ResourceRead:
    """Add a resource (``resource_id`` None) or change one: name (unique at the location), kind, capacity (1–50 units
    at once), active. Names and kinds are trimmed. A capacity lowered below what bookings already use is kept: those
    bookings stand, only new ones see the lower capacity. One transaction; logged; open pages hear of it.

    :raises ValidationError: an empty or taken name, an empty kind, a capacity outside 1–50 (``field`` names it)
    :raises NotFoundError: no such resource
    :raises PermissionDeniedError: not an owner or manager, or another location
    """
    ensure_role(actor, MANAGING_ROLES, N_('change the resources'))
    ensure_location(actor, data.location_id)
    checked = validated(ResourceCreate, **{**data.model_dump(), 'name': data.name.strip(), 'kind': data.kind.strip()})
    with session_scope(write=True) as session:
        resource = Resource(location_id=checked.location_id) if resource_id is None else session.get(
            Resource, resource_id)
        if resource is None:
            raise NotFoundError(_('That resource no longer exists.'))
        ensure_location(actor, resource.location_id)
        if resource.location_id != checked.location_id:
            raise NotFoundError(_('That resource no longer exists.'))
        taken = session.exec(select(Resource.id).where(  # the same name in any case (no LIKE: '%' is a name)
            Resource.location_id == checked.location_id, func.lower(Resource.name) == checked.name.lower(),
            Resource.id != (resource_id or 0))).first()
        if taken is not None:
            raise ValidationError(_('There is already a resource called {name}.').format(name=checked.name),
                                  field='name')
        before = (resource.kind, resource.capacity, resource.active) if resource_id is not None else None
        for name in ('name', 'kind', 'capacity', 'active'):
            setattr(resource, name, getattr(checked, name))
        session.add(resource)
        session.flush()
        if before is not None and before != (checked.kind, checked.capacity, checked.active):
            _still_enough(session, checked.location_id, before[0], field='active' if before[2] and not checked.active
                          else 'kind' if before[0] != checked.kind else 'capacity')
        result = ResourceRead.model_validate(resource)
        summary = _('Resource {name} ({kind}, {n} at once) saved').format(name=result.name, kind=result.kind,
                                                                         n=result.capacity)
        activity.add(session, actor, 'resource_changed', summary, location_id=result.location_id)
    events.publish(events.CatalogueChanged(location_id=result.location_id, summary=summary))
    return result


def add_outage(resource_id: int, starts_at: datetime, ends_at: datetime, *, actor: UserRead, reason: str = '') -> int:
    """Take a resource out of service over ``[starts_at, ends_at)`` (aware); returns the outage's id. Bookings
    already made then stand (the desk moves them); no new one takes it.

    :raises ValidationError: a naive time, or an end not after the start
    :raises NotFoundError: no such resource
    :raises PermissionDeniedError: not an owner or manager, or another location's resource
    """
    ensure_role(actor, MANAGING_ROLES, N_('change the resources'))
    for name, moment in (('starts_at', starts_at), ('ends_at', ends_at)):
        if moment.tzinfo is None:
            raise ValidationError(_('A time must carry its time zone.'), field=name)
    if ends_at <= starts_at:
        raise ValidationError(_('The end must be after the start.'), field='ends_at')
    with session_scope(write=True) as session:
        resource = _resource(session, resource_id, actor)
        outage = ResourceOutage(resource_id=resource.id, starts_at=starts_at, ends_at=ends_at,
                                reason=(reason or '').strip()[:120])
        session.add(outage)
        session.flush()
        outage_id = outage.id
        activity.add(session, actor, 'resource_changed', _('{name} out of service').format(name=resource.name),
                     location_id=resource.location_id)
        location_id = resource.location_id
    events.publish(events.AvailabilityChanged(location_id=location_id))
    return outage_id


def outages(location_id: int, start: datetime, end: datetime, *, actor: UserRead) -> list[ResourceOutage]:
    """The location's times out of service meeting ``[start, end)``, earliest first.

    :raises PermissionDeniedError: as :func:`list_resources`
    """
    ensure_reader(actor, location_id, FRONT_DESK_ROLES)
    with session_scope() as session:
        return list(session.exec(select(ResourceOutage).join(Resource, Resource.id == ResourceOutage.resource_id)
                                 .where(Resource.location_id == location_id, ResourceOutage.starts_at < end,
                                        ResourceOutage.ends_at > start).order_by(ResourceOutage.starts_at)))


def uses_between(location_id: int, start: datetime, end: datetime, *, actor: UserRead
                 ) -> dict[int, list[tuple[int, int]]]:
    """``{booking id: [(resource id, units)]}`` of the location's bookings starting in ``[start, end)`` (aware UTC),
    whatever their status (the caller draws those it shows).

    :raises PermissionDeniedError: as :func:`list_resources`
    """
    ensure_reader(actor, location_id, FRONT_DESK_ROLES)
    used: dict[int, list[tuple[int, int]]] = {}
    with session_scope() as session:
        for row in session.exec(select(BookingResource.booking_id, BookingResource.resource_id, BookingResource.units)
                                .join(Booking, Booking.id == BookingResource.booking_id)
                                .where(Booking.location_id == location_id, Booking.starts_at >= start,
                                       Booking.starts_at < end)):
            used.setdefault(row[0], []).append((row[1], row[2]))
    return used


def remove_outage(outage_id: int, *, actor: UserRead) -> None:
    """Put a resource back in service (its outage deleted).

    :raises NotFoundError: no such outage
    :raises PermissionDeniedError: not an owner or manager, or another location's resource
    """
    ensure_role(actor, MANAGING_ROLES, N_('change the resources'))
    with session_scope(write=True) as session:
        outage = session.get(ResourceOutage, outage_id)
        if outage is None:
            raise NotFoundError(_('That time out of service no longer exists.'))
        resource = _resource(session, outage.resource_id, actor)
        session.delete(outage)
        location_id = resource.location_id
    events.publish(events.AvailabilityChanged(location_id=location_id))


def needs_of(service_id: int, *, actor: UserRead) -> dict[str, int]:
    """``{kind: units}`` the service needs of resources for each booking.

    :raises NotFoundError: no such service
    :raises PermissionDeniedError: another location's service
    """
    with session_scope() as session:
        service = session.get(Service, service_id)
        if service is None:
            raise NotFoundError(_('That service no longer exists.'))
        ensure_reader(actor, service.location_id, FRONT_DESK_ROLES)
        return {row.kind: row.units for row in session.exec(select(ServiceResource).where(
            ServiceResource.service_id == service_id))}


def set_needs(service_id: int, needs: dict[str, int], *, actor: UserRead) -> dict[str, int]:
    """Set what the service needs of resources: ``{kind: units}`` (a kind with 0 units, or left out: not needed).
    Each kind must be one of the location's active resources' and have as many units in all. Bookings already made
    keep what they took. Returns what it needs now. (The services page sets them with the service's other details,
    in one transaction: ``catalog.update_service(needs=…)``.)

    :raises ValidationError: as :func:`write_needs`
    :raises NotFoundError: no such service
    :raises PermissionDeniedError: not an owner or manager, or another location's service
    """
    ensure_role(actor, MANAGING_ROLES, N_('change the service menu'))
    with session_scope(write=True) as session:
        service = session.get(Service, service_id)
        if service is None:
            raise NotFoundError(_('That service no longer exists.'))
        ensure_location(actor, service.location_id)
        wanted, summary = write_needs(session, service, needs)
        activity.add(session, actor, 'service_changed', summary, location_id=service.location_id)
        location_id = service.location_id
    events.publish(events.CatalogueChanged(location_id=location_id, summary=summary))
    return wanted


def write_needs(session, service: Service, needs: dict[str, int]) -> tuple[dict[str, int], str]:
    """Replace what ``service`` needs of resources by ``needs`` (``{kind: units}``, 0 units: not needed) inside the
    caller's unit of work, its actor already checked; returns ``(what it needs now, the change in words)``.

    :raises ValidationError: a kind the location has no active resource of, or units outside 0 to what the kind has
        in all (at most 50) (``field='resources'``)
    """
    wanted = {kind.strip(): units for kind, units in needs.items() if units}
    capacity: dict[str, int] = {}
    for resource in session.exec(select(Resource).where(Resource.location_id == service.location_id,
                                                        col(Resource.active))):
        capacity[resource.kind] = capacity.get(resource.kind, 0) + resource.capacity
    for kind, units in sorted(wanted.items()):
        if kind not in capacity:
            raise ValidationError(_('There is no resource of the kind "{kind}" here.').format(kind=kind),
                                  field='resources')
        if not isinstance(units, int) or not 0 < units <= min(MAX_UNITS, capacity[kind]):
            raise ValidationError(_('{kind}: between 1 and {most} can be needed.').format(
                kind=kind, most=min(MAX_UNITS, capacity[kind])), field='resources')
    if service.id is not None:
        session.execute(sa_delete(ServiceResource).where(ServiceResource.service_id == service.id))
    for kind, units in sorted(wanted.items()):
        session.add(ServiceResource(service_id=service.id, kind=kind, units=units))
    words = ', '.join(f'{units} × {kind}' for kind, units in sorted(wanted.items())) or _('no resources')
    return wanted, _('{service} needs {resources}').format(service=service.name, resources=words)


def _still_enough(session, location_id: int, kind: str, *, field: str) -> None:
    """Refuse a change (inside its unit of work) that leaves the location's active services needing more of ``kind``
    than its active resources hold: they would never find a free time again.

    :raises ValidationError: naming the services and ``field``
    """
    held = sum(r.capacity for r in session.exec(select(Resource).where(
        Resource.location_id == location_id, Resource.kind == kind, col(Resource.active))))
    short = sorted(name for name, units in session.exec(
        select(Service.name, ServiceResource.units).join(ServiceResource, ServiceResource.service_id == Service.id)
        .where(Service.location_id == location_id, col(Service.active), ServiceResource.kind == kind))
        if units > held)
    if short:
        raise ValidationError(_('{services} need more {kind} than would be left. Change what they need first (in each '
                                "service's dialog).").format(services=', '.join(short), kind=kind), field=field)


def _resource(session, resource_id: int, actor: UserRead) -> Resource:
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFoundError(_('That resource no longer exists.'))
    ensure_location(actor, resource.location_id)
    return resource
