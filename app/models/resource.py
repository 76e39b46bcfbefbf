"""Resources: the rooms, chairs, stations and equipment a service needs besides its staff member (issue 34).

A resource has a ``kind`` (the words a manager gives it: "Treatment room", "Colour station") and a ``capacity``: how
many units of it are used at once at most (a room with one table: 1; a sauna with six places: 6). A service needs
``units`` of one or more kinds (:class:`ServiceResource`); each booking of it takes them from resources of those kinds
(:class:`BookingResource`, spread over several resources of a kind when one has too few free), for its whole kept
time, its preparation and buffer included. A resource may be out of service for a time (:class:`ResourceOutage`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime

MAX_UNITS = 50
"""The most units a resource holds at once, or a service needs of one kind."""


class ResourceBase(SQLModel):
    location_id: int = Field(foreign_key='location.id')
    name: str = Field(max_length=80, min_length=1)
    kind: str = Field(max_length=40, min_length=1, description='what it is, in the shop\'s words: "Treatment room"')
    capacity: int = Field(default=1, ge=1, le=MAX_UNITS, description='units usable at once')
    active: bool = Field(default=True, description='False: retired (kept with its bookings, never used again)')


class Resource(ResourceBase, table=True):
    __tablename__ = 'resource'
    __table_args__ = (UniqueConstraint('location_id', 'name'), Index('ix_resource_location_id_kind', 'location_id',
                                                                      'kind'),
                      CheckConstraint(f'capacity BETWEEN 1 AND {MAX_UNITS}', name='capacity'))
    id: int | None = Field(default=None, primary_key=True)


class ResourceCreate(ResourceBase):
    pass


class ResourceRead(ResourceBase):
    id: int


class ResourceOutage(SQLModel, table=True):
    """``resource_id`` is out of service over ``[starts_at, ends_at)`` (aware UTC)."""

    __tablename__ = 'resource_outage'
    __table_args__ = (CheckConstraint('ends_at > starts_at', name='ends_after_start'),)
    id: int | None = Field(default=None, primary_key=True)
    resource_id: int = Field(foreign_key='resource.id', index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    reason: str = Field(default='', max_length=120)


class ServiceResource(SQLModel, table=True):
    """A service needs ``units`` of resources of ``kind`` (at its location) for each booking."""

    __tablename__ = 'service_resource'
    __table_args__ = (CheckConstraint(f'units BETWEEN 1 AND {MAX_UNITS}', name='units'),)
    service_id: int = Field(foreign_key='service.id', primary_key=True)
    kind: str = Field(max_length=40, primary_key=True)
    units: int = Field(default=1, ge=1, le=MAX_UNITS)


class BookingResource(SQLModel, table=True):
    """A booking uses ``units`` of ``resource_id`` (over the booking's kept time, while its status blocks)."""

    __tablename__ = 'booking_resource'
    __table_args__ = (Index('ix_booking_resource_resource_id_booking_id', 'resource_id', 'booking_id'),
                      CheckConstraint(f'units BETWEEN 1 AND {MAX_UNITS}', name='units'))
    booking_id: int = Field(foreign_key='booking.id', primary_key=True)
    resource_id: int = Field(foreign_key='resource.id', primary_key=True)
    units: int = Field(default=1, ge=1, le=MAX_UNITS)


class HoldResource(SQLModel, table=True):
    """A hold (:class:`~app.models.SlotHold`) keeps ``units`` of ``resource_id`` for the booking it becomes, while it
    lives; gone with the hold."""

    __tablename__ = 'hold_resource'
    __table_args__ = (CheckConstraint(f'units BETWEEN 1 AND {MAX_UNITS}', name='units'),)
    hold_id: int = Field(foreign_key='slot_hold.id', primary_key=True, ondelete='CASCADE')
    resource_id: int = Field(foreign_key='resource.id', primary_key=True, index=True)
    units: int = Field(default=1, ge=1, le=MAX_UNITS)
