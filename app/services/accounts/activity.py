"""The activity log: sign-ins and sign-outs, and every booking action, with who, when, from where.

The acting user's address and browser travel on the actor (``UserRead.ip`` / ``user_agent``, filled
in by the pages from the request); services record the action after it has committed. A customer acting through a
link or a code (:class:`CustomerActor`) is recorded as themselves: no account, role ``customer``, and in place of an
e-mail their label (``customer 12 (manage link)``: the customer's number and what proved them, no personal data).
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

from app.models import ActivityEntry, ActivityRead, CustomerActor, User, UserRead, utcnow
from app.services import cells, i18n
from app.services.accounts.access import CUSTOMER, MANAGING_ROLES, Actor, ensure_role, label_of, user_id_of
from app.services.database import connection_of, session_scope
from app.services.i18n import N_, _, shown

log = logging.getLogger(__name__)
ACTIONS = ('sign_in', 'sign_in_failed', 'sign_out', 'booking_created', 'booking_moved', 'booking_cancelled',
           'booking_status', 'payment', 'payment_failed', 'stock')
CSV_HEADER = [N_('time (UTC)'), N_('email'), N_('role'), N_('location'), N_('action'), N_('detail'), N_('booking'),
              N_('address'), N_('browser')]
"""The export's column names (translated when written)."""
ACTION_NAMES = {
    'sign_in': N_('sign in'), 'sign_in_failed': N_('sign in failed'), 'sign_out': N_('sign out'),
    'booking_created': N_('booking created'), 'booking_moved': N_('booking moved'),
    'booking_cancelled': N_('booking cancelled'), 'booking_status': N_('booking status'), 'payment': N_('payment'),
    'payment_failed': N_('payment failed'), 'stock': N_('stock'), 'setup': N_('setup'),
    'location_created': N_('location opened'), 'location_changed': N_('location changed'),
    'location_archived': N_('location archived'), 'location_restored': N_('location trading again'),
    'customer_changed': N_('customer changed'), 'customers_merged': N_('customers merged'),
    'customer_erased': N_('customer erased'), 'calendar_feed': N_('calendar feed'), 'day_closed': N_('day closed'),
    'deposit': N_('deposit'), 'deposit_back': N_('deposit paid back'), 'deposit_kept': N_('deposit kept'),
    'fee_charged': N_('fee charged'), 'refund': N_('refund'), 'receipt_mailed': N_('receipt mailed'),
    'loyalty_reward': N_('loyalty reward'), 'points_expired': N_('points expired'),
    'mpesa_prompt': N_('M-Pesa prompt'), 'mpesa_paid': N_('M-Pesa paid'), 'mpesa_failed': N_('M-Pesa failed'),
    'mpesa_refused': N_('M-Pesa refused'), 'product_saved': N_('product saved'), 'service_added': N_('service added'),
    'service_changed': N_('service changed'), 'resource_changed': N_('resource changed'),
    'staff_added': N_('staff member added'),
    'staff_changed': N_('staff member changed'), 'staff_services': N_("staff member's services"),
    'time_off': N_('time off'), 'time_off_removed': N_('time off taken back'), 'extra_shift': N_('extra shift'),
    'template_changed': N_('message text changed'),
    'invite_sent': N_('invitation sent'), 'invite_accepted': N_('invitation accepted'),
    'reset_sent': N_('password reset link sent'), 'password_reset': N_('password set by link'),
    'sign_in_revoked': N_('sign-in revoked'), 'sign_in_allowed': N_('sign-in allowed again'),
    'backup_schedule_changed': N_('backup schedule changed'), 'customer_exported': N_("customer's data exported"),
}
"""Each action code's name as people read it (translate with :func:`action_name`)."""


def action_name(action: str) -> str:
    """The name of the action ``action`` in the current language (an unknown code: its words)."""
    return _(ACTION_NAMES[action]) if action in ACTION_NAMES else action.replace('_', ' ')


def record(actor: Actor | None, action: str, detail: str = '', *, location_id: int | None = None,
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
        log.exception('could not log %s by %s', action, label_of(actor) if actor else email)


def add(session: Session | Connection, actor: Actor | None, action: str, detail: str = '', *,
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
    role = (CUSTOMER if isinstance(actor, CustomerActor) else actor.role.value) if actor else (
        account.role if account else '')
    connection.execute(_INSERT, {
        'at': utcnow(), 'user_id': user_id_of(actor) if actor else (account.id if account else None),
        'email': label_of(actor) if actor else email, 'role': role, 'location_id': location_id, 'action': action,
        'detail': _clean(detail, 500), 'booking_id': booking_id, 'ip': _clean(actor.ip if actor else ip, 60),
        'user_agent': _clean(actor.user_agent if actor else user_agent, 300)})


_INSERT = sa_insert(ActivityEntry.__table__)


def _clean(text: str, most: int) -> str:
    """``text`` cut to ``most`` characters, control characters (NUL: PostgreSQL refuses it) as ``?`` — except the
    mark that opens a deferred text (:func:`app.services.i18n.deferred`, whose JSON escapes any inside it)."""
    text = i18n.fit(text or '', most)
    if i18n.is_deferred(text):
        return text[0] + text[1:].translate(_CONTROL)
    return text.translate(_CONTROL)


_CONTROL = {code: '?' for code in range(32) if code != ord('\t')}


def entries(*, actor: UserRead, action: str | None = None, email: str = '', start: datetime | None = None,
            end: datetime | None = None, limit: int = 500) -> list[ActivityRead]:
    """The newest entries ``actor`` may see (owners: all; managers: their location's and their
    people's sign-ins), filtered by action, part of an email and ``[start, end)``.

    :raises PermissionDeniedError: not an owner or manager
    """
    ensure_role(actor, MANAGING_ROLES, N_('see the activity log'))
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
    writer.writerow([_(name) for name in CSV_HEADER])
    for r in rows:
        writer.writerow(cells.csv_row([r.at.isoformat(timespec='seconds'), r.email, r.role,
                                       location_names.get(r.location_id, ''), r.action, shown(r.detail),
                                       r.booking_id or '', r.ip, r.user_agent]))
    return out.getvalue()
