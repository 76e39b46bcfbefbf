"""The outbox: every message to a customer is a row, written in the transaction of the change it tells of, and sent
by a worker (:func:`deliver_due`) with retries and backoff.

Exactly once. A worker *claims* one due row at a time, in a short transaction of its own, just before sending it: on
PostgreSQL ``… FOR UPDATE SKIP LOCKED`` (two processes take different rows), on SQLite under ``BEGIN IMMEDIATE`` (one
writer at a time); a claimed row is ``sending`` and no other worker takes it. After sending it is ``sent``; a restart
finds it so and sends nothing again. Only the row being sent is ever ``sending``: the rest of a run's due rows stay
``queued`` until their turn, so a process that dies mid-run leaves at most that one row uncertain, and any other
process sends the others. The uncertain row cannot tell whether the customer got it: after :data:`CLAIM_LEASE` it is
marked failed ("may not have been sent"), visible to the desk, never sent twice. (Claiming a batch at once, as before,
stranded the whole rest of the batch with it.) A reminder is withdrawn (``cancelled``) in the transaction that
cancels or moves its booking, and checked again just before sending.

Quiet hours (the location's, local time): reminders and marketing due in them wait for their end (a reminder whose
booking starts before then goes at their start, the evening before); confirmations, codes and offers answer what the
customer just did and go at once. Marketing goes only to customers who consented on its channel; transactional
messages always.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlmodel import Session

from app.models import (
    Booking,
    BookingStatus,
    Channel,
    Customer,
    Location,
    Message,
    MessageChannel,
    MessageStatus,
    OutboxMessageRead,
    Service,
    StaffMember,
    Template,
    UserRead,
)
from app.services import clock, events, i18n, mail, notifications, revisions
from app.services.accounts.access import FRONT_DESK_ROLES, MANAGING_ROLES, ensure_reader
from app.services.customers import records
from app.services.database import connection_of, session_scope
from app.services.errors import NotFoundError, ValidationError
from app.services.i18n import N_, _
from app.services.messaging import ics, links, reach, sms, templates

log = logging.getLogger(__name__)

RETRY_MINUTES = (1, 5, 15, 60)
"""Minutes to wait before the 2nd, 3rd, 4th and 5th try; after the 5th a message has failed."""
MAX_ATTEMPTS = len(RETRY_MINUTES) + 1
CLAIM_LEASE = timedelta(minutes=10)
"""A message still ``sending`` this long after it was claimed was interrupted (its process died)."""
BOOKING_TEMPLATES = (Template.CONFIRMATION, Template.RESCHEDULED, Template.CANCELLED, Template.REMINDER)
QUIET_TEMPLATES = (Template.REMINDER, Template.MARKETING)
LIVE = (BookingStatus.BOOKED.value, BookingStatus.CONFIRMED.value)
_WORKER = f'{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}'


class BookingFacts(NamedTuple):
    """What a booking's messages depend on, as :data:`_FACTS` reads it: the booking, its customer's addresses and
    consent, its location's reminder hours, quiet hours and channels (times aware, in UTC)."""

    id: int
    location_id: int
    customer_id: int | None
    starts_at: datetime
    status: str
    channel: str
    email: str | None
    phone_e164: str | None
    erased_at: datetime | None
    merged_into: int | None
    preferred_channel: str | None
    reminder_hours: list[int] | None
    quiet_start_minute: int
    quiet_end_minute: int
    time_zone: str
    email_messages: bool
    sms_messages: bool
    sms_provider: str | None


def booking_changed(unit: Session | Connection, booking_id: int, change: str, *, now: datetime,
                    facts: BookingFacts | None = None) -> None:
    """Queue what a booking's change tells its customer, in the change's own transaction: a confirmation when it is
    made (not for walk-ins), a note when it moves or is cancelled, and its reminders (the location's hours before the
    start). Queued reminders and unsent notes of an earlier state are withdrawn. A booking in the past, without a
    customer, or whose customer has no address on an enabled channel gets nothing.

    :param change: ``created``, ``moved``, ``cancelled`` or ``status`` (as in :class:`events.BookingChanged`)
    :param facts: the booking's facts when the caller read them already in this transaction (a booking just made:
        its insert read them with the staff member's lock), instead of reading them again here
    """
    connection = connection_of(unit)
    if facts is None:
        facts = connection.execute(_FACTS, {'booking_id': booking_id}).first()
    if facts is None:
        return
    live = facts.status in LIVE and facts.starts_at > now
    channels = _channels(facts)
    wanted = _wanted_reminders(facts, booking_id, channels, live=live, now=now)
    if change != 'created':  # a booking just made has nothing queued yet
        _follow_contact(connection, booking_id, channels)
        _withdraw_unwanted(connection, facts, booking_id, change, channels, wanted, live=live)
    if not channels:
        return
    note = _note_for(change, facts, live=live, now=now)
    rows = [_row(facts, template=note, channel=channel, to=to, due_at=now) for channel, to in channels
            if note is not None]
    rows += _reminders_to_queue(connection, facts, wanted, fresh=change == 'created')
    if rows:
        connection.execute(insert(Message), rows)


_NOTES = {'created': Template.CONFIRMATION, 'moved': Template.RESCHEDULED, 'cancelled': Template.CANCELLED}
"""The note a booking's change sends its customer (a change of status alone sends none)."""


