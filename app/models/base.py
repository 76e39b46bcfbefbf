"""Shared column types, enums and the metadata naming convention."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, Integer, Numeric, TypeDecorator
from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    'ix': 'ix_%(column_0_label)s',
    'uq': 'uq_%(table_name)s_%(column_0_N_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}
SQLModel.model_config['defer_build'] = True
"""Every model (tables and the plain ones services take) builds its pydantic validator and serializer when first
used, not when its class is made: most are never validated in a process (a table row is made without validation),
and built at start they held ~1.7 MB of 990 fields (``bench/startup.py``). Set before any model class exists: a
class takes its config from its bases when it is made."""


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored in UTC on every backend.

    SQLite keeps no offset, so values are converted to UTC on the way in and marked UTC on the way
    out; naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f'naive datetime {value!r}: times must be timezone-aware')
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == 'sqlite' else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


MONEY_4 = Numeric(14, 4, asdecimal=True)
"""Money with sub-cent precision (taxes as exported, e.g. 5 % of 31.23 = 1.5615)."""

class Cents(TypeDecorator):
    """An amount in minor units: 64 bits (PostgreSQL ``BIGINT``; SQLite's ``INTEGER`` holds 64 bits already). Every
    amount the app takes is at most :data:`MAX_AMOUNT_CENTS`, so sums of millions of them stay inside 64 bits.

    Read back as ``int``, sums included: PostgreSQL's ``SUM`` of a ``BIGINT`` is a ``NUMERIC``, which the driver would
    hand over as a ``Decimal`` (``func.sum(Receipt.paid_cents)`` is typed as the column, so this applies to it too). A
    migration adding such a column writes it as ``sa.BigInteger().with_variant(sa.Integer(), 'sqlite')``.
    """

    impl = BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(Integer() if dialect.name == 'sqlite' else BigInteger())

    def process_result_value(self, value, dialect) -> int | None:
        return None if value is None else int(value)


CENTS = Cents()

MAX_AMOUNT_CENTS = 10**11
"""The largest amount (minor units: 1,000,000,000.00) anyone may type, import or be charged — a price, a tip, a
payment, a discount, a gift card, a budget — and the largest a receipt may total. Checked where a service takes the
value (:func:`app.services.money.pricing.check_amount`, which names the field) and where a page parses what was typed
(:func:`app.pages.formatting.to_minor`). Chosen so that: a receipt's tax fits ``receipt_line_tax.amount``
(``NUMERIC(14, 4)``: under 10**10 major units); 92 million amounts at the maximum still sum inside a signed 64-bit
integer (the :data:`CENTS` columns, the analytics' int64 arrays, SQL ``SUM``); and no real sale of an appointment
business comes near it in any currency kept with two decimals."""


def N_(message: str) -> str:
    """Mark a validator's message for translation (as :func:`app.services.i18n.N_` does; models import no service):
    it stays English here and is translated where the refusal is shown (:func:`app.services.errors.validated`)."""
    return message


class Refusal(ValueError):
    """A validator's refusal whose message has placeholders: ``Refusal(N_('two opening stretches on {day} overlap'),
    day=N_('Monday'))``. ``str()`` is the English text; :func:`app.services.errors.validated` translates ``message``
    and fills in ``values`` (text values are themselves English words marked with :func:`N_`, translated too)."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values))
        self.message, self.values = message, values


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class BookingStatus(StrEnum):
    """Where a booking is in its life (see :data:`app.services.frontdesk.bookings.ALLOWED_TRANSITIONS`)."""

    BOOKED = 'booked'
    CONFIRMED = 'confirmed'
    CHECKED_IN = 'checked_in'
    COMPLETED = 'completed'
    CANCELLED = 'cancelled'
    NO_SHOW = 'no_show'


class Channel(StrEnum):
    """How a booking reached the business."""

    WALK_IN = 'walk_in'
    PHONE = 'phone'
    ONLINE = 'online'
    KIOSK = 'kiosk'
    IMPORT = 'import'


class PaymentMethod(StrEnum):
    """How a receipt was paid."""

    CASH = 'cash'
    CARD = 'card'
    MOBILE_MONEY = 'mobile_money'
    GIFT_CARD = 'gift_card'


class Role(StrEnum):
    """What a user may do: owner (everything), manager (one location), staff, kiosk."""

    OWNER = 'owner'
    MANAGER = 'manager'
    STAFF = 'staff'
    KIOSK = 'kiosk'


def enum_check(column: str, enum: type[StrEnum]) -> str:
    """SQL for a CHECK constraint that keeps ``column`` to the values of ``enum``."""
    values = ', '.join(f"'{member.value}'" for member in enum)
    return f'{column} IN ({values})'


__all__ = ['MONEY_4', 'N_', 'BookingStatus', 'Channel', 'Decimal', 'PaymentMethod', 'Refusal', 'Role', 'UTCDateTime',
           'enum_check', 'utcnow']
