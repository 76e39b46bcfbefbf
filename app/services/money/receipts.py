"""Receipts: taking payment for a booking, and the sales history."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func
from sqlalchemy import update as sa_update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from app.models import (
    Booking,
    BookingStatus,
    Customer,
    Location,
    PaymentMethod,
    Receipt,
    ReceiptCounter,
    ReceiptLine,
    ReceiptLineTax,
    ReceiptRead,
    Service,
    StaffMember,
    UserRead,
)
from app.services import clock, events, notifications
from app.services.accounts import activity
from app.services.accounts.access import FRONT_DESK_ROLES, ensure_location, ensure_reader, ensure_role
from app.services.database import connection_of, session_scope
from app.services.errors import InvalidTransitionError, NotFoundError, ValidationError

FOUR_PLACES = Decimal('0.0001')


def pay_booking(booking_id: int, *, payment_method: PaymentMethod, actor: UserRead,
                as_of: datetime | None = None) -> ReceiptRead:
    """Check out a checked-in booking: one receipt line for its service at the booked price, the
    location's taxes on it, and the booking marked completed, with its activity entry and notifications, in one
    transaction (the events go out after the commit).

    :raises InvalidTransitionError: the booking is not checked in
    :raises NotFoundError: no such booking
    """
    ensure_role(actor, FRONT_DESK_ROLES, 'take payments')
    now = as_of or datetime.now(UTC)
    with session_scope(write=True) as session:
        booking = session.get(Booking, booking_id)
        if booking is None:
            raise NotFoundError('That booking no longer exists.')
        ensure_location(actor, booking.location_id)
        if booking.status != BookingStatus.CHECKED_IN:
            raise InvalidTransitionError('Check the customer in before taking payment.')
        location = session.get(Location, booking.location_id)
        service = session.get(Service, booking.service_id)
        number = next_number(session, booking.location_id)
        receipt = Receipt(location_id=booking.location_id, number=number, issued_at=now,
                          customer_id=booking.customer_id, staff_member_id=booking.staff_member_id,
                          booking_id=booking.id, payment_method=payment_method.value)
        session.add(receipt)
        session.flush()
        line = ReceiptLine(receipt_id=receipt.id, service_id=service.id, staff_member_id=booking.staff_member_id,
                           description=service.name, quantity=1, amount_cents=booking.price_cents)
        session.add(line)
        session.flush()
        for rate in location.tax_rates:
            session.add(ReceiptLineTax(receipt_line_id=line.id, name=rate['name'],
                                       amount=tax_on(booking.price_cents, Decimal(rate['percent']))))
        booking.status = BookingStatus.COMPLETED.value
        session.add(booking)
        session.flush()
        result = _receipts(session, booking.location_id, receipt_ids=[receipt.id])[0]
        day = clock.local_day(now, location.time_zone)
        activity.add(session, actor, 'payment', f'Receipt {result.number}: {result.amount_cents / 100:.2f} by '
                     f'{payment_method.value}', location_id=result.location_id, booking_id=booking.id)
        paid = notifications.prepare(session, events.ReceiptCreated(
            receipt_id=result.id, location_id=result.location_id, day=day, amount_cents=result.amount_cents,
            summary=f'Payment received: receipt {result.number}'))
        completed = notifications.prepare(session, events.BookingChanged(
            booking_id=booking.id, location_id=booking.location_id, staff_member_id=booking.staff_member_id,
            day=clock.local_day(booking.starts_at, location.time_zone), change='status',
            status=BookingStatus.COMPLETED.value, summary=f'Completed and paid: receipt {result.number}'))
    events.publish(paid)
    events.publish(completed)
    return result


def record_failed_payment(booking_id: int, *, payment_method: PaymentMethod, reason: str, actor: UserRead) -> None:
    """The desk tried to take payment for a checked-in booking and it failed (a declined card, say): no
    receipt is made and the booking stays checked in; it is logged and owners and managers are told.

    :raises NotFoundError: no such booking
    :raises InvalidTransitionError: the booking is not checked in (there was nothing to pay yet)
    :raises ValidationError: no reason given
    """
    ensure_role(actor, FRONT_DESK_ROLES, 'take payments')
    reason = (reason or '').strip()
    if not reason:
        raise ValidationError('Say what happened (e.g. "card declined").', field='reason')
    with session_scope(write=True) as session:
        booking = session.get(Booking, booking_id)
        if booking is None:
            raise NotFoundError('That booking no longer exists.')
        ensure_location(actor, booking.location_id)
        if booking.status != BookingStatus.CHECKED_IN:
            raise InvalidTransitionError('Only a checked-in booking has a payment to fail.')
        customer = booking.customer_id and session.get(Customer, booking.customer_id)
        who = customer.name if customer else 'walk-in'
        summary = f'Payment failed: {who}, {booking.price_cents / 100:.2f} by {payment_method.value} — {reason[:120]}'
        activity.add(session, actor, 'payment_failed', summary, location_id=booking.location_id,
                     booking_id=booking_id)
        failed = notifications.prepare(session, events.PaymentFailed(location_id=booking.location_id,
                                                                     booking_id=booking_id, summary=summary))
    events.publish(failed)


def tax_on(amount_cents: int, percent: Decimal) -> Decimal:
    """Tax in major units, 4 decimal places, half-up: ``amount_cents / 100 × percent / 100``."""
    return (Decimal(amount_cents) / 100 * percent / 100).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def list_receipts(location_id: int, *, actor: UserRead, start: datetime | None = None, end: datetime | None = None,
                  customer_id: int | None = None) -> list[ReceiptRead]:
    """Receipts issued in ``[start, end)`` with their total before tax (minor units), tax (Decimal,
    major units) and item descriptions, newest first.

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id)
    with session_scope() as session:
        return _receipts(session, location_id, start=start, end=end, customer_id=customer_id)


