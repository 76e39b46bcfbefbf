"""A time a customer is booking at the kiosk, kept from everyone else for a few minutes."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import UTCDateTime


class SlotHold(SQLModel, table=True):
    """``staff_member_id`` is held ``[starts_at, ends_at)`` for ``holder`` until ``held_until``."""

    __tablename__ = 'slot_hold'
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id')
    staff_member_id: int = Field(foreign_key='staff_member.id', index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    held_until: datetime = Field(sa_type=UTCDateTime)
    holder: str = Field(max_length=64, index=True, description='the kiosk screen that holds it (a random token)')
