"""A customer's record: their details, duplicate suggestions, merging two records into one, and erasure on request.

Merging moves every booking, receipt, chat message and waitlist entry of the duplicate to the record kept, then
hides the duplicate (``merged_into``), in one transaction, logged. Erasure (the customer's right to be forgotten)
blanks every personal field and the customer's chat, and keeps the bookings and receipts, so the shop's figures
do not change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import func, update
from sqlmodel import col, select

from app.models import (
    Booking,
    ChatAttachment,
    ChatMessage,
    Conversation,
    Customer,
    CustomerRead,
    Message,
    MessageStatus,
    Receipt,
    UserRead,
    WaitlistEntry,
)
from app.services import clock, events, i18n, revisions
from app.services.accounts import activity
from app.services.accounts.access import FRONT_DESK_ROLES, MANAGING_ROLES, ensure_location, ensure_role
from app.services.customers import chat
from app.services.customers import customers as customer_rows
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError, validated
from app.services.i18n import N_, _

CONSENT_CHANNELS = ('sms', 'email')
ERASED_NAME = 'Erased customer'
"""The name an erased customer's record keeps (stored data: the same in every language)."""


class CustomerDetails(BaseModel):
    """What the front desk edits on a customer. ``consent``: channel → whether they agreed to marketing messages."""

    name: str = Field(min_length=1, max_length=200)
    phone: str = Field(default='', max_length=40)
    email: str = Field(default='', max_length=200)
    birthday: date | None = None
    notes: str = Field(default='', max_length=2000)
    alerts: str = Field(default='', max_length=500)
    tags: list[str] = Field(default_factory=list, max_length=20)
    consent: dict[str, bool] = Field(default_factory=dict)
    preferred_channel: Literal['', 'sms', 'email'] | None = None  # None: left as it is

    @field_validator('name', 'phone', 'email', 'notes', 'alerts')
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(c) < 32 and c not in '\t\n' for c in value):
            raise ValueError(_('it holds control characters'))
        return value.strip()

    @field_validator('tags')
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        cleaned = [t.strip()[:40] for t in value if t.strip()]
        return list(dict.fromkeys(cleaned))

    @field_validator('consent')
    @classmethod
    def _channels(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = set(value) - set(CONSENT_CHANNELS)
        if unknown:
            raise ValueError(_('unknown channel {channel}').format(channel=sorted(unknown)[0]))
        return value


_replanners: list[Callable[..., list[events.BookingChanged]]] = []


def on_contact_changed(replan: Callable[..., list[events.BookingChanged]]) -> None:
    """Have ``replan(session, customer_id, now=...)`` run in :func:`update_customer`'s transaction whenever a
    customer's phone, e-mail or preferred channel changes. The outbox registers its re-planning here when it is
    imported (messaging depends on customers, not the other way round)."""
    if replan not in _replanners:
        _replanners.append(replan)


def update_customer(customer_id: int, values: dict, *, actor: UserRead, today: date | None = None,
                    now: datetime | None = None) -> CustomerRead:
    """Save a customer's details (:class:`CustomerDetails`); the phone is also kept in E.164 for searching (the
    location's country for numbers without a country code); consent given now is dated ``today``, kept with its
    first date while it stands, dropped when withdrawn. When the phone, e-mail or preferred channel changes, the
    customer's bookings still ahead (``now``, the shop's clock by default) get their messages planned again in the
    same transaction (:func:`on_contact_changed`) and are announced (``BookingChanged``) after it.

    :raises ValidationError: a value the details refuse, naming the field; a phone that is not a possible number
    :raises NotFoundError: no such customer (or merged into another, or erased)
    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('change customers'))
    details = validated(CustomerDetails, **values)
    now = now or clock.now()
    today = today or now.astimezone(UTC).date()
    with session_scope(write=True) as session:
        customer = _live(session, customer_id, actor)
        reached_before = (customer.phone_e164, customer.email, customer.preferred_channel)
        number = customer_rows.readable_phone(details.phone, customer_rows.location_country(session,
                                                                                            customer.location_id))
        consent = customer_rows.consent_dates(customer.consent, details.consent, today)
        for name, value in details.model_dump(exclude={'consent', 'preferred_channel'}).items():
            setattr(customer, name, value)
        if details.preferred_channel is not None:
            customer.preferred_channel = details.preferred_channel
        customer.phone_e164, customer.consent = number, consent
        session.add(customer)
        session.flush()
        result = CustomerRead.model_validate(customer)
        changed = [event for replan in _replanners for event in replan(session, customer.id, now=now)] \
            if (customer.phone_e164, customer.email, customer.preferred_channel) != reached_before else []
        activity.add(session, actor, 'customer_changed', i18n.deferred('Details of {name} saved', name=result.name),
                     location_id=result.location_id)
    events.publish(events.CustomerChanged(location_id=result.location_id, customer_id=result.id))
    for event in changed:  # views that show the bookings (the day view's no-reminder flag, the dashboard)
        events.publish(event)
    return result


def duplicates(location_id: int, *, actor: UserRead) -> list[list[CustomerRead]]:
    """Groups of customers who look like one person: the same phone number (in any spelling) or the same email.

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('see duplicate customers'))
    ensure_location(actor, location_id)
    with session_scope() as session:
        people = session.exec(select(Customer).where(Customer.location_id == location_id,
                                                     col(Customer.merged_into).is_(None),
                                                     col(Customer.erased_at).is_(None))).all()
        groups: dict[tuple[str, str], list[Customer]] = {}
        for person in people:
            if person.phone_e164:
                groups.setdefault(('phone', person.phone_e164), []).append(person)
            if person.email:
                groups.setdefault(('email', person.email.lower()), []).append(person)
        seen: set[frozenset[int]] = set()
        found = []
        for group in groups.values():
            ids = frozenset(p.id for p in group)
            if len(ids) > 1 and ids not in seen:
                seen.add(ids)
                found.append([CustomerRead.model_validate(p) for p in sorted(group, key=lambda p: p.id)])
        return found


