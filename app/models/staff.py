"""Staff members and their weekly working hours."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel


class StaffMemberBase(SQLModel):
    location_id: int = Field(foreign_key='location.id', index=True)
    name: str = Field(max_length=80)
    email: str | None = Field(default=None, max_length=200)
    active: bool = True


class StaffMember(StaffMemberBase, table=True):
    __tablename__ = 'staff_member'
    __table_args__ = (UniqueConstraint('location_id', 'name'),)
    id: int | None = Field(default=None, primary_key=True)


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
