"""Staff members: their weekly working hours, time off, extra shifts and the services each performs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class StaffMemberBase(SQLModel):
    location_id: int = Field(foreign_key='location.id', index=True)
    name: str = Field(max_length=80)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=20,
                              description='their mobile number in E.164 (None: none on record); sign-in links by SMS '
                                          'go only here')
    active: bool = True
    colour: str = Field(default='', max_length=7, sa_column_kwargs={'server_default': ''},
                        description="the calendar's colour, '#rrggbb' ('' for the default)")
    service_commission_bp: int = Field(default=0, ge=0, le=10_000, sa_column_kwargs={'server_default': '0'},
                                       description="commission on services' takings, basis points (1250 = 12.5 %)")
    product_commission_bp: int = Field(default=0, ge=0, le=10_000, sa_column_kwargs={'server_default': '0'},
                                       description="commission on products' takings, basis points")


class StaffMember(StaffMemberBase, table=True):
    __tablename__ = 'staff_member'
    __table_args__ = (UniqueConstraint('location_id', 'name'), UniqueConstraint('calendar_token'))
    id: int | None = Field(default=None, primary_key=True)
    calendar_token: str | None = Field(default=None, max_length=64,
                                       description="the secret of the staff member's calendar feed (None: no feed)")


class WorkingHoursBase(SQLModel):
    """One stretch of work on a weekday, in the location's local time (minutes after midnight)."""

    weekday: int = Field(ge=0, le=6, description='0 = Monday … 6 = Sunday')
    start_minute: int = Field(ge=0, le=24 * 60)
    end_minute: int = Field(ge=0, le=24 * 60)


class WorkingHours(WorkingHoursBase, table=True):
    __tablename__ = 'working_hours'
    __table_args__ = (
        CheckConstraint('weekday BETWEEN 0 AND 6', name='weekday'),
        CheckConstraint('start_minute < end_minute', name='order'),
    )
    id: int | None = Field(default=None, primary_key=True)
    staff_member_id: int = Field(foreign_key='staff_member.id', index=True, ondelete='CASCADE')


class StaffMemberCreate(StaffMemberBase):
    working_hours: list[WorkingHoursBase] = Field(default_factory=list)


class StaffMemberRead(StaffMemberBase):
    id: int
    working_hours: list[WorkingHoursBase] = Field(default_factory=list)


class TimeOff(SQLModel, table=True):
    """A staff member away over ``[starts_at, ends_at)`` (aware UTC): a day off, a holiday, an appointment, or time
    blocked for something else (``reason``). Whole days are stored from local midnight to local midnight."""

    __tablename__ = 'time_off'
    __table_args__ = (Index('ix_time_off_staff_member_id_starts_at', 'staff_member_id', 'starts_at'),
                      CheckConstraint('ends_at > starts_at', name='order'))
    id: int | None = Field(default=None, primary_key=True)
    staff_member_id: int = Field(foreign_key='staff_member.id', ondelete='CASCADE')
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    all_day: bool = True
    reason: str = Field(default='', max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ExtraShift(SQLModel, table=True):
    """A stretch of work on one date besides the weekly hours (covering for someone, a late evening)."""

    __tablename__ = 'extra_shift'
    __table_args__ = (Index('ix_extra_shift_staff_member_id_day', 'staff_member_id', 'day'),
                      CheckConstraint('start_minute < end_minute', name='order'))
    id: int | None = Field(default=None, primary_key=True)
    staff_member_id: int = Field(foreign_key='staff_member.id', ondelete='CASCADE')
    day: date
    start_minute: int = Field(ge=0, le=24 * 60)
    end_minute: int = Field(ge=0, le=24 * 60)


class StaffService(SQLModel, table=True):
    """A service a staff member performs. A staff member with no row performs every service of the location."""

    __tablename__ = 'staff_service'
    staff_member_id: int = Field(foreign_key='staff_member.id', primary_key=True, ondelete='CASCADE')
    service_id: int = Field(foreign_key='service.id', primary_key=True, ondelete='CASCADE')


class TimeOffRead(SQLModel):
    id: int
    staff_member_id: int
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    reason: str


class ExtraShiftRead(SQLModel):
    id: int
    staff_member_id: int
    day: date
    start_minute: int
    end_minute: int


class Schedule(SQLModel):
    """A location's staff schedule over a period: time off, extra shifts, and the services each staff member performs
    (``staff_member_id → service ids``; a staff member missing performs every service)."""

    time_off: list[TimeOffRead]
    extra_shifts: list[ExtraShiftRead]
    services: dict[int, set[int]]
