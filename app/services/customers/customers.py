"""Customers: search, create, history."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime

from sqlalchemy import String, cast, exists, func, or_, text, true, union
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.models import Booking, Customer, CustomerCreate, CustomerRead, CustomerWord, Location, UserRead
from app.models.customer import searchable
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
    """Customers matching ``query`` (:func:`search_condition`), by name; with ``tag``, only those carrying that tag
    (exactly as written). The customer list's search; the pickers use :func:`find_customers`.

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id)
    with session_scope() as session:
        statement = select(Customer).where(Customer.location_id == location_id, col(Customer.merged_into).is_(None))
        if query.strip():
            statement = statement.where(search_condition(location_id, query))
        if tag:  # the tag as the JSON list stores it, quotes included: "vip" matches "vip", not "vip2"
            stored = json.dumps(tag[:40]).replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
            statement = statement.where(cast(Customer.tags, String).like(f'%{stored}%', escape='\\'))
        rows = session.exec(statement.order_by(Customer.name).limit(limit)).all()
        return [CustomerRead.model_validate(c) for c in rows]


SEARCH_WORDS = 6
"""Words of a search that count (more narrow nothing a desk would type)."""
CANDIDATES = 400
"""Matches ranked by their last visit at most: the ranking's cost is bounded per keystroke; a search narrowed to
fewer matches ranks every one."""


def _matches(location_id: int, query: str, *, limit: int | None = None) -> list:
    """SELECTs of the ids of the location's customers matching ``query`` (:func:`search_condition`): one for its
    words, one for its digits when it looks like a phone number; each at most ``limit`` ids (None: all).

    Each is driven by the range of one word in the words' primary key (:class:`~app.models.CustomerWord`: ``prefix``
    ≤ word < the next string after every word beginning it): the longest word typed; each other word is checked for
    the customers found (through their words, by ``customer_id``). So a keystroke reads as many words as the longest
    word typed begins, and with a limit stops at that many customers: 'p' among 100,000 codes costs no more than
    'p09999'."""
    words = sorted(set(searchable(query).split()[:SEARCH_WORDS]), key=len, reverse=True)
    digits = phones.digits_of(query)
    drives = [(words[0], words[1:])] if words else []
    if digits:
        drives.append((digits.lstrip('0') or digits, []))
    found = []
    for lead, rest in drives:
        statement = select(CustomerWord.customer_id).where(*_beginning(CustomerWord, location_id, lead))
        for word in rest:
            other = aliased(CustomerWord)
            # by the customer's own words (customer_id, word): naming the location here, SQLite took the words'
            # primary key and read every word beginning ``word`` for each customer (seconds at 100,000)
            statement = statement.where(exists().where(other.customer_id == CustomerWord.customer_id,
                                                       *_beginning(other, None, word)))
        statement = statement.distinct()
        found.append(statement.limit(limit) if limit is not None else statement)
    return found


def _beginning(words, location_id: int | None, prefix: str) -> tuple:
    """The conditions on ``words`` (:class:`~app.models.CustomerWord` or an alias) of a word beginning ``prefix``, of
    the location (None: of any: the customer is named otherwise)."""
    after = prefix[:-1] + chr(min(ord(prefix[-1]) + 1, 0x10FFFF))
    where = (words.word >= prefix, words.word < after)
    return where if location_id is None else (words.location_id == location_id, *where)


def search_condition(location_id: int, query: str):
    """The condition a customer of the location matching ``query`` meets: each word of it
    (:func:`~app.models.customer.searchable`: any case, accents or none, any order) begins a word of their name, code
    or e-mail (:func:`~app.models.customer.search_words`); or, for a query that looks like a phone number in any
    format (4 or more digits: ``+254 712 345 678``, ``0712-345``, ``(416) 555-0102``, ``555 01``), its digits (a
    leading trunk 0 dropped) begin their phone's number from its country code, national number or local part. A SQL
    expression on :class:`~app.models.Customer`; an empty query (or one of punctuation only) matches everyone."""
    found = _matches(location_id, query)
    return or_(*(col(Customer.id).in_(ids) for ids in found)) if found else true()


def find_customers(location_id: int, query: str = '', *, actor: UserRead, limit: int = 20,
                   now: datetime | None = None) -> list[CustomerRead]:
    """A page of the customers matching ``query`` (:func:`search_condition`), recent customers first: by their last
    visit (the latest booking started by ``now``, default :func:`clock.now`), else when they were added; then by name.
    With no query, the customers of the location's latest visits and the newest added. What the customer pickers
    show as the desk types: a query per keystroke, reading the words' B-tree and ranking at most
    :data:`CANDIDATES` matches, so its cost grows with the matches' number, not the location's customers
    (``bench/customer_search.py``).

    :param limit: 1 to 50 customers
    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id)
    now = now or clock.now()
    limit = max(1, min(limit, 50))
    active = (Customer.location_id == location_id, col(Customer.merged_into).is_(None))
    found = _matches(location_id, query, limit=CANDIDATES)
    if found:  # each its own DISTINCT and LIMIT (SQLite): a subquery each
        candidates = union(*(select(ids.subquery().c.customer_id) for ids in found))
    else:
        visited = (select(Booking.customer_id).where(Booking.location_id == location_id,
                                                     col(Booking.customer_id).is_not(None), Booking.starts_at <= now)
                   .order_by(col(Booking.starts_at).desc()).limit(CANDIDATES))
        newest = select(Customer.id).where(*active).order_by(col(Customer.id).desc()).limit(limit)
        visited, newest = visited.subquery(), newest.subquery()  # each its own ORDER BY and LIMIT (SQLite)
        candidates = union(select(visited.c.customer_id), select(newest.c.id))
    last_visit = (select(func.max(Booking.starts_at))
                  .where(Booking.customer_id == Customer.id, Booking.starts_at <= now).scalar_subquery())
    statement = (select(Customer).where(*active, col(Customer.id).in_(candidates))
                 .order_by(func.coalesce(last_visit, Customer.created_at).desc(), Customer.name, Customer.id)
                 .limit(limit))
    with session_scope() as session:
        return [CustomerRead.model_validate(c) for c in session.exec(statement).all()]


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
    events.publish(events.CustomerChanged(location_id=result.location_id, customer_id=result.id, created=True))
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
