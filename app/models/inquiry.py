"""Inquiries: contact messages that may later convert into bookings."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class Inquiry(SQLModel, table=True):
    __tablename__ = 'inquiry'
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id', index=True)
    customer_id: int | None = Field(default=None, foreign_key='customer.id')
    name: str = Field(default='', max_length=200)
    phone: str = Field(default='', max_length=40)
    email: str = Field(default='', max_length=200)
    message: str = ''
    channel: str = Field(default='phone', max_length=20)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    booking_id: int | None = Field(default=None, foreign_key='booking.id', description='set once converted')
