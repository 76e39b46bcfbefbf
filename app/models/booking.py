"""Bookings: a customer, a service and a staff member at a time."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint, true
from sqlmodel import Field, SQLModel

from .base import CENTS, BookingStatus, Channel, UTCDateTime, enum_check, utcnow

TIME_NOT_RECORDED = 'Time of day not recorded'
"""Prefix of the notes of imported bookings whose export gave only a date."""
CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
"""Crockford's base 32: no I, L, O or U, so a code read aloud or typed is not mistaken."""
CODE_LENGTH = 10


_SYMBOL_OF_BYTE = bytes(ord(CODE_ALPHABET[byte % 32]) for byte in range(256))
"""A random byte → a symbol of :data:`CODE_ALPHABET` (its low 5 bits: 256 = 8 × 32, so every symbol is as likely)."""


def new_booking_code() -> str:
    """A random booking code: 10 symbols of :data:`CODE_ALPHABET`, 50 bits from :mod:`secrets`.

    A customer is given it to check in; it is never derived from the booking's number, so codes of
    other bookings cannot be guessed from one's own (one chance in 2**50 per try, times the bookings
    of the day). 50 bits also keep codes apart: a repeat is expected only after ~33 million bookings
    (bulk imports check theirs against the table anyway).
    """
    return new_booking_codes(1)[0]


def new_booking_codes(count: int) -> list[str]:
    """``count`` random booking codes (:func:`new_booking_code`) at once, for a bulk import: one call for the
    random bytes (one byte per symbol, its low 5 bits) and one translation, not a call per code (1 s of a
    110,000-row import that way). Not checked against each other or the table: the caller does."""
    symbols = secrets.token_bytes(CODE_LENGTH * count).translate(_SYMBOL_OF_BYTE).decode('ascii')
    return [symbols[start:start + CODE_LENGTH] for start in range(0, len(symbols), CODE_LENGTH)]


class BookingBase(SQLModel):
    location_id: int = Field(foreign_key='location.id')
    customer_id: int | None = Field(default=None, foreign_key='customer.id', index=True,
                                    description='None for an anonymous walk-in')
    service_id: int = Field(foreign_key='service.id', index=True)
    staff_member_id: int = Field(foreign_key='staff_member.id')
    starts_at: datetime = Field(sa_type=UTCDateTime)
    notes: str = ''


class Booking(BookingBase, table=True):
    """A booking. ``ends_at == starts_at`` marks an imported booking whose length is unknown."""

    __tablename__ = 'booking'
    __table_args__ = (
        UniqueConstraint('location_id', 'import_key'),
        UniqueConstraint('code'),
        Index('ix_booking_staff_member_id_starts_at', 'staff_member_id', 'starts_at'),
        Index('ix_booking_location_id_starts_at', 'location_id', 'starts_at'),
        CheckConstraint(enum_check('status', BookingStatus), name='status'),
        CheckConstraint(enum_check('channel', Channel), name='channel'),
        CheckConstraint('ends_at >= starts_at', name='ends_after_start'),
    )
    id: int | None = Field(default=None, primary_key=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    blocked_from: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                          description='the staff member is kept from then (the start less the '
                                                      "service's preparation time); None: from starts_at")
    blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                           description='the staff member is kept free until then (the end plus the '
                                                       "service's buffer); None: until ends_at")
    status: str = Field(default=BookingStatus.BOOKED, sa_type=String(20))
    channel: str = Field(default=Channel.PHONE, sa_type=String(20))
    price_cents: int = Field(default=0, sa_type=CENTS, description='price agreed at booking, minor units')
    booked_at: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                       description='when the booking was made; None when an export did not say')
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by: str | None = Field(default=None, max_length=80)
    notice_days: int | None = Field(default=None, description='days between cancellation and the booking')
    import_key: str | None = Field(default=None, max_length=64,
                                   description='content hash of the export row this booking came from')
    code: str = Field(default_factory=new_booking_code, max_length=CODE_LENGTH,
                      description='random code the customer checks in with (see new_booking_code)')
    series_id: int | None = Field(default=None, foreign_key='booking_series.id', index=True,
                                  description='the recurring series it is an occurrence of')
    time_known: bool = Field(default=True, sa_column_kwargs={'server_default': true()},
                             description='False for an imported booking whose export gave only its date: it is '
                                         'left out of every hour-based figure')
    source: str = Field(default='', max_length=80, sa_column_kwargs={'server_default': ''},
                        description="the export's own channel or segment text (e.g. 'TA/TO'), beside channel")


class BookingSeries(SQLModel, table=True):
    """A recurring booking: the same service, staff member and local time every ``every_weeks`` weeks, ``count``
    occurrences or until ``until`` (a local date, inclusive)."""

    __tablename__ = 'booking_series'
    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key='location.id')
    every_weeks: int = Field(ge=1, le=52)
    until: date | None = None
    count: int | None = Field(default=None, ge=1, le=104)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BookingCreate(BookingBase):
    """What a person books. ``ends_at`` follows from the service's duration."""

    channel: Channel = Channel.PHONE
    override_hours: bool = Field(default=False, description='owner/manager books outside working hours')


class BookingMove(SQLModel):
    starts_at: datetime
    staff_member_id: int | None = None
    override_hours: bool = False


class BookingRead(BookingBase):
    id: int
    ends_at: datetime
    status: BookingStatus
    channel: Channel
    price_cents: int
    booked_at: datetime | None
    cancelled_at: datetime | None
    cancelled_by: str | None
    notice_days: int | None
    code: str = ''
    series_id: int | None = None
    time_known: bool = True
    source: str = ''
    blocked_from: datetime | None = None
    """from when the staff member is kept (the start less the service's preparation); None: from starts_at. The
    desk's, never told to the customer"""
    blocked_until: datetime | None = None
    """until when the staff member is kept (the end plus the buffer); None: until ends_at. The desk's too"""
    customer_name: str = ''
    customer_phone: str = ''
    service_name: str = ''
    staff_name: str = ''

    @property
    def time_recorded(self) -> bool:
        """False for imported bookings whose export gave only the date (see ``Booking.time_known``)."""
        return self.time_known

    @property
    def duration_known(self) -> bool:
        """False for imported bookings whose export carried no length."""
        return self.ends_at > self.starts_at
