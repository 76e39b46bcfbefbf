"""The waitlist: customers waiting for a service on a day, and what joining takes and a page reads."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class WaitlistEntry(SQLModel, table=True):
    """A customer waiting for ``service_id`` on ``day`` (with ``staff_member_id``, or anyone when None).

    ``status``: waiting → offered (a cancellation freed a matching time: ``offered_*``, held for them)
    → booked (``booking_id``) or back to waiting when passed on; removed when taken off the list.
    """

    __tablename__ = 'waitlist_entry'
    __table_args__ = (Index('ix_waitlist_entry_location_id_day', 'location_id', 'day'),)
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id')
    customer_id: int = Field(foreign_key='customer.id')
    service_id: int = Field(foreign_key='service.id')
    staff_member_id: int | None = Field(default=None, foreign_key='staff_member.id')
    day: date
    note: str = Field(default='', max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default='waiting', max_length=10)
    offered_starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    offered_staff_member_id: int | None = Field(default=None, foreign_key='staff_member.id')
    booking_id: int | None = Field(default=None, foreign_key='booking.id')


class WaitlistJoin(BaseModel):
    """What joining takes; ``staff_member_id`` None means anyone."""

    location_id: int
    customer_id: int
    service_id: int
    day: date
    staff_member_id: int | None = None
    note: str = Field(default='', max_length=200)


class WaitlistRead(BaseModel):
    """An entry with names; ``offered_*`` set while a freed time is held for the customer."""

    id: int
    location_id: int
    customer_id: int
    customer_name: str
    customer_phone: str
    service_id: int
    service_name: str
    staff_member_id: int | None
    staff_name: str  # 'Anyone' when no staff member was asked for
    day: date
    note: str
    created_at: datetime
    status: str
    offered_starts_at: datetime | None = None
    offered_staff_member_id: int | None = None
    offered_staff_name: str | None = None
    booking_id: int | None = None