def merge_customers(keep_id: int, duplicate_id: int, *, actor: UserRead) -> CustomerRead:
    """Move everything of ``duplicate_id`` (bookings, receipts, chat messages, waitlist entries) to ``keep_id`` and hide
    the duplicate; details the kept record lacks (phone, email, birthday) are taken from the duplicate. One
    transaction, logged.

    :raises ValidationError: the same customer twice, or customers of two locations
    :raises NotFoundError: either is gone (merged or erased)
    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('merge customers'))
    if keep_id == duplicate_id:
        raise ValidationError(_('Choose two different customers.'), field='duplicate_id')
    with session_scope(write=True) as session:
        keep, other = _live(session, keep_id, actor), _live(session, duplicate_id, actor)
        if keep.location_id != other.location_id:
            raise ValidationError(_('Customers of two locations cannot be merged.'), field='duplicate_id')
        booking_ids = session.exec(select(Booking.id).where(Booking.customer_id == other.id)).all()
        receipt_ids = session.exec(select(Receipt.id).where(Receipt.customer_id == other.id)).all()
        session.execute(update(Booking).where(col(Booking.customer_id) == other.id).values(customer_id=keep.id))
        session.execute(update(Receipt).where(col(Receipt.customer_id) == other.id).values(customer_id=keep.id))
        session.execute(update(WaitlistEntry).where(col(WaitlistEntry.customer_id) == other.id)
                        .values(customer_id=keep.id))
        theirs = session.exec(select(Conversation).where(Conversation.customer_id == other.id)).first()
        if theirs is not None:
            mine = session.exec(select(Conversation).where(Conversation.customer_id == keep.id)).first()
            if mine is None:
                theirs.customer_id = keep.id
                session.add(theirs)
            else:  # one thread per customer: the duplicate's messages join the kept one's
                session.execute(update(ChatMessage).where(col(ChatMessage.conversation_id) == theirs.id)
                                .values(conversation_id=mine.id))
                theirs.customer_id = None
                session.add(theirs)
        for name in ('phone', 'phone_e164', 'email', 'birthday'):
            if not getattr(keep, name) and getattr(other, name):
                setattr(keep, name, getattr(other, name))
        keep.tags = list(dict.fromkeys([*(keep.tags or []), *(other.tags or [])]))
        other.merged_into = keep.id
        session.add_all([keep, other])
        session.flush()
        if booking_ids or receipt_ids:
            revisions.record(session.connection(), keep.location_id, booking_ids=booking_ids,
                             receipt_ids=receipt_ids)
        result = CustomerRead.model_validate(keep)
        activity.add(session, actor, 'customers_merged', i18n.deferred(
            '{other} ({other_code}) merged into {kept} ({kept_code}): bookings moved: {bookings}, receipts moved: '
            '{receipts}', other=other.name, other_code=other.code, kept=keep.name, kept_code=keep.code,
            bookings=len(booking_ids), receipts=len(receipt_ids)), location_id=keep.location_id)
    events.publish(events.DataImported(location_id=result.location_id,
                                       summary=i18n.deferred('Customers merged into {name}', name=result.name)))
    return result


def erase_customer(customer_id: int, *, actor: UserRead, now: datetime | None = None) -> CustomerRead:
    """Erase a customer on their request: name, phone, email, birthday, notes, alerts, tags and consent blanked, their
    chat messages and link removed (the attachments' files deleted from disk once committed), the addresses and texts
    of the messages sent to them blanked (unsent ones withdrawn); their bookings and receipts stay (anonymous), so
    every figure is unchanged. Owners and managers only; logged (without the personal details).

    :raises NotFoundError: no such customer (or already erased)
    :raises PermissionDeniedError: not an owner or manager, or another location
    """
    ensure_role(actor, MANAGING_ROLES, N_('erase customers'))
    with session_scope(write=True) as session:
        customer = _live(session, customer_id, actor)
        code = customer.code
        customer.name, customer.phone, customer.phone_e164, customer.email = ERASED_NAME, '', '', ''
        customer.birthday, customer.notes, customer.alerts, customer.tags, customer.consent = None, '', '', [], {}
        customer.erased_at = now or datetime.now(UTC)
        session.add(customer)
        thread = session.exec(select(Conversation).where(Conversation.customer_id == customer.id)).first()
        gone: list[Path] = []  # the chat's attachment files, removed once the erasure is committed
        if thread is not None:
            for message in session.exec(select(ChatMessage).where(ChatMessage.conversation_id == thread.id)):
                message.body, message.sender_name, message.attachment_id = '', '', None
                session.add(message)
            session.flush()
            for attachment in session.exec(select(ChatAttachment).where(ChatAttachment.conversation_id == thread.id)):
                gone.append(chat.attachments_dir() / attachment.stored_name)
                session.delete(attachment)
            thread.customer_id = None
            session.add(thread)
        # the messages sent to them keep no address or text; those not yet sent are withdrawn
        session.execute(update(Message).where(Message.customer_id == customer.id).values(
            to_address='', subject='', body='', context={}))
        session.execute(update(Message).where(Message.customer_id == customer.id, Message.status.in_(
            [MessageStatus.QUEUED.value, MessageStatus.FAILED.value])).values(
            status=MessageStatus.CANCELLED.value, last_error=i18n.deferred(N_('withdrawn: the customer was erased'))))
        session.flush()
        result = CustomerRead.model_validate(customer)
        activity.add(session, actor, 'customer_erased', i18n.deferred('Customer {code} erased on request', code=code),
                     location_id=result.location_id)
    for path in gone:
        path.unlink(missing_ok=True)
    events.publish(events.CustomerChanged(location_id=result.location_id, customer_id=result.id))
    return result


def counts(customer_id: int) -> dict[str, int]:
    """How many bookings, receipts, chat messages and waitlist entries a customer has: ``{bookings, receipts,
    messages, waitlist}``."""
    with session_scope() as session:
        thread = session.exec(select(Conversation.id).where(Conversation.customer_id == customer_id)).first()
        return {
            'bookings': session.exec(select(func.count()).where(Booking.customer_id == customer_id)).one(),
            'receipts': session.exec(select(func.count()).where(Receipt.customer_id == customer_id)).one(),
            'messages': session.exec(select(func.count()).where(ChatMessage.conversation_id == thread)).one()
            if thread else 0,
            'waitlist': session.exec(select(func.count()).where(WaitlistEntry.customer_id == customer_id)).one(),
        }


def _live(session, customer_id: int, actor: UserRead) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.merged_into is not None or customer.erased_at is not None:
        raise NotFoundError(_('That customer no longer exists (merged or erased).'))
    ensure_location(actor, customer.location_id)
    return customer
