"""The one maximum of every amount of money the app takes, and its refusal.

A price, a tip, a payment, cash handed over, a discount, a gift card, a deposit, a campaign's cost or budget, a
code's or a reward's amount off, a refund, an amount in an imported file: each is at most
:data:`~app.models.base.MAX_AMOUNT_CENTS` minor units either way (the reasons for that figure are with it). Services
check what they take here (:func:`check_amount`, naming the field); pages refuse what is typed with the same words
before it reaches a service (:func:`app.pages.formatting.to_minor`).
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal

from app.models.base import MAX_AMOUNT_CENTS
from app.services.errors import ValidationError
from app.services.i18n import _, current

__all__ = ['MAX_AMOUNT_CENTS', 'NOT_AN_AMOUNT', 'TOO_LARGE', 'check_amount', 'not_an_amount', 'too_large']

TOO_LARGE = f'An amount is at most {MAX_AMOUNT_CENTS // 100:,}.00.'
"""The refusal of an amount over :data:`MAX_AMOUNT_CENTS` in English (the words :func:`too_large` translates)."""
NOT_AN_AMOUNT = 'Enter an amount such as 12.50.'
"""The refusal of what is not an amount, in English (:func:`not_an_amount` translates it)."""


def too_large() -> str:
    """The refusal of an amount over :data:`MAX_AMOUNT_CENTS`, the same wherever it comes from, in the current
    language (the figure written its way: ``1,000,000,000.00``, ``1 000 000 000,00``)."""
    return _('An amount is at most {amount}.').format(
        amount=format_decimal(Decimal(MAX_AMOUNT_CENTS) / 100, format='#,##0.00', locale=current()))


def not_an_amount() -> str:
    """The refusal of a typed value that is not an amount of money, in the current language."""
    return _('Enter an amount such as 12.50.')


def check_amount(cents: int | None, field_name: str) -> int | None:
    """``cents`` (minor units; None passes) if it is a whole number within ±:data:`MAX_AMOUNT_CENTS`.

    :raises ValidationError: more than the maximum either way, or not a whole number (``field`` is ``field_name``)
    """
    if cents is None:
        return None
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise ValidationError(not_an_amount(), field=field_name)
    if not -MAX_AMOUNT_CENTS <= cents <= MAX_AMOUNT_CENTS:
        raise ValidationError(too_large(), field=field_name)
    return cents
