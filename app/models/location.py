"""Location: one shop; every business row belongs to one."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import JSON
from sqlmodel import Field, SQLModel


class TaxRate(BaseModel):
    """A named tax and its rate in percent, e.g. ``TaxRate(name='GST', percent='5')``."""

    name: str
    percent: str


class LocationBase(SQLModel):
    name: str = Field(max_length=120, unique=True)
    time_zone: str = Field(default='UTC', max_length=64, description='IANA time zone, e.g. America/Toronto')
    currency: str = Field(default='USD', max_length=3, description='ISO 4217 code')
    tax_rates: list[dict] = Field(default_factory=list, sa_type=JSON,
                                  description='[{"name": "GST", "percent": "5"}, ...]')


class Location(LocationBase, table=True):
    __tablename__ = 'location'
    id: int | None = Field(default=None, primary_key=True)


class LocationCreate(LocationBase):
    pass


class LocationRead(LocationBase):
    id: int
