"""The activity log: who did what, when, from where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class ActivityEntry(SQLModel, table=True):
    """One sign-in, sign-out or booking action, with the person's address and browser."""

    __tablename__ = 'activity'
    __table_args__ = (Index('ix_activity_at', 'at'),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key='app_user.id')
    email: str = Field(default='', max_length=200)
    role: str = Field(default='', max_length=20)
    location_id: int | None = Field(default=None, foreign_key='location.id')
    action: str = Field(max_length=30, description='sign_in, sign_in_failed, sign_out, booking_created, …')
    detail: str = Field(default='', max_length=500)
    booking_id: int | None = Field(default=None, foreign_key='booking.id')
    ip: str = Field(default='', max_length=60)
    user_agent: str = Field(default='', max_length=300)


class ActivityRead(SQLModel):
    id: int
    at: datetime
    email: str
    role: str
    location_id: int | None
    action: str
    detail: str
    booking_id: int | None
    ip: str
    user_agent: str