def _note_for(change: str, facts, *, live: bool, now: datetime) -> Template | None:
    """The note telling the customer of ``change``, or None: none for a booking already started, and no confirmation
    of a booking not live or made as a walk-in or an import."""
    note = _NOTES.get(change)
    if note == Template.CONFIRMATION and (not live or facts.channel in (Channel.WALK_IN, Channel.IMPORT)):
        return None
    return None if facts.starts_at <= now else note


def _wanted_reminders(facts, booking_id: int, channels: list[tuple[MessageChannel, str]], *, live: bool,
                      now: datetime) -> dict[str, tuple[datetime, MessageChannel, str]]:
    """The reminders a booking should have now, by dedupe key (reminder key and channel) → (due, channel, address):
    one per hour count of the location's still ahead of ``now`` and per channel reaching the customer, shifted out of
    quiet hours; none for a booking not live."""
    wanted: dict[str, tuple[datetime, MessageChannel, str]] = {}
    for hours in (facts.reminder_hours or []) if live else []:
        if facts.starts_at - timedelta(hours=hours) > now:
            due = _quiet_shift(facts.starts_at - timedelta(hours=hours), facts, before=facts.starts_at)
            wanted.update({f'{_reminder_key(booking_id, hours, facts.starts_at)}:{channel.value}': (due, channel, to)
                           for channel, to in channels})
    return wanted


def _withdraw_unwanted(connection: Connection, facts, booking_id: int, change: str,
                       channels: list[tuple[MessageChannel, str]], wanted: dict, *, live: bool) -> None:
    """Withdraw what an earlier state queued and this one no longer wants: reminders of another time (or of a booking
    that is no longer ahead); after a move or a cancellation, an unsent confirmation too. An extra reminder for a
    high no-show risk (:func:`extra_reminder`) stays while the booking is live at the same time on a channel the
    customer is still reached on."""
    kept = [f'{_risk_key(booking_id, facts.starts_at)}:{c.value}' for c, _to in channels] if live else []
    withdrawn = (Message.template == Template.REMINDER.value) & Message.dedupe_key.not_in(list(wanted) + kept or [''])
    if change in ('moved', 'cancelled'):
        withdrawn |= Message.template.in_([Template.CONFIRMATION.value, Template.RESCHEDULED.value])
    connection.execute(update(Message).where(
        Message.booking_id == booking_id, Message.status == MessageStatus.QUEUED.value, withdrawn,
    ).values(status=MessageStatus.CANCELLED.value, last_error=_WITHDRAWN.get(change, _WITHDRAWN['status'])))


def _reminders_to_queue(connection: Connection, facts, wanted: dict[str, tuple[datetime, MessageChannel, str]], *,
                        fresh: bool = False) -> list[dict]:
    """The rows of the wanted reminders not queued yet; a wanted one withdrawn earlier (moved away and back) is
    queued again in place. ``fresh``: the booking was just made, so none is queued yet (its reminders' keys hold
    its id, and no booking is ever deleted for an id to be used twice): nothing is read — the query was a sixth of
    a booking's write (bench/writes.py)."""
    have = dict(connection.execute(select(Message.dedupe_key, Message.status).where(
        Message.dedupe_key.in_(list(wanted)))).all()) if wanted and not fresh else {}
    rows = []
    for key, (due, channel, to) in wanted.items():
        if key not in have:
            rows.append(_row(facts, template=Template.REMINDER, channel=channel, to=to, due_at=due, dedupe_key=key))
        elif have[key] == MessageStatus.CANCELLED.value:
            connection.execute(update(Message).where(Message.dedupe_key == key).values(
                status=MessageStatus.QUEUED.value, due_at=due, attempts=0, last_error='', to_address=to[:200]))
    return rows


def _confirm_late(connection: Connection, booking_id: int, *, now: datetime) -> None:
    """Queue the confirmation a live booking still ahead never had (its customer could not be reached when it was
    made), on the channels that reach them now, as :func:`booking_changed` does when it is made (none for walk-ins
    and imports). A booking with a confirmation (or a note of its move) queued, being sent, sent or failed gets none:
    one each, never twice."""
    facts = connection.execute(_FACTS, {'booking_id': booking_id}).first()
    if facts is None or facts.status not in LIVE or facts.starts_at <= now or facts.channel in (
            Channel.WALK_IN, Channel.IMPORT):
        return
    had = connection.execute(select(Message.id).where(
        Message.booking_id == booking_id,
        Message.template.in_([Template.CONFIRMATION.value, Template.RESCHEDULED.value]),
        Message.status != MessageStatus.CANCELLED.value).limit(1)).first()
    if had is None and (channels := _channels(facts)):
        connection.execute(insert(Message), [_row(facts, template=Template.CONFIRMATION, channel=channel, to=to,
                                                  due_at=now) for channel, to in channels])


def _follow_contact(connection: Connection, booking_id: int, channels: list[tuple[MessageChannel, str]]) -> None:
    """The booking's messages still queued follow the customer's contact as it is now: on a channel that still
    reaches them, to its address now (a corrected phone or e-mail); on one that no longer does, withdrawn. Messages
    being sent or sent are left as they are."""
    queued = (Message.booking_id == booking_id) & (Message.status == MessageStatus.QUEUED.value) \
        & Message.template.in_([template.value for template in BOOKING_TEMPLATES])
    for channel, to in channels:
        connection.execute(update(Message).where(queued, Message.channel == channel.value,
                                                 Message.to_address != to[:200]).values(to_address=to[:200]))
    connection.execute(update(Message).where(queued, Message.channel.not_in([c.value for c, _to in channels] or [''])
                                             ).values(status=MessageStatus.CANCELLED.value, last_error=_UNREACHED))


