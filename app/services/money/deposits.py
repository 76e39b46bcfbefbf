"""Deposits and no-show protection: a deposit taken when a booking is made (the service's own amount, else the
location's percentage of the booked price), held as money owed to the customer (not revenue); paid towards the sale
at checkout; kept as a fee — a receipt line, revenue — when the customer does not come or cancels inside the
location's cancellation window. A deposit is a receipt of kind ``deposit`` for its booking; ``applied_to_id`` points
at the sale or fee it became."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import select

from app.models import (
    Booking,
    BookingStatus,
    Location,
    OnlineDeposit,
    Payment,
    Receipt,
    ReceiptLine,
    Service,
    UserRead,
)
from app.services import clock, events, notifications
from app.services.accounts import activity
from app.services.accounts.access import FRONT_DESK_ROLES, Actor, ensure_location, ensure_role, user_id_of
from app.services.amounts import check_amount, plain
from app.services.database import session_scope
from app.services.errors import InvalidTransitionError, NotFoundError, ValidationError
from app.services.i18n import N_, _, deferred
from app.services.money import day_close
from app.services.money.common import check_payments, next_number
from app.services.money.pricing import HUNDRED, part_of


def deposit_due(session, booking: Booking) -> int:
    """What a booking's deposit is (minor units): see :func:`deposit_for`, at the booked price."""
    return deposit_for(session.get(Service, booking.service_id), session.get(Location, booking.location_id),
                       booking.price_cents)


def deposit_for(service: Service | None, location: Location | None, price_cents: int) -> int:
    """The deposit asked for ``service`` at ``price_cents`` (minor units): the service's own deposit, else the
    location's percentage of the price (rounded half up), never more than the price; 0: none asked."""
    if service is not None and service.deposit_cents is not None:
        return min(service.deposit_cents, price_cents)
    return part_of(price_cents, Decimal(location.deposit_percent if location else 0) / HUNDRED)


def fee_now(session, booking: Booking) -> tuple[int, bool]:
    """What a no-show or a late cancellation of ``booking`` costs now (minor units) and whether it is its held
    deposit (kept) rather than the location's no-show fee (owed): the rule :func:`keep_as_fee` applies."""
    deposit = held(session, booking.id)
    if deposit is not None:
        return deposit.paid_cents, True
    location = session.get(Location, booking.location_id)
    return part_of(booking.price_cents, Decimal(location.no_show_fee_percent) / HUNDRED), False


def held(session, booking_id: int) -> Receipt | None:
    """The booking's deposit not yet used (paid towards a sale or kept as a fee), if any."""
    return session.exec(select(Receipt).where(Receipt.booking_id == booking_id, Receipt.kind == 'deposit',
                                              Receipt.applied_to_id.is_(None)).with_for_update()).first()


