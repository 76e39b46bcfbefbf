"""Receipts: taking payment for a booking, and the sales history."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

from sqlalchemy import func
from sqlmodel import col, select

from app.models import (
    Booking,
    BookingStatus,
    Customer,
    Location,
    MobilePayment,
    Payment,
    PaymentMethod,
    Receipt,
    ReceiptLine,
    ReceiptLineTax,
    ReceiptRead,
    StaffMember,
    UserRead,
)
from app.services import cells, clock, events, notifications
from app.services.accounts import activity
from app.services.accounts.access import FRONT_DESK_ROLES, ensure_location, ensure_reader, ensure_role
from app.services.amounts import minor_of, plain, to_major
from app.services.database import session_scope
from app.services.errors import InvalidTransitionError, NotFoundError, ValidationError
from app.services.i18n import N_, _, deferred
from app.services.money import checkout, day_close

FOUR_PLACES = Decimal('0.0001')


def pay_booking(booking_id: int, *, payment_method: PaymentMethod, actor: UserRead,
                as_of: datetime | None = None) -> ReceiptRead:
    """Check out a checked-in booking in full by one method: its service at the booked price, the location's taxes,
    and the booking completed — :func:`checkout.check_out` with that one line (its rules, errors and events).

    :raises InvalidTransitionError: the booking is not checked in
    :raises NotFoundError: no such booking
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('take payments'))
    with session_scope() as session:
        booking = session.get(Booking, booking_id)
        if booking is None:
            raise NotFoundError(_('That booking no longer exists.'))
        ensure_location(actor, booking.location_id)
        location_id, service_id = booking.location_id, booking.service_id
    done = checkout.check_out(checkout.Sale(location_id=location_id, booking_id=booking_id,
                                            lines=[checkout.SaleLine(service_id=service_id)],
                                            settle_with=payment_method), actor=actor, as_of=as_of)
    with session_scope() as session:
        return _receipts(session, location_id, receipt_ids=[done.receipt_id])[0]


def record_failed_payment(booking_id: int, *, payment_method: PaymentMethod, reason: str, actor: UserRead) -> None:
    """The desk tried to take payment for a checked-in booking and it failed (a declined card, say): no
    receipt is made and the booking stays checked in; it is logged and owners and managers are told.

    :raises NotFoundError: no such booking
    :raises InvalidTransitionError: the booking is not checked in (there was nothing to pay yet)
    :raises ValidationError: no reason given
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('take payments'))
    reason = (reason or '').strip()
    if not reason:
        raise ValidationError(_('Say what happened (e.g. "card declined").'), field='reason')
    with session_scope(write=True) as session:
        booking = session.get(Booking, booking_id)
        if booking is None:
            raise NotFoundError(_('That booking no longer exists.'))
        ensure_location(actor, booking.location_id)
        if booking.status != BookingStatus.CHECKED_IN:
            raise InvalidTransitionError(_('Only a checked-in booking has a payment to fail.'))
        customer = booking.customer_id and session.get(Customer, booking.customer_id)
        currency = session.get(Location, booking.location_id).currency
        values = {'amount': plain(booking.price_cents, currency), 'method': payment_method.value.replace('_', ' '),
                  'reason': reason[:120]}
        summary = (deferred(N_('Payment failed: {customer}, {amount} by {method} — {reason}'), customer=customer.name,
                            **values) if customer else
                   deferred(N_('Payment failed: walk-in, {amount} by {method} — {reason}'), **values))
        activity.add(session, actor, 'payment_failed', summary, location_id=booking.location_id,
                     booking_id=booking_id)
        failed = notifications.prepare(session, events.PaymentFailed(location_id=booking.location_id,
                                                                     booking_id=booking_id, summary=summary))
    events.publish(failed)


def tax_on(amount_cents: int, percent: Decimal, currency: str) -> Decimal:
    """Tax in major units of ``currency``, 4 decimal places, half-up: ``amount_cents`` (minor units) as an amount
    (:func:`~app.services.amounts.to_major`) × ``percent / 100``."""
    return (to_major(amount_cents, currency) * percent / 100).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


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
    paid_by: dict[int, list[tuple[str, int]]] = defaultdict(list)
    mpesa: dict[int, list[str]] = defaultdict(list)
    for receipt_id, method, amount, number in session.exec(
            select(Payment.receipt_id, Payment.method, Payment.amount_cents, MobilePayment.provider_receipt)
            .outerjoin(MobilePayment, MobilePayment.payment_id == Payment.id)
            .where(col(Payment.receipt_id).in_(ids)).order_by(Payment.id)):
        paid_by[receipt_id].append((method, amount))
        if number:
            mpesa[receipt_id].append(number)
    people = dict(session.exec(select(Customer.id, Customer.name).where(col(Customer.id).in_(
        {r.customer_id for r, _ in receipts if r.customer_id is not None}))).all())
    return [ReceiptRead.model_validate(r, update={
        'amount_cents': amounts[r.id], 'tax': taxes[r.id], 'descriptions': ', '.join(names[r.id]),
        'staff_name': staff_name or '', 'customer_name': people.get(r.customer_id, ''),
        'paid_by': paid_by[r.id], 'mpesa_receipts': mpesa[r.id]}) for r, staff_name in receipts]




SALES_HEADER = [N_('Receipt'), N_('Issued'), N_('Kind'), N_('Customer'), N_('Items'), N_('Total'), N_('Paid'),
                N_('Still owed'), N_('Payments'), N_('M-Pesa receipt')]
"""The sales export's columns (English: translated when written)."""


def sales_csv(location_id: int, start: datetime, end: datetime, *, actor: UserRead) -> bytes:
    """The receipts issued in ``[start, end)`` (aware) at a location as CSV (UTF-8): number, local time, kind,
    customer, items, total, paid, still owed (money in major units with the currency's own decimals: ``500.00``
    KES, ``500`` RWF, ``0.500`` BHD), every payment as paid (``Cash 500.00; Mobile money 1000.00``) and M-Pesa's
    receipt numbers; text cells neutralised for spreadsheets (:mod:`cells`).

    :raises PermissionDeniedError: not a front-desk role, or another location
    """
    ensure_reader(actor, location_id)
    with session_scope() as session:
        location = session.get(Location, location_id)
        zone = location.time_zone if location else 'UTC'
        currency = location.currency if location else 'USD'
        listed = _receipts(session, location_id, start=start, end=end)

    def money(cents: int) -> Decimal:
        return to_major(cents, currency)

    out = StringIO()
    writer = csv.writer(out)
    writer.writerow([_(title) for title in SALES_HEADER])
    for r in reversed(listed):
        total = r.total_cents if r.total_cents is not None else r.amount_cents + minor_of(r.tax, currency)
        paid = r.paid_cents if r.total_cents is not None else total
        writer.writerow(cells.csv_row([
            r.number, clock.to_local(r.issued_at, zone).replace(tzinfo=None).isoformat(timespec='minutes'), r.kind,
            r.customer_name, r.descriptions, money(total), money(paid),
            money(total - paid) if r.kind == 'sale' else money(0),
            '; '.join(f'{day_close.method_words(m)} {money(c)}' for m, c in r.paid_by),
            ' '.join(r.mpesa_receipts)]))
    return out.getvalue().encode('utf-8')