def replan_contact(unit: Session | Connection, customer_id: int, *, now: datetime) -> list[events.BookingChanged]:
    """After a customer's phone, e-mail or preferred channel changed (in the caller's transaction): each of their
    bookings still ahead (after ``now``, booked or confirmed) gets its messages planned again
    (:func:`booking_changed`: reminders queued on the channels that now reach them, queued ones redirected to the new
    address or withdrawn) and is logged for the day lists (:func:`revisions.record`). Returns the events to publish
    once the caller has committed (the views showing those bookings, e.g. the day view's no-reminder flag, are built
    again), one per booking, in start order; none for a customer merged, erased or unknown. A booking that never had
    a confirmation (made while the customer could not be reached) gets one now (:func:`_confirm_late`)."""
    connection = connection_of(unit)
    rows = connection.execute(select(Booking.id, Booking.location_id, Booking.staff_member_id, Booking.starts_at,
                                     Booking.status, Location.time_zone)
                              .join(Location, Location.id == Booking.location_id)
                              .where(Booking.customer_id == customer_id, Booking.starts_at > now,
                                     Booking.status.in_(LIVE))
                              .order_by(Booking.starts_at, Booking.id)).all()
    for row in rows:
        booking_changed(connection, row.id, 'status', now=now)
        _confirm_late(connection, row.id, now=now)
    if rows:
        revisions.record(connection, rows[0].location_id, booking_ids=[row.id for row in rows])
    return [events.BookingChanged(booking_id=row.id, location_id=row.location_id,
                                  staff_member_id=row.staff_member_id,
                                  day=clock.local_day(row.starts_at, row.time_zone), change='status',
                                  status=BookingStatus(row.status).value) for row in rows]


def extra_reminder(unit: Session | Connection, booking_id: int, *, now: datetime) -> int:
    """Queue one more reminder of a booking (a high no-show risk, :mod:`app.services.analytics.noshow`), in the
    caller's transaction, on each channel the customer has: due a day before the location's first reminder (24 h
    before the start when it sends none), or now when that has passed; quiet hours respected. Once per booking and
    start time (a move asks anew). Returns how many were queued: 0 for a booking not live or less than an hour
    ahead, a customer without an address, or one already queued."""
    connection = connection_of(unit)
    facts = connection.execute(_FACTS, {'booking_id': booking_id}).first()
    if facts is None or facts.status not in LIVE or facts.starts_at - timedelta(hours=1) <= now:
        return 0
    hours = max(facts.reminder_hours or [0]) + 24
    due = _quiet_shift(max(facts.starts_at - timedelta(hours=hours), now), facts, before=facts.starts_at)
    keys = {f'{_risk_key(booking_id, facts.starts_at)}:{channel.value}': (channel, to)
            for channel, to in _channels(facts)}
    have = set(connection.execute(select(Message.dedupe_key).where(Message.dedupe_key.in_(list(keys)))).scalars()) \
        if keys else set()
    rows = [_row(facts, template=Template.REMINDER, channel=channel, to=to, due_at=due, dedupe_key=key)
            for key, (channel, to) in keys.items() if key not in have]
    if rows:
        connection.execute(insert(Message), rows)
    return len(rows)


def queue(unit: Session | Connection, *, location_id: int, template: Template, channel: MessageChannel, to: str,
          customer_id: int | None = None, booking_id: int | None = None, due_at: datetime,
          context: dict | None = None, marketing: bool = False) -> int:
    """Queue one message in the caller's transaction; returns its id. ``context``: values beyond the booking's
    (``code``, ``accept_link``, ``offer_until``; marketing: ``subject`` and ``body``)."""
    return connection_of(unit).execute(insert(Message).returning(Message.id), {
        'location_id': location_id, 'customer_id': customer_id, 'booking_id': booking_id, 'channel': channel.value,
        'template': template.value, 'marketing': marketing, 'to_address': to[:200],
        'status': MessageStatus.QUEUED.value, 'due_at': due_at, 'attempts': 0, 'last_error': '', 'subject': '',
        'body': '', 'context': context or {}, 'dedupe_key': None, 'claimed_by': '', 'provider_id': '',
        'created_at': clock.now()}).scalar_one()


def queue_for_customer(unit: Session | Connection, customer_id: int, *, template: Template, due_at: datetime,
                       context: dict) -> list[int]:
    """Queue a transactional ``template`` to a customer on every channel their location uses and they have (e.g. a
    waitlist offer; ``context`` fills in what no booking gives: ``service``, ``staff``, ``date``, ``time``,
    ``accept_link``, ``offer_until``); returns the ids (none: no address)."""
    connection = connection_of(unit)
    facts = connection.execute(_CUSTOMER_FACTS, {'customer_id': customer_id}).first()
    if facts is None:
        return []
    return [queue(connection, location_id=facts.location_id, template=template, channel=channel, to=to,
                  customer_id=customer_id, due_at=due_at, context=context) for channel, to in _channels(facts)]