def take(booking_id: int, payment, *, actor: UserRead, as_of: datetime | None = None) -> Receipt:
    """Take a booking's deposit (``payment``: a :class:`~app.services.money.common.PaymentIn`, not a gift card): a
    receipt of kind ``deposit`` with the next number, the money as a payment of the day, nothing as revenue. Logged;
    announced.

    :raises ValidationError: a deposit already held, an amount over the booked price or over
        :func:`~app.services.amounts.max_minor` of the location's currency (``field`` 'amount'), a gift card
        (``field`` 'method')
    :raises InvalidTransitionError: the booking is no longer booked or confirmed
    :raises NotFoundError, PermissionDeniedError: no such booking, or another location's
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('take payments'))
    if payment.method.value == 'gift_card':
        raise ValidationError(_('Take a deposit in cash, by card or mobile money.'), field='method')
    now = as_of or clock.now()
    with session_scope(write=True) as session:
        booking = session.exec(select(Booking).where(Booking.id == booking_id).with_for_update()).first()
        if booking is None:
            raise NotFoundError(_('That booking no longer exists.'))
        ensure_location(actor, booking.location_id)
        if booking.status not in (BookingStatus.BOOKED.value, BookingStatus.CONFIRMED.value):
            raise InvalidTransitionError(_('A deposit is taken before the visit.'))
        location = session.get(Location, booking.location_id)
        currency = location.currency
        check_amount(payment.amount_cents, 'amount', currency)
        check_amount(payment.tendered_cents, 'amount', currency)
        if held(session, booking.id) is not None:
            raise ValidationError(_('A deposit is already held for this booking.'), field='amount')
        if payment.amount_cents > booking.price_cents:
            raise ValidationError(_('A deposit cannot be more than the booked price.'), field='amount')
        day_close.ensure_open(session, booking.location_id, now, location.time_zone)
        paid, _change = check_payments([payment], payment.amount_cents, currency=currency)
        receipt = Receipt(location_id=booking.location_id, number=next_number(session, booking.location_id),
                          issued_at=now, customer_id=booking.customer_id, staff_member_id=booking.staff_member_id,
                          booking_id=booking.id, payment_method=payment.method.value, kind='deposit',
                          total_cents=paid, paid_cents=paid, user_id=actor.id or None)
        session.add(receipt)
        session.flush()
        session.add(Payment(receipt_id=receipt.id, method=payment.method.value, amount_cents=paid,
                            tendered_cents=payment.tendered_cents, at=now, user_id=actor.id or None))
        activity.add(session, actor, 'deposit', deferred(
            N_('Deposit {number}: {amount} by {method} for booking {booking}'), number=receipt.number,
            amount=plain(paid, currency), method=payment.method.value.replace('_', ' '), booking=booking.code),
            location_id=booking.location_id, booking_id=booking.id)
        announced = notifications.prepare(session, events.ReceiptCreated(
            receipt_id=receipt.id, location_id=booking.location_id, day=clock.local_day(now, location.time_zone),
            amount_cents=0, summary=deferred(N_('Deposit received: {amount}'), amount=plain(paid, currency))))
        session.expunge(receipt)
    events.publish(announced)
    return receipt


def keep_as_fee(session, booking: Booking, why: str, actor: Actor, now: datetime) -> int | None:
    """In the caller's transaction (a no-show, or a cancellation inside the window): the booking's held deposit
    becomes a fee — a sale with one untaxed line "<why> fee — <service>", paid by the deposit. Without a deposit, the
    location's no-show fee (its percentage of the booked price) is charged instead: the same sale, left owing for the
    desk to collect. Returns the fee's receipt id, or None when there is neither."""
    currency = session.get(Location, booking.location_id).currency
    deposit = held(session, booking.id)
    if deposit is not None:
        fee = _fee_receipt(session, booking, why, deposit.paid_cents, actor, now, deposit=deposit)
        deposit.applied_to_id = fee.id
        session.add(deposit)
        activity.add(session, actor, 'deposit_kept', deferred(
            N_('Deposit {number} kept as a {why} fee: receipt {fee}, {amount}'), number=deposit.number,
            why=why.lower(), fee=fee.number, amount=plain(deposit.paid_cents, currency)),
            location_id=booking.location_id, booking_id=booking.id)
        return fee.id
    cents, _kept = fee_now(session, booking)
    if not cents:
        return None
    fee = _fee_receipt(session, booking, why, cents, actor, now)
    activity.add(session, actor, 'fee_charged', deferred(
        N_('{why} fee charged: receipt {fee}, {amount} owed'), why=why, fee=fee.number, amount=plain(cents, currency)),
        location_id=booking.location_id, booking_id=booking.id)
    return fee.id


def _fee_receipt(session, booking: Booking, why: str, cents: int, actor: Actor, now: datetime, *,
                 deposit: Receipt | None = None) -> Receipt:
    """A sale of one untaxed fee line for ``booking``, paid by ``deposit`` (else left owing)."""
    service = session.get(Service, booking.service_id)
    paid = cents if deposit is not None else 0
    fee = Receipt(location_id=booking.location_id, number=next_number(session, booking.location_id), issued_at=now,
                  customer_id=booking.customer_id, staff_member_id=booking.staff_member_id, booking_id=booking.id,
                  payment_method=deposit.payment_method if deposit is not None else None, kind='sale',
                  total_cents=cents, paid_cents=paid, deposit_applied_cents=paid, reason=f'{why} fee',
                  user_id=user_id_of(actor))
    session.add(fee)
    session.flush()
    session.add(ReceiptLine(receipt_id=fee.id, staff_member_id=booking.staff_member_id, quantity=1,
                            description=f'{why} fee — {service.name if service else "booking"}'[:200],
                            amount_cents=cents, unit_price_cents=cents, total_cents=cents))
    return fee


