"""Customers, known by a short code per location (e.g. ``KIMA01``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import field_validator
from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import CENTS, N_, UTCDateTime, utcnow


class CustomerBase(SQLModel):
    location_id: int = Field(foreign_key='location.id', index=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=200)
    phone: str = Field(default='', max_length=40)
    email: str = Field(default='', max_length=200)
    notes: str = ''
    phone_e164: str = Field(default='', max_length=20, index=True, sa_column_kwargs={'server_default': ''},
                            description="the phone in E.164 ('+14165550101'), '' when it could not be read")
    birthday: date | None = None
    alerts: str = Field(default='', max_length=500, sa_column_kwargs={'server_default': ''},
                        description='shown on every booking of the customer (allergies, access needs)')
    tags: list[str] = Field(default_factory=list, sa_type=JSON, sa_column_kwargs={'server_default': '[]'})
    consent: dict = Field(default_factory=dict, sa_type=JSON, sa_column_kwargs={'server_default': '{}'},
                          description='marketing consent per channel: {"sms": "2026-12-01", "email": null}')
    preferred_channel: str = Field(default='', max_length=10, sa_column_kwargs={'server_default': ''},
                                   description="'sms', 'email' or '' (no preference): the channel booking messages "
                                               'go by when the customer can be reached on it')
    merged_into: int | None = Field(default=None, foreign_key='customer.id',
                                    description='merged into that customer: hidden, its history moved there')
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                       description='personal fields erased on request (bookings and receipts kept)')


class Customer(CustomerBase, table=True):
    __tablename__ = 'customer'
    __table_args__ = (UniqueConstraint('location_id', 'code'),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerCreate(SQLModel):
    location_id: int
    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=40, description='generated from the name when None')
    phone: str = Field(default='', max_length=40)
    email: str = Field(default='', max_length=200)
    notes: str = Field(default='', max_length=2000)
    preferred_channel: Literal['', 'sms', 'email'] = ''
    consent: dict[Literal['sms', 'email'], bool] = Field(default_factory=dict,
                                                         description='channel → agreed to marketing messages now')

    @field_validator('name', 'code', 'phone', 'email', 'notes')
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and any(ord(c) < 32 and c not in '\t\n' for c in value):
            raise ValueError(N_('it holds control characters'))
        return value


class CustomerContact(SQLModel):
    """How the desk reaches a customer, as edited with a booking: phone (as typed), e-mail, the preferred channel
    ('' none, 'sms', 'email') and marketing consent per channel (agreed now or not)."""

    phone: str = Field(default='', max_length=40)
    email: str = Field(default='', max_length=200)
    preferred_channel: Literal['', 'sms', 'email'] = ''
    consent: dict[Literal['sms', 'email'], bool] = Field(default_factory=dict)

    @field_validator('phone', 'email')
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(c) < 32 for c in value):
            raise ValueError(N_('it holds control characters'))
        return value.strip()


class CustomerRead(CustomerBase):
    id: int
    created_at: datetime


class LoyaltyReward(SQLModel, table=True):
    """A reward customers spend points on: ``points`` for an amount off the sale (``discount_cents``) or a free
    service (``service_id``: that service's line at no charge)."""

    __tablename__ = 'loyalty_reward'
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id', index=True)
    name: str = Field(max_length=80)
    points: int = Field(gt=0)
    discount_cents: int | None = Field(default=None, ge=0, sa_type=CENTS)
    service_id: int | None = Field(default=None, foreign_key='service.id')
    active: bool = True


class LoyaltyMovement(SQLModel, table=True):
    """A change of a customer's points: ``earned`` (+, at checkout), ``redeemed`` (−, a reward), ``adjusted`` (±: a
    refund takes back what it earned, or by hand with a reason), ``expired`` (−). The balance is their sum."""

    __tablename__ = 'loyalty_movement'
    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key='customer.id', index=True)
    kind: str = Field(max_length=10)
    points: int = Field(sa_type=CENTS, description='64 bits: a sale at the largest amount earns up to 1,000 points '
                                                   'per unit of currency')
    receipt_id: int | None = Field(default=None, foreign_key='receipt.id')
    reason: str = Field(default='', max_length=200)
    at: datetime = Field(sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key='app_user.id')