def queue_marketing(location_id: int, customer_ids: Iterable[int], *, channel: MessageChannel, subject: str,
                    body: str, actor: UserRead, as_of: datetime | None = None) -> tuple[int, int]:
    """Queue a marketing message to each of ``customer_ids`` that consented on ``channel`` (``consent[channel]``
    set) and has an address there; ``body`` is a template (:func:`templates.check`). Returns (queued, left out).

    :raises ValidationError: the template does not check
    :raises PermissionDeniedError: not an owner or manager of the location
    """
    ensure_reader(actor, location_id, MANAGING_ROLES, N_('send marketing messages'))
    templates.check(subject, field='subject')
    templates.check(body, field='body')
    ids = list(dict.fromkeys(customer_ids))
    with session_scope(write=True) as session:
        queued = queue_marketing_in(session, location_id, ids, channel=channel, subject=subject, body=body,
                                    now=as_of or clock.now())
    return len(queued), len(ids) - len(queued)


def marketing_address(customer: Customer, channel: MessageChannel) -> str:
    """Where a marketing message on ``channel`` reaches ``customer``: the address, or '' when they have none there, have
    not consented on that channel, or were erased or merged."""
    if not customer.consent.get(channel.value) or customer.erased_at or customer.merged_into:
        return ''
    return _address(customer, channel)


def queue_marketing_in(session: Session, location_id: int, customer_ids: Iterable[int], *, channel: MessageChannel,
                       subject: str, body: str, now: datetime, offer_code: str = '') -> dict[int, int]:
    """:func:`queue_marketing` in the caller's transaction, templates already checked and the actor's right too:
    ``{customer id: message id}`` for those reached (:func:`marketing_address`), due now or after quiet hours;
    ``offer_code`` fills the placeholder ``{{ offer_code }}``."""
    ids = list(dict.fromkeys(customer_ids))
    location = session.get(Location, location_id)
    queued: dict[int, int] = {}
    for customer in session.execute(select(Customer).where(
            Customer.id.in_(ids), Customer.location_id == location_id)).scalars():
        to = marketing_address(customer, channel)
        if not to:
            continue
        queued[customer.id] = queue(session, location_id=location_id, template=Template.MARKETING, channel=channel,
                                    to=to, customer_id=customer.id, due_at=_quiet_shift(now, location, before=None),
                                    context={'subject': subject, 'body': body, 'offer_code': offer_code},
                                    marketing=True)
    return queued


def deliver_due(*, as_of: datetime | None = None, limit: int = 50, worker: str | None = None) -> int:
    """Send the messages that are due (``due_at`` ≤ now), at most ``limit``, one at a time, each claimed just before it
    is sent (see the module's notes); returns how many went out. Run by the scheduler every
    :attr:`Settings.message_interval_seconds`; safe to run in several processes at once. Publishes
    :class:`events.MessagesSent` per location that had messages sent.

    :param as_of: "now" for the whole run (tests); by default the clock is read again for each message
    """
    _expire_interrupted(as_of or clock.now())
    delivered = []
    for _turn in range(limit):
        now = as_of or clock.now()
        message_id = _claim(now, worker or _WORKER)
        if message_id is None:
            break
        if _deliver(message_id, now):
            delivered.append(message_id)
    if delivered:
        with session_scope() as session:
            counts = session.execute(select(Message.location_id, func.count()).where(
                Message.id.in_(delivered)).group_by(Message.location_id)).all()
        for location_id, count in counts:
            events.publish(events.MessagesSent(location_id=location_id, count=count))
    return len(delivered)


def send_now(message_id: int, *, as_of: datetime | None = None) -> bool:
    """Send one queued message at once (a one-time code the customer is waiting for), claimed like any other so a
    worker never sends it too; True if it went out (else it stays queued for a retry, or failed, with its error)."""
    now = as_of or clock.now()
    claimed = _claim(now, _WORKER, only=message_id)
    return claimed is not None and bool(_deliver(claimed, now))


def list_messages(location_id: int, *, actor: UserRead, booking_id: int | None = None,
                  status: MessageStatus | None = None, limit: int = 200) -> list[OutboxMessageRead]:
    """The location's messages, newest first: of one booking, or in one status (``failed`` for the desk's list).

    :raises PermissionDeniedError: not front-desk staff of the location
    """
    ensure_reader(actor, location_id, FRONT_DESK_ROLES, N_("see the location's messages"))
    query = (select(Message, Customer.name).outerjoin(Customer, Customer.id == Message.customer_id)
             .where(Message.location_id == location_id).order_by(Message.id.desc()).limit(limit))
    if booking_id is not None:
        query = query.where(Message.booking_id == booking_id)
    if status is not None:
        query = query.where(Message.status == status.value)
    with session_scope() as session:
        return [_read(message, customer_name=name or '') for message, name in session.execute(query)]


def retry(message_id: int, *, actor: UserRead, as_of: datetime | None = None) -> OutboxMessageRead:
    """Queue a failed message again, due now (the desk's "Try again").

    :raises NotFoundError: no such message at the actor's location
    :raises ValidationError: the message has not failed; it was a staff invitation or password reset, whose
        one-time link is not kept (``message_id``: a new link is sent from the Staff page)
    """
    now = as_of or clock.now()
    with session_scope(write=True) as session:
        message = session.get(Message, message_id)
        if message is None:
            raise NotFoundError(_('No message {number}.').format(number=message_id))
        ensure_reader(actor, message.location_id, FRONT_DESK_ROLES, N_('send messages'))
        if message.status != MessageStatus.FAILED.value:
            raise ValidationError(_('Only a failed message can be tried again.'))
        if message.template in SECRET_LINK_TEMPLATES:  # its one-time link was cut out when it failed
            raise ValidationError(_('Send a new link from the Staff page.'), field='message_id')
        message.status, message.due_at, message.attempts = MessageStatus.QUEUED.value, now, 0
        session.add(message)
        session.flush()
        return _read(message)


