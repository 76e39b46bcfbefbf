"""A sale's arithmetic: line amounts, discounts and taxes, exact in ``Decimal`` and rounded once per line and tax.

All amounts are integers in the currency's minor unit (cents). Rates are percentages as ``Decimal`` (``Decimal('5')``
for 5 %). The rules, in order, for each line:

1. ``gross = unit price × quantity``; the line's own discount (percent of ``gross``, or an amount) comes off it;
   a discount on the whole sale is then shared over the lines in proportion to what is left of each, in whole
   minor units by the largest-remainder method, so that the shares add up to it exactly.
2. The taxes that apply to the line (a location's rate applies to services, products or both) are computed on what
   is left, ``amount``:

   - **prices without tax** (``inclusive=False``): ``tax_i = round(amount × rate_i)``; the line's total is
     ``amount + Σ tax_i``.
   - **prices with tax** (``inclusive=True``): the amount already holds the taxes; ``net = amount / (1 + Σ rate_i)``
     and ``tax_i = round(net × rate_i)``; the stored net is ``amount − Σ tax_i``, so that net and taxes add up to
     the price on the shelf exactly (the customer pays what was shown).

``round`` is commercial rounding — to the nearest minor unit, halves away from zero (``ROUND_HALF_UP``), as DIN
1333 defines it — applied per line and per tax. Tax authorities accept per-line rounding to the nearest cent (the
CRA for GST/HST; EU member states under the VAT Directive, which leaves the method to them); a shop whose rules
differ (per invoice, half to even) needs a change here and in the worked examples of
``tests/money/test_checkout_money.py``.

Around the lines, the rest of a sale's and a refund's arithmetic is here too, as functions over plain values that
return amounts or refuse naming the field (no database, no bus: :mod:`~app.services.money.checkout` loads and locks
the rows, calls these, writes, logs and announces): a price change (:func:`price_charged`), the limit on the desk's
discounts (:func:`allowed_discount`), the customer's reward or code (:func:`free_service`, :func:`amount_off_reward`,
:func:`sale_discount`), what is due with the tip and gift cards sold and a deposit netted (:func:`amount_due`), who
the tip is for (:func:`tip_for`), a recorded sale's totals (:func:`stored_totals`) and **the refund rule**
(:func:`given_back`, :func:`refund_line`, :func:`ensure_within_paid`): a refund gives back of each line's amount, taxes
and points the running share of its units brought back less what earlier refunds gave, so any number of refunds add
up to exactly what the sale took, and never more than was paid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from app.services.amounts import check_amount, plain
from app.services.errors import PermissionDeniedError, ValidationError
from app.services.i18n import _, ngettext

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Rate:
    """A location's tax: ``percent`` (``Decimal('13')``), and whether it applies to services and to products."""

    name: str
    percent: Decimal
    services: bool = True
    products: bool = True

    @classmethod
    def of(cls, stored: dict) -> Rate:
        """A rate as ``Location.tax_rates`` keeps it (``{'name', 'percent', 'services', 'products'}``)."""
        return cls(name=str(stored['name']), percent=Decimal(str(stored['percent'])),
                   services=bool(stored.get('services', True)), products=bool(stored.get('products', True)))


