"""Receipts (a sale) with their lines and each line's taxes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import CENTS, MONEY_4, PaymentMethod, UTCDateTime, enum_check


class Receipt(SQLModel, table=True):
    __tablename__ = 'receipt'
    __table_args__ = (
        UniqueConstraint('location_id', 'number'),
        CheckConstraint(f'payment_method IS NULL OR {enum_check("payment_method", PaymentMethod)}',
                        name='payment_method'),
        # a location's receipts of a period (sales, payments, reports): read as a range, not every receipt of the
        # location (SQLite chose a location-only index over issued_at's: 0.65 s per report at 840,000 receipts)
        Index('ix_receipt_location_id_issued_at', 'location_id', 'issued_at'),
    )
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id')
    number: str = Field(max_length=40)
    issued_at: datetime = Field(sa_type=UTCDateTime, index=True)
    customer_id: int | None = Field(default=None, foreign_key='customer.id', index=True)
    staff_member_id: int | None = Field(default=None, foreign_key='staff_member.id')
    booking_id: int | None = Field(default=None, foreign_key='booking.id')
    payment_method: str | None = Field(default=None, sa_type=String(20),
                                      description='the method that paid most of it; None: not in the export')
    kind: str = Field(default='sale', max_length=10, sa_column_kwargs={'server_default': 'sale'},
                      description="'sale', or 'refund' (negative lines, of refund_of_id)")
    refund_of_id: int | None = Field(default=None, foreign_key='receipt.id')
    total_cents: int | None = Field(default=None, sa_type=CENTS,
                                    description='lines with tax, minor units; None: imported')
    tip_cents: int = Field(default=0, sa_type=CENTS, sa_column_kwargs={'server_default': '0'},
                           description='outside tax and revenue, for tip_staff_member_id')
    tip_staff_member_id: int | None = Field(default=None, foreign_key='staff_member.id')
    applied_to_id: int | None = Field(default=None, foreign_key='receipt.id',
                                      description="a deposit: the sale it paid towards, or the fee it became")
    deposit_applied_cents: int = Field(default=0, sa_type=CENTS, sa_column_kwargs={'server_default': '0'},
                                       description='a sale: paid by the booking\'s deposit (in paid_cents)')
    gift_cards_cents: int = Field(default=0, sa_type=CENTS, sa_column_kwargs={'server_default': '0'},
                                  description='gift cards sold on it: owed to their holders, not revenue')
    paid_cents: int = Field(default=0, sa_type=CENTS, sa_column_kwargs={'server_default': '0'},
                            description='payments so far, tip included (a refund: paid back, negative)')
    reason: str = Field(default='', max_length=200, sa_column_kwargs={'server_default': ''},
                        description="a refund's reason")
    user_id: int | None = Field(default=None, foreign_key='app_user.id')


class ReceiptLine(SQLModel, table=True):
    __tablename__ = 'receipt_line'
    __table_args__ = (
        UniqueConstraint('receipt_id', 'import_key'),
        CheckConstraint('service_id IS NULL OR product_id IS NULL', name='one_item'),
    )
    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key='receipt.id', index=True, ondelete='CASCADE')
    service_id: int | None = Field(default=None, foreign_key='service.id')
    product_id: int | None = Field(default=None, foreign_key='product.id')
    staff_member_id: int | None = Field(default=None, foreign_key='staff_member.id')
    description: str = Field(default='', max_length=200)
    quantity: int = 1
    amount_cents: int = Field(sa_type=CENTS, description='line total before tax, minor units (negative for refunds)')
    import_key: str | None = Field(default=None, max_length=64)
    unit_price_cents: int | None = Field(default=None, sa_type=CENTS,
                                         description='as charged, as entered (with or without tax)')
    discount_cents: int = Field(default=0, sa_type=CENTS, sa_column_kwargs={'server_default': '0'},
                                description="the line's own discount and its share of the sale's")
    total_cents: int | None = Field(default=None, sa_type=CENTS, description='amount_cents + its taxes; None: imported')
    price_reason: str = Field(default='', max_length=200, sa_column_kwargs={'server_default': ''},
                              description='why the price was changed from the list price')
    refund_of_line_id: int | None = Field(default=None, foreign_key='receipt_line.id')


class ReceiptLineTax(SQLModel, table=True):
    __tablename__ = 'receipt_line_tax'
    id: int | None = Field(default=None, primary_key=True)
    receipt_line_id: int = Field(foreign_key='receipt_line.id', index=True, ondelete='CASCADE')
    name: str = Field(max_length=20)
    amount: Decimal = Field(sa_type=MONEY_4, description='tax in major units, 4 decimals as exported')


class Payment(SQLModel, table=True):
    """Money taken for a receipt (or paid back: negative). Cash records what was handed over; the change is the
    difference."""

    __tablename__ = 'payment'
    __table_args__ = (CheckConstraint(enum_check('method', PaymentMethod), name='method'),)
    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key='receipt.id', index=True)
    method: str = Field(sa_type=String(20))
    amount_cents: int = Field(sa_type=CENTS)
    tendered_cents: int | None = Field(default=None, sa_type=CENTS, description='cash handed over')
    gift_card_id: int | None = Field(default=None, foreign_key='gift_card.id')
    at: datetime = Field(sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key='app_user.id')


class ReceiptCounter(SQLModel, table=True):
    """The last receipt number of a location: the next is taken by incrementing it inside the sale's transaction
    (the row is locked until the sale commits), so numbers are gapless and never repeat."""

    __tablename__ = 'receipt_counter'
    location_id: int = Field(foreign_key='location.id', primary_key=True)
    last_number: int = 0


class GiftCard(SQLModel, table=True):
    """A gift card: sold for ``initial_cents`` (money owed to its holder, not revenue), spent as a payment; its
    ``balance_cents`` always equals the sum of its movements. ``code`` is random (80 bits), never a sequence."""

    __tablename__ = 'gift_card'
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id', index=True)
    code: str = Field(max_length=24, unique=True)
    initial_cents: int = Field(sa_type=CENTS)
    balance_cents: int = Field(sa_type=CENTS)
    sold_receipt_id: int | None = Field(default=None, foreign_key='receipt.id')
    created_at: datetime = Field(sa_type=UTCDateTime)


class GiftCardMovement(SQLModel, table=True):
    """A change of a gift card's balance: ``sold`` (+), ``redeemed`` (−), ``refunded`` (+, money paid back onto it)."""

    __tablename__ = 'gift_card_movement'
    id: int | None = Field(default=None, primary_key=True)
    gift_card_id: int = Field(foreign_key='gift_card.id', index=True)
    kind: str = Field(max_length=10)
    amount_cents: int = Field(sa_type=CENTS)
    receipt_id: int | None = Field(default=None, foreign_key='receipt.id')
    at: datetime = Field(sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key='app_user.id')