def _read(message: Message, **update) -> OutboxMessageRead:
    """A message for the desk: its problem (stored for any reader: :func:`i18n.deferred`) in the reader's
    language."""
    return OutboxMessageRead.model_validate(message, update={**update, 'last_error': i18n.shown(message.last_error)})


# ---- sending ---------------------------------------------------------------------------------------------------


def _claim(now: datetime, worker: str, *, only: int | None = None) -> int | None:
    """Take the next due message (``only``: that one, if due) for ``worker``, marking it ``sending``, in one short
    transaction of one statement; its id, or None when nothing is due. PostgreSQL: the row is chosen ``FOR UPDATE
    SKIP LOCKED``, so processes claiming at once take different rows without waiting on each other; SQLite: one writer
    at a time (``BEGIN IMMEDIATE``)."""
    due = select(Message.id).where(Message.status == MessageStatus.QUEUED.value, Message.due_at <= now)
    if only is not None:
        due = due.where(Message.id == only)
    chosen = due.order_by(Message.due_at, Message.id).limit(1).with_for_update(skip_locked=True).scalar_subquery()
    with session_scope(write=True) as session:
        # still queued: a second guard, should a database not honour the row locks
        return session.execute(update(Message).where(
            Message.id == chosen, Message.status == MessageStatus.QUEUED.value).values(
            status=MessageStatus.SENDING.value, claimed_by=worker[:80], claimed_at=now,
            attempts=Message.attempts + 1).returning(Message.id)).scalar_one_or_none()


def _expire_interrupted(now: datetime) -> None:
    failed = []
    with session_scope(write=True) as session:
        for message in session.execute(select(Message).where(
                Message.status == MessageStatus.SENDING.value, Message.claimed_at < now - CLAIM_LEASE)
                .with_for_update(skip_locked=True)).scalars():
            message.status = MessageStatus.FAILED.value
            message.last_error = i18n.deferred(N_('interrupted while sending (the app stopped): it may not have been '
                                                  'sent; not sent again so that it never arrives twice'))
            if message.template in SECRET_LINK_TEMPLATES:  # given up: its secret is not kept either
                message.body, message.context = _without_secret_link(message.body, message.context)
            session.add(message)
            failed.append(_failure_event(session, message))
    for event in failed:
        events.publish(event)


def _deliver(message_id: int, now: datetime) -> int:
    """Send one claimed message and record how it went; 1 if it went out."""
    with session_scope() as session:
        message = session.get(Message, message_id)
        outcome = _prepare(session, message, now)
    if isinstance(outcome, _Skip):
        return _finish(message_id, status=outcome.status, error=outcome.reason, due_at=outcome.due_at)
    try:
        provider, provider_id = _send(message, outcome)
    except sms.SendError as error:
        return _finish(message_id, status=None, error=str(error), permanent=error.permanent, now=now)
    except ValidationError as error:  # no mail server or SMS provider set up
        return _finish(message_id, status=None, error=str(error), permanent=False, now=now)
    except Exception as error:  # an SMTP refusal or a network failure: logged, retried, visible
        permanent = 500 <= getattr(error, 'smtp_code', 0) < 600 or bool(getattr(error, 'recipients', None))
        log.warning('message %s not sent: %s', message_id, error)
        return _finish(message_id, status=None, error=f'{type(error).__name__}: {error}', permanent=permanent, now=now)
    body, context = outcome.body, message.context
    if message.template == Template.CODE.value:  # a spent code is nobody's business: not kept in the record
        body, context = body.replace(str(context.get('code', '')) or '\0', '••••••'), {}
    if message.template in SECRET_LINK_TEMPLATES:
        body, context = _without_secret_link(body, context)
    with session_scope(write=True) as session:
        session.execute(update(Message).where(Message.id == message_id).values(
            status=MessageStatus.SENT.value, sent_at=clock.now(), provider_id=provider_id[:80], provider=provider,
            delivery='', delivered_at=None, last_error='',
            subject=outcome.subject[:300].replace(str(message.context.get('code', '')) or '\0', '••••••'),
            body=body, context=context))
    return 1


SECRET_LINK_TEMPLATES = (Template.STAFF_INVITE.value, Template.PASSWORD_RESET.value)
"""Messages carrying a one-time sign-in link (``context['sign_in_link']``): the link is the secret, kept in the row only
until it is sent or given up (then cut from the body and context; the sign-in link's own row keeps only a hash)."""


def _without_secret_link(body: str, context: dict) -> tuple[str, dict]:
    """``body`` and ``context`` with the sign-in link's secret cut out (its address without the secret stays)."""
    link = str((context or {}).get('sign_in_link', ''))
    kept = link.rsplit('/', 1)[0] + '/…' if link else ''
    return (body.replace(link, kept) if link else body), {k: v for k, v in (context or {}).items()
                                                          if k != 'sign_in_link'}


@dataclass(frozen=True)
class _Skip:
    status: MessageStatus
    reason: str
    due_at: datetime | None = None


@dataclass(frozen=True)
class _Rendered:
    subject: str
    body: str
    attachment: bytes | None
    sms_provider: str = sms.TWILIO
    sender_id: str = ''


