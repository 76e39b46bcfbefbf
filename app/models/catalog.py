"""What is sold: services (booked with a staff member) and retail products."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class ServiceBase(SQLModel):
    location_id: int = Field(foreign_key='location.id', index=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=200)
    category: str = Field(default='', max_length=80)
    price_cents: int = Field(default=0, ge=0, description='list price in minor units')
    cost_cents: int = Field(default=0, ge=0)
    duration_minutes: int | None = Field(default=None, gt=0, description='None: not set (imported services)')
    buffer_minutes: int | None = Field(default=None, ge=0, le=240,
                                       description="minutes kept free after each booking; None: the location's default")
    active: bool = True


class Service(ServiceBase, table=True):
    __tablename__ = 'service'
    __table_args__ = (UniqueConstraint('location_id', 'code'),)
    id: int | None = Field(default=None, primary_key=True)


class ServiceCreate(ServiceBase):
    pass


class ServiceRead(ServiceBase):
    id: int


class ProductBase(SQLModel):
    location_id: int = Field(foreign_key='location.id', index=True)
    code: str = Field(max_length=60)
    name: str = Field(max_length=200)
    brand: str = Field(default='', max_length=80)
    supplier: str = Field(default='', max_length=80)
    category: str = Field(default='', max_length=80)
    price_cents: int = Field(default=0, ge=0)
    cost_cents: int = Field(default=0, ge=0)
    stock_on_hand: int = 0
    stock_minimum: int = Field(default=0, ge=0)
    stock_maximum: int = Field(default=0, ge=0)
    active: bool = True


class Product(ProductBase, table=True):
    __tablename__ = 'product'
    __table_args__ = (UniqueConstraint('location_id', 'code'),)
    id: int | None = Field(default=None, primary_key=True)


class ProductCreate(ProductBase):
    pass


class ProductRead(ProductBase):
    id: int

    @property
    def below_minimum(self) -> bool:
        """True when stock on hand is under the minimum (time to reorder)."""
        return self.stock_on_hand < self.stock_minimum