class MobilePayment(SQLModel, table=True):
    """A prompt sent to a customer's phone to pay part of a receipt by mobile money (M-Pesa STK push), and what came
    of it: ``pending`` until the provider's status query says ``paid`` or ``failed`` (a callback only makes the app
    ask). ``paid`` is final; ``failed`` becomes ``paid`` if the provider later confirms the payment.
    ``callback_token_hash``: SHA-256 (hex) of the random token in the prompt's CallBackURL; ``payment_id``: the
    payment recorded when it was paid (counted on the next open day if its own was closed)."""

    __tablename__ = 'mobile_payment'
    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key='receipt.id', index=True)
    location_id: int = Field(foreign_key='location.id')
    checkout_request_id: str = Field(max_length=64, unique=True)
    merchant_request_id: str = Field(default='', max_length=64)
    phone: str = Field(max_length=20, description='as the provider writes it: 2547XXXXXXXX')
    amount_cents: int = Field(sa_type=CENTS)
    status: str = Field(default='pending', max_length=10)
    result_code: str = Field(default='', max_length=10)
    result_desc: str = Field(default='', max_length=200)
    provider_receipt: str = Field(default='', max_length=40, description="M-Pesa's receipt number")
    requested_at: datetime = Field(sa_type=UTCDateTime)
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key='app_user.id')
    callback_token_hash: str = Field(default='', max_length=64, sa_column_kwargs={'server_default': ''})
    payment_id: int | None = Field(default=None, foreign_key='payment.id')