def late(booking: Booking, location: Location, now: datetime) -> bool:
    """Whether cancelling ``booking`` at ``now`` is inside the location's cancellation window."""
    return booking.starts_at - now < timedelta(hours=location.cancellation_hours)


def status(booking_id: int, *, actor: UserRead) -> tuple[int, int | None]:
    """A booking's deposit: ``(asked, held)`` in minor units (``held`` None: none held now).

    :raises NotFoundError, PermissionDeniedError: no such booking, or another location's
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('see deposits'))
    with session_scope() as session:
        booking = session.get(Booking, booking_id)
        if booking is None:
            raise NotFoundError(_('That booking no longer exists.'))
        ensure_location(actor, booking.location_id)
        deposit = session.exec(select(Receipt).where(Receipt.booking_id == booking_id, Receipt.kind == 'deposit',
                                                     Receipt.applied_to_id.is_(None))).first()
        return deposit_due(session, booking), deposit.paid_cents if deposit else None


def paid_online(booking_id: int, *, actor: UserRead) -> tuple[str, str] | None:
    """How the customer paid the booking's deposit on the online booking page: ``(method, reference)`` — ``'mpesa'``
    with M-Pesa's receipt number, or ``'card'`` with the card payment's id ('' if not known); None: not paid online.

    :raises NotFoundError, PermissionDeniedError: no such booking, or another location's
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('see deposits'))
    with session_scope() as session:
        booking = session.get(Booking, booking_id)
        if booking is None:
            raise NotFoundError(_('That booking no longer exists.'))
        ensure_location(actor, booking.location_id)
        paid = session.exec(select(OnlineDeposit).where(OnlineDeposit.booking_id == booking_id,
                                                        OnlineDeposit.status == 'paid')).first()
        return (paid.method, paid.provider_receipt) if paid is not None else None


def give_back(booking_id: int, method, *, actor: UserRead, as_of: datetime | None = None) -> Receipt:
    """Pay back a booking's held deposit (a cancellation in good time, a gesture): a refund receipt of it, the money
    out by ``method`` (a :class:`~app.models.PaymentMethod`, not a gift card). Logged; announced.

    :raises ValidationError: no deposit held, a gift card, the day closed
    :raises NotFoundError, PermissionDeniedError: no such booking, or another location's
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('pay deposits back'))
    if method.value == 'gift_card':
        raise ValidationError(_('Pay a deposit back in cash, by card or mobile money.'), field='method')
    now = as_of or clock.now()
    with session_scope(write=True) as session:
        booking = session.get(Booking, booking_id)
        if booking is None:
            raise NotFoundError(_('That booking no longer exists.'))
        ensure_location(actor, booking.location_id)
        location = session.get(Location, booking.location_id)
        day_close.ensure_open(session, booking.location_id, now, location.time_zone)
        deposit = held(session, booking.id)
        if deposit is None:
            raise ValidationError(_('No deposit is held for this booking.'), field='method')
        back = Receipt(location_id=booking.location_id, number=next_number(session, booking.location_id),
                       issued_at=now, customer_id=booking.customer_id, staff_member_id=booking.staff_member_id,
                       booking_id=booking.id, payment_method=method.value, kind='refund', refund_of_id=deposit.id,
                       reason='deposit paid back', total_cents=-deposit.paid_cents, paid_cents=-deposit.paid_cents,
                       user_id=actor.id or None)
        session.add(back)
        session.flush()
        session.add(Payment(receipt_id=back.id, method=method.value, amount_cents=-deposit.paid_cents, at=now,
                            user_id=actor.id or None))
        deposit.applied_to_id = back.id
        session.add(deposit)
        activity.add(session, actor, 'deposit_back', deferred(
            N_('Deposit {number} paid back: refund {refund}, {amount} by {method}'), number=deposit.number,
            refund=back.number, amount=plain(deposit.paid_cents, location.currency),
            method=method.value.replace('_', ' ')),
            location_id=booking.location_id, booking_id=booking.id)
        announced = notifications.prepare(session, events.ReceiptCreated(
            receipt_id=back.id, location_id=booking.location_id, day=clock.local_day(now, location.time_zone),
            amount_cents=0, summary=deferred(N_('Deposit paid back: {amount}'),
                                            amount=plain(deposit.paid_cents, location.currency))))
        session.expunge(back)
    events.publish(announced)
    return back