def _prepare(session: Session, message: Message, now: datetime) -> _Rendered | _Skip:
    """What to send, or why not to (a withdrawn reminder, quiet hours, consent withdrawn)."""
    location = session.get(Location, message.location_id)
    template = Template(message.template)
    booking = session.get(Booking, message.booking_id) if message.booking_id is not None else None
    customer = session.get(Customer, message.customer_id) if message.customer_id is not None else None
    skip = _withdrawn(message, template, booking, customer, now=now)
    if skip is None and template in QUIET_TEMPLATES:
        later = _quiet_shift(now, location, before=booking.starts_at if booking is not None else None)
        if later > now:
            skip = _Skip(MessageStatus.QUEUED, i18n.deferred(N_('waiting for the end of quiet hours')), due_at=later)
    if skip is not None:
        return skip
    # the customer reads the location's language: its default texts, dates and the calendar file's words (a text
    # the location wrote stays as written); a text that cannot be used is told the desk in it too
    with i18n.speaking(location.language):
        return _render(session, message, template, location, booking, customer, now=now)


def _withdrawn(message: Message, template: Template, booking: Booking | None, customer: Customer | None, *,
               now: datetime) -> _Skip | None:
    """Why a message is no longer to be sent (a reminder of a booking no longer ahead, a customer erased or merged,
    marketing without the customer's consent on its channel), or None."""
    if template == Template.REMINDER and (booking is None or booking.status not in LIVE
                                          or booking.starts_at <= now):
        return _Skip(MessageStatus.CANCELLED, i18n.deferred(N_('withdrawn: the booking is no longer ahead')))
    if customer is not None and (customer.erased_at is not None or customer.merged_into is not None):
        return _Skip(MessageStatus.CANCELLED, i18n.deferred(N_('withdrawn: the customer was erased or merged')))
    if message.marketing and (customer is None or not customer.consent.get(message.channel)
                              or customer.erased_at is not None):
        return _Skip(MessageStatus.CANCELLED, i18n.deferred(
            N_('not sent: the customer has not consented to marketing on this channel')))
    return None


def _render(session: Session, message: Message, template: Template, location: Location, booking: Booking | None,
            customer: Customer | None, *, now: datetime) -> _Rendered | _Skip:
    """The message's subject (e-mail only), text and calendar file (e-mails about a booking), in the language being
    spoken; a failed message (:class:`_Skip`) when its stored text cannot be used."""
    channel = MessageChannel(message.channel)
    values = _values(session, location, booking, customer, message.context or {})
    if template == Template.MARKETING:
        subject, body = message.context.get('subject', ''), message.context.get('body', '')
    else:
        subject, body = templates.text_of(session, location.id, template, channel)
    try:  # the text is checked again here: a stored one may be older than the check, or written around it
        subject = templates.render(subject, values, field='subject') if channel == MessageChannel.EMAIL else ''
        body = templates.render(body, values)
    except ValidationError as error:  # this message fails alone, shown on Messages with the bell rung
        return _Skip(MessageStatus.FAILED, i18n.deferred(
            N_('not sent: its subject cannot be used. {error}') if error.field == 'subject'
            else N_('not sent: its text cannot be used. {error}'), error=str(error)))
    attachment = None
    if channel == MessageChannel.EMAIL and booking is not None and template in BOOKING_TEMPLATES:
        attachment = ics.calendar([booking_entry(session, booking, location, now=now)],
                                  method='CANCEL' if template == Template.CANCELLED else 'PUBLISH')
    return _Rendered(subject=subject, body=body, attachment=attachment, sms_provider=location.sms_provider,
                     sender_id=location.sms_sender_id)


def _send(message: Message, rendered: _Rendered) -> tuple[str, str]:
    """Send one message; (the provider that took it, its id for it): ('', '') for e-mail."""
    if message.channel == MessageChannel.SMS.value:
        provider = sms.provider_for(rendered.sms_provider, sender_id=rendered.sender_id)
        if provider is None:
            raise ValidationError(i18n.deferred(N_('The SMS provider this location chose is not set up ({settings}).'),
                                                settings=_SETTINGS.get(rendered.sms_provider, rendered.sms_provider)))
        return provider.name, provider.send(message.to_address, rendered.body)
    attachments = [(rendered.attachment, 'booking.ics', ('text', 'calendar'))] if rendered.attachment else []
    mail.send_message([message.to_address], subject=rendered.subject, body=rendered.body, attachments=attachments)
    return '', ''


_SETTINGS = {sms.TWILIO: 'CLIENTPULSE_TWILIO_*', sms.AFRICASTALKING: 'CLIENTPULSE_AFRICASTALKING_*'}


def _finish(message_id: int, *, status: MessageStatus | None, error: str, permanent: bool = False,
            now: datetime | None = None, due_at: datetime | None = None) -> int:
    """Record a message that did not go out: skipped (``status``), or failed to send (``status`` None): retried
    after :data:`RETRY_MINUTES` unless ``permanent`` or out of tries."""
    event = None
    with session_scope(write=True) as session:
        message = session.get(Message, message_id)
        message.last_error = _stored(error, 500)
        if status is not None:
            message.status = status.value
            if status == MessageStatus.QUEUED:  # a wait (quiet hours) is not a try
                message.attempts, message.due_at = max(0, message.attempts - 1), due_at or message.due_at
        elif permanent or message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED.value
        else:
            message.status = MessageStatus.QUEUED.value
            message.due_at = (now or clock.now()) + timedelta(minutes=RETRY_MINUTES[message.attempts - 1])
        if message.status in (MessageStatus.FAILED.value, MessageStatus.CANCELLED.value) and \
                message.template in SECRET_LINK_TEMPLATES:  # never sent: its secret is not kept either
            message.body, message.context = _without_secret_link(message.body, message.context)
        session.add(message)
        if message.status == MessageStatus.FAILED.value:
            event = _failure_event(session, message)
    if event is not None:
        events.publish(event)
    return 0


