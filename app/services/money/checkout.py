"""Checkout: a sale of services and products (from a booking or a walk-in), with discounts, a tip, taxes and payment
split over several methods; more payments later for what is left; refunds of some or all of it.

Money is in minor units (``int``). The arithmetic is :mod:`app.services.money.pricing`'s. Receipt numbers come from a
per-location counter taken inside the sale's transaction: gapless and never repeated, whatever runs at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import Field as PydanticField
from sqlmodel import SQLModel, col, select

from app.models import (
    Booking,
    BookingStatus,
    Customer,
    DiscountCode,
    Location,
    LoyaltyReward,
    MobilePayment,
    Payment,
    PaymentMethod,
    Product,
    Receipt,
    ReceiptLine,
    ReceiptLineTax,
    Service,
    StaffMember,
    StockMovement,
    UserRead,
)
from app.services import clock, events, notifications
from app.services.accounts import activity
from app.services.accounts.access import FRONT_DESK_ROLES, MANAGING_ROLES, ensure_location, ensure_role
from app.services.amounts import check_amount, minor_of, plain, to_major
from app.services.database import session_scope
from app.services.errors import InvalidTransitionError, NotFoundError, ValidationError
from app.services.i18n import N_, _, deferred, ngettext
from app.services.money import codes as discount_codes
from app.services.money import day_close, deposits, gift_cards, loyalty, pricing
from app.services.money.common import PaymentIn, check_payments, ensure_not_waiting, next_number, receipt_of


class SaleLine(SQLModel):
    """One line of a sale: a service or a product (exactly one), how many, the price charged (None: the list
    price; another price needs an owner or manager and a reason), a discount on the line (percent or amount, with a
    reason) and the staff member it is credited to (None: the booking's)."""

    service_id: int | None = None
    product_id: int | None = None
    quantity: int = PydanticField(default=1, ge=1, le=999)
    unit_price_cents: int | None = PydanticField(default=None, ge=0)
    price_reason: str = PydanticField(default='', max_length=200)
    discount_percent: Decimal | None = None
    discount_cents: int | None = None
    discount_reason: str = PydanticField(default='', max_length=200)
    staff_member_id: int | None = None


class Sale(SQLModel):
    """A checkout: the location, the booking it settles (None: a walk-in sale) and the customer (the booking's when
    None), its lines, a discount on the whole sale, a tip for a staff member (outside tax and revenue), and the
    payments taken now (their sum may be less than the total: the rest is a balance), or ``settle_with``: the whole
    amount due by that one method; ``gift_cards``: the amounts of gift cards sold with it (owed to their holders,
    not revenue: no tax, no line); ``reward_id``: a loyalty reward the customer spends points on (an amount off the
    sale, or a service of the sale free); ``code``: a discount code the customer gives (:mod:`codes`: off the whole
    sale, once per customer; not with the desk's own discount or a reward)."""

    location_id: int
    booking_id: int | None = None
    customer_id: int | None = None
    lines: list[SaleLine]
    discount_percent: Decimal | None = None
    discount_cents: int | None = None
    discount_reason: str = PydanticField(default='', max_length=200)
    tip_cents: int = PydanticField(default=0, ge=0)
    tip_staff_member_id: int | None = None
    payments: list[PaymentIn] = PydanticField(default_factory=list)
    settle_with: PaymentMethod | None = None
    gift_cards: list[int] = PydanticField(default_factory=list, max_length=20)
    reward_id: int | None = None
    code: str = PydanticField(default='', max_length=24)


@dataclass(frozen=True)
class Checkout:
    """A recorded sale: its receipt id and number, ``total_cents`` (lines with tax, plus the tip), ``paid_cents``,
    ``balance_cents`` (still to pay), ``change_cents`` (cash to hand back) and the codes of gift cards sold."""

    receipt_id: int
    number: str
    total_cents: int
    paid_cents: int
    balance_cents: int
    change_cents: int
    gift_card_codes: tuple[str, ...] = ()


def quote(sale: Sale, *, actor: UserRead) -> pricing.PricedSale:
    """The sale priced as it stands (for the totals shown while the desk builds it); nothing is written.

    :raises ValidationError, NotFoundError, PermissionDeniedError: as :func:`check_out`
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('take payments'))
    ensure_location(actor, sale.location_id)
    with session_scope() as session:
        location = _location(session, sale.location_id)
        _check_amounts(sale, location.currency)
        customer_id = sale.customer_id
        if customer_id is None and sale.booking_id is not None:
            booking = session.get(Booking, sale.booking_id)
            customer_id = booking.customer_id if booking and booking.location_id == sale.location_id else None
        return _basket(session, sale, actor, location, customer_id, now=clock.now()).priced


def check_out(sale: Sale, *, actor: UserRead, as_of: datetime | None = None) -> Checkout:
    """Record a sale in one transaction: its receipt (the next number of the location), lines with their taxes, the
    stock sold (a movement per product; the stock on hand must cover it), the payments, and the booking completed;
    logged; paid, stock and booking events announced after the commit.

    :raises ValidationError: no line; a line with neither or both of service and product, of another location, or
        archived; a price change without a reason; a discount or payment that does not add up (more than the total,
        cash tendered under its amount, change on anything but cash); a product short of stock; a tip without a
        staff member; an amount over :data:`~app.models.base.MAX_AMOUNT_CENTS`, or a sale totalling more (``field``
        names the input: ``lines.N.…``, ``discount``, ``payments.N``, ``tip``, ``gift_cards``, ``total``)
    :raises NotFoundError: the booking, customer, service, product or staff member is not at the location
    :raises InvalidTransitionError: the booking is not checked in, or already paid
    :raises PermissionDeniedError: not a front-desk role, another location, a price change by a staff member, or a
        staff member's discount over the location's ``staff_discount_limit_percent`` (``field`` ``discount`` or
        ``lines.N.discount``: :func:`pricing.allowed_discount`)
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('take payments'))
    ensure_location(actor, sale.location_id)
    if not sale.lines and not sale.gift_cards:
        raise ValidationError(_('Add at least one service or product.'), field='lines')
    now = as_of or clock.now()
    with session_scope(write=True) as session:
        location = _location(session, sale.location_id)
        _check_amounts(sale, location.currency)
        day_close.ensure_open(session, sale.location_id, now, location.time_zone)
        booking = _booking_to_settle(session, sale)
        customer_id = _customer_of(session, sale, booking)
        basket = _basket(session, sale, actor, location, customer_id, now=now, lock=True)
        tip_staff = pricing.tip_for(sale.tip_cents, chosen=sale.tip_staff_member_id,
                                    booking_staff=booking.staff_member_id if booking else None,
                                    lines_staff=[row['staff'] for row in basket.rows])
        if tip_staff is not None:
            _staff_at(session, tip_staff, sale.location_id, 'tip')
        deposit = deposits.held(session, booking.id) if booking is not None else None
        due = pricing.amount_due(basket.priced.total_cents, tip_cents=sale.tip_cents, gift_cards=sale.gift_cards,
                                 deposit_cents=deposit.paid_cents if deposit is not None else 0,
                                 currency=location.currency)
        sale = _settled_in_one(sale, due.now_cents)
        paid, change = check_payments(sale.payments, due.now_cents, currency=location.currency)
        paid += due.from_deposit_cents
        receipt = _write_receipt(session, sale, basket, booking, customer_id, tip_staff, due, paid, actor, now)
        stock_events = _write_lines(session, receipt, basket, actor, location)
        if deposit is not None:
            deposit.applied_to_id = receipt.id
            session.add(deposit)
        _spend_customers_discounts(session, sale, basket, customer_id, receipt, actor, now)
        _earn_points(session, location, basket, customer_id, receipt, actor, now)
        codes = tuple(gift_cards.issue(session, sale.location_id, amount, receipt_id=receipt.id,
                                       user_id=actor.id or None, now=now).code for amount in sale.gift_cards)
        _take_payments(session, sale, receipt, actor, now)
        announced = [_complete(session, booking, receipt, location)] if booking is not None else []
        session.flush()
        _log_sale(session, sale, receipt, booking, due.total_cents, paid, actor, location.currency)
        announced.insert(0, notifications.prepare(session, events.ReceiptCreated(
            receipt_id=receipt.id, location_id=sale.location_id, day=clock.local_day(now, location.time_zone),
            amount_cents=basket.priced.net_cents,
            # nothing paid yet (an M-Pesa prompt on its way, a balance left): the toast must not say "received"
            summary=deferred(N_('Payment received: receipt {number}') if paid else
                             N_('Sale recorded, nothing paid yet: receipt {number}'), number=receipt.number))))
        announced += [notifications.prepare(session, event) for event in stock_events]
        result = Checkout(receipt_id=receipt.id, number=receipt.number, total_cents=due.total_cents, paid_cents=paid,
                          balance_cents=due.total_cents - paid, change_cents=change, gift_card_codes=codes)
    for event in announced:
        events.publish(event)
    return result


