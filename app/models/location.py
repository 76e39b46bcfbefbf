"""Location: one shop; every business row belongs to one."""

from __future__ import annotations

import itertools
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, field_validator, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import JSON, false, true
from sqlmodel import Field, SQLModel

from .base import N_, Refusal


class TaxRate(BaseModel):
    """A named tax and its rate in percent, e.g. ``TaxRate(name='GST', percent='5')``."""

    name: str
    percent: str


class LocationBase(SQLModel):
    name: str = Field(max_length=120, unique=True)
    time_zone: str = Field(default='UTC', max_length=64, description='IANA time zone, e.g. America/Toronto')
    currency: str = Field(default='USD', max_length=3, description='ISO 4217 code')
    tax_rates: list[dict] = Field(default_factory=list, sa_type=JSON,
                                  description='[{"name": "GST", "percent": "5", "services": true, "products": true}]')
    address: str = Field(default='', max_length=300)
    phone: str = Field(default='', max_length=40)
    country: str = Field(default='', max_length=2,
                         description='ISO 3166-1 alpha-2: the country of phone numbers typed without a country code')
    locale: str = Field(default='en_CA', max_length=20,
                        description='the formats of money and dates (babel), e.g. fr_CA; their words follow '
                                    '`language`')
    language: str = Field(default='en', max_length=8, sa_column_kwargs={'server_default': 'en'},
                          description="the language of the customers' pages, the kiosk and messages to customers, "
                                      "and the desk's for users who chose none: 'en', 'fr', 'sw'")
    prices_include_tax: bool = Field(default=False, description='prices are entered with tax included')
    opening_hours: list[dict] = Field(default_factory=list, sa_type=JSON,
                                      description='[{"weekday": 0, "start_minute": 540, "end_minute": 1080}, ...]; '
                                                  'a weekday without a stretch is closed; empty: not set')
    closures: list[dict] = Field(default_factory=list, sa_type=JSON,
                                 description='[{"start": "2026-12-25", "end": "2026-12-26", "reason": "Christmas"}]')
    slot_minutes: int = Field(default=15, description='the grid free times start on')
    min_notice_minutes: int = Field(default=0, description='how soon before its start a booking may be made online')
    horizon_days: int = Field(default=90, description='how far ahead bookings may be made online')
    buffer_minutes: int = Field(default=0, description='default gap after each booking')
    cancellation_hours: int = Field(default=24, description='free cancellation until this long before the start')
    deposit_percent: int = Field(default=0, sa_column_kwargs={'server_default': '0'},
                                 description="share of a booking's price asked as a deposit (0: none); kept as a "
                                             'fee for a no-show or a cancellation inside the window')
    no_show_fee_percent: int = Field(default=0, sa_column_kwargs={'server_default': '0'},
                                     description="share of a booking's price charged for a no-show or a late "
                                                 'cancellation when no deposit was held (0: none)')
    loyalty_points_per_unit: int = Field(default=0, sa_column_kwargs={'server_default': '0'},
                                         description='loyalty points a customer earns per whole unit of currency '
                                                     'spent (0: no loyalty scheme)')
    loyalty_on: str = Field(default='both', max_length=10, sa_column_kwargs={'server_default': 'both'},
                            description="what earns points: 'services', 'products' or 'both'")
    loyalty_expiry_months: int = Field(default=0, sa_column_kwargs={'server_default': '0'},
                                       description="a customer's points expire after this many months without "
                                                   'earning or spending any (0: never)')
    reminder_hours: list[int] = Field(default_factory=lambda: [24, 2], sa_type=JSON,
                                      sa_column_kwargs={'server_default': '[24, 2]'},
                                      description='reminders go out this many hours before a booking starts')
    quiet_start_minute: int = Field(default=21 * 60, sa_column_kwargs={'server_default': str(21 * 60)},
                                    description='no reminders or marketing from this local time (minutes after '
                                                'midnight) …')
    quiet_end_minute: int = Field(default=8 * 60, sa_column_kwargs={'server_default': str(8 * 60)},
                                  description='… until this one; equal to the start: no quiet hours')
    email_messages: bool = Field(default=True, sa_column_kwargs={'server_default': true()},
                                 description='confirmations and reminders go out by e-mail to customers with one')
    sms_messages: bool = Field(default=True, sa_column_kwargs={'server_default': true()},
                               description='… and by SMS to customers with a phone (when an SMS provider is set up)')
    sms_provider: str = Field(default='twilio', max_length=20, sa_column_kwargs={'server_default': 'twilio'},
                              description="who sends its SMS: 'twilio' or 'africastalking' (credentials: config.py)")
    sms_sender_id: str = Field(default='', max_length=11, sa_column_kwargs={'server_default': ''},
                               description="Africa's Talking's sender ID (alphanumeric or short code; '': the "
                                           "account's default)")
    online_booking: bool = Field(default=False, sa_column_kwargs={'server_default': false()},
                                 description='customers may book themselves at /book/<id> (services marked for it)')
    staff_discount_limit_percent: int = Field(default=0, sa_column_kwargs={'server_default': '0'},
                                              description='the largest discount (percent of what it is taken '
                                                          'from) staff may give without a manager; 0: staff give '
                                                          'none (owners and managers always may)')
    high_risk_action: str = Field(default='none', max_length=10, sa_column_kwargs={'server_default': 'none'},
                                  description="what a booking with a high no-show risk triggers: 'none', 'reminder' "
                                              "(an extra reminder a day before the first) or 'deposit' (the desk "
                                              'is told to ask for one)')
    tax_number: str = Field(default='', max_length=40, sa_column_kwargs={'server_default': ''},
                            description="the business's tax registration number (KRA PIN, Rwanda TIN, VAT no.), "
                                        "printed on receipts; with a tax: they are tax invoices")
    archived: bool = Field(default=False, description='no longer trading: hidden, its history kept')


