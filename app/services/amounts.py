"""The one maximum of every amount of money the app takes, and its refusal.

A price, a tip, a payment, cash handed over, a discount, a gift card, a deposit, a campaign's cost or budget, a
code's or a reward's amount off, a refund, an amount in an imported file: each is at most
:data:`~app.models.base.MAX_AMOUNT_CENTS` minor units either way (the reasons for that figure are with it). Services
check what they take here (:func:`check_amount`, naming the field); pages refuse what is typed with the same words
before it reaches a service (:func:`app.pages.formatting.to_minor`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import format_currency, format_decimal, get_currency_precision

from app.models.base import MAX_AMOUNT_CENTS
from app.services.errors import ValidationError
from app.services.i18n import _, current, ngettext

__all__ = ['MAX_AMOUNT_CENTS', 'NOT_AN_AMOUNT', 'TOO_LARGE', 'cell_number', 'check_amount', 'digits', 'format_money',
           'max_minor', 'minor_of', 'not_an_amount', 'number_format', 'parse_major', 'plain', 'quantum', 'to_major',
           'too_large']

TOO_LARGE = f'An amount is at most {MAX_AMOUNT_CENTS // 100:,}.00.'
"""The refusal of an amount over :data:`MAX_AMOUNT_CENTS` in English (the words :func:`too_large` translates)."""
NOT_AN_AMOUNT = 'Enter an amount such as 12.50.'
"""The refusal of what is not an amount, in English (:func:`not_an_amount` translates it)."""


def too_large(currency: str | None = None) -> str:
    """The refusal of an amount over the maximum (:data:`MAX_AMOUNT_CENTS`; with ``currency``, :func:`max_minor` of
    it), the same wherever it comes from, in the current language (the figure written its way and with the currency's
    decimals: ``1,000,000,000.00``, ``1 000 000 000,00``, RWF ``1,000,000,000``)."""
    places = 2 if currency is None else digits(currency)
    top = Decimal(max_minor(currency)).scaleb(-places)
    return _('An amount is at most {amount}.').format(
        amount=format_decimal(top, format='#,##0' + ('.' + '0' * places if places else ''), locale=current()))


def not_an_amount(currency: str | None = None) -> str:
    """The refusal of a typed value that is not an amount of money, in the current language (with ``currency``, the
    example has its decimals: ``12.50``, ``1250``, ``12.500``)."""
    if currency is None or digits(currency) == 2:
        return _('Enter an amount such as 12.50.')
    return _('Enter an amount such as {example}.').format(example=str(Decimal(1250).scaleb(-digits(currency))))


def check_amount(cents: int | None, field_name: str, currency: str | None = None) -> int | None:
    """``cents`` (minor units; None passes) if it is a whole number within ±:data:`MAX_AMOUNT_CENTS` (with
    ``currency``: ±:func:`max_minor` of it).

    :raises ValidationError: more than the maximum either way, or not a whole number (``field`` is ``field_name``)
    """
    if cents is None:
        return None
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise ValidationError(not_an_amount(currency), field=field_name)
    top = max_minor(currency)
    if not -top <= cents <= top:
        raise ValidationError(too_large(currency), field=field_name)
    return cents


# --- Minor units per currency --------------------------------------------------------------------------------------
# Every ``*_cents`` amount is in its location's currency's minor units as ISO 4217 counts them (KES, USD, EUR: 2
# digits — hundredths; RWF, UGX, JPY, XOF: 0 — whole francs, shillings, yen; BHD, KWD, OMR: 3 — thousandths). Babel's
# CLDR data knows each currency's digits (``get_currency_precision``). These are the only places that turn minor units
# into an amount a person reads or types, and back.


@lru_cache(maxsize=256)
def digits(currency: str) -> int:
    """How many decimals ``currency`` (ISO 4217 code, any case) is counted in: ``'KES'`` → 2, ``'RWF'`` → 0,
    ``'BHD'`` → 3 (CLDR's currency data through Babel; an unknown code → 2, CLDR's default)."""
    return get_currency_precision((currency or '').upper())


def quantum(currency: str) -> Decimal:
    """The smallest amount of ``currency`` as a Decimal exponent: ``Decimal('0.01')``, ``Decimal('1')``,
    ``Decimal('0.001')`` (for ``Decimal.quantize``)."""
    return Decimal(1).scaleb(-digits(currency))


def to_major(minor: int | Decimal, currency: str) -> Decimal:
    """Minor units as an amount of the currency, exactly: ``to_major(1250, 'KES')`` → ``Decimal('12.50')``;
    ``to_major(1250, 'RWF')`` → ``Decimal('1250')``; ``to_major(1250, 'BHD')`` → ``Decimal('1.250')``."""
    return Decimal(minor).scaleb(-digits(currency))


def plain(minor: int | Decimal, currency: str, spec: str = '') -> str:
    """Minor units as the currency's bare figure with its own decimals (no symbol, no locale: activity texts, logs,
    CSV cells): ``plain(150050, 'KES')`` → ``'1500.50'``, ``plain(1500, 'RWF')`` → ``'1500'``,
    ``plain(12345, 'BHD')`` → ``'12.345'``; ``spec`` is a format spec for the Decimal (``'+'``: the sign always,
    ``','``: thousands separated)."""
    return format(to_major(minor, currency), spec)


def cell_number(minor: int | Decimal, currency: str | None) -> float | Decimal:
    """Minor units as the number a spreadsheet or CSV cell holds (paired with :func:`number_format`): the major units
    as a float for a currency counted in hundredths (or ``currency`` None: hundredths), ``cell_number(1250, 'KES')``
    → ``12.5``; else the exact Decimal with the currency's own decimals, ``cell_number(1500, 'RWF')`` →
    ``Decimal('1500')``, ``cell_number(1500, 'BHD')`` → ``Decimal('1.500')``. A frame's numpy value is taken as
    its number (NaN stays NaN)."""
    exact = Decimal(minor) if isinstance(minor, int | Decimal) else Decimal(str(minor))
    if exact.is_finite() and exact == exact.to_integral_value():
        exact = exact.to_integral_value()  # 1500.0 from a frame is 1500
    if currency is None or digits(currency) == 2:
        return float(exact.scaleb(-2))
    return exact.scaleb(-digits(currency))


def number_format(currency: str) -> str:
    """Excel's number format for amounts of ``currency`` with its own decimals: ``'#,##0.00'`` (KES), ``'#,##0'``
    (RWF), ``'#,##0.000'`` (BHD)."""
    places = digits(currency)
    return '#,##0' + ('.' + '0' * places if places else '')


def minor_of(major: Decimal | int | str, currency: str) -> int:
    """An amount of the currency (major units, any precision) in whole minor units, rounded half up (away from
    zero): ``minor_of(Decimal('12.345'), 'KES')`` → ``1235``; ``minor_of(Decimal('99.5'), 'RWF')`` → ``100``.
    For computed amounts; what a person typed goes through :func:`parse_major`, which refuses extra decimals."""
    return int(Decimal(major).scaleb(digits(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def max_minor(currency: str | None = None) -> int:
    """The largest amount the app takes in ``currency`` (minor units): :data:`MAX_AMOUNT_CENTS`, and never more than
    1,000,000,000 whole units (so a tax amount in major units fits ``NUMERIC(14, 4)`` for zero-decimal currencies
    too). None: :data:`MAX_AMOUNT_CENTS`."""
    if currency is None:
        return MAX_AMOUNT_CENTS
    return min(MAX_AMOUNT_CENTS, 10 ** (9 + digits(currency)))


def format_money(minor: int | Decimal, currency: str, locale: str) -> str:
    """Minor units written the way ``locale`` writes money in ``currency``, with the currency's own decimals:
    ``(150000, 'RWF', 'rw_RW')`` → ``'RF 150,000'``; ``(1250, 'KES', 'sw_KE')`` → ``'Ksh 12.50'``."""
    return format_currency(to_major(minor, currency), currency, locale=locale)


def parse_major(value, currency: str, field_name: str) -> int:
    """What a person typed as an amount of ``currency`` (major units: ``12.5``, ``'1500'``, a Decimal; None or ``''``:
    0) in minor units, refused — in the current language, naming ``field_name`` — when it is not a finite number, has
    more decimals than the currency is counted in (``12.5`` RWF, ``1.2345`` BHD), or is over :func:`max_minor`
    either way.

    :raises ValidationError: as above (``field`` is ``field_name``)
    """
    try:
        amount = Decimal(str(value if value not in (None, '') else 0))
    except ArithmeticError:
        raise ValidationError(not_an_amount(currency), field=field_name) from None
    if not amount.is_finite():
        raise ValidationError(not_an_amount(currency), field=field_name)
    if abs(amount) > to_major(max_minor(currency), currency):  # before 1e999999 is scaled or made an int
        raise ValidationError(too_large(currency), field=field_name)
    scaled = amount.scaleb(digits(currency))
    if scaled != scaled.to_integral_value():
        raise ValidationError(too_precise(currency), field=field_name)
    return int(scaled)


def too_precise(currency: str) -> str:
    """The refusal of an amount with more decimals than ``currency`` has, in the current language."""
    places = digits(currency)
    if places == 0:
        return _('Amounts in {currency} have no decimals.').format(currency=currency.upper())
    return ngettext('Amounts in {currency} have at most {n} decimal.',
                    'Amounts in {currency} have at most {n} decimals.', places).format(currency=currency.upper(),
                                                                                         n=places)