# --- The steps of a checkout (in the caller's transaction) -----------------------------------------------------------


@dataclass(frozen=True)
class _Basket:
    """A sale checked against the location and priced: ``items`` as priced (a reward applied), ``rows`` (what each
    line stores: :func:`_items`), ``priced``, the discount ``code`` given (None: none) and what it took off
    (``code_cents``)."""

    items: list[pricing.Item]
    rows: list[dict]
    priced: pricing.PricedSale
    code: DiscountCode | None = None
    code_cents: int = 0


def _basket(session, sale: Sale, actor: UserRead, location: Location, customer_id: int | None, *, now: datetime,
            lock: bool = False) -> _Basket:
    """The sale's lines checked (:func:`_items`), the customer's reward or code applied, priced; the desk's own
    discounts (before a reward's) within what ``actor`` may give (:func:`pricing.allowed_discount`).

    :raises ValidationError, NotFoundError, PermissionDeniedError: as :func:`check_out`
    """
    items, rows = _items(session, sale, actor)
    desk = _desk_discount(sale)
    customer_items, reward = _reward(session, sale, items, customer_id)
    code = _code(session, sale, customer_id, now=now, lock=lock)
    customers = discount_codes.discount_of(code) if code is not None else reward
    priced = _price(location, customer_items, pricing.sale_discount(customer_items, desk, customers))
    pricing.allowed_discount(items, desk, limit_percent=location.staff_discount_limit_percent,
                             managing=actor.role in MANAGING_ROLES)
    code_cents = (priced.discount_cents - _price(location, customer_items, desk).discount_cents
                  if code is not None else 0)
    return _Basket(items=customer_items, rows=rows, priced=priced, code=code, code_cents=code_cents)


def _booking_to_settle(session, sale: Sale) -> Booking | None:
    """The sale's booking, locked (None: a walk-in sale).

    :raises NotFoundError: not at the sale's location (``field='booking_id'``)
    :raises InvalidTransitionError: not checked in
    """
    if sale.booking_id is None:
        return None
    booking = session.exec(select(Booking).where(Booking.id == sale.booking_id).with_for_update()).first()
    if booking is None or booking.location_id != sale.location_id:
        raise NotFoundError(_('That booking is not at this location.'), field='booking_id')
    if booking.status != BookingStatus.CHECKED_IN:
        raise InvalidTransitionError(_('Check the customer in before taking payment.'))
    return booking


