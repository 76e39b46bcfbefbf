"""A deposit a customer is paying on the online booking page, before the booking exists."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import CENTS, UTCDateTime


class OnlineDeposit(SQLModel, table=True):
    """A booking waiting for its deposit (:mod:`app.services.frontdesk.online_deposits`): what the customer chose
    (``service_id``, ``staff_member_id``, ``starts_at``; the time held by ``holder``'s hold), who they proved to be
    with their one-time code (``customer_id``, or the details of a new customer), and the payment asked:
    ``amount_cents`` (minor units of ``currency``) by ``method`` (``mpesa`` or ``card``), ``reference`` (M-Pesa's
    CheckoutRequestID or the card checkout session's id). ``status``: ``ready`` (code proven, nothing asked yet) →
    ``asking`` (claimed by one click while the provider is called) → ``pending`` (asked) → ``paid`` (final:
    ``booking_id`` and ``receipt_id`` made in the same transaction; the booking is None when the time could not be
    booked any more: ``reason`` says why and the desk was told) or
    ``failed`` (``reason``: the provider's words or a timeout; a later confirmed payment still makes it ``paid``).
    ``token``: the page's handle (random), never shown to anyone else."""

    __tablename__ = 'online_deposit'
    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True)
    location_id: int = Field(foreign_key='location.id', index=True)
    service_id: int = Field(foreign_key='service.id')
    staff_member_id: int = Field(foreign_key='staff_member.id')
    starts_at: datetime = Field(sa_type=UTCDateTime)
    holder: str = Field(max_length=64, index=True)
    verification_id: int = Field(foreign_key='verification.id')
    customer_id: int | None = Field(default=None, foreign_key='customer.id')
    name: str = Field(default='', max_length=120)
    phone: str = Field(default='', max_length=40)
    email: str = Field(default='', max_length=200)
    notes: str = Field(default='', max_length=500)
    amount_cents: int = Field(sa_type=CENTS)
    currency: str = Field(max_length=3)
    method: str = Field(default='', max_length=10)
    reference: str | None = Field(default=None, max_length=255, unique=True)
    payer: str = Field(default='', max_length=20, description='M-Pesa: the phone prompted, 2547XXXXXXXX')
    callback_token_hash: str = Field(default='', max_length=64)
    status: str = Field(default='ready', max_length=10)
    reason: str = Field(default='', max_length=200)
    provider_receipt: str = Field(default='', max_length=255,
                                  description="M-Pesa's receipt number, or the card payment's PaymentIntent id")
    booking_id: int | None = Field(default=None, foreign_key='booking.id')
    receipt_id: int | None = Field(default=None, foreign_key='receipt.id')
    created_at: datetime = Field(sa_type=UTCDateTime)
    asked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, description='the hold lasts until then while it is asked')
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