class Location(LocationBase, table=True):
    __tablename__ = 'location'
    id: int | None = Field(default=None, primary_key=True)


class LocationCreate(LocationBase):
    pass


class LocationRead(LocationBase):
    id: int


class OpeningStretch(BaseModel):
    """Open on ``weekday`` (0 = Monday) from ``start_minute`` to ``end_minute`` (minutes after local midnight)."""

    weekday: int = PydanticField(ge=0, le=6)
    start_minute: int = PydanticField(ge=0, le=24 * 60)
    end_minute: int = PydanticField(ge=0, le=24 * 60)

    @model_validator(mode='after')
    def _ends_after_start(self) -> OpeningStretch:
        if self.end_minute <= self.start_minute:
            raise ValueError(N_('closing time must come after opening time'))
        return self


class Closure(BaseModel):
    """Closed from ``start`` to ``end`` (local dates, inclusive), e.g. a public holiday."""

    start: date
    end: date
    reason: str = PydanticField(default='', max_length=120)

    @model_validator(mode='after')
    def _ends_after_start(self) -> Closure:
        if self.end < self.start:
            raise ValueError(N_('a closure must end on or after the day it starts'))
        return self


class LocationTax(BaseModel):
    """A tax of the location: ``percent`` as a decimal string ('13', '9.975'), on services, products or both."""

    name: str = PydanticField(min_length=1, max_length=40)
    percent: str = PydanticField(max_length=10)
    services: bool = True
    products: bool = True

    @field_validator('name')
    @classmethod
    def _stripped(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(N_('give the tax a name'))
        return value.strip()

    @field_validator('percent')
    @classmethod
    def _percent(cls, value: str) -> str:
        try:
            number = Decimal(value.strip().replace(',', '.'))
        except InvalidOperation:
            raise ValueError(N_('enter the rate as a number, e.g. 13 or 9.975')) from None
        if not number.is_finite() or not 0 <= number <= 100:
            raise ValueError(N_('a rate is between 0 and 100 percent'))
        return format(number.normalize(), 'f')


SLOT_GRIDS = (5, 10, 15, 20, 30, 60)


class LocationSettings(BaseModel):
    """What the owner sets for a location (the Settings page, the first-run setup). Checked as a whole: time zone
    (IANA), currency (ISO 4217), country (ISO 3166-1 alpha-2) and locale are checked by the location services."""

    name: str = PydanticField(min_length=1, max_length=120)
    address: str = PydanticField(default='', max_length=300)
    phone: str = PydanticField(default='', max_length=40)
    time_zone: str = PydanticField(min_length=1, max_length=64)
    currency: str = PydanticField(min_length=3, max_length=3)
    country: str = PydanticField(default='', max_length=2)
    locale: str = PydanticField(default='en_CA', min_length=2, max_length=20)
    language: str = PydanticField(default='en', min_length=2, max_length=8)
    prices_include_tax: bool = False
    tax_rates: list[LocationTax] = PydanticField(default_factory=list, max_length=10)
    opening_hours: list[OpeningStretch] = PydanticField(default_factory=list, max_length=70)
    closures: list[Closure] = PydanticField(default_factory=list, max_length=200)
    slot_minutes: int = 15
    min_notice_minutes: int = PydanticField(default=0, ge=0, le=14 * 24 * 60)
    horizon_days: int = PydanticField(default=90, ge=1, le=730)
    buffer_minutes: int = PydanticField(default=0, ge=0, le=240)
    cancellation_hours: int = PydanticField(default=24, ge=0, le=30 * 24)
    deposit_percent: int = PydanticField(default=0, ge=0, le=100)
    no_show_fee_percent: int = PydanticField(default=0, ge=0, le=100)
    loyalty_points_per_unit: int = PydanticField(default=0, ge=0, le=1000)
    loyalty_on: Literal['services', 'products', 'both'] = 'both'
    loyalty_expiry_months: int = PydanticField(default=0, ge=0, le=120)
    reminder_hours: list[int] = PydanticField(default_factory=lambda: [24, 2], max_length=3)
    quiet_start_minute: int = PydanticField(default=21 * 60, ge=0, lt=24 * 60)
    quiet_end_minute: int = PydanticField(default=8 * 60, ge=0, lt=24 * 60)
    email_messages: bool = True
    sms_messages: bool = True
    sms_provider: Literal['twilio', 'africastalking'] = 'twilio'
    sms_sender_id: str = PydanticField(default='', max_length=11)
    online_booking: bool = False
    high_risk_action: Literal['none', 'reminder', 'deposit'] = 'none'
    staff_discount_limit_percent: int = PydanticField(default=0, ge=0, le=100)
    tax_number: str = PydanticField(default='', max_length=40)

    @field_validator('tax_number')
    @classmethod
    def _tax_number(cls, value: str) -> str:
        value = ' '.join(value.split())
        if value and not all(ch.isalnum() or ch in ' -/.' for ch in value):
            raise ValueError(N_('a tax number has letters, digits, spaces, "-", "/" and "." only'))
        return value.upper()

    @field_validator('reminder_hours')
    @classmethod
    def _reminders(cls, value: list[int]) -> list[int]:
        if any(not 1 <= hours <= 14 * 24 for hours in value):
            raise ValueError(N_('a reminder goes out between 1 hour and 14 days before'))
        if len(set(value)) != len(value):
            raise ValueError(N_('two reminders at the same time'))
        return sorted(value, reverse=True)

    @field_validator('sms_sender_id')
    @classmethod
    def _sender_id(cls, value: str) -> str:
        value = value.strip()
        if value and not re.fullmatch(r'[A-Za-z0-9][A-Za-z0-9 .-]*', value):
            raise ValueError(N_('a sender ID is letters and digits (up to 11), as registered with the provider'))
        return value

    @field_validator('name')
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(N_('give the location a name'))
        return value.strip()

    @field_validator('currency', 'country')
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.strip().upper()

    @field_validator('slot_minutes')
    @classmethod
    def _grid(cls, value: int) -> int:
        if value not in SLOT_GRIDS:
            raise Refusal(N_('free times start every {grids} minutes'), grids=', '.join(map(str, SLOT_GRIDS)))
        return value

    @field_validator('tax_rates')
    @classmethod
    def _distinct_taxes(cls, value: list[LocationTax]) -> list[LocationTax]:
        names = [t.name.lower() for t in value]
        if len(names) != len(set(names)):
            raise ValueError(N_('two taxes have the same name'))
        return value

    @field_validator('opening_hours')
    @classmethod
    def _no_overlap(cls, value: list[OpeningStretch]) -> list[OpeningStretch]:
        by_day: dict[int, list[OpeningStretch]] = {}
        for stretch in value:
            by_day.setdefault(stretch.weekday, []).append(stretch)
        for weekday, stretches in sorted(by_day.items()):
            ordered = sorted(stretches, key=lambda s: s.start_minute)
            if any(b.start_minute < a.end_minute for a, b in itertools.pairwise(ordered)):
                day = (N_('Monday'), N_('Tuesday'), N_('Wednesday'), N_('Thursday'), N_('Friday'), N_('Saturday'),
                       N_('Sunday'))[weekday]
                raise Refusal(N_('two opening stretches on {day} overlap'), day=day)
        return value