def _customer_of(session, sale: Sale, booking: Booking | None) -> int | None:
    """The sale's customer: the one given, else the booking's (None: a walk-in).

    :raises NotFoundError: not at the sale's location (``field='customer_id'``)
    """
    customer_id = sale.customer_id if sale.customer_id is not None else (booking.customer_id if booking else None)
    if customer_id is not None:
        customer = session.get(Customer, customer_id)
        if customer is None or customer.location_id != sale.location_id:
            raise NotFoundError(_('That customer is not at this location.'), field='customer_id')
    return customer_id


def _settled_in_one(sale: Sale, due_now: int) -> Sale:
    """``sale`` with ``settle_with`` turned into its one payment of everything due now (none when nothing is).

    :raises ValidationError: both ``settle_with`` and payments given (``field='payments'``)
    """
    if sale.settle_with is None:
        return sale
    if sale.payments:
        raise ValidationError(_('Settle in one method, or list the payments: not both.'), field='payments')
    return sale.model_copy(update={'payments': [PaymentIn(method=sale.settle_with, amount_cents=due_now)]
                                   if due_now else []})


def _write_receipt(session, sale: Sale, basket: _Basket, booking: Booking | None, customer_id: int | None,
                   tip_staff: int | None, due: pricing.Due, paid: int, actor: UserRead, now: datetime) -> Receipt:
    """The sale's receipt, numbered (:func:`next_number`) and flushed (it has an id)."""
    first_staff = basket.rows[0]['staff'] if basket.rows else None
    receipt = Receipt(location_id=sale.location_id, number=next_number(session, sale.location_id),
                      issued_at=now, customer_id=customer_id,
                      staff_member_id=booking.staff_member_id if booking else first_staff,
                      booking_id=booking.id if booking else None, payment_method=_main_method(sale.payments),
                      total_cents=due.total_cents, tip_cents=sale.tip_cents, tip_staff_member_id=tip_staff,
                      gift_cards_cents=sum(sale.gift_cards), deposit_applied_cents=due.from_deposit_cents,
                      paid_cents=paid, user_id=actor.id or None)
    session.add(receipt)
    session.flush()
    return receipt


def _write_lines(session, receipt: Receipt, basket: _Basket, actor: UserRead,
                 location: Location) -> list[events.StockChanged]:
    """The receipt's lines with their taxes (in the currency's major units), the products taken off the shelf
    (:func:`_sell`); returns the stock events to announce."""
    stock_events = []
    for row, line in zip(basket.rows, basket.priced.lines, strict=True):
        stored = ReceiptLine(receipt_id=receipt.id, service_id=row['service_id'], product_id=row['product_id'],
                             staff_member_id=row['staff'], description=row['name'], quantity=row['quantity'],
                             amount_cents=line.net_cents, unit_price_cents=row['unit_price'],
                             discount_cents=line.discount_cents, total_cents=line.total_cents,
                             price_reason=row['price_reason'])
        session.add(stored)
        session.flush()
        for name, cents in line.taxes.items():
            session.add(ReceiptLineTax(receipt_line_id=stored.id, name=name[:20],
                                       amount=to_major(cents, location.currency)))
        if row['product_id'] is not None:
            stock_events.append(_sell(session, row, receipt.number, actor, location))
    return stock_events


def _spend_customers_discounts(session, sale: Sale, basket: _Basket, customer_id: int | None, receipt: Receipt,
                               actor: UserRead, now: datetime) -> None:
    """The discount code used once more (with what it took off) and the reward's points spent."""
    if basket.code is not None:
        discount_codes.redeem(session, basket.code, customer_id, receipt_id=receipt.id, now=now,
                              discount_cents=basket.code_cents)
    if sale.reward_id is not None:
        loyalty.redeem(session, session.get(LoyaltyReward, sale.reward_id), customer_id, receipt_id=receipt.id,
                       user_id=actor.id or None, now=now)


def _earn_points(session, location: Location, basket: _Basket, customer_id: int | None, receipt: Receipt,
                 actor: UserRead, now: datetime) -> None:
    """The customer's loyalty points for what the sale's eligible lines came to before tax."""
    if customer_id is None:
        return
    lines = [('service' if row['service_id'] is not None else 'product', line.net_cents)
             for row, line in zip(basket.rows, basket.priced.lines, strict=True)]
    loyalty.earn(session, location, customer_id, loyalty.eligible_cents(location, lines), receipt_id=receipt.id,
                 user_id=actor.id or None, now=now)


def _take_payments(session, sale: Sale, receipt: Receipt, actor: UserRead, now: datetime) -> None:
    """The sale's payments recorded; a gift card's spent from its balance."""
    for number, payment in enumerate(sale.payments):
        card = gift_cards.spend(session, sale.location_id, payment.gift_card_code, payment.amount_cents,
                                receipt_id=receipt.id, user_id=actor.id or None, now=now,
                                field=f'payments.{number}') if payment.method == PaymentMethod.GIFT_CARD else None
        session.add(Payment(receipt_id=receipt.id, method=payment.method.value, amount_cents=payment.amount_cents,
                            tendered_cents=payment.tendered_cents, at=now, user_id=actor.id or None,
                            gift_card_id=card.id if card else None))


