"""People who sign in: owners, managers, staff and kiosk devices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlmodel import Field, SQLModel

from .base import Role, UTCDateTime, enum_check, utcnow


class User(SQLModel, table=True):
    __tablename__ = 'app_user'
    __table_args__ = (CheckConstraint(enum_check('role', Role), name='role'),)
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=200, unique=True)
    password_hash: str = Field(max_length=200, description='argon2id hash')
    role: str = Field(sa_type=String(20))
    location_id: int | None = Field(default=None, foreign_key='location.id', description='None: every location')
    staff_member_id: int | None = Field(default=None, foreign_key='staff_member.id')
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserRead(SQLModel):
    id: int
    email: str
    role: Role
    location_id: int | None
    staff_member_id: int | None
    active: bool