@dataclass(frozen=True)
class Discount:
    """A discount: ``percent`` (0–100, ``Decimal``) or ``amount_cents`` (≥ 0), with the reason given for it."""

    percent: Decimal | None = None
    amount_cents: int | None = None
    reason: str = ''

    @classmethod
    def given(cls, percent: Decimal | None, amount_cents: int | None, reason: str) -> Discount | None:
        """The discount typed at the desk (a percentage, an amount, or both: refused later by :meth:`of`), None
        when neither is given."""
        if percent is None and amount_cents is None:
            return None
        return cls(percent=percent, amount_cents=amount_cents, reason=reason)

    def of(self, base_cents: int, field_name: str) -> int:
        """The discount on ``base_cents`` in minor units (a percentage rounded half up), never more than the base.

        :raises ValidationError: neither or both given, a percentage outside 0–100, a negative amount, no reason
        """
        if (self.percent is None) == (self.amount_cents is None):
            raise ValidationError(_('Give a discount as a percentage or as an amount.'), field=field_name)
        if not self.reason.strip():
            raise ValidationError(_('Say why the discount is given.'), field=field_name)
        if self.percent is not None:
            if not (self.percent.is_finite() and 0 <= self.percent <= 100):
                raise ValidationError(_('A discount is from 0 to 100 %.'), field=field_name)
            return min(base_cents, _round(Decimal(base_cents) * self.percent / HUNDRED))
        check_amount(self.amount_cents, field_name)
        if self.amount_cents < 0:
            raise ValidationError(_('A discount cannot be negative.'), field=field_name)
        if self.amount_cents > base_cents:
            raise ValidationError(_('The discount is more than what it is taken from.'), field=field_name)
        return self.amount_cents


@dataclass(frozen=True)
class Item:
    """A line to price: ``kind`` 'service' or 'product' (which taxes apply), unit price in minor units as entered
    (with or without tax, as the location is set), quantity ≥ 1, and its own discount if any."""

    kind: str
    unit_price_cents: int
    quantity: int = 1
    discount: Discount | None = None


@dataclass(frozen=True)
class PricedLine:
    """A priced line: ``gross_cents`` (price × quantity as entered), ``discount_cents`` (its own and its share of the
    sale's), ``net_cents`` (before tax), ``taxes`` (name → minor units) and ``total_cents`` (net + taxes)."""

    gross_cents: int
    discount_cents: int
    net_cents: int
    taxes: dict[str, int]
    total_cents: int


@dataclass(frozen=True)
class PricedSale:
    """A priced sale: its lines, and ``net_cents``, ``discount_cents``, ``tax_cents`` (all taxes), ``taxes`` (name →
    minor units) and ``total_cents`` summed over them (before any tip)."""

    lines: list[PricedLine]
    net_cents: int = 0
    discount_cents: int = 0
    tax_cents: int = 0
    taxes: dict[str, int] = field(default_factory=dict)
    total_cents: int = 0


def price(items: list[Item], rates: list[Rate], *, inclusive: bool, sale_discount: Discount | None = None
          ) -> PricedSale:
    """Price a sale by the rules of this module's docstring.

    :raises ValidationError: a negative price, a quantity under 1, an unknown kind, a bad discount, a price or a line
        over :data:`~app.models.base.MAX_AMOUNT_CENTS` (``field``: ``'lines.N.price'``, ``'lines.N.quantity'``,
        ``'lines.N.discount'``, ``'discount'``)
    """
    grosses, own = [], []
    for number, item in enumerate(items):
        gross, cut = _gross_and_own_discount(number, item)
        grosses.append(gross)
        own.append(cut)
    after_own = [gross - cut for gross, cut in zip(grosses, own, strict=True)]
    shares = _share(sale_discount.of(sum(after_own), 'discount') if sale_discount else 0, after_own)
    lines = []
    for item, gross, cut, left, share in zip(items, grosses, own, after_own, shares, strict=True):
        applying = [r for r in rates if (r.services if item.kind == 'service' else r.products)]
        net, taxes = _taxed(left - share, applying, inclusive=inclusive)
        lines.append(PricedLine(gross_cents=gross, discount_cents=cut + share, net_cents=net, taxes=taxes,
                                total_cents=net + sum(taxes.values())))
    by_name = _taxes_by_name(lines)
    return PricedSale(lines=lines, net_cents=sum(x.net_cents for x in lines),
                      discount_cents=sum(x.discount_cents for x in lines), tax_cents=sum(by_name.values()),
                      taxes=by_name, total_cents=sum(x.total_cents for x in lines))