def _complete(session, booking: Booking, receipt: Receipt, location: Location):
    """The settled booking completed; returns its event, prepared (to publish after the commit)."""
    booking.status = BookingStatus.COMPLETED.value
    session.add(booking)
    return notifications.prepare(session, events.BookingChanged(
        booking_id=booking.id, location_id=booking.location_id, staff_member_id=booking.staff_member_id,
        day=clock.local_day(booking.starts_at, location.time_zone), change='status',
        status=BookingStatus.COMPLETED.value,
        summary=deferred(N_('Completed: receipt {number}'), number=receipt.number)))


def _log_sale(session, sale: Sale, receipt: Receipt, booking: Booking | None, due: int, paid: int, actor: UserRead,
              currency: str) -> None:
    """The sale in the activity log: what was due, paid and how, and any balance (amounts in ``currency``)."""
    balance = due - paid
    methods = ', '.join(f'{p.method.value.replace("_", " ")} {plain(p.amount_cents, currency)}'
                        for p in sale.payments)
    summary = (deferred(N_('Receipt {number}: {due} paid ({methods})'), number=receipt.number,
                        due=plain(due, currency), methods=methods) if not balance else
               deferred(N_('Receipt {number}: {due} due, {paid} paid ({methods}), {balance} to pay'),
                        number=receipt.number, due=plain(due, currency), paid=plain(paid, currency),
                        methods=methods or '-', balance=plain(balance, currency)))
    activity.add(session, actor, 'payment', summary, location_id=sale.location_id,
                 booking_id=booking.id if booking else None)


def _check_amounts(sale: Sale, currency: str) -> None:
    """Every amount typed into ``sale`` is within :func:`~app.services.amounts.max_minor` of the location's
    ``currency``.

    :raises ValidationError: one is not (``field``: ``tip``, ``discount``, ``lines.N.price``, ``lines.N.discount``,
        ``payments.N``, ``gift_cards``)
    """
    check_amount(sale.tip_cents, 'tip', currency)
    check_amount(sale.discount_cents, 'discount', currency)
    for number, line in enumerate(sale.lines):
        check_amount(line.unit_price_cents, f'lines.{number}.price', currency)
        check_amount(line.discount_cents, f'lines.{number}.discount', currency)
    for number, payment in enumerate(sale.payments):
        check_amount(payment.amount_cents, f'payments.{number}', currency)
        check_amount(payment.tendered_cents, f'payments.{number}', currency)
    for amount in sale.gift_cards:
        check_amount(amount, 'gift_cards', currency)


def _desk_discount(sale: Sale) -> pricing.Discount | None:
    """The desk's own discount on the whole sale (None: none given)."""
    return pricing.Discount.given(sale.discount_percent, sale.discount_cents, sale.discount_reason)


def _code(session, sale: Sale, customer_id: int | None, *, now: datetime, lock: bool = False):
    """The sale's discount code, live for its customer (None: no code given).

    :raises ValidationError: (``field`` 'code') with the desk's own discount or a reward; as
        :func:`discount_codes.find_live`
    """
    if not sale.code.strip():
        return None
    if sale.discount_percent is not None or sale.discount_cents is not None or sale.reward_id is not None:
        raise ValidationError(_('A code does not combine with another discount or a reward.'), field='code')
    return discount_codes.find_live(session, sale.location_id, sale.code, customer_id, now=now, lock=lock)


def _location(session, location_id: int) -> Location:
    location = session.get(Location, location_id)
    if location is None:
        raise NotFoundError(_('That location no longer exists.'))
    return location


def _reward(session, sale: Sale, items: list[pricing.Item], customer_id: int | None
            ) -> tuple[list[pricing.Item], pricing.Discount | None]:
    """The sale's items with a loyalty reward applied (:func:`pricing.free_service`), or the reward's amount off
    the whole sale (:func:`pricing.amount_off_reward`, returned).

    :raises ValidationError: the reward cannot be had (:func:`loyalty.reward_for`), its service is not in the sale,
        or a discount is already there (``field='reward'``)
    """
    if sale.reward_id is None:
        return items, None
    reward = loyalty.reward_for(session, sale.reward_id, sale.location_id, customer_id)
    if reward.service_id is not None:
        return pricing.free_service(items, [line.service_id for line in sale.lines], service_id=reward.service_id,
                                    name=reward.name), None
    return items, pricing.amount_off_reward(reward.discount_cents, reward.name, desk_discount=_desk_discount(sale))


def _price(location: Location, items: list[pricing.Item], whole: pricing.Discount | None) -> pricing.PricedSale:
    """``items`` priced with ``whole`` off the sale, by the location's taxes (:func:`pricing.price`)."""
    return pricing.price(items, [pricing.Rate.of(r) for r in location.tax_rates or []],
                         inclusive=bool(location.prices_include_tax), sale_discount=whole)


