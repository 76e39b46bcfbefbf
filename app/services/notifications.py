"""The notification centre: stored notifications for roles at a location, read per person.

Services record one in the transaction of the change they announce (:func:`prepare`, then ``events.publish``
after the commit), in the process where the change was made, so a cross-process bus never doubles them; the event
itself tells every open tab to refresh its bell. A person sees the notifications of their location (owners:
every location) addressed to their role, newest first; what arrived while they were away is there when they sign
in, and nothing from before their account was made (a newly invited staff member starts with an empty bell).
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from sqlalchemy import Connection, and_, func
from sqlalchemy import insert as sa_insert
from sqlmodel import Session, col, select

from app.models import Notification, NotificationReceipt, NotificationView, Role, UserRead, utcnow
from app.services import events, i18n
from app.services.caching import VersionedCache
from app.services.database import connection_of, session_scope

log = logging.getLogger(__name__)

FRONT_DESK = 'owner,manager,staff'
MANAGEMENT = 'owner,manager'
OWNERS = 'owner'
KINDS = {  # BookingChanged.change / status → notification kind and who hears of it
    'created': ('booking_created', FRONT_DESK),
    'moved': ('booking_moved', FRONT_DESK),
    'cancelled': ('booking_cancelled', FRONT_DESK),
    'checked_in': ('checked_in', FRONT_DESK),
    'no_show': ('no_show', FRONT_DESK),
}


def record(location_id: int, kind: str, text: str, *, audience: str = FRONT_DESK, booking_id: int | None = None,
           at: datetime | None = None, session: Session | Connection | None = None) -> int:
    """Store a notification (``audience``: comma-separated roles); returns its id. With ``session``, in the
    caller's unit of work (committed with the change it tells of)."""
    if session is None:
        with session_scope(write=True) as own:
            return record(location_id, kind, text, audience=audience, booking_id=booking_id, at=at, session=own)
    # a Core insert on the unit of work's connection: an ORM object would cost a flush per notification
    return connection_of(session).execute(_INSERT, {
        'location_id': location_id, 'kind': kind, 'text': i18n.fit(text, 500), 'audience': audience,
        'booking_id': booking_id, 'created_at': at or utcnow()}).scalar_one()


_INSERT = sa_insert(Notification.__table__).returning(Notification.__table__.c.id)


def record_event(event: events.Event, *, session: Session | Connection | None = None) -> int | None:
    """The notification for an event people should hear of (a booking change, a payment, a customer's chat
    message, a waitlisted customer offered a freed time, a failed payment, a product falling below its
    minimum stock): its id, or None. With ``session``, in the caller's unit of work."""
    where = {'session': session}
    if isinstance(event, events.BookingChanged):
        key = event.change if event.change != 'status' else event.status
        if key not in KINDS:
            return None  # completed-and-paid is announced by the payment
        kind, audience = KINDS[key]
        return record(event.location_id, kind, event.summary, audience=audience, booking_id=event.booking_id,
                      **where)
    if isinstance(event, events.ReceiptCreated):
        return record(event.location_id, 'payment_received', event.summary, audience=MANAGEMENT, **where)
    if isinstance(event, events.ChatChanged) and event.change == 'message' and event.side == 'customer':
        return record(event.location_id, 'chat_message', event.summary, audience=FRONT_DESK, **where)
    if isinstance(event, events.WaitlistChanged) and event.change == 'offered':
        return record(event.location_id, 'waitlist_offer', event.summary, audience=FRONT_DESK, **where)
    if isinstance(event, events.PaymentFailed):
        return record(event.location_id, 'payment_failed', event.summary, audience=MANAGEMENT,
                      booking_id=event.booking_id, **where)
    if isinstance(event, events.MessageFailed):
        return record(event.location_id, 'message_failed', event.summary, audience=FRONT_DESK,
                      booking_id=event.booking_id, **where)
    if isinstance(event, events.StockChanged) and event.low:
        return record(event.location_id, 'low_stock', event.summary, audience=MANAGEMENT, **where)
    if isinstance(event, events.BackupFailed):
        return record(event.location_id, 'backup_failed', event.summary, audience=OWNERS, **where)
    return None


def prepare(session: Session | Connection, event: events.Event) -> events.Event:
    """Record ``event``'s notification (if any) in the caller's unit of work and return the event carrying its
    id; the caller publishes it after the commit (one user action, one transaction)."""
    notification_id = record_event(event, session=session)
    if notification_id is not None and hasattr(event, 'notification_id'):
        return dataclasses.replace(event, notification_id=notification_id)
    return event


