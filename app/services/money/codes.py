"""Discount codes (a campaign's offer): made by an owner or manager, given by a customer at checkout.

A code is found case-insensitively at the sale's location and must be live: not expired, not used up, and not used
before by the sale's customer (a code needs a known customer: it is once per customer). A campaign's code is valid
only for the customers the campaign was sent to: never for its holdout (who must get nothing, or the comparison is
spoilt), nor for anyone outside it, nor before it is sent; a code made without a campaign is for every customer.

At checkout the code's row is locked until the sale commits (PostgreSQL ``SELECT … FOR UPDATE``; SQLite runs one
write at a time), so two checkouts that give the same code at once are counted in turn: the second sees the first's
use. The unique key (code, customer) on the uses holds even so.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app.models import (
    CampaignRecipient,
    CodeRedemption,
    DiscountCode,
    DiscountCodeCreate,
    DiscountCodeRead,
    Location,
    UserRead,
)
from app.services.accounts.access import MANAGING_ROLES, ensure_reader
from app.services.amounts import check_amount
from app.services.database import session_scope
from app.services.errors import ValidationError
from app.services.i18n import N_, _
from app.services.money import pricing

CODE = re.compile(r'[A-Z0-9-]{4,24}')
"""What a code may be: 4–24 capital letters, digits and hyphens (kept upper-case; found in any case)."""


def normalise(text: str) -> str:
    """``text`` as a code is kept: stripped, upper-case."""
    return text.strip().upper()


def create_code(data: DiscountCodeCreate, *, actor: UserRead) -> DiscountCodeRead:
    """Make a code at a location.

    :raises PermissionDeniedError: not an owner or manager of the location
    :raises ValidationError: as :func:`create_code_in`
    """
    ensure_reader(actor, data.location_id, MANAGING_ROLES, N_('make discount codes'))
    with session_scope(write=True) as session:
        return create_code_in(session, data)


def create_code_in(session: Session, data: DiscountCodeCreate) -> DiscountCodeRead:
    """:func:`create_code` in the caller's transaction (the actor's right checked by the caller).

    :raises ValidationError: a code not of :data:`CODE`'s form or already taken at the location (``field`` 'code');
        neither or both of percent and amount (``field`` 'percent_off'); an amount off over
        :data:`~app.models.base.MAX_AMOUNT_CENTS` (``field`` 'amount_off_cents'); an expiry without a time zone
        (``field`` 'expires_at'); no such location (``field`` 'location_id')
    """
    code = normalise(data.code)
    if not CODE.fullmatch(code):
        raise ValidationError(_('A code is 4–24 letters, digits or hyphens.'), field='code')
    if (data.percent_off is None) == (data.amount_off_cents is None):
        raise ValidationError(_('Give the code a percentage or an amount off, not both.'), field='percent_off')
    check_amount(data.amount_off_cents, 'amount_off_cents')
    if data.expires_at is not None and data.expires_at.tzinfo is None:
        raise ValidationError(_('Give the expiry with its time zone.'), field='expires_at')
    if session.get(Location, data.location_id) is None:
        raise ValidationError(_('No such location.'), field='location_id')
    taken = session.exec(select(DiscountCode.id).where(DiscountCode.location_id == data.location_id,
                                                       DiscountCode.code == code)).first()
    if taken is not None:
        raise ValidationError(_('The code {code} is taken at this location.').format(code=code), field='code')
    row = DiscountCode(**data.model_dump(exclude={'code'}), code=code)
    session.add(row)
    session.flush()
    return DiscountCodeRead.model_validate(row.model_dump())


def find_live(session: Session, location_id: int, text: str, customer_id: int | None, *, now: datetime,
              lock: bool = False) -> DiscountCode:
    """The live code ``text`` at the location for ``customer_id`` (``lock``: its row locked until the caller's
    transaction ends, for a checkout).

    :raises ValidationError: (``field`` 'code') no customer on the sale, an unknown code, expired, used up, a
        campaign's code given by someone it was not sent to (held out, not targeted, or before it was sent), or already
        used by this customer
    """
    if customer_id is None:
        raise ValidationError(_('A code is once per customer: choose the customer first.'), field='code')
    query = select(DiscountCode).where(DiscountCode.location_id == location_id, DiscountCode.code == normalise(text))
    code = session.exec(query.with_for_update() if lock else query).first()
    if code is None:
        raise ValidationError(_('No such code here.'), field='code')
    if code.expires_at is not None and code.expires_at <= now:
        raise ValidationError(_('The code {code} has expired.').format(code=code.code), field='code')
    if code.max_redemptions is not None and code.redeemed >= code.max_redemptions:
        raise ValidationError(_('The code {code} has been used up.').format(code=code.code), field='code')
    if code.campaign_id is not None and not _sent_to(session, code.campaign_id, customer_id):
        raise ValidationError(_('The code {code} is not valid for this customer: it is for the customers the '
                                'campaign was sent to.').format(code=code.code), field='code')
    used = session.exec(select(func.count()).select_from(CodeRedemption).where(
        CodeRedemption.code_id == code.id, CodeRedemption.customer_id == customer_id)).one()
    if used:
        raise ValidationError(_('This customer has used the code {code} already.').format(code=code.code),
                              field='code')
    return code


def _sent_to(session: Session, campaign_id: int, customer_id: int) -> bool:
    """Whether the campaign was sent to the customer: a recipient, not held out. A held-out customer who learnt the
    code elsewhere and used it would no longer be a control (the comparison of :mod:`app.services.campaigns.measure`
    needs the holdout to get nothing), so the code is refused to them as to anyone else it was not sent to."""
    return session.exec(select(CampaignRecipient.id).where(
        CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.customer_id == customer_id,
        col(CampaignRecipient.holdout).is_(False))).first() is not None


def discount_of(code: DiscountCode) -> pricing.Discount:
    """What ``code`` takes off a sale."""
    return pricing.Discount(percent=Decimal(code.percent_off) if code.percent_off is not None else None,
                            amount_cents=code.amount_off_cents, reason=f'code {code.code}')


def redeem(session: Session, code: DiscountCode, customer_id: int, *, receipt_id: int, discount_cents: int,
           now: datetime) -> None:
    """Record a use of ``code`` (found with :func:`find_live` and ``lock``) on a receipt, in the checkout's transaction.

    :raises ValidationError: (``field`` 'code') the customer's use was recorded by a checkout at the same moment
    """
    session.add(CodeRedemption(code_id=code.id, customer_id=customer_id, receipt_id=receipt_id,
                               discount_cents=discount_cents, created_at=now))
    code.redeemed += 1
    session.add(code)
    try:
        session.flush()
    except IntegrityError:
        raise ValidationError(_('This customer has used the code {code} already.').format(code=code.code),
                              field='code') from None


def uses(code_id: int) -> list[CodeRedemption]:
    """Every use of a code, oldest first."""
    with session_scope() as session:
        return list(session.exec(select(CodeRedemption).where(CodeRedemption.code_id == code_id)
                                 .order_by(CodeRedemption.id)).all())