def _gross_and_own_discount(number: int, item: Item) -> tuple[int, int]:
    """Rule 1 for line ``number``: ``(gross, its own discount)`` in minor units.

    :raises ValidationError: an unknown kind, a negative price, a quantity under 1, an amount over the maximum, a bad
        discount (``field`` ``lines.N.…``)
    """
    if item.kind not in ('service', 'product'):
        raise ValidationError(_('"{kind}" is not a kind of line.').format(kind=item.kind), field=f'lines.{number}.kind')
    if item.unit_price_cents < 0:
        raise ValidationError(_('A price cannot be negative.'), field=f'lines.{number}.price')
    if item.quantity < 1:
        raise ValidationError(_('The quantity is at least 1.'), field=f'lines.{number}.quantity')
    check_amount(item.unit_price_cents, f'lines.{number}.price')
    gross = check_amount(item.unit_price_cents * item.quantity, f'lines.{number}.price')
    return gross, item.discount.of(gross, f'lines.{number}.discount') if item.discount else 0


def _taxed(amount: int, applying: list[Rate], *, inclusive: bool) -> tuple[int, dict[str, int]]:
    """Rule 2: ``(net, taxes by name)`` of what is left of a line, ``amount`` (minor units), under the rates that
    apply to it; with prices with tax the net is what is left once the rounded taxes are out of ``amount``."""
    if not inclusive:
        return amount, {r.name: _round(Decimal(amount) * r.percent / HUNDRED) for r in applying}
    net_exact = Decimal(amount) / (1 + sum((r.percent for r in applying), Decimal(0)) / HUNDRED)
    taxes = {r.name: _round(net_exact * r.percent / HUNDRED) for r in applying}
    return amount - sum(taxes.values()), taxes


def _taxes_by_name(lines: list[PricedLine]) -> dict[str, int]:
    """The lines' taxes summed per name, in the order they first appear."""
    by_name: dict[str, int] = {}
    for line in lines:
        for name, cents in line.taxes.items():
            by_name[name] = by_name.get(name, 0) + cents
    return by_name


@dataclass(frozen=True)
class TotalLine:
    """One line of a sale's totals as printed: ``key`` ``'subtotal'`` (prices × quantities as entered),
    ``'discounts'`` (negative), ``'net'`` (subtotal less discounts), ``'tax'`` (one per tax, ``name``; ``included``:
    already inside the net, prices with tax, so not added), ``'tip'``, ``'gift_cards'`` (sold with the sale),
    ``'total'``; ``cents`` as printed (minor units, signed)."""

    key: str
    cents: int
    name: str = ''
    included: bool = False


def totals(lines: list[PricedLine], *, inclusive: bool, tip_cents: int = 0, gift_cards_cents: int = 0
           ) -> list[TotalLine]:
    """The totals of priced ``lines`` as lines that add up as printed: subtotal, discounts (if any), net, each
    tax (included in the net, or added to it), the tip and gift cards (if any), the total. With prices without tax
    ``net + taxes + tip + gift cards = total``; with prices with tax ``net + tip + gift cards = total`` (the taxes
    are part of the net, shown as included). ``subtotal − discounts = net`` always.

    ``lines``: :class:`PricedLine` (from :func:`price`, or read back from a receipt with :func:`stored_line`).
    """
    subtotal = sum(x.gross_cents for x in lines)
    discounts = sum(x.discount_cents for x in lines)
    net = subtotal - discounts
    taxes = _taxes_by_name(lines)
    shown = [TotalLine('subtotal', subtotal)]
    if discounts:
        shown += [TotalLine('discounts', -discounts), TotalLine('net', net)]
    shown += [TotalLine('tax', cents, name=name, included=inclusive) for name, cents in taxes.items()]
    if tip_cents:
        shown.append(TotalLine('tip', tip_cents))
    if gift_cards_cents:
        shown.append(TotalLine('gift_cards', gift_cards_cents))
    total = net + (0 if inclusive else sum(taxes.values())) + tip_cents + gift_cards_cents
    shown.append(TotalLine('total', total))
    return shown


