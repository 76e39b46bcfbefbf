"""The activity log: sign-ins and sign-outs, and every booking action, with who, when, from where.

The acting user's address and browser travel on the actor (``UserRead.ip`` / ``user_agent``, filled
in by the pages from the request); services record the action after it has committed.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models import ActivityEntry, ActivityRead, User, UserRead, utcnow
from app.services import cells
from app.services.accounts.access import MANAGING_ROLES, ensure_role
from app.services.database import connection_of, session_scope

log = logging.getLogger(__name__)
ACTIONS = ('sign_in', 'sign_in_failed', 'sign_out', 'booking_created', 'booking_moved', 'booking_cancelled',
           'booking_status', 'payment', 'payment_failed', 'stock')
CSV_HEADER = ['time (UTC)', 'email', 'role', 'location', 'action', 'detail', 'booking', 'address', 'browser']


def record(actor: UserRead | None, action: str, detail: str = '', *, location_id: int | None = None,
           booking_id: int | None = None, email: str = '', ip: str = '', user_agent: str = '') -> None:
    """Log one action (by ``actor``, or for a failed sign-in by ``email`` alone: filed under that
    account's location when the address is one, so its manager sees it). Never raises: the action
    itself has already happened; a failure to log is logged. (A service that logs its own change uses
    :func:`add`, in the change's unit of work.)"""
    try:
        with session_scope(write=True) as session:
            add(session, actor, action, detail, location_id=location_id, booking_id=booking_id, email=email, ip=ip,
                user_agent=user_agent)
    except Exception:
        log.exception('could not log %s by %s', action, actor.email if actor else email)


def add(session: Session | Connection, actor: UserRead | None, action: str, detail: str = '', *,
        location_id: int | None = None, booking_id: int | None = None, email: str = '', ip: str = '',
        user_agent: str = '') -> None:
    """:func:`record` in the caller's unit of work: the entry commits with the change it logs, or not at all."""
    email = _clean(email, 200)  # typed by anyone at the sign-in form: any length, any character
    connection = connection_of(session)
    account = None if actor else connection.execute(
        sa_select(User.id, User.location_id, User.role).where(User.email == email)).first()
    if account is not None:
        location_id = account.location_id
    # a Core insert on the unit of work's connection: an ORM object would cost a flush per action
    connection.execute(_INSERT, {
        'at': utcnow(), 'user_id': actor.id if actor and actor.id else (account.id if account else None),
        'email': actor.email if actor else email, 'role': actor.role.value if actor else (
            account.role if account else ''), 'location_id': location_id, 'action': action,
        'detail': _clean(detail, 500), 'booking_id': booking_id, 'ip': _clean(actor.ip if actor else ip, 60),
        'user_agent': _clean(actor.user_agent if actor else user_agent, 300)})


_INSERT = sa_insert(ActivityEntry.__table__)


def _clean(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters, control characters (NUL: PostgreSQL refuses it) as ``?``."""
    return (text or '')[:most].translate(_CONTROL)


_CONTROL = {code: '?' for code in range(32) if code != ord('\t')}


def entries(*, actor: UserRead, action: str | None = None, email: str = '', start: datetime | None = None,
            end: datetime | None = None, limit: int = 500) -> list[ActivityRead]:
    """The newest entries ``actor`` may see (owners: all; managers: their location's and their
    people's sign-ins), filtered by action, part of an email and ``[start, end)``.

    :raises PermissionDeniedError: not an owner or manager
    """
    ensure_role(actor, MANAGING_ROLES, 'see the activity log')
    with session_scope() as session:
        query = select(ActivityEntry)
        if actor.location_id is not None:
            query = query.where(ActivityEntry.location_id == actor.location_id)
        if action:
            query = query.where(ActivityEntry.action == action)
        if email.strip():
            query = query.where(col(ActivityEntry.email).ilike(f'%{email.strip().lower()}%'))
        if start is not None:
            query = query.where(ActivityEntry.at >= start)
        if end is not None:
            query = query.where(ActivityEntry.at < end)
        rows = session.exec(query.order_by(col(ActivityEntry.at).desc(), col(ActivityEntry.id).desc()).limit(limit))
        return [ActivityRead.model_validate(r) for r in rows]


def to_csv(rows: list[ActivityRead], location_names: dict[int, str]) -> str:
    """The entries as CSV text (header first), times in UTC ISO format; text neutralised for spreadsheets
    (:mod:`app.services.cells`: what someone typed into the sign-in form lands here)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow(cells.csv_row([r.at.isoformat(timespec='seconds'), r.email, r.role,
                                       location_names.get(r.location_id, ''), r.action, r.detail, r.booking_id or '',
                                       r.ip, r.user_agent]))
    return out.getvalue()
