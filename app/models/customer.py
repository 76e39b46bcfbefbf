"""Customers, known by a short code per location (e.g. ``KIMA01``)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Literal

from pydantic import field_validator
from sqlalchemy import JSON, Index, String, UniqueConstraint, event
from sqlalchemy import inspect as sa_inspect
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


WORD_LENGTH = 100


def searchable(*parts: str | None) -> str:
    """``parts`` as the customer search compares them: accents dropped (Unicode NFKD, combining marks removed), case
    folded (``str.casefold``: 'ß' → 'ss'), anything but letters, digits, '@' and '.' read as a space, spaces
    collapsed. ``('José  Núñez-Ortiz', 'NUNJ01')`` → ``'jose nunez ortiz nunj01'``. Both what a customer is found by
    (:func:`search_words`) and the words typed are folded so."""
    text = ' '.join(p for p in parts if p)
    if text.isascii():  # most names and every code and e-mail: NFKD leaves ASCII as it is, casefold is lower
        text = text.lower()
    else:
        text = unicodedata.normalize('NFKD', text)
        text = ''.join(c for c in text if not unicodedata.combining(c)).casefold()
    return ' '.join(_NOT_A_WORD.sub(' ', text).split())


_NOT_A_WORD = re.compile(r'[^\w@.]+|_')
_PLAIN = re.compile(r'[A-Za-z0-9@.\s]*')
"""ASCII text :func:`searchable` leaves as it is but for case and spacing."""


def search_words(name: str | None, code: str | None, email: str | None, phone_e164: str | None) -> set[str]:
    """The words a customer is found by: each word of their name, their code and e-mail (:func:`searchable`), a name
    written with an apostrophe or hyphen also whole (``O'Brien``: 'o', 'brien' and 'obrien'), and
    their phone's digits from the country code, from each of the next three digits (the national number, whatever
    the country code's length), and its last 7 and 4 (the local part). A search matches a customer when each word
    typed begins one of theirs (``'jos nun'`` finds José Núñez; ``'0712 345'``, its trunk 0 dropped, finds
    +254 712 345 678). At most :data:`WORD_LENGTH` characters each.

    Text of ASCII letters, digits, '@', '.' and spaces only (most names, codes, e-mails: an import's 62,299 patients)
    is its own fold, lower-cased: its words are taken at once instead of folding the whole and each word apart
    (a fifth of an import's time; ``tests/customers/test_search_words.py`` checks both give the same words)."""
    text = ' '.join(p for p in (name, code, email) if p)
    if text.isascii() and _PLAIN.fullmatch(text):
        words = set(text.lower().split())
    else:
        words = set(searchable(text).split())
        for written in text.split():  # "O'Brien", "Núñez-Ortiz" also whole
            words.add(''.join(searchable(written).split()))
        words.discard('')
    digits = re.sub(r'\D', '', phone_e164 or '')
    if len(digits) >= 4:
        words.update(digits[start:] for start in {0, 1, 2, 3, max(0, len(digits) - 7), len(digits) - 4})
    return {word[:WORD_LENGTH] for word in words}


class Customer(CustomerBase, table=True):
    __tablename__ = 'customer'
    __table_args__ = (UniqueConstraint('location_id', 'code'),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerWord(SQLModel, table=True):
    """A word a customer is found by (:func:`search_words`), one row each: the search finds the words a typed word
    begins in the primary key's B-tree, whatever the number of customers. Kept by the ORM on every insert and update
    of a customer (``_keep_words``); bulk imports write their customers' words themselves."""

    __tablename__ = 'customer_word'
    location_id: int = Field(foreign_key='location.id', primary_key=True)
    # compared byte by byte (PostgreSQL's "C" collation): a word's prefixes sort just before it in any language
    word: str = Field(primary_key=True, sa_type=String(WORD_LENGTH).with_variant(
        String(WORD_LENGTH, collation='C'), 'postgresql'))
    customer_id: int = Field(foreign_key='customer.id', primary_key=True)
    # a customer's words: the other words typed are checked for each customer the longest one finds
    __table_args__ = (Index('ix_customer_word_customer_id_word', 'customer_id', 'word'),)


def word_rows(customer_id: int, location_id: int, *fields: str | None) -> list[dict]:
    """The ``customer_word`` rows of a customer (``fields``: name, code, e-mail, phone in E.164)."""
    return [{'location_id': location_id, 'word': word, 'customer_id': customer_id}
            for word in sorted(search_words(*fields))]


SEARCHED_FIELDS = ('name', 'code', 'email', 'phone_e164', 'merged_into')


@event.listens_for(Customer, 'after_insert')
def _write_words(_mapper, connection, customer: Customer) -> None:
    table = CustomerWord.__table__
    connection.execute(table.delete().where(table.c.customer_id == customer.id))
    if customer.merged_into is not None:  # merged into another customer: found as that one only
        return
    rows = word_rows(customer.id, customer.location_id, customer.name, customer.code, customer.email,
                     customer.phone_e164)
    if rows:
        connection.execute(table.insert(), rows)


@event.listens_for(Customer, 'after_update')
def _keep_words(mapper, connection, customer: Customer) -> None:
    state = sa_inspect(customer)
    if any(state.attrs[name].history.has_changes() for name in SEARCHED_FIELDS):  # not notes, consent, tags…
        _write_words(mapper, connection, customer)


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