def stored_line(net_cents: int, discount_cents: int, taxes: dict[str, int], total_cents: int, *,
                inclusive: bool) -> PricedLine:
    """A receipt line read back as a :class:`PricedLine` (minor units as stored): its price as entered was the
    total with the discount (prices with tax) or the net with it (prices without)."""
    gross = (total_cents if inclusive else net_cents) + discount_cents
    return PricedLine(gross_cents=gross, discount_cents=discount_cents, net_cents=net_cents, taxes=dict(taxes),
                      total_cents=total_cents)


@dataclass(frozen=True)
class StoredLine:
    """A sale's line as its receipt keeps it (minor units): the unit price as entered (None: imported history),
    the quantity, the net (``amount_cents``), the discount, the taxes (name → minor units) and the total."""

    unit_price_cents: int | None
    quantity: int
    amount_cents: int
    discount_cents: int
    taxes: dict[str, int]
    total_cents: int


def stored_totals(lines: list[StoredLine], *, default_inclusive: bool, tip_cents: int = 0,
                  gift_cards_cents: int = 0) -> list[TotalLine]:
    """A recorded sale's totals as printed (:func:`totals`), its lines read back by :func:`stored_line`; whether
    its prices were entered with tax is told from the lines themselves (:func:`entered_with_tax`), else the
    location's setting now (``default_inclusive``). A line whose taxes came to nothing (a free service) cannot
    tell, and does not make taxes print as included where prices are entered without them."""
    told = [entered_with_tax(x.unit_price_cents, x.quantity, x.amount_cents, x.discount_cents, x.total_cents,
                             default_inclusive) for x in lines]
    priced = [stored_line(x.amount_cents, x.discount_cents, x.taxes, x.total_cents, inclusive=with_tax)
              for x, with_tax in zip(lines, told, strict=True)]
    inclusive = any(with_tax and x.taxes for x, with_tax in zip(lines, told, strict=True)) or (
        default_inclusive and not any(x.taxes for x in lines))
    return totals(priced, inclusive=inclusive, tip_cents=tip_cents, gift_cards_cents=gift_cards_cents)


def entered_with_tax(unit_price_cents: int | None, quantity: int, net_cents: int, discount_cents: int,
                     total_cents: int, default: bool) -> bool:
    """Whether a stored line's price was entered with tax: its price × quantity less its discount is its total
    (with tax) rather than its net; ``default`` (the location's setting now) when that cannot be told."""
    if unit_price_cents is None or total_cents == net_cents:
        return default
    after = unit_price_cents * quantity - discount_cents
    return True if after == total_cents else False if after == net_cents else default


def desk_discount_shares(items: list[Item], sale_discount: Discount | None) -> list[Fraction]:
    """Each line's share (exact, 0–1) of its gross taken off by the discounts given: its own, then its part of the
    sale's (shared in proportion, as :func:`price` does): ``1 − (1 − own) × (1 − sale's)``. A line of nothing has
    nothing taken off. For the limit on what staff may give (:func:`allowed_discount`); refusals of malformed
    discounts are :func:`price`'s."""
    own: list[Fraction] = []
    after_own: list[int] = []
    for item in items:
        gross = item.unit_price_cents * item.quantity
        given = item.discount
        if given is None or gross <= 0:
            fraction = Fraction(0)
        elif given.percent is not None:
            fraction = Fraction(given.percent) / 100
        else:
            fraction = Fraction(given.amount_cents or 0, gross)
        own.append(min(max(fraction, Fraction(0)), Fraction(1)))
        after_own.append(gross - (given.of(gross, 'discount') if given is not None and gross > 0 else 0))
    if sale_discount is None:
        whole = Fraction(0)
    elif sale_discount.percent is not None:
        whole = Fraction(sale_discount.percent) / 100
    else:
        whole = Fraction(sale_discount.amount_cents or 0, sum(after_own)) if sum(after_own) > 0 else Fraction(0)
    whole = min(max(whole, Fraction(0)), Fraction(1))
    return [1 - (1 - mine) * (1 - whole) if item.unit_price_cents * item.quantity > 0 else Fraction(0)
            for item, mine in zip(items, own, strict=True)]