def _items(session, sale: Sale, actor: UserRead) -> tuple[list[pricing.Item], list[dict]]:
    """Each line checked against the location (service or product, active, staff member, price change) as a pricing
    item and the facts to store (``rows``: ids, name, quantity, unit price, price reason, staff member credited,
    ``where`` the line is in the input). The booking's service is priced as booked; a line without its staff
    member is credited to the booking's."""
    items, rows = [], []
    booking = session.get(Booking, sale.booking_id) if sale.booking_id is not None else None
    booking = booking if booking is not None and booking.location_id == sale.location_id else None
    booked = {booking.service_id: booking.price_cents} if booking is not None else {}
    for number, line in enumerate(sale.lines):
        where = f'lines.{number}'
        row = _sold_item(session, sale.location_id, number, line)
        listed = booked.get(line.service_id, row.price_cents) if line.service_id is not None else row.price_cents
        unit_price = pricing.price_charged(listed, line.unit_price_cents, reason=line.price_reason,
                                           managing=actor.role in MANAGING_ROLES, field_name=f'{where}.price')
        if line.staff_member_id is not None:
            _staff_at(session, line.staff_member_id, sale.location_id, f'{where}.staff')
        discount = pricing.Discount.given(line.discount_percent, line.discount_cents, line.discount_reason)
        items.append(pricing.Item('service' if line.service_id is not None else 'product', unit_price, line.quantity,
                                  discount))
        rows.append({'service_id': line.service_id, 'product_id': line.product_id, 'name': row.name,
                     'quantity': line.quantity, 'unit_price': unit_price, 'price_reason': line.price_reason.strip(),
                     'staff': line.staff_member_id or (booking.staff_member_id if booking else None),
                     'where': where})
    return items, rows


def _sold_item(session, location_id: int, number: int, line: SaleLine) -> Service | Product:
    """The service or product line ``number`` sells, on the location's menu or shelf and not archived.

    :raises ValidationError: neither or both chosen, or archived (``field='lines.N.item'``)
    :raises NotFoundError: not at the location (``field='lines.N.item'``)
    """
    where = f'lines.{number}.item'
    if (line.service_id is None) == (line.product_id is None):
        raise ValidationError(_('Choose a service or a product for each line.'), field=where)
    model = Service if line.service_id is not None else Product
    row = session.get(model, line.service_id if line.service_id is not None else line.product_id)
    if row is None or row.location_id != location_id:
        raise NotFoundError(_("Line {n}: not on this location's menu or shelf.").format(n=number + 1), field=where)
    if not row.active:
        raise ValidationError(_('{name} is archived and can no longer be sold.').format(name=row.name), field=where)
    return row


def _staff_at(session, staff_member_id: int, location_id: int, field: str) -> None:
    member = session.get(StaffMember, staff_member_id)
    if member is None or member.location_id != location_id:
        raise NotFoundError(_('That staff member does not work at this location.'), field=field)


def _main_method(payments: list[PaymentIn]) -> str | None:
    """The method that paid most (the receipt's summary method; each payment is kept too)."""
    if not payments:
        return None
    return max(payments, key=lambda p: p.amount_cents).method.value


def _sell(session, row: dict, number: str, actor: UserRead, location: Location) -> events.StockChanged:
    """Take a sold product off the shelf (a 'sold' movement); the stock on hand must cover it."""
    product = session.exec(select(Product).where(Product.id == row['product_id']).with_for_update()).first()
    if product.stock_on_hand < row['quantity']:
        raise ValidationError(ngettext('Only {n} of "{product}" on hand.', 'Only {n} of "{product}" on hand.',
                                       product.stock_on_hand).format(n=product.stock_on_hand, product=product.name),
                              field=f'{row["where"]}.quantity')
    was_low = product.stock_on_hand < product.stock_minimum
    product.stock_on_hand -= row['quantity']
    session.add(product)
    session.add(StockMovement(product_id=product.id, kind='sold', quantity=-row['quantity'],
                              reason=f'receipt {number}', user_id=actor.id or None))
    low = product.stock_on_hand < product.stock_minimum and not was_low
    return events.StockChanged(
        location_id=location.id, product_id=product.id, stock_on_hand=product.stock_on_hand, low=low,
        summary=(deferred(N_('Low stock: {product} — {n} left (minimum {minimum})'), product=product.name,
                          n=product.stock_on_hand, minimum=product.stock_minimum) if low
                 else deferred(N_('{product}: {n} on hand'), product=product.name, n=product.stock_on_hand)))


def balance_of(receipt_id: int, *, actor: UserRead) -> int:
    """What is still to pay on a receipt (minor units; 0 when settled).

    :raises NotFoundError, PermissionDeniedError:
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('take payments'))
    with session_scope() as session:
        receipt = receipt_of(session, receipt_id, actor)
        return (receipt.total_cents or 0) - receipt.paid_cents


def refunded_cents(session, receipt_id: int) -> int:
    """Paid back so far on a sale (minor units, ≥ 0)."""
    return -sum(session.exec(select(Receipt.paid_cents).where(Receipt.refund_of_id == receipt_id)).all())




def add_payment(receipt_id: int, payment: PaymentIn, *, actor: UserRead, as_of: datetime | None = None) -> Checkout:
    """Take more money for a sale with a balance (a customer who paid part). One transaction; logged; announced.

    :raises ValidationError: more than the balance, more than the balance less what an M-Pesa prompt is waiting
        for on the customer's phone (:func:`common.ensure_not_waiting`), or cash tendered under the amount
        (``field='payments.0'``)
    :raises NotFoundError: no such sale
    :raises PermissionDeniedError: not a front-desk role, or another location's receipt
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('take payments'))
    now = as_of or clock.now()
    with session_scope(write=True) as session:
        receipt = receipt_of(session, receipt_id, actor, sales_only=True, lock=True)
        day_close.ensure_open(session, receipt.location_id, now, _location(session, receipt.location_id).time_zone)
        currency = _location(session, receipt.location_id).currency
        balance = (receipt.total_cents or 0) - receipt.paid_cents
        paid, change = check_payments([payment], balance, currency=currency)
        ensure_not_waiting(session, receipt.id, paid, balance, now, field='payments.0', currency=currency)
        receipt.paid_cents += paid
        session.add(receipt)
        card = gift_cards.spend(session, receipt.location_id, payment.gift_card_code, payment.amount_cents,
                                receipt_id=receipt.id, user_id=actor.id or None, now=now,
                                field='payments.0') if payment.method == PaymentMethod.GIFT_CARD else None
        session.add(Payment(receipt_id=receipt.id, method=payment.method.value, amount_cents=payment.amount_cents,
                            tendered_cents=payment.tendered_cents, at=now, user_id=actor.id or None,
                            gift_card_id=card.id if card else None))
        activity.add(session, actor, 'payment', deferred(
            N_('Receipt {number}: {amount} more by {method}'), number=receipt.number, amount=plain(paid, currency),
            method=payment.method.value.replace('_', ' ')), location_id=receipt.location_id,
            booking_id=receipt.booking_id)
        location = _location(session, receipt.location_id)
        announced = notifications.prepare(session, events.ReceiptCreated(
            receipt_id=receipt.id, location_id=receipt.location_id, day=clock.local_day(now, location.time_zone),
            amount_cents=0, summary=deferred(N_('Payment received: receipt {number}'), number=receipt.number)))
        result = Checkout(receipt_id=receipt.id, number=receipt.number, total_cents=receipt.total_cents or 0,
                          paid_cents=receipt.paid_cents, balance_cents=balance - paid, change_cents=change)
    events.publish(announced)
    return result