def _receipts(session, location_id: int, *, start: datetime | None = None, end: datetime | None = None,
              customer_id: int | None = None, receipt_ids: list[int] | None = None) -> list[ReceiptRead]:
    query = (select(Receipt, StaffMember.name).outerjoin(StaffMember, StaffMember.id == Receipt.staff_member_id)
             .where(Receipt.location_id == location_id))
    if start is not None:
        query = query.where(Receipt.issued_at >= start)
    if end is not None:
        query = query.where(Receipt.issued_at < end)
    if customer_id is not None:
        query = query.where(Receipt.customer_id == customer_id)
    if receipt_ids is not None:
        query = query.where(col(Receipt.id).in_(receipt_ids))
    receipts = session.exec(query.order_by(col(Receipt.issued_at).desc(), col(Receipt.id).desc())).all()
    ids = [r.id for r, _ in receipts]
    amounts: dict[int, int] = defaultdict(int)
    names: dict[int, list[str]] = defaultdict(list)
    taxes: dict[int, Decimal] = defaultdict(Decimal)
    for line in session.exec(select(ReceiptLine).where(col(ReceiptLine.receipt_id).in_(ids))):
        amounts[line.receipt_id] += line.amount_cents
        names[line.receipt_id].append(line.description)
    for receipt_id, amount in session.exec(
            select(ReceiptLine.receipt_id, func.sum(ReceiptLineTax.amount))
            .join(ReceiptLineTax, ReceiptLineTax.receipt_line_id == ReceiptLine.id)
            .where(col(ReceiptLine.receipt_id).in_(ids)).group_by(ReceiptLine.receipt_id)):
        taxes[receipt_id] = Decimal(amount).quantize(FOUR_PLACES)
    return [ReceiptRead.model_validate(r, update={
        'amount_cents': amounts[r.id], 'tax': taxes[r.id], 'descriptions': ', '.join(names[r.id]),
        'staff_name': staff_name or ''}) for r, staff_name in receipts]


def next_number(session, location_id: int) -> str:
    """The location's next receipt number, taken from its counter (:class:`~app.models.ReceiptCounter`) inside the
    caller's write transaction: the counter's row stays locked until that commits, so numbers are gapless and never
    repeat, whatever runs at once (SQLite has one writer at a time anyway). A location without a counter yet starts
    after its highest numeric receipt number (imported history)."""
    connection = connection_of(session)
    table = ReceiptCounter.__table__
    if connection.execute(select(table.c.location_id).where(table.c.location_id == location_id)).first() is None:
        numbers = session.exec(select(Receipt.number).where(Receipt.location_id == location_id)).all()
        start = max((int(n) for n in numbers if n.isdigit()), default=0)
        dialect = postgres_insert if connection.dialect.name == 'postgresql' else sqlite_insert
        connection.execute(dialect(table).values(location_id=location_id, last_number=start)
                           .on_conflict_do_nothing(index_elements=['location_id']))
    bumped = connection.execute(sa_update(table).where(table.c.location_id == location_id)
                                .values(last_number=table.c.last_number + 1).returning(table.c.last_number)).one()
    return str(bumped.last_number)
