"""What is sold: services (booked with a staff member) and retail products."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, event, insert, true
from sqlmodel import Field, SQLModel

from .base import CENTS, UTCDateTime, utcnow


class ServiceBase(SQLModel):
    location_id: int = Field(foreign_key='location.id', index=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=200)
    category: str = Field(default='', max_length=80)
    price_cents: int = Field(default=0, ge=0, sa_type=CENTS, description='list price in minor units')
    cost_cents: int = Field(default=0, ge=0, sa_type=CENTS)
    duration_minutes: int | None = Field(default=None, gt=0, description='None: not set (imported services)')
    prep_minutes: int = Field(default=0, ge=0, le=240, sa_column_kwargs={'server_default': '0'},
                              description='minutes the staff member prepares before each booking of it: kept from '
                                          'them, not shown to the customer')
    buffer_minutes: int | None = Field(default=None, ge=0, le=240,
                                       description="minutes kept free after each booking; None: the location's default")
    deposit_cents: int | None = Field(default=None, ge=0, sa_type=CENTS,
                                      description="deposit asked when booking it; None: the location's percentage "
                                                  'of its price')
    kiosk: bool = Field(default=True, sa_column_kwargs={'server_default': true()},
                        description='whether customers can book it at the kiosk')
    active: bool = Field(default=True, description='False: archived (kept for history, no longer booked)')


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
    code: str = Field(max_length=60, description='SKU')
    name: str = Field(max_length=200)
    barcode: str = Field(default='', max_length=40, sa_column_kwargs={'server_default': ''},
                         description='EAN/UPC as printed, digits only; empty: none')
    brand: str = Field(default='', max_length=80)
    supplier: str = Field(default='', max_length=80)
    category: str = Field(default='', max_length=80)
    price_cents: int = Field(default=0, ge=0, sa_type=CENTS)
    cost_cents: int = Field(default=0, ge=0, sa_type=CENTS)
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


STOCK_KINDS = ('opening', 'received', 'sold', 'adjusted', 'returned')


class StockMovement(SQLModel, table=True):
    """One change of a product's stock: the ledger whose quantities always sum to the stock on hand. ``kind``:
    opening (the stock a product started with), received (a delivery), sold, adjusted (counted, broken, used in
    the salon: with a reason), returned (by a customer)."""

    __tablename__ = 'stock_movement'
    __table_args__ = (Index('ix_stock_movement_product_id_at', 'product_id', 'at'),)
    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key='product.id')
    kind: str = Field(max_length=10)
    quantity: int = Field(description='units in (+) or out (−)')
    reason: str = Field(default='', max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key='app_user.id')



@event.listens_for(Product, 'after_insert')
def _opening_stock(_mapper, connection, product: Product) -> None:
    """Every product's ledger starts with its stock at creation (imports, the demo, the back office alike)."""
    if product.stock_on_hand:
        connection.execute(insert(StockMovement.__table__).values(
            product_id=product.id, kind='opening', quantity=product.stock_on_hand, reason='', at=utcnow()))