def refund(receipt_id: int, quantities: dict[int, int], *, method: PaymentMethod, reason: str, actor: UserRead,
           as_of: datetime | None = None, gift_card_code: str = '') -> Checkout:
    """Refund some or all lines of a sale (``quantities``: receipt line id → how many to take back) to ``method``:
    a refund receipt (the next number) with the lines, their taxes and amounts negated in proportion, products
    back on the shelf ('returned' movements), the money paid back as a negative payment, the loyalty points the part
    earned taken back. Never more than was paid less what was refunded before, nor more of a line than was sold less
    what was returned. A line's amount, taxes and points come back by cumulative rounding
    (:func:`pricing.running_part`): refunding every unit, one at a time or all at once, gives back exactly the line's
    amount and taxes and takes back exactly the points the sale earned. Back onto a gift card:
    ``gift_card_code`` names it (its balance grows by the refund). One transaction;
    logged; announced. The result's amounts are what is paid back (positive).

    :raises ValidationError: no reason, nothing to refund, a line of another sale, more than sold or paid
        (``field``: ``reason``, ``lines``, ``lines.<id>``)
    :raises NotFoundError: no such sale
    :raises PermissionDeniedError: only owners and managers refund, at their own location
    """
    ensure_role(actor, MANAGING_ROLES, N_('refund sales'))
    reason, wanted = _refund_asked(quantities, method=method, reason=reason, gift_card_code=gift_card_code)
    now = as_of or clock.now()
    with session_scope(write=True) as session:
        sale = receipt_of(session, receipt_id, actor, sales_only=True, lock=True)
        location = _location(session, sale.location_id)
        day_close.ensure_open(session, sale.location_id, now, location.time_zone)
        currency = location.currency
        lines = {x.id: x for x in session.exec(select(ReceiptLine).where(ReceiptLine.receipt_id == sale.id))}
        returned = _returned(session, list(lines))
        taxes = _taxes_of(session, list(lines), currency)
        back = _refund_receipt(session, sale, method, reason, actor, now)
        total, stock_events = 0, []
        for line_id, count in wanted.items():
            line = lines.get(line_id)
            if line is None:
                raise ValidationError(_('That line is not on this sale.'), field=f'lines.{line_id}')
            given = pricing.refund_line(pricing.LineSold(line.description, line.quantity, line.amount_cents,
                                                         taxes.get(line.id, {}), returned.get(line.id, 0)),
                                        count, field_name=f'lines.{line_id}')
            _write_line_back(session, back, line, count, given, currency)
            total += given.total_cents
            if line.product_id is not None:
                stock_events.append(_restock(session, line.product_id, count, back.number, actor, location))
        if sale.customer_id is not None:
            loyalty.take_back(session, sale.customer_id, sale.id, loyalty.refunded_share(location, [
                ('service' if x.service_id is not None else 'product' if x.product_id is not None else 'fee',
                 x.amount_cents, x.quantity, returned.get(x.id, 0) + wanted.get(x.id, 0)) for x in lines.values()]),
                receipt_id=back.id, user_id=actor.id or None, now=now)
        pricing.ensure_within_paid(total, paid_cents=sale.paid_cents, refunded_cents=refunded_cents(session, sale.id),
                                   currency=currency)
        _pay_back(session, sale, back, total, method, gift_card_code, actor, now)
        activity.add(session, actor, 'refund', deferred(
            N_('Refund {number} of receipt {sale}: {amount} by {method} ({reason})'), number=back.number,
            sale=sale.number, amount=plain(total, currency), method=method.value.replace('_', ' '),
            reason=reason[:80]), location_id=sale.location_id, booking_id=sale.booking_id)
        announced = [notifications.prepare(session, events.ReceiptCreated(
            receipt_id=back.id, location_id=sale.location_id, day=clock.local_day(now, location.time_zone),
            amount_cents=-total, summary=deferred(N_('Refund {number} of receipt {sale}'), number=back.number,
                                                  sale=sale.number)))]
        announced += [notifications.prepare(session, event) for event in stock_events]
        result = Checkout(receipt_id=back.id, number=back.number, total_cents=total, paid_cents=total,
                          balance_cents=0, change_cents=0)
    for event in announced:
        events.publish(event)
    return result


# --- The steps of a refund (in the caller's transaction) -------------------------------------------------------------


