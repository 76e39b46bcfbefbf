"""The one maximum of every amount of money the app takes, and its refusal.

A price, a tip, a payment, cash handed over, a discount, a gift card, a deposit, a campaign's cost or budget, a
code's or a reward's amount off, a refund, an amount in an imported file: each is at most
:data:`~app.models.base.MAX_AMOUNT_CENTS` minor units either way (the reasons for that figure are with it). Services
check what they take here (:func:`check_amount`, naming the field); pages refuse what is typed with the same words
before it reaches a service (:func:`app.pages.formatting.to_minor`).
"""

from __future__ import annotations

from app.models.base import MAX_AMOUNT_CENTS
from app.services.errors import ValidationError

__all__ = ['MAX_AMOUNT_CENTS', 'TOO_LARGE', 'check_amount']

TOO_LARGE = f'An amount is at most {MAX_AMOUNT_CENTS // 100:,}.00.'
"""The refusal of an amount over :data:`MAX_AMOUNT_CENTS`, the same wherever it comes from."""


def check_amount(cents: int | None, field_name: str) -> int | None:
    """``cents`` (minor units; None passes) if it is a whole number within ±:data:`MAX_AMOUNT_CENTS`.

    :raises ValidationError: more than the maximum either way, or not a whole number (``field`` is ``field_name``)
    """
    if cents is None:
        return None
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise ValidationError('Enter an amount such as 12.50.', field=field_name)
    if not -MAX_AMOUNT_CENTS <= cents <= MAX_AMOUNT_CENTS:
        raise ValidationError(TOO_LARGE, field=field_name)
    return cents