def allowed_discount(items: list[Item], sale_discount: Discount | None, *, limit_percent: int, managing: bool
                     ) -> None:
    """The discounts given at the desk are within what the one giving them may give: an owner or manager
    (``managing``) any; staff at most ``limit_percent`` (the location's setting, 0–100) of each line, its own discount
    and its part of the sale's together. Rewards and codes are the customer's, not the desk's: not counted here.

    :raises PermissionDeniedError: a staff member's discount over the limit (``field``: ``lines.N.discount`` for a
        line's own, else ``discount``)
    """
    if managing:
        return
    limit = Fraction(limit_percent) / 100
    shares = desk_discount_shares(items, sale_discount)
    over = next((number for number, share in enumerate(shares) if share > limit), None)
    if over is None:
        return
    own = desk_discount_shares([items[over]], None)[0]
    field_name = f'lines.{over}.discount' if own > limit or sale_discount is None else 'discount'
    words = (_('A discount over {limit} % needs a manager: ask a manager to take this payment.').format(
        limit=limit_percent) if limit_percent else _('A discount needs a manager: ask a manager to take this payment.'))
    raise PermissionDeniedError(words, field=field_name)


def price_charged(listed_cents: int, asked_cents: int | None, *, reason: str, managing: bool, field_name: str) -> int:
    """The unit price a line is sold at (minor units): the list price (``listed_cents``: the menu's, or what the
    booking was made at) unless another is asked; another price only by an owner or manager (``managing``) and with
    a ``reason``.

    :raises PermissionDeniedError: a price change by staff
    :raises ValidationError: a price change without a reason (``field`` is ``field_name``)
    """
    charged = listed_cents if asked_cents is None else asked_cents
    if charged != listed_cents:
        if not managing:
            raise PermissionDeniedError(_('Only an owner or a manager changes a price.'))
        if not reason.strip():
            raise ValidationError(_('Say why the price is changed.'), field=field_name)
    return charged


# --- The customer's own discounts: a loyalty reward, a discount code -------------------------------------------------


def free_service(items: list[Item], service_ids: list[int | None], *, service_id: int, name: str) -> list[Item]:
    """``items`` with a reward of a free service applied: the first line of that service (``service_ids``: each
    line's service, None for a product) is free, one unit of it (100 % off a single unit; one unit's price off
    more), the reward's ``name`` as the reason.

    :raises ValidationError: that line has a discount already, or the service is not in the sale (``field='reward'``)
    """
    number = next((n for n, sold in enumerate(service_ids) if sold == service_id), None)
    if number is None:
        raise ValidationError(_('{reward}: add the service to the sale first.').format(reward=name), field='reward')
    line = items[number]
    if line.discount is not None:
        raise ValidationError(_('That line already has a discount.'), field='reward')
    off = (Discount(percent=Decimal(100), reason=name) if line.quantity == 1
           else Discount(amount_cents=line.unit_price_cents, reason=name))
    return [*items[:number], Item(line.kind, line.unit_price_cents, line.quantity, off), *items[number + 1:]]


def amount_off_reward(amount_cents: int, name: str, *, desk_discount: Discount | None) -> Discount:
    """A reward of an amount off the whole sale (minor units) as a discount; it does not stack with the desk's.

    :raises ValidationError: the sale has the desk's own discount already (``field='reward'``)
    """
    if desk_discount is not None:
        raise ValidationError(_('The sale already has a discount.'), field='reward')
    return Discount(amount_cents=amount_cents, reason=name)


def sale_discount(items: list[Item], desk: Discount | None, customers: Discount | None) -> Discount | None:
    """The discount on the whole sale: the desk's own if given; else the customer's (a reward's or a code's), an
    amount off never more than what the lines come to after their own discounts (a reward of 10.00 on a sale of
    8.00 takes 8.00 off, not a refusal).

    :raises ValidationError: a line's own discount is malformed (``field='reward'``)
    """
    if desk is not None or customers is None or customers.amount_cents is None:
        return desk or customers
    left = sum(item.unit_price_cents * item.quantity
               - (item.discount.of(item.unit_price_cents * item.quantity, 'reward') if item.discount else 0)
               for item in items)
    return Discount(amount_cents=min(customers.amount_cents, left), reason=customers.reason)