def _refund_asked(quantities: dict[int, int], *, method: PaymentMethod, reason: str, gift_card_code: str
                  ) -> tuple[str, dict[int, int]]:
    """``(reason, lines wanted)`` of a refund as asked: the reason stripped; line id → units, those of 0 left out.

    :raises ValidationError: a gift card without its code (``method``), no reason (``reason``), nothing or a
        negative count asked (``lines``)
    """
    if method == PaymentMethod.GIFT_CARD and not gift_card_code.strip():
        raise ValidationError(_('Type the code of the gift card the money goes back onto.'), field='method')
    reason = (reason or '').strip()
    if not reason:
        raise ValidationError(_('Say why the money is given back.'), field='reason')
    wanted = {line_id: count for line_id, count in quantities.items() if count}
    if not wanted or any(count < 0 for count in wanted.values()):
        raise ValidationError(_('Choose what is brought back.'), field='lines')
    return reason, wanted


def _refund_receipt(session, sale: Receipt, method: PaymentMethod, reason: str, actor: UserRead,
                    now: datetime) -> Receipt:
    """The refund's receipt (the location's next number), flushed with nothing on it yet."""
    back = Receipt(location_id=sale.location_id, number=next_number(session, sale.location_id),
                   issued_at=now, customer_id=sale.customer_id, staff_member_id=sale.staff_member_id,
                   booking_id=sale.booking_id, payment_method=method.value, kind='refund', refund_of_id=sale.id,
                   reason=reason[:200], user_id=actor.id or None, total_cents=0)
    session.add(back)
    session.flush()
    return back


def _write_line_back(session, back: Receipt, line: ReceiptLine, count: int, given: pricing.LineBack,
                     currency: str) -> None:
    """The refund's line for ``count`` units of the sale's ``line``: what :func:`pricing.refund_line` gave back,
    negated, with its taxes."""
    stored = ReceiptLine(receipt_id=back.id, service_id=line.service_id, product_id=line.product_id,
                         staff_member_id=line.staff_member_id, description=line.description, quantity=-count,
                         amount_cents=-given.amount_cents, unit_price_cents=line.unit_price_cents,
                         total_cents=-given.total_cents, refund_of_line_id=line.id)
    session.add(stored)
    session.flush()
    for name, cents in given.taxes.items():
        session.add(ReceiptLineTax(receipt_line_id=stored.id, name=name, amount=-to_major(cents, currency)))


def _pay_back(session, sale: Receipt, back: Receipt, total: int, method: PaymentMethod, gift_card_code: str,
              actor: UserRead, now: datetime) -> None:
    """``total`` (minor units) paid back by ``method`` as a negative payment on the refund's receipt; onto the gift
    card ``gift_card_code`` when that is the method."""
    back.total_cents, back.paid_cents = -total, -total
    session.add(back)
    card = gift_cards.credit(session, sale.location_id, gift_card_code, total, receipt_id=back.id,
                             user_id=actor.id or None, now=now) if method == PaymentMethod.GIFT_CARD else None
    session.add(Payment(receipt_id=back.id, method=method.value, amount_cents=-total, at=now,
                        user_id=actor.id or None, gift_card_id=card.id if card else None))


def _returned(session, line_ids: list[int]) -> dict[int, int]:
    """Sale line id → units brought back by its refunds so far (only lines with some)."""
    returned: dict[int, int] = {}
    for original, count in session.exec(select(ReceiptLine.refund_of_line_id, ReceiptLine.quantity).where(
            col(ReceiptLine.refund_of_line_id).in_(line_ids))):
        returned[original] = returned.get(original, 0) + abs(count)
    return returned


def _taxes_of(session, line_ids: list[int], currency: str) -> dict[int, dict[str, int]]:
    """Receipt line id → its taxes (name → minor units of ``currency``; only lines with some). Taxes stored under
    the same name (names are kept to 20 characters: two taxes of the location may share their first 20) are added
    together, so a refund gives back every one of them."""
    taxes: dict[int, dict[str, int]] = {}
    for tax in session.exec(select(ReceiptLineTax).where(col(ReceiptLineTax.receipt_line_id).in_(line_ids))
                            .order_by(ReceiptLineTax.id)):
        of_line = taxes.setdefault(tax.receipt_line_id, {})
        of_line[tax.name] = of_line.get(tax.name, 0) + minor_of(tax.amount, currency)
    return taxes


def _restock(session, product_id: int, count: int, number: str, actor: UserRead,
             location: Location) -> events.StockChanged:
    product = session.exec(select(Product).where(Product.id == product_id).with_for_update()).first()
    product.stock_on_hand += count
    session.add(product)
    session.add(StockMovement(product_id=product.id, kind='returned', quantity=count, reason=f'refund {number}',
                              user_id=actor.id or None))
    return events.StockChanged(location_id=location.id, product_id=product.id, stock_on_hand=product.stock_on_hand,
                               summary=deferred(N_('{product}: {n} on hand'), product=product.name,
                                                n=product.stock_on_hand))


class LineShown(SQLModel):
    """A receipt line as shown: ids, what, how many (negative on a refund), prices in minor units, its taxes (name →
    minor units), and how many were brought back already."""

    id: int
    description: str
    quantity: int
    unit_price_cents: int | None
    discount_cents: int
    net_cents: int
    total_cents: int | None
    taxes: dict[str, int]
    returned: int = 0
    product_id: int | None = None


