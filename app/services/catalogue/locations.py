"""Locations (shops)."""

from __future__ import annotations

from sqlmodel import col, select

from app.models import Location, LocationCreate, LocationRead, UserRead
from app.services.accounts.access import ensure_location
from app.services.database import session_scope
from app.services.errors import NotFoundError


def list_locations(*, actor: UserRead) -> list[LocationRead]:
    """The locations ``actor`` may see, by name: every one for an owner, their own for everyone else."""
    with session_scope() as session:
        query = select(Location).order_by(Location.name)
        if actor.location_id is not None:
            query = query.where(Location.id == actor.location_id)
        return [LocationRead.model_validate(x) for x in session.exec(query)]


def get_location(location_id: int, *, actor: UserRead) -> LocationRead:
    """:raises NotFoundError: no such location
    :raises PermissionDeniedError: another location than ``actor``'s"""
    ensure_location(actor, location_id)
    with session_scope() as session:
        location = session.get(Location, location_id)
        if location is None:
            raise NotFoundError(f'Location {location_id} does not exist.')
        return LocationRead.model_validate(location)


def find_or_create_location(data: LocationCreate) -> LocationRead:
    """The location named ``data.name``, created from ``data`` if there is none."""
    with session_scope(write=True) as session:
        location = session.exec(select(Location).where(Location.name == data.name)).first()
        if location is None:
            location = Location.model_validate(data)
            session.add(location)
            session.flush()
        return LocationRead.model_validate(location)


def location_names(location_ids: list[int]) -> list[str]:
    """The names of the locations, in the order given ('' for an unknown id)."""
    with session_scope() as session:
        names = dict(session.exec(select(Location.id, Location.name).where(col(Location.id).in_(location_ids))).all())
    return [names.get(i, '') for i in location_ids]