# --- What is due, and who the tip is for ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """What a sale asks: ``total_cents`` (the lines with tax, the tip, the gift cards sold), ``from_deposit_cents``
    (a deposit paid ahead for its booking, netted: never more than the total) and ``now_cents`` (the rest, to pay
    now or leave as a balance). Minor units."""

    total_cents: int
    from_deposit_cents: int
    now_cents: int


def amount_due(lines_cents: int, *, tip_cents: int, gift_cards: list[int], deposit_cents: int,
               currency: str | None = None) -> Due:
    """What the sale comes to and what is left to pay once a deposit (``deposit_cents``, 0 for none) is netted.

    :raises ValidationError: the total is over :func:`~app.services.amounts.max_minor` of ``currency``
        (``field='total'``)
    """
    total = check_amount(lines_cents + tip_cents + sum(gift_cards), 'total', currency)
    from_deposit = min(max(deposit_cents, 0), total)
    return Due(total_cents=total, from_deposit_cents=from_deposit, now_cents=total - from_deposit)


def tip_for(tip_cents: int, *, chosen: int | None, booking_staff: int | None, lines_staff: list[int | None]
            ) -> int | None:
    """The staff member a tip goes to: the one chosen, else the booking's, else the first line's credited one (None
    when there is none).

    :raises ValidationError: a tip with nobody to give it to (``field='tip'``)
    """
    staff = chosen or booking_staff or next((member for member in lines_staff if member is not None), None)
    if tip_cents and staff is None:
        raise ValidationError(_('Choose who the tip is for.'), field='tip')
    return staff


def part_of(cents: int, share: Decimal) -> int:
    """``share`` (0–1) of an amount in minor units, rounded as everywhere here (a deposit, a fee, a commission)."""
    return _round(Decimal(cents) * share)


def running_part(whole: int, share: Fraction) -> int:
    """``share`` (0–1, exact) of ``whole`` (minor units, or loyalty points), rounded half away from zero: what has
    been given or taken back in all once ``share`` of what earned ``whole`` has come back.

    Partial refunds use it by **cumulative rounding**: a refund takes ``running_part(whole, share after it)`` less
    what the refunds before it took, so the running total is rounded, never each step — the way instalments of a
    loan are rounded so that they add up to it, and the guarantee of Fowler's ``Money.allocate`` (*Patterns of
    Enterprise Application Architecture*, 2002: the parts of an amount add up to it) for parts that come one at a
    time. Taken one unit at a time or all at once, the steps add up to ``whole`` exactly when everything has come
    back (``share`` 1), and never pass it on the way (``share`` only grows and never exceeds 1).
    """
    if not 0 <= share <= 1:
        raise ValueError(f'a share is from 0 to 1, not {share}')
    exact = Fraction(whole) * share
    half_up = math.floor(abs(exact) + Fraction(1, 2))
    return half_up if exact >= 0 else -half_up


# --- The refund rule: a refund gives back exactly what the sale took ------------------------------------------------


@dataclass(frozen=True)
class LineSold:
    """A sale's line as a refund sees it: ``description`` (named in refusals), ``quantity`` sold, ``amount_cents``
    (its net, minor units), ``taxes`` (name → minor units) and ``returned`` (units brought back by earlier
    refunds)."""

    description: str
    quantity: int
    amount_cents: int
    taxes: dict[str, int]
    returned: int = 0


@dataclass(frozen=True)
class LineBack:
    """What a refund gives back of a line (minor units, positive): ``amount_cents`` (net), ``taxes`` (name → minor
    units) and ``total_cents`` (their sum)."""

    amount_cents: int
    taxes: dict[str, int]
    total_cents: int


def given_back(whole: int, *, before: int, count: int, sold: int) -> int:
    """**The refund rule.** What a refund of ``count`` of a line's ``sold`` units gives back of ``whole`` (the line's
    amount, one of its taxes, or the loyalty points it earned) when ``before`` units came back already: the running
    share after this refund less the running share before it (:func:`running_part`, cumulative rounding). However a
    line is brought back — all at once, one unit at a time, in any number of parts — its refunds add up to ``whole``
    exactly and never pass it on the way."""
    return running_part(whole, Fraction(before + count, sold)) - running_part(whole, Fraction(before, sold))


def refund_line(line: LineSold, count: int, *, field_name: str) -> LineBack:
    """What bringing back ``count`` units of ``line`` gives back: its amount and each of its taxes by
    :func:`given_back`.

    :raises ValidationError: fewer than 1, or more than were sold less those brought back before (``field`` is
        ``field_name``)
    """
    left = line.quantity - line.returned
    if count < 1:
        raise ValidationError(_('Choose what is brought back.'), field=field_name)
    if count > left:
        raise ValidationError(ngettext('Only {n} of "{item}" can still be brought back.',
                                       'Only {n} of "{item}" can still be brought back.', left).format(
            n=left, item=line.description), field=field_name)
    amount = given_back(line.amount_cents, before=line.returned, count=count, sold=line.quantity)
    taxes = {name: given_back(cents, before=line.returned, count=count, sold=line.quantity)
             for name, cents in line.taxes.items()}
    return LineBack(amount_cents=amount, taxes=taxes, total_cents=amount + sum(taxes.values()))


def share_back(lines: list[tuple[str, int, int, int]], kinds: set[str]) -> Fraction:
    """The share (exact, 0–1) of a sale's loyalty points that has come back: its lines of the ``kinds`` that earn
    points (``(kind, net minor units, quantity sold, quantity brought back so far)``) weighted by their net amounts
    (what earned the points). A sale whose earning lines come to nothing (the setting changed since, or all free) is
    weighted by all its units instead."""
    eligible = [line for line in lines if line[0] in kinds and line[2] > 0]
    weight = sum(max(cents, 0) for _, cents, _, _ in eligible)
    if weight:
        return sum((Fraction(max(cents, 0) * min(back, sold), sold) for _, cents, sold, back in eligible),
                   Fraction(0)) / weight
    units = sum(sold for _, _, sold, _ in lines if sold > 0)
    return Fraction(sum(min(back, sold) for _, _, sold, back in lines if sold > 0), units) if units else Fraction(0)


def points_back(earned: int, taken: int, share: Fraction) -> int:
    """The points a refund takes back (≥ 0) of the ``earned`` by its sale, once ``share`` of the sale has come back
    (:func:`share_back`, this refund included) and earlier refunds took ``taken``: the refund rule
    (``running_part(earned, share) − taken``), never below nothing nor past what is left."""
    return min(max(running_part(earned, min(share, Fraction(1))) - taken, 0), max(earned - taken, 0))


def ensure_within_paid(back_cents: int, *, paid_cents: int, refunded_cents: int, currency: str) -> None:
    """A refund of ``back_cents`` gives back no more than the sale's ``paid_cents`` less the ``refunded_cents``
    of its earlier refunds (minor units of ``currency``): money never paid is never paid back.

    :raises ValidationError: it would (``field='lines'``)
    """
    left = paid_cents - refunded_cents
    if back_cents > left:
        raise ValidationError(_('That is {amount} back, more than the {left} paid and not yet refunded.').format(
            amount=plain(back_cents, currency), left=plain(left, currency)), field='lines')


def _round(value: Decimal) -> int:
    """To the nearest minor unit, halves away from zero (commercial rounding)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _share(total: int, weights: list[int]) -> list[int]:
    """``total`` split over ``weights`` in proportion, in whole units adding up to ``total`` exactly (largest
    remainder: each gets the floor of its share, the units left go to the largest remainders, earlier lines first
    on a tie)."""
    whole = sum(weights)
    if total == 0 or whole == 0:
        return [0] * len(weights)
    exact = [Decimal(total) * w / whole for w in weights]
    floors = [int(x) for x in exact]
    left = total - sum(floors)
    for index in sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))[:left]:
        floors[index] += 1
    return floors