class ReceiptShown(SQLModel):
    """A receipt with what it takes to show, print or refund it (minor units; times aware)."""

    id: int
    location_id: int
    number: str
    kind: str
    issued_at: datetime
    customer_name: str
    customer_email: str = ''
    staff_name: str
    lines: list[LineShown]
    tip_cents: int
    total_cents: int | None
    paid_cents: int
    balance_cents: int
    refundable_cents: int
    payments: list[tuple[str, int, int | None]]
    reason: str
    refund_of: str | None
    payment_refs: list[str] = []
    """Beside ``payments``, one each: the provider's receipt number of a mobile-money payment (M-Pesa's
    ``MpesaReceiptNumber``), else ''."""
    gift_cards_cents: int = 0
    totals: list[pricing.TotalLine] = []
    """A sale's totals as printed, adding up (:func:`pricing.totals`); empty for refunds and imported receipts."""
    currency: str = 'USD'
    """The location's currency (ISO 4217): every amount above is in its minor units."""


TOTAL_WORDS = {'subtotal': N_('Subtotal'), 'discounts': N_('Discounts'), 'net': N_('Net'), 'tip': N_('Tip'),
               'gift_cards': N_('Gift cards'), 'total': N_('Total')}
"""The totals' lines in words (English: :func:`total_words` translates)."""


def total_words(line: pricing.TotalLine) -> str:
    """A totals line's label in the current language: ``'Subtotal'``, ``'VAT included'`` (in the net: not added),
    ``'VAT added'``, …"""
    if line.key == 'tax':
        return (_('{tax} included') if line.included else _('{tax} added')).format(tax=line.name)
    return _(TOTAL_WORDS[line.key]) if line.key in TOTAL_WORDS else line.key


def signed(cents: int, money) -> str:
    """``money(abs(cents))`` with a minus sign (U+2212) before it when ``cents`` is negative (a discount)."""
    return ('\u2212' if cents < 0 else '') + money(abs(cents))


def receipt_details(receipt_id: int, *, actor: UserRead) -> ReceiptShown:
    """One receipt with its lines, taxes, payments, what was brought back and what may still be refunded.

    :raises NotFoundError: no such receipt
    :raises PermissionDeniedError: not a front-desk role, or another location's receipt
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('see receipts'))
    with session_scope() as session:
        receipt = receipt_of(session, receipt_id, actor)
        location = session.get(Location, receipt.location_id)
        lines = session.exec(select(ReceiptLine).where(ReceiptLine.receipt_id == receipt.id)
                             .order_by(ReceiptLine.id)).all()
        taxes = _taxes_of(session, [x.id for x in lines], location.currency)
        returned = _returned(session, [x.id for x in lines])
        customer = session.get(Customer, receipt.customer_id) if receipt.customer_id else None
        member = session.get(StaffMember, receipt.staff_member_id) if receipt.staff_member_id else None
        original = session.get(Receipt, receipt.refund_of_id) if receipt.refund_of_id else None
        payments, references = _payments_of(session, receipt.id)
        is_sale = receipt.kind == 'sale'
        return ReceiptShown(
            id=receipt.id, location_id=receipt.location_id, number=receipt.number, kind=receipt.kind,
            issued_at=receipt.issued_at, customer_name=customer.name if customer else _('Walk-in'),
            customer_email=(customer.email or '') if customer else '',
            staff_name=member.name if member else '',
            lines=[LineShown(id=x.id, description=x.description, quantity=x.quantity,
                             unit_price_cents=x.unit_price_cents, discount_cents=x.discount_cents,
                             net_cents=x.amount_cents, total_cents=x.total_cents, taxes=taxes.get(x.id, {}),
                             returned=returned.get(x.id, 0), product_id=x.product_id) for x in lines],
            tip_cents=receipt.tip_cents, total_cents=receipt.total_cents, paid_cents=receipt.paid_cents,
            balance_cents=(receipt.total_cents or 0) - receipt.paid_cents if is_sale else 0,
            refundable_cents=receipt.paid_cents - refunded_cents(session, receipt.id) if is_sale else 0,
            payments=payments, reason=receipt.reason, refund_of=original.number if original else None,
            payment_refs=references, gift_cards_cents=receipt.gift_cards_cents,
            totals=_printed_totals(receipt, lines, taxes, location), currency=location.currency)


def _payments_of(session, receipt_id: int) -> tuple[list[tuple[str, int, int | None]], list[str]]:
    """A receipt's payments in the order taken, ``(method, minor units, cash handed over)``, and beside each the
    provider's receipt number of a mobile-money payment ('' for others)."""
    paid = session.exec(select(Payment).where(Payment.receipt_id == receipt_id).order_by(Payment.id)).all()
    numbers = dict(session.exec(select(MobilePayment.payment_id, MobilePayment.provider_receipt).where(
        col(MobilePayment.payment_id).in_([p.id for p in paid]))).all()) if paid else {}
    return [(p.method, p.amount_cents, p.tendered_cents) for p in paid], [numbers.get(p.id) or '' for p in paid]


def _printed_totals(receipt: Receipt, lines: list[ReceiptLine], taxes: dict[int, dict[str, int]],
                    location: Location) -> list[pricing.TotalLine]:
    """A sale's totals as printed (:func:`pricing.stored_totals`); none for a refund, a deposit or imported history
    (a line without its total)."""
    if receipt.kind != 'sale' or receipt.total_cents is None or any(x.total_cents is None for x in lines):
        return []
    return pricing.stored_totals(
        [pricing.StoredLine(x.unit_price_cents, x.quantity, x.amount_cents, x.discount_cents, taxes.get(x.id, {}),
                            x.total_cents) for x in lines],
        default_inclusive=bool(location.prices_include_tax), tip_cents=receipt.tip_cents,
        gift_cards_cents=receipt.gift_cards_cents)
