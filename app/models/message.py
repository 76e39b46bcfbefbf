"""Messages to customers: the outbox (every e-mail and SMS, queued, sent or failed) and each location's templates."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, enum_check, utcnow


class MessageChannel(StrEnum):
    """How a message reaches the customer."""

    EMAIL = 'email'
    SMS = 'sms'


class MessageStatus(StrEnum):
    """``queued`` (waiting for ``due_at``, or for a retry) → ``sending`` (claimed by one worker) → ``sent`` or, after
    the last try or a refusal, ``failed``; ``cancelled``: no longer wanted (the booking was cancelled or moved)."""

    QUEUED = 'queued'
    SENDING = 'sending'
    SENT = 'sent'
    FAILED = 'failed'
    CANCELLED = 'cancelled'


class Template(StrEnum):
    """What a message is for; each has a default text and may have a location's own (:class:`MessageTemplate`)."""

    CONFIRMATION = 'confirmation'
    RESCHEDULED = 'rescheduled'
    CANCELLED = 'cancelled'
    REMINDER = 'reminder'
    WAITLIST_OFFER = 'waitlist_offer'
    CODE = 'code'
    MARKETING = 'marketing'
    STAFF_INVITE = 'staff_invite'
    PASSWORD_RESET = 'password_reset'


class Message(SQLModel, table=True):
    """One message to one customer on one channel. Rendered when it is sent (a reminder says the booking's time as
    it is then); ``subject`` and ``body`` keep what went out."""

    __tablename__ = 'message'
    __table_args__ = (
        UniqueConstraint('dedupe_key'),
        Index('ix_message_status_due_at', 'status', 'due_at'),
        Index('ix_message_provider_provider_id', 'provider', 'provider_id'),
        CheckConstraint(enum_check('status', MessageStatus), name='status'),
        CheckConstraint(enum_check('channel', MessageChannel), name='channel'),
    )
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id', index=True)
    customer_id: int | None = Field(default=None, foreign_key='customer.id', index=True)
    booking_id: int | None = Field(default=None, foreign_key='booking.id', index=True)
    channel: str = Field(sa_type=String(10))
    template: str = Field(max_length=30)
    marketing: bool = Field(default=False, description='sent only to customers who consented on its channel')
    to_address: str = Field(max_length=200, description='an e-mail address, or a phone in E.164')
    status: str = Field(default=MessageStatus.QUEUED, sa_type=String(10))
    due_at: datetime = Field(sa_type=UTCDateTime, description='not sent before this (reminders; retries)')
    attempts: int = 0
    last_error: str = Field(default='', max_length=500)
    subject: str = Field(default='', max_length=300)
    body: str = Field(default='', sa_type=Text)
    context: dict = Field(default_factory=dict, sa_type=JSON,
                          description='what the template needs beyond the booking: {"code": …, "link": …}')
    dedupe_key: str | None = Field(default=None, max_length=120,
                                   description='one message per key, e.g. "reminder:42:24h:2030-03-05T14:00"')
    claimed_by: str = Field(default='', max_length=80, description='the worker sending it')
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    provider_id: str = Field(default='', max_length=80, description="the SMS provider's id for it (Twilio's sid)")
    provider: str = Field(default='', max_length=20, sa_column_kwargs={'server_default': ''},
                          description="the SMS provider that took it: 'twilio' or 'africastalking' ('' for e-mail)")
    delivery: str = Field(default='', max_length=10, sa_column_kwargs={'server_default': ''},
                          description="what the provider's delivery reports said: '' (nothing yet), 'pending' (on "
                                      "its way), 'delivered' or 'failed' (both final)")
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                          description='when the final delivery report came')
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Delivery(StrEnum):
    """What an SMS provider's delivery reports said of a sent message (:attr:`Message.delivery`): only ever
    forward, '' → ``pending`` → ``delivered`` or ``failed`` (final)."""

    NONE = ''
    PENDING = 'pending'
    DELIVERED = 'delivered'
    FAILED = 'failed'


class OutboxMessageRead(SQLModel):
    id: int
    location_id: int
    customer_id: int | None
    booking_id: int | None
    channel: MessageChannel
    template: str
    marketing: bool
    to_address: str
    status: MessageStatus
    due_at: datetime
    attempts: int
    last_error: str
    subject: str
    body: str
    sent_at: datetime | None
    created_at: datetime
    customer_name: str = ''
    delivery: Delivery = Delivery.NONE
    delivered_at: datetime | None = None


class UnreachedBooking(SQLModel):
    """An upcoming booking whose customer no channel the location sends on can reach: it gets no reminder."""

    booking_id: int
    starts_at: datetime
    customer_id: int
    customer_name: str
    service_name: str = ''


class MessageTemplate(SQLModel, table=True):
    """A location's own text for one template on one channel (absent: the default of
    :mod:`app.services.messaging.templates`). ``subject`` is for e-mail only."""

    __tablename__ = 'message_template'
    __table_args__ = (UniqueConstraint('location_id', 'template', 'channel'),)
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id')
    template: str = Field(max_length=30)
    channel: str = Field(max_length=10)
    subject: str = Field(default='', max_length=300)
    body: str = Field(default='', sa_type=Text)


class Verification(SQLModel, table=True):
    """A one-time code sent to an e-mail address or phone before an online booking is made. Only a keyed hash of the
    code is kept; ``attempts`` counts wrong codes typed (5 and it is spent)."""

    __tablename__ = 'verification'
    __table_args__ = (Index('ix_verification_destination_created_at', 'destination', 'created_at'),
                      Index('ix_verification_ip_created_at', 'ip', 'created_at'))
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id')
    token: str = Field(max_length=64, unique=True, description="the page's handle on it (random, not the code)")
    channel: str = Field(max_length=10)
    destination: str = Field(max_length=200, description='the e-mail address or E.164 phone the code went to')
    code_hash: str = Field(max_length=64, description='HMAC-SHA256 of the code with the install secret')
    ip: str = Field(default='', max_length=64, description='the address that asked (for the rate limit)')
    attempts: int = 0
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