def _stored(text: str, most: int) -> str:
    """``text`` to store in at most ``most`` characters: a :func:`i18n.deferred` one too long for it is stored as it
    reads now (cut, it would no longer be one)."""
    return text if len(text) <= most else i18n.shown(text)[:most]


_FAILED = {
    (MessageChannel.EMAIL, Template.CONFIRMATION): N_('E-mail confirmation to {name} failed: {error}'),
    (MessageChannel.EMAIL, Template.RESCHEDULED): N_('E-mail "booking moved" to {name} failed: {error}'),
    (MessageChannel.EMAIL, Template.CANCELLED): N_('E-mail "booking cancelled" to {name} failed: {error}'),
    (MessageChannel.EMAIL, Template.REMINDER): N_('E-mail reminder to {name} failed: {error}'),
    (MessageChannel.EMAIL, Template.WAITLIST_OFFER): N_('E-mail waitlist offer to {name} failed: {error}'),
    (MessageChannel.EMAIL, Template.CODE): N_('E-mail code to {name} failed: {error}'),
    (MessageChannel.EMAIL, Template.MARKETING): N_('E-mail marketing to {name} failed: {error}'),
    (MessageChannel.SMS, Template.CONFIRMATION): N_('SMS confirmation to {name} failed: {error}'),
    (MessageChannel.SMS, Template.RESCHEDULED): N_('SMS "booking moved" to {name} failed: {error}'),
    (MessageChannel.SMS, Template.CANCELLED): N_('SMS "booking cancelled" to {name} failed: {error}'),
    (MessageChannel.SMS, Template.REMINDER): N_('SMS reminder to {name} failed: {error}'),
    (MessageChannel.SMS, Template.WAITLIST_OFFER): N_('SMS waitlist offer to {name} failed: {error}'),
    (MessageChannel.SMS, Template.CODE): N_('SMS code to {name} failed: {error}'),
    (MessageChannel.SMS, Template.MARKETING): N_('SMS marketing to {name} failed: {error}'),
    (MessageChannel.EMAIL, Template.STAFF_INVITE): N_('E-mail invitation to {name} failed: {error}'),
    (MessageChannel.SMS, Template.STAFF_INVITE): N_('SMS invitation to {name} failed: {error}'),
    (MessageChannel.EMAIL, Template.PASSWORD_RESET): N_('E-mail password reset link to {name} failed: {error}'),
    (MessageChannel.SMS, Template.PASSWORD_RESET): N_('SMS password reset link to {name} failed: {error}'),
}
"""The desk's bell when a message fails, per channel and message (stored for any reader: :func:`i18n.deferred`)."""


def failure_event(session: Session, message: Message) -> events.Event:
    """The desk's notice (and bell) of a message that failed, prepared in ``session``'s transaction: publish it after
    the commit (a failed send here; a delivery report saying it never arrived, :mod:`.delivery_reports`)."""
    return _failure_event(session, message)


def _failure_event(session: Session, message: Message) -> events.Event:
    customer = session.get(Customer, message.customer_id) if message.customer_id is not None else None
    location = session.get(Location, message.location_id)
    with i18n.speaking(location.language if location is not None else None):  # the problem as the desk reads it
        error = i18n.shown(message.last_error)[:200]
    summary = _stored(i18n.deferred(_FAILED[MessageChannel(message.channel), Template(message.template)],
                                    name=customer.name if customer else message.to_address, error=error), 500)
    return notifications.prepare(session, events.MessageFailed(
        location_id=message.location_id, message_id=message.id, booking_id=message.booking_id, summary=summary))


# ---- what a message says ---------------------------------------------------------------------------------------


