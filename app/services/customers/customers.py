"""Customers: search, create, history."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date

from sqlalchemy import String, cast, func, or_, text
from sqlmodel import Session, col, select

from app.models import Customer, CustomerCreate, CustomerRead, Location, UserRead
from app.services import clock, events, mail
from app.services.accounts.access import (
    CUSTOMER_ROLES,
    FRONT_DESK_ROLES,
    KIOSK_ROLES,
    Actor,
    ensure_location,
    ensure_new_customer,
    ensure_reader,
    ensure_role,
)
from app.services.customers import phones
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError
from app.services.i18n import N_, _


def search_customers(location_id: int, query: str = '', *, actor: UserRead, limit: int = 200,
                     tag: str = '') -> list[CustomerRead]:
    """Customers whose name, code, phone or email contains ``query`` (case-insensitive), by name; with ``tag``, only
    those carrying that tag (exactly as written).

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id)
    with session_scope() as session:
        statement = select(Customer).where(Customer.location_id == location_id, col(Customer.merged_into).is_(None))
        if query.strip():
            pattern = f'%{query.strip().lower()}%'
            matches = [col(Customer.name).ilike(pattern), col(Customer.code).ilike(pattern),
                       col(Customer.phone).ilike(pattern), col(Customer.email).ilike(pattern)]
            digits = phones.digits_of(query)
            if digits:  # a phone number in any spelling: 416.555.0101, (416) 555-0101, +1 416 555 0101
                matches.append(col(Customer.phone_e164).contains(digits[-9:] if len(digits) > 9 else digits))
            statement = statement.where(or_(*matches))
        if tag:  # the tag as the JSON list stores it, quotes included: "vip" matches "vip", not "vip2"
            stored = json.dumps(tag[:40]).replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
            statement = statement.where(cast(Customer.tags, String).like(f'%{stored}%', escape='\\'))
        rows = session.exec(statement.order_by(Customer.name).limit(limit)).all()
        return [CustomerRead.model_validate(c) for c in rows]


def tags_in_use(location_id: int, *, actor: UserRead) -> list[str]:
    """Every tag some customer of the location carries, sorted (the customer list's filter).

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id)
    with session_scope() as session:
        lists = session.exec(select(Customer.tags).where(Customer.location_id == location_id,
                                                         col(Customer.merged_into).is_(None))).all()
    return sorted({tag for tags in lists for tag in tags or []}, key=str.lower)


def get_customer(customer_id: int, *, actor: UserRead) -> CustomerRead:
    """:raises NotFoundError: no such customer
    :raises PermissionDeniedError: not a front-desk role, or another location's customer"""
    with session_scope() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFoundError(_('Customer {number} does not exist.').format(number=customer_id))
        ensure_reader(actor, customer.location_id)
        return CustomerRead.model_validate(customer)


def create_customer(data: CustomerCreate, *, actor: UserRead) -> CustomerRead:
    """Add a customer; without a code one is made from the name the way salons do (Alex Kim → KIMA01).

    :raises ValidationError: blank name, or the code is taken
    """
    with session_scope(write=True) as session:
        result = add_customer(session, data, actor=actor)
    events.publish(events.CustomerChanged(location_id=result.location_id, customer_id=result.id))
    return result


def add_customer(session: Session, data: CustomerCreate, *, actor: Actor, today: date | None = None
                 ) -> CustomerRead:
    """:func:`create_customer` inside the caller's unit of work (a booking that adds its customer commits
    both or neither); the caller publishes ``CustomerChanged`` after its commit. The phone is also stored in E.164
    (a number without a country code read as the location's country's); consent given is dated ``today`` (by
    default the UTC date of :func:`clock.now`).

    :raises ValidationError: as :func:`create_customer`; a phone that cannot be read (``field='phone'``), an e-mail
        that is not an address (``field='email'``)
    :raises PermissionDeniedError: not a front-desk or kiosk role, nor a visitor adding themselves by booking online
        (:class:`~app.models.CustomerActor` without a customer), or another location
    """
    # the kiosk and a visitor booking online: a customer booking themselves
    ensure_role(actor, FRONT_DESK_ROLES | KIOSK_ROLES | CUSTOMER_ROLES, N_('add customers'))
    ensure_new_customer(actor)
    ensure_location(actor, data.location_id)
    name = data.name.strip()
    if not name:
        raise ValidationError(_("Enter the customer's name."), field='name')
    number = readable_phone(data.phone, location_country(session, data.location_id))
    email = mail.check_address(data.email) if data.email.strip() else ''
    code = allocate_code(session, data.location_id, name, wanted=(data.code or '').strip().upper())
    customer = Customer(location_id=data.location_id, code=code, name=name, phone=data.phone.strip(),
                        phone_e164=number, email=email, notes=data.notes, preferred_channel=data.preferred_channel,
                        consent=consent_dates({}, data.consent, today or clock.now().astimezone(UTC).date()))
    session.add(customer)
    session.flush()
    return CustomerRead.model_validate(customer)


def readable_phone(phone: str, country: str) -> str:
    """``phone`` in E.164, a number without a country code read as ``country``'s (``'0712 345 678', 'KE'`` →
    ``'+254712345678'``); '' for no phone.

    :raises ValidationError: a phone that is not a possible number (``field='phone'``)
    """
    number = phones.e164(phone, country)
    if phone.strip() and not number:
        raise ValidationError(_('"{phone}" is not a phone number we can read; include the country code if it '
                                'is from abroad.').format(phone=phone.strip()[:40]), field='phone')
    return number