def reaches(notification_id: int, role: Role, location_id: int | None) -> bool:
    """Whether the new notification ``notification_id`` is addressed to people of ``role`` at ``location_id``
    (``None``: people who hear about every location, i.e. owners): their role is in its audience, it is at
    their location, and never kiosks. Read from the database once for every room asking. A held notice
    (:func:`held`, negative id) reaches the front desk of every location."""
    if notification_id < 0:
        return notification_id in _held.notices and role.value in FRONT_DESK.split(',')
    item = _arrival(notification_id)
    if item is None or role == Role.KIOSK or role.value not in item.audience.split(','):
        return False
    return location_id is None or location_id == item.location_id


def held() -> list[NotificationView]:
    """Notices that cannot be stored because the database cannot be written (an outage,
    :class:`events.DatabaseOutage`): kept in this process's memory from the outage's start, heard from any process
    over the bus, until it ends; shown to the front desk of every location, newest first, marked unread."""
    return sorted(_held.notices.values(), key=lambda item: item.created_at, reverse=True)


class _Held:
    """The held notices by (negative) id; one per outage, whichever process announces it first."""

    def __init__(self) -> None:
        self.notices: dict[int, NotificationView] = {}

    def hear(self, event: events.Event) -> None:
        if not isinstance(event, events.DatabaseOutage) or event.notification_id is None:
            return
        if event.change == 'ended':
            self.notices = {}
        elif not self.notices:  # an outage another process announced first is the same outage
            self.notices = {event.notification_id: NotificationView(
                id=event.notification_id, location_id=0, created_at=datetime.fromisoformat(event.since),
                kind='database_not_writable', text=event.summary, booking_id=None, read=False)}


_held = _Held()
events.subscribe(_held.hear)


def _arrival(notification_id: int) -> Notification | None:
    """The new notification ``notification_id`` (``None`` if there is none), read from the database once for
    every tab and room asking about it (notifications never change); detached: read only."""
    return _arrivals.get(notification_id, [], lambda: _fetch(notification_id))


def _fetch(notification_id: int) -> Notification | None:
    with session_scope() as session:
        item = session.get(Notification, notification_id)
        if item is not None:
            session.expunge(item)
        return item


_arrivals: VersionedCache[Notification | None] = VersionedCache(max_entries=256)


def visible(actor: UserRead, *, limit: int = 30) -> list[NotificationView]:
    """The latest notifications ``actor`` may see, newest first, each marked read or not."""
    with session_scope() as session:
        rows = session.execute(_mine(actor).add_columns(col(NotificationReceipt.user_id).is_not(None))
                            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
                            .limit(limit)).all()
        stored = [NotificationView.model_validate(n, update={'read': bool(read)}) for n, read in rows]
    return (_held_for(actor) + stored)[:limit]


def unread_count(actor: UserRead) -> int:
    """How many notifications ``actor`` may see and has not read."""
    with session_scope() as session:
        query = _mine(actor).where(col(NotificationReceipt.user_id).is_(None))
        return session.exec(select(func.count()).select_from(query.subquery())).one() + len(_held_for(actor))


def mark_read(actor: UserRead, notification_ids: list[int] | None = None) -> int:
    """Mark the given notifications (default: every unread one ``actor`` may see) read; returns how many."""
    with session_scope(write=True) as session:
        query = _mine(actor).where(col(NotificationReceipt.user_id).is_(None))
        if notification_ids is not None:
            query = query.where(col(Notification.id).in_(notification_ids))
        ids = [n.id for n in session.exec(query)]
        session.add_all([NotificationReceipt(notification_id=i, user_id=actor.id) for i in ids])
    return len(ids)


def _held_for(actor: UserRead) -> list[NotificationView]:
    return held() if actor.role.value in FRONT_DESK.split(',') else []


def _mine(actor: UserRead):
    """Notifications addressed to ``actor``'s role at their location(s), outer-joined to their read mark."""
    query = (select(Notification)
             .outerjoin(NotificationReceipt, and_(NotificationReceipt.notification_id == Notification.id,
                                                  NotificationReceipt.user_id == actor.id))
             .where(col(Notification.audience).contains(actor.role.value)))
    if actor.role == Role.KIOSK:
        return query.where(col(Notification.id).is_(None))  # kiosks hear nothing
    if actor.location_id is not None:
        query = query.where(Notification.location_id == actor.location_id)
    if actor.created_at is not None:  # an account starts with no backlog: only what happened since it was made
        query = query.where(Notification.created_at >= actor.created_at)
    return query