def booking_entry(session: Session, booking: Booking, location: Location, *, now: datetime) -> ics.CalendarEntry:
    """A booking as a calendar event (its manage link in the description)."""
    service = session.get(Service, booking.service_id)
    staff = session.get(StaffMember, booking.staff_member_id)
    link = links.manage_link(booking.id, booking.code)
    return ics.CalendarEntry(
        uid=f'booking-{booking.id}@clientpulse', starts_at=booking.starts_at, ends_at=booking.ends_at,
        summary=_('{service} with {staff} — {location}').format(
            service=service.name if service else _('Booking'), staff=staff.name if staff else '',
            location=location.name),
        location=', '.join(part for part in (location.name, location.address) if part),
        description=_('See, move or cancel: {link}').format(link=link), url=link,
        cancelled=booking.status == BookingStatus.CANCELLED.value, sequence=int(now.timestamp()) // 60)


def _values(session: Session, location: Location, booking: Booking | None, customer: Customer | None,
            context: dict) -> dict[str, str]:
    values = dict.fromkeys(templates.PLACEHOLDERS, '')
    values.update(location_name=location.name, location_address=location.address, location_phone=location.phone,
                  cancellation_hours=str(location.cancellation_hours),
                  customer_name=customer.name if customer is not None else '')
    if booking is not None:
        local = clock.to_local(booking.starts_at, location.time_zone)
        service = session.get(Service, booking.service_id)
        staff = session.get(StaffMember, booking.staff_member_id)
        values.update(service=service.name if service else '', staff=staff.name if staff else '',
                      date=_safe(lambda: format_date(local.date(), 'full', locale=_locale(location)),
                                 f'{local:%A %d %B}'),
                      time=_safe(lambda: format_time(local, 'short', locale=_locale(location)), f'{local:%H:%M}'),
                      manage_link=links.manage_link(booking.id, booking.code))
    values.update({key: str(value) for key, value in context.items() if key in templates.PLACEHOLDERS})
    return values


def _locale(location: Location) -> str:
    """The Babel locale of a message's date and time: the location's formats in the current language (the
    location's, in :func:`_prepare`); when Babel has no such pair (Kiswahili with Canada's formats), the language's
    own, so the words of a date are never in another language than the message's."""
    chosen = i18n.locale_for(location.locale)
    try:
        return chosen if Locale.parse(chosen).language == i18n.current() else i18n.current()
    except (ValueError, TypeError, UnknownLocaleError):
        return i18n.current()


def _safe(make, fallback: str) -> str:
    try:
        return make()
    except (ValueError, LookupError):
        return fallback


def _channels(facts) -> list[tuple[MessageChannel, str]]:
    """Where a customer hears from the location: the one rule of :func:`reach.channels`."""
    if facts.customer_id is None:
        return []
    return reach.channels(facts, email_messages=facts.email_messages, sms_messages=facts.sms_messages,
                          sms_provider=facts.sms_provider)


def _address(customer: Customer, channel: MessageChannel) -> str:
    return customer.email if channel == MessageChannel.EMAIL else customer.phone_e164


def _quiet_shift(due: datetime, location, *, before: datetime | None) -> datetime:
    """``due``, or — if it falls in the location's quiet hours — their end; if that is not before ``before`` (a
    booking's start), their start instead (e.g. the evening before)."""
    start, end = location.quiet_start_minute, location.quiet_end_minute
    local = clock.to_local(due, location.time_zone)
    minute, day = local.hour * 60 + local.minute, local.date()
    if start == end:
        return due
    if start < end:  # within one day, e.g. 13:00–14:00
        if not start <= minute < end:
            return due
        start_day = end_day = day
    elif minute >= start:  # across midnight, e.g. 21:00–08:00, in the evening
        start_day, end_day = day, day + timedelta(days=1)
    elif minute < end:  # … in the morning
        start_day, end_day = day - timedelta(days=1), day
    else:
        return due
    ends = clock.local_datetime(end_day, end, location.time_zone)
    if before is None or ends < before:
        return ends
    return clock.local_datetime(start_day, start, location.time_zone)


def _reminder_key(booking_id: int, hours: int, starts_at: datetime) -> str:
    return f'reminder:{booking_id}:{hours}h:{starts_at.astimezone(UTC):%Y-%m-%dT%H:%M}'


def _risk_key(booking_id: int, starts_at: datetime) -> str:
    return f'risk-reminder:{booking_id}:{starts_at.astimezone(UTC):%Y-%m-%dT%H:%M}'


_WITHDRAWN = {change: i18n.deferred(text) for change, text in (
    ('created', N_('withdrawn: the booking was made')), ('moved', N_('withdrawn: the booking was moved')),
    ('cancelled', N_('withdrawn: the booking was cancelled')), ('status', N_('withdrawn: the booking was changed')))}


records.on_contact_changed(replan_contact)  # a customer edited on the Customers page: their bookings follow

_UNREACHED = i18n.deferred(N_('withdrawn: the customer is no longer reached this way'))


def _row(facts, *, template: Template, channel: MessageChannel, to: str, due_at: datetime,
         dedupe_key: str | None = None) -> dict:
    return {'location_id': facts.location_id, 'customer_id': facts.customer_id, 'booking_id': facts.id,
            'channel': channel.value, 'template': template.value, 'marketing': False, 'to_address': to[:200],
            'status': MessageStatus.QUEUED.value, 'due_at': due_at, 'attempts': 0, 'last_error': '', 'subject': '',
            'body': '', 'context': {}, 'dedupe_key': dedupe_key, 'claimed_by': '', 'provider_id': '',
            'created_at': clock.now()}


_FACTS = (select(Booking.id, Booking.location_id, Booking.customer_id, Booking.starts_at, Booking.status,
                 Booking.channel, Customer.email, Customer.phone_e164, Customer.erased_at, Customer.merged_into,
                 Customer.preferred_channel,
                 Location.reminder_hours, Location.quiet_start_minute, Location.quiet_end_minute,
                 Location.time_zone, Location.email_messages, Location.sms_messages, Location.sms_provider)
          .join(Location, Location.id == Booking.location_id)
          .outerjoin(Customer, Customer.id == Booking.customer_id)
          .where(Booking.id == bindparam('booking_id')))
_CUSTOMER_FACTS = (select(Customer.id.label('customer_id'), Customer.location_id, Customer.email, Customer.phone_e164,
                          Customer.erased_at, Customer.merged_into, Customer.preferred_channel,
                          Location.email_messages, Location.sms_messages, Location.sms_provider)
                   .join(Location, Location.id == Customer.location_id)
                   .where(Customer.id == bindparam('customer_id')))
