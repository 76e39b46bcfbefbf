"""Customers: search, create, history."""

from __future__ import annotations

import json
import re

from sqlalchemy import String, cast, or_
from sqlmodel import Session, col, select

from app.models import Customer, CustomerCreate, CustomerRead, Location, UserRead
from app.services import events
from app.services.accounts.access import FRONT_DESK_ROLES, KIOSK_ROLES, ensure_location, ensure_reader, ensure_role
from app.services.customers import phones
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError


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
            raise NotFoundError(f'Customer {customer_id} does not exist.')
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


def add_customer(session: Session, data: CustomerCreate, *, actor: UserRead) -> CustomerRead:
    """:func:`create_customer` inside the caller's unit of work (a booking that adds its customer commits
    both or neither); the caller publishes ``CustomerChanged`` after its commit.

    :raises ValidationError, PermissionDeniedError: as :func:`create_customer`
    """
    ensure_role(actor, FRONT_DESK_ROLES | KIOSK_ROLES, 'add customers')  # the kiosk: a customer booking themselves
    ensure_location(actor, data.location_id)
    name = data.name.strip()
    if not name:
        raise ValidationError('Enter the customer\'s name.', field='name')
    taken = set(session.exec(select(Customer.code).where(Customer.location_id == data.location_id)))
    code = (data.code or '').strip().upper() or next_code(name, taken)
    if code in taken:
        raise ValidationError(f'The code {code} is already used by another customer.', field='code')
    place = session.exec(select(Location.country, Location.locale).where(Location.id == data.location_id)).first()
    country = phones.region(*place) if place else ''
    customer = Customer(location_id=data.location_id, code=code, name=name, phone=data.phone.strip(),
                        phone_e164=phones.e164(data.phone, country), email=data.email.strip(), notes=data.notes)
    session.add(customer)
    session.flush()
    return CustomerRead.model_validate(customer)


def next_code(name: str, taken: set[str]) -> str:
    """The first free code for ``name``: three letters of the last name, the first initial, a number.

    >>> next_code('Alex Kim', {'KIMA01'})
    'KIMA02'
    """
    words = [re.sub(r'[^A-Z]', '', w.upper()) for w in name.split()]
    words = [w for w in words if w] or ['X']
    stem = (words[-1][:3].ljust(3, 'X') + words[0][0])
    number = 1
    while f'{stem}{number:02d}' in taken:
        number += 1
    return f'{stem}{number:02d}'


def customer_names(customer_ids: list[int]) -> dict[int, str]:
    """``{customer_id: name}`` for the ids (unknown ids are left out); reads in batches of 10,000."""
    names: dict[int, str] = {}
    with session_scope() as session:
        for first in range(0, len(customer_ids), 10_000):
            batch = customer_ids[first:first + 10_000]
            names.update(session.exec(select(Customer.id, Customer.name).where(col(Customer.id).in_(batch))).all())
    return names