class DayClose(SQLModel, table=True):
    """A location's day closed at the till: the figures as they were (``figures``: :class:`DaySummary` as JSON), the
    cash counted and its difference from what was expected. A closed day takes no more sales or payments."""

    __tablename__ = 'day_close'
    __table_args__ = (UniqueConstraint('location_id', 'day'),)
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id')
    day: date
    closed_at: datetime = Field(sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key='app_user.id')
    expected_cash_cents: int = Field(sa_type=CENTS)
    counted_cash_cents: int = Field(sa_type=CENTS)
    figures: dict = Field(default_factory=dict, sa_type=JSON)
    note: str = Field(default='', max_length=200)


class LatePayment(SQLModel):
    """A payment counted on another day than its receipt's: ``receipt_number`` issued on ``receipt_day``,
    ``amount_cents`` by ``method``, counted on ``counted_on`` (local days); ``after_close``: confirmed by the
    provider after ``closed_day`` had been closed at the till (so it is counted on the next open day)."""

    receipt_number: str
    receipt_day: date
    method: str
    amount_cents: int
    counted_on: date
    after_close: bool = False
    closed_day: date | None = None


class DaySummary(SQLModel):
    """A location's takings on a local day (minor units): ``receipts`` (sales), ``net_cents`` (before tax, after
    discounts, refunds taken off), ``tax_cents``, ``tips`` (staff member name → tips), ``payments`` (method → money
    in less money paid back), ``refunds_cents`` (paid back), ``expected_cash_cents`` (what the till should hold
    beyond its float: cash in less cash paid back), ``balance_cents`` (still owed on the day's sales);
    ``earlier_receipts``: payments counted this day for receipts of earlier days; ``confirmed_after_close`` (a
    closed day): mobile payments of this day the provider confirmed after it was closed, counted on a later day."""

    location_id: int
    day: date
    receipts: int = 0
    net_cents: int = 0
    tax_cents: int = 0
    tips: dict[str, int] = Field(default_factory=dict)
    payments: dict[str, int] = Field(default_factory=dict)
    refunds_cents: int = 0
    expected_cash_cents: int = 0
    balance_cents: int = 0
    closed: bool = False
    counted_cash_cents: int | None = None
    earlier_receipts: list[LatePayment] = Field(default_factory=list)
    confirmed_after_close: list[LatePayment] = Field(default_factory=list)


class ReceiptLineCreate(SQLModel):
    service_id: int | None = None
    product_id: int | None = None
    description: str = ''
    quantity: int = 1
    amount_cents: int


class ReceiptCreate(SQLModel):
    location_id: int
    customer_id: int | None = None
    staff_member_id: int | None = None
    booking_id: int | None = None
    payment_method: PaymentMethod
    lines: list[ReceiptLineCreate]


class ReceiptRead(SQLModel):
    id: int
    location_id: int
    number: str
    issued_at: datetime
    customer_id: int | None
    staff_member_id: int | None
    booking_id: int | None
    payment_method: PaymentMethod | None
    amount_cents: int = 0
    tax: Decimal = Decimal(0)
    descriptions: str = ''
    staff_name: str = ''
    customer_name: str = ''
    kind: str = 'sale'
    total_cents: int | None = None
    paid_cents: int = 0
    paid_by: list[tuple[str, int]] = Field(default_factory=list)
    """Every payment as paid, in order: (method, minor units; negative: paid back)."""
    mpesa_receipts: list[str] = Field(default_factory=list)
    """M-Pesa's receipt numbers of its mobile-money payments (``MpesaReceiptNumber``)."""
