"""The day's takings at a location and closing the day at the till.

A day is the location's local date. Money in minor units. Once a day is closed, no sale is recorded on it and no
payment taken for it; a mistake found later is put right by a refund dated the day it is made. A closed day's
figures are the ones kept when it was closed (a till's Z report: "once generated, those figures are locked in and
won't change"; Lightspeed: no finalised receipt is edited after a closing report). Money that arrives for it
anyway — a mobile payment the provider confirms after the close — is counted on the next open day, as a card
terminal rolls transactions after its end-of-day batch onto the next day's report (:func:`counted_at`); both days'
reports say so (``confirmed_after_close``, ``earlier_receipts``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from babel.dates import format_date
from sqlalchemy import func
from sqlmodel import SQLModel, col, select

from app.models import (
    Customer,
    DayClose,
    DaySummary,
    LatePayment,
    Location,
    LoyaltyMovement,
    MobilePayment,
    Payment,
    Receipt,
    ReceiptLine,
    ReceiptLineTax,
    StaffMember,
    UserRead,
)
from app.services import clock, i18n
from app.services.accounts import activity
from app.services.accounts.access import FRONT_DESK_ROLES, MANAGING_ROLES, ensure_reader, ensure_role
from app.services.amounts import check_amount, minor_of, plain
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError
from app.services.i18n import N_, _, deferred


def summary(location_id: int, day: date, *, actor: UserRead) -> DaySummary:
    """The takings of ``day`` (local) at a location: see :class:`~app.models.DaySummary` (a closed day: with the
    cash counted).

    :raises PermissionDeniedError: not a front-desk role, or another location
    :raises NotFoundError: no such location
    """
    ensure_reader(actor, location_id, FRONT_DESK_ROLES)
    with session_scope() as session:
        return day_figures(session, location_id, day)


def day_figures(session, location_id: int, day: date) -> DaySummary:
    """:func:`summary` in the caller's unit of work (no access check). A closed day: the figures kept when it was
    closed, with the mobile payments confirmed after its close (``confirmed_after_close``)."""
    location = session.get(Location, location_id)
    if location is None:
        raise NotFoundError(_('That location no longer exists.'))
    closed = session.exec(select(DayClose).where(DayClose.location_id == location_id, DayClose.day == day)).first()
    if closed is not None and closed.figures:
        figures = DaySummary.model_validate({**closed.figures, 'location_id': location_id, 'day': day})
    else:
        figures = _computed(session, location, day)
    if closed is not None:
        figures.closed, figures.counted_cash_cents = True, closed.counted_cash_cents
        figures.confirmed_after_close = _confirmed_after_close(session, location, closed)
    return figures


def counted_at(session, location_id: int, moment: datetime, time_zone: str) -> datetime:
    """When money that arrives at ``moment`` (aware) is counted: ``moment`` itself if its local day is open at the
    location, else the start of the next local day that is not closed (the till's next business day; see the
    module's note). Aware."""
    day = clock.local_day(moment, time_zone)
    closed = set(session.exec(select(DayClose.day).where(DayClose.location_id == location_id,
                                                         DayClose.day >= day)).all())
    if day not in closed:
        return moment
    while day in closed:
        day += timedelta(days=1)
    return clock.day_bounds(day, time_zone)[0]


def after_close_note(late: LatePayment, money: Callable[[int], str], locale: str | None = None) -> str:
    """The closed day's line about ``late`` (``money``: minor units → the location's way of writing them;
    ``locale``: the location's, for the day's name in the current language), e.g. "M-Pesa payment of KES 1,000.00
    for receipt 12 confirmed after close, counted on Tue 05 Mar"."""
    values = {'amount': money(late.amount_cents), 'number': late.receipt_number,
              'day': day_name(late.counted_on, locale)}
    if late.method == 'mobile_money':  # only M-Pesa comes late
        return _('M-Pesa payment of {amount} for receipt {number} confirmed after close, counted on {day}').format(
            **values)
    return _('{method} payment of {amount} for receipt {number} confirmed after close, counted on {day}').format(
        method=method_words(late.method), **values)


def earlier_receipt_note(late: LatePayment, money: Callable[[int], str], locale: str | None = None) -> str:
    """The line about ``late`` on the day it is counted (``locale``: as :func:`after_close_note`), e.g. "Receipt 12
    of Mon 04 Mar: KES 1,000.00 by mobile money, confirmed after Mon 04 Mar was closed"."""
    values = {'number': late.receipt_number, 'day': day_name(late.receipt_day, locale),
              'amount': money(late.amount_cents), 'method': method_words(late.method).lower()}
    if late.after_close and late.closed_day is not None:
        return _('Receipt {number} of {day}: {amount} by {method}, confirmed after {closed} was closed').format(
            closed=day_name(late.closed_day, locale), **values)
    return _('Receipt {number} of {day}: {amount} by {method}').format(**values)


METHOD_WORDS = {'card': N_('Card'), 'cash': N_('Cash'), 'mobile_money': N_('Mobile money'),
                'gift_card': N_('Gift card')}
"""Payment methods' names (English; :func:`method_words` translates)."""


def method_words(method: str) -> str:
    """A payment method's name in the current language (an unknown one as stored, underscores as spaces)."""
    return _(METHOD_WORDS[method]) if method in METHOD_WORDS else method.replace('_', ' ')


def day_name(day: date, locale: str | None, pattern: str = 'EEE dd MMM') -> str:
    """``day`` written short (``Tue 05 Mar``) in the current language, with the location's ``locale`` (its
    country's conventions; :func:`~app.services.i18n.locale_for`)."""
    return format_date(day, pattern, locale=i18n.locale_for(locale or 'en_CA'))


def tip_name(name: str) -> str:
    """Who a day's tips are for as shown: the staff member's name, or "unassigned" in the current language."""
    return _('unassigned') if name == UNASSIGNED else name


UNASSIGNED = 'unassigned'
"""The key of tips given to no staff member in a day's figures (stored with the figures: never translated)."""


def _computed(session, location: Location, day: date) -> DaySummary:
    location_id = location.id
    start, end = clock.day_bounds(day, location.time_zone)
    receipts = session.exec(select(Receipt).where(Receipt.location_id == location_id, Receipt.issued_at >= start,
                                                  Receipt.issued_at < end)).all()
    ids = [r.id for r in receipts]
    figures = DaySummary(location_id=location_id, day=day)
    figures.receipts = sum(1 for r in receipts if r.kind == 'sale')
    figures.net_cents = sum(session.exec(select(ReceiptLine.amount_cents).where(
        col(ReceiptLine.receipt_id).in_(ids))).all())
    taxes = sum(session.exec(
        select(ReceiptLineTax.amount).join(ReceiptLine, ReceiptLine.id == ReceiptLineTax.receipt_line_id)
        .where(col(ReceiptLine.receipt_id).in_(ids))).all(), Decimal(0))
    figures.tax_cents = minor_of(Decimal(taxes), location.currency)
    names = dict(session.exec(select(StaffMember.id, StaffMember.name).where(
        StaffMember.location_id == location_id)).all())
    for receipt in receipts:
        if receipt.tip_cents:
            name = names.get(receipt.tip_staff_member_id, UNASSIGNED)
            figures.tips[name] = figures.tips.get(name, 0) + receipt.tip_cents
        if receipt.kind == 'refund':
            figures.refunds_cents += -(receipt.total_cents or 0)
        elif receipt.total_cents is not None:
            figures.balance_cents += receipt.total_cents - receipt.paid_cents
    # money taken that day, whichever day its sale was (a balance paid later counts on the day it is paid)
    for method, amount in session.exec(
            select(Payment.method, Payment.amount_cents).join(Receipt, Receipt.id == Payment.receipt_id)
            .where(Receipt.location_id == location_id, Payment.at >= start, Payment.at < end)):
        figures.payments[method] = figures.payments.get(method, 0) + amount
    # history imported or made before checkout kept payments (no total): paid in full by its one method that day
    legacy = [r for r in receipts if r.total_cents is None and r.payment_method]
    if legacy:
        amounts = dict(session.exec(select(ReceiptLine.receipt_id, func.sum(ReceiptLine.amount_cents)).where(
            col(ReceiptLine.receipt_id).in_([r.id for r in legacy])).group_by(ReceiptLine.receipt_id)).all())
        taxed = dict(session.exec(
            select(ReceiptLine.receipt_id, func.sum(ReceiptLineTax.amount))
            .join(ReceiptLineTax, ReceiptLineTax.receipt_line_id == ReceiptLine.id)
            .where(col(ReceiptLine.receipt_id).in_([r.id for r in legacy])).group_by(ReceiptLine.receipt_id)).all())
        for receipt in legacy:
            cents = int(amounts.get(receipt.id) or 0) + minor_of(Decimal(taxed.get(receipt.id) or 0),
                                                                 location.currency)
            figures.payments[receipt.payment_method] = figures.payments.get(receipt.payment_method, 0) + cents
    figures.expected_cash_cents = figures.payments.get('cash', 0)
    figures.earlier_receipts = _earlier_receipts(session, location, start, end)
    return figures


def _earlier_receipts(session, location: Location, start: datetime, end: datetime) -> list[LatePayment]:
    """Payments counted in ``[start, end)`` for receipts issued before ``start``, oldest receipt first."""
    zone = location.time_zone
    rows = session.exec(
        select(Receipt.number, Receipt.issued_at, Payment.method, Payment.amount_cents, Payment.at,
               MobilePayment.settled_at)
        .join(Receipt, Receipt.id == Payment.receipt_id)
        .outerjoin(MobilePayment, MobilePayment.payment_id == Payment.id)
        .where(Receipt.location_id == location.id, Payment.at >= start, Payment.at < end, Receipt.issued_at < start)
        .order_by(Receipt.issued_at, Payment.id)).all()
    return [LatePayment(receipt_number=number, receipt_day=clock.local_day(issued, zone), method=method,
                        amount_cents=amount, counted_on=clock.local_day(at, zone),
                        after_close=settled is not None and settled < start,
                        closed_day=clock.local_day(settled, zone) if settled is not None and settled < start else None)
            for number, issued, method, amount, at, settled in rows]


def _confirmed_after_close(session, location: Location, closed: DayClose) -> list[LatePayment]:
    """Mobile payments asked for or confirmed on the closed day that the provider confirmed after its close."""
    zone = location.time_zone
    start, end = clock.day_bounds(closed.day, zone)
    rows = session.exec(
        select(Receipt.number, Receipt.issued_at, Payment.method, Payment.amount_cents, Payment.at)
        .select_from(MobilePayment).join(Payment, Payment.id == MobilePayment.payment_id)
        .join(Receipt, Receipt.id == Payment.receipt_id)
        .where(MobilePayment.location_id == location.id, MobilePayment.status == 'paid',
               MobilePayment.settled_at > closed.closed_at,
               ((MobilePayment.requested_at >= start) & (MobilePayment.requested_at < end))
               | ((MobilePayment.settled_at >= start) & (MobilePayment.settled_at < end)))
        .order_by(MobilePayment.settled_at, MobilePayment.id)).all()
    return [LatePayment(receipt_number=number, receipt_day=clock.local_day(issued, zone), method=method,
                        amount_cents=amount, counted_on=clock.local_day(at, zone), after_close=True,
                        closed_day=closed.day) for number, issued, method, amount, at in rows]


def close_day(location_id: int, day: date, counted_cash_cents: int, *, actor: UserRead, note: str = '',
              now: datetime | None = None) -> DaySummary:
    """Close ``day`` at a location with the cash counted in the till (minor units, beyond the float): the day's
    figures are kept as they are now, with the difference between counted and expected cash, in the activity log.

    :raises ValidationError: a day not yet begun, already closed, or a negative count or one over
        :func:`~app.services.amounts.max_minor` of the location's currency (``field``: ``day``, ``counted``)
    :raises PermissionDeniedError: only owners and managers close a day, at their own location
    """
    ensure_role(actor, MANAGING_ROLES, N_('close the day'))
    ensure_reader(actor, location_id, MANAGING_ROLES, N_('close the day'))
    check_amount(counted_cash_cents, 'counted')
    if counted_cash_cents < 0:
        raise ValidationError(_('The cash counted cannot be negative.'), field='counted')
    now = now or clock.now()
    with session_scope(write=True) as session:
        location = session.exec(select(Location).where(Location.id == location_id).with_for_update()).first()
        if location is None:
            raise NotFoundError(_('That location no longer exists.'))
        currency = location.currency
        check_amount(counted_cash_cents, 'counted', currency)
        if day > clock.local_day(now, location.time_zone):
            raise ValidationError(_('That day has not begun yet.'), field='day')
        if session.exec(select(DayClose).where(DayClose.location_id == location_id, DayClose.day == day)).first():
            raise ValidationError(_('{day} is already closed.').format(
                day=day_name(day, location.locale, 'EEEE d MMMM')), field='day')
        figures = day_figures(session, location_id, day)
        difference = counted_cash_cents - figures.expected_cash_cents
        session.add(DayClose(location_id=location_id, day=day, closed_at=now, user_id=actor.id or None,
                             expected_cash_cents=figures.expected_cash_cents, counted_cash_cents=counted_cash_cents,
                             figures=figures.model_dump(mode='json'), note=(note or '')[:200]))
        values = {'day': f'{day:%Y-%m-%d}', 'expected': plain(figures.expected_cash_cents, currency),
                  'counted': plain(counted_cash_cents, currency)}
        words = (deferred(N_('Day closed: {day}, cash expected {expected}, counted {counted}, difference '
                             '{difference}'), difference=plain(difference, currency, '+'), **values) if difference else
                 deferred(N_('Day closed: {day}, cash expected {expected}, counted {counted}'), **values))
        activity.add(session, actor, 'day_closed', words, location_id=location_id)
        figures.closed, figures.counted_cash_cents = True, counted_cash_cents
    return figures


def ensure_open(session, location_id: int, moment: datetime, time_zone: str) -> None:
    """:raises ValidationError: the local day of ``moment`` is closed at the location (``field='day'``)"""
    day = clock.local_day(moment, time_zone)
    if session.exec(select(DayClose.id).where(DayClose.location_id == location_id, DayClose.day == day)).first():
        location = session.get(Location, location_id)
        raise ValidationError(_('{day} is closed at the till: record it as of today, or refund it today.').format(
            day=day_name(day, location.locale if location else None, 'EEEE d MMMM')), field='day')


class MoneySummary(SQLModel):
    """Money beside revenue over a period at some locations (minor units): ``tips``, ``gift_cards_sold`` (owed to
    their holders), ``gift_cards_spent``, ``deposits_taken`` (owed until used), ``fees_kept`` (deposits kept for
    no-shows and late cancellations: revenue), ``refunds``, ``discounts``; loyalty ``points_earned``,
    ``points_redeemed`` and ``points_outstanding`` (all customers' balances now) and ``redemption_rate``
    (redeemed / earned in the period; None when none were earned)."""

    tips: int = 0
    gift_cards_sold: int = 0
    gift_cards_spent: int = 0
    deposits_taken: int = 0
    fees_kept: int = 0
    refunds: int = 0
    discounts: int = 0
    points_earned: int = 0
    points_redeemed: int = 0
    points_outstanding: int = 0
    redemption_rate: float | None = None


def money_summary(location_ids: list[int], start: datetime, end: datetime, *, actor: UserRead) -> MoneySummary:
    """:class:`MoneySummary` of receipts issued in ``[start, end)`` (aware) at ``location_ids``.

    :raises PermissionDeniedError: not an owner or manager of each location
    """
    for location_id in location_ids:
        ensure_reader(actor, location_id, MANAGING_ROLES, N_('see analytics'))
    result = MoneySummary()
    with session_scope() as session:
        receipts = session.exec(select(Receipt).where(col(Receipt.location_id).in_(location_ids),
                                                      Receipt.issued_at >= start, Receipt.issued_at < end)).all()
        ids = [r.id for r in receipts]
        for receipt in receipts:
            result.tips += receipt.tip_cents
            result.gift_cards_sold += receipt.gift_cards_cents
            if receipt.kind == 'deposit':
                result.deposits_taken += receipt.paid_cents
            elif receipt.kind == 'refund':
                result.refunds -= receipt.total_cents or 0
            elif receipt.reason.endswith(' fee'):  # a deposit kept (deposits.keep_as_fee)
                result.fees_kept += receipt.deposit_applied_cents
        result.discounts = int(session.exec(select(func.coalesce(func.sum(ReceiptLine.discount_cents), 0)).where(
            col(ReceiptLine.receipt_id).in_(ids))).one())
        result.gift_cards_spent = int(session.exec(select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            col(Payment.receipt_id).in_(ids), Payment.method == 'gift_card')).one())
        customers = select(Customer.id).where(col(Customer.location_id).in_(location_ids))
        for kind, points in session.exec(select(LoyaltyMovement.kind, func.sum(LoyaltyMovement.points)).where(
                col(LoyaltyMovement.customer_id).in_(customers), LoyaltyMovement.at >= start,
                LoyaltyMovement.at < end).group_by(LoyaltyMovement.kind)):
            if kind == 'earned':
                result.points_earned = int(points)
            elif kind == 'redeemed':
                result.points_redeemed = -int(points)
        result.points_outstanding = int(session.exec(select(func.coalesce(func.sum(LoyaltyMovement.points), 0))
                                                     .where(col(LoyaltyMovement.customer_id).in_(customers))).one())
    if result.points_earned:
        result.redemption_rate = result.points_redeemed / result.points_earned
    return result