def location_country(session: Session, location_id: int) -> str:
    """The country the location's numbers without a country code belong to (:func:`phones.region`), or ''."""
    place = session.exec(select(Location.country, Location.locale).where(Location.id == location_id)).first()
    return phones.region(*place) if place else ''


def consent_dates(before: dict, given: dict[str, bool], today: date) -> dict[str, str]:
    """Marketing consent as stored: ``{channel: ISO date first given}`` for each channel ``given`` is True for (the
    date kept from ``before`` while it stands, else ``today``); a channel not given is dropped."""
    return {channel: (before or {}).get(channel) or today.isoformat() for channel, agreed in given.items() if agreed}


def matching(location_id: int, *, phone: str = '', email: str = '', actor: UserRead,
             limit: int = 5) -> list[CustomerRead]:
    """Customers of the location with the same phone number (compared in E.164, the location's country for a
    number without a country code) or the same e-mail (case-insensitive): whom a new customer may duplicate. An
    unreadable phone or an empty value matches nobody.

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id)
    address = email.strip().lower()[:200]
    with session_scope() as session:
        number = phones.e164(phone[:40], location_country(session, location_id))
        matches = ([Customer.phone_e164 == number] if number else []) + (
            [func.lower(Customer.email) == address] if address else [])
        if not matches:
            return []
        rows = session.exec(select(Customer).where(Customer.location_id == location_id,
                                                   col(Customer.merged_into).is_(None),
                                                   col(Customer.erased_at).is_(None), or_(*matches))
                            .order_by(Customer.name, Customer.id).limit(limit)).all()
        return [CustomerRead.model_validate(c) for c in rows]


def allocate_code(session: Session, location_id: int, name: str, *, wanted: str = '') -> str:
    """A customer code at the location, free until the caller's transaction ends: ``wanted`` if no one has it, else
    (none wanted) the first free code for ``name`` (:func:`next_code`).

    Codes of one location are allocated one transaction at a time: on PostgreSQL under a transaction-level advisory
    lock of the location (``pg_advisory_xact_lock``, PostgreSQL manual §13.3.5 "Advisory Locks"; released at commit
    or rollback, no table to keep), on SQLite by its one writer (the caller's ``BEGIN IMMEDIATE``). So two new
    customers with the same name at once get KIMA01 and KIMA02, never the unique constraint's error. Only the codes
    of the name's stem are read (a range of the ``(location_id, code)`` index), not the location's every code.

    :raises ValidationError: ``wanted`` is taken (``field`` 'code')
    """
    lock_codes(session, location_id)
    if wanted:
        if session.exec(select(Customer.id).where(Customer.location_id == location_id,
                                                  Customer.code == wanted)).first() is not None:
            raise ValidationError(_('The code {code} is already used by another customer.').format(code=wanted),
                                  field='code')
        return wanted
    stem = code_stem(name)
    # the codes that start with the stem, and a few more: those between 'KIMA' and 'KIN' in any collation
    query = select(Customer.code).where(Customer.location_id == location_id, Customer.code >= stem)
    after = _next_prefix(stem)
    if after:
        query = query.where(Customer.code < after)
    return next_code(name, set(session.exec(query)))


def lock_codes(session: Session, location_id: int) -> None:
    """Hold the location's customer codes until the caller's transaction ends (see :func:`allocate_code`; a bulk
    import that writes customers with their own codes takes it too, before it reads which codes exist)."""
    if session.get_bind().dialect.name == 'postgresql':
        session.execute(text('SELECT pg_advisory_xact_lock(:key)'), {'key': _codes_lock_key(location_id)})


def code_stem(name: str) -> str:
    """The letters a generated code starts with: three of the last name (padded with X) and the first initial.

    >>> code_stem('Alex Kim')
    'KIMA'
    """
    words = [re.sub(r'[^A-Z]', '', w.upper()) for w in name.split()]
    words = [w for w in words if w] or ['X']
    return words[-1][:3].ljust(3, 'X') + words[0][0]


def next_code(name: str, taken: set[str]) -> str:
    """The first free code for ``name``: its :func:`code_stem` and a number.

    >>> next_code('Alex Kim', {'KIMA01'})
    'KIMA02'
    """
    stem = code_stem(name)
    number = 1
    while f'{stem}{number:02d}' in taken:
        number += 1
    return f'{stem}{number:02d}'


def _next_prefix(stem: str) -> str:
    """The first string of capital letters after every string starting with ``stem`` (``KIMA`` → ``KIMB``, ``KIMZ`` →
    ``KIN``); '' for ``ZZZZ``."""
    kept = stem.rstrip('Z')
    return kept[:-1] + chr(ord(kept[-1]) + 1) if kept else ''


def _codes_lock_key(location_id: int) -> int:
    """The advisory lock's key for a location's customer codes: the first 8 bytes of SHA-256('clientpulse-customer-
    codes:' + id), a signed 64-bit integer (as :mod:`app.services.jobs` names its locks)."""
    digest = hashlib.sha256(f'clientpulse-customer-codes:{location_id}'.encode()).digest()
    return int.from_bytes(digest[:8], 'big', signed=True)


def customer_names(customer_ids: list[int]) -> dict[int, str]:
    """``{customer_id: name}`` for the ids (unknown ids are left out); reads in batches of 10,000."""
    names: dict[int, str] = {}
    with session_scope() as session:
        for first in range(0, len(customer_ids), 10_000):
            batch = customer_ids[first:first + 10_000]
            names.update(session.exec(select(Customer.id, Customer.name).where(col(Customer.id).in_(batch))).all())
    return names
