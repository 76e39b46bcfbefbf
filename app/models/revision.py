"""Change tracking for the analytics columns: a revision per location and a log of what each changed."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class DataRevision(SQLModel, table=True):
    """Bumped in the same transaction as every change to a location's bookings or receipts.

    ``token`` is drawn when the row is created, so a copy of the columns saved for one database (or
    before a wipe) is never taken for another's.
    """

    __tablename__ = 'data_revision'
    location_id: int = Field(foreign_key='location.id', primary_key=True)
    token: str = Field(max_length=32)
    revision: int = 0


class ChangeLogEntry(SQLModel, table=True):
    """One booking or receipt written at ``revision``; neither set means "re-read the location"."""

    __tablename__ = 'change_log'
    __table_args__ = (Index('ix_change_log_location_id_revision', 'location_id', 'revision'),)
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id')
    revision: int
    booking_id: int | None = None
    receipt_id: int | None = None
