"""Notifications: what happened, for whom (roles at a location), and who has read it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow


class Notification(SQLModel, table=True):
    """One thing people should hear about; shown to the roles in ``audience`` at ``location_id``."""

    __tablename__ = 'notification'
    __table_args__ = (Index('ix_notification_location_id_created_at', 'location_id', 'created_at'),)
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id')
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    kind: str = Field(max_length=30, description='booking_created, booking_moved, booking_cancelled, checked_in, '
                                                 'payment_received, …')
    text: str = Field(max_length=500)
    audience: str = Field(max_length=60, description='comma-separated roles, e.g. "owner,manager,staff"')
    booking_id: int | None = Field(default=None, foreign_key='booking.id')


class NotificationReceipt(SQLModel, table=True):
    """``user_id`` has read ``notification_id``."""

    __tablename__ = 'notification_receipt'
    notification_id: int = Field(foreign_key='notification.id', primary_key=True)
    user_id: int = Field(foreign_key='app_user.id', primary_key=True)
    read_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NotificationView(SQLModel):
    """A notification as one person sees it."""

    id: int
    location_id: int
    created_at: datetime
    kind: str
    text: str
    booking_id: int | None
    read: bool
