"""Gift cards: sold at checkout (money owed to the holder, not revenue until spent), spent as a payment, their
balance checked. A card's balance always equals the sum of its movements; spending locks its row, so two desks
spending one card at once cannot spend it twice.

Codes are 16 characters of Crockford's base32 (80 random bits from :mod:`secrets`), written in groups of four; typed
codes are read the Crockford way (case, spaces and dashes ignored; O as 0, I and L as 1).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlmodel import SQLModel, select

from app.models import GiftCard, GiftCardMovement, Location, UserRead
from app.services.accounts.access import FRONT_DESK_ROLES, ensure_reader
from app.services.amounts import check_amount, plain
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError
from app.services.i18n import _

ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'  # Crockford's base32
LOWEST, HIGHEST = 100, 1_000_000
"""The minor units a card may be sold for, in any currency: 1.00 to 10,000.00 KES or USD, 100 to 1,000,000 RWF or
JPY, 0.100 to 1,000.000 BHD."""


class GiftCardRead(SQLModel):
    """A card's code (grouped), what it was sold for and what is left (minor units)."""

    id: int
    code: str
    initial_cents: int
    balance_cents: int


def new_code() -> str:
    """A fresh code: ``XXXX-XXXX-XXXX-XXXX``, 80 random bits."""
    raw = ''.join(secrets.choice(ALPHABET) for _ in range(16))
    return '-'.join(raw[i:i + 4] for i in range(0, 16, 4))


def normalised(typed: str) -> str:
    """A typed code as stored: ``abcd efgh-ijkl mnop`` → ``ABCD-EFGH-1JK1-MN0P``; '' when it cannot be a code."""
    text = ''.join((typed or '')[:40].upper().split()).replace('-', '')
    text = text.translate(str.maketrans({'O': '0', 'I': '1', 'L': '1'}))
    if len(text) != 16 or any(c not in ALPHABET for c in text):
        return ''
    return '-'.join(text[i:i + 4] for i in range(0, 16, 4))


def issue(session, location_id: int, amount_cents: int, *, receipt_id: int | None, user_id: int | None,
          now: datetime) -> GiftCard:
    """Sell a card for ``amount_cents`` in the caller's transaction (its first movement).

    :raises ValidationError: an amount outside what a card may hold (``field='gift_cards'``)
    """
    currency = _currency(session, location_id)
    check_amount(amount_cents, 'gift_cards', currency)
    if not LOWEST <= amount_cents <= HIGHEST:
        raise ValidationError(_('A gift card holds from {lowest} to {highest}.').format(
            lowest=plain(LOWEST, currency), highest=plain(HIGHEST, currency, ',')),
                              field='gift_cards')
    card = GiftCard(location_id=location_id, code=new_code(), initial_cents=amount_cents, balance_cents=amount_cents,
                    sold_receipt_id=receipt_id, created_at=now)
    session.add(card)
    session.flush()
    session.add(GiftCardMovement(gift_card_id=card.id, kind='sold', amount_cents=amount_cents, receipt_id=receipt_id,
                                 at=now, user_id=user_id))
    return card


def spend(session, location_id: int, code: str, amount_cents: int, *, receipt_id: int, user_id: int | None,
          now: datetime, field: str) -> GiftCard:
    """Take ``amount_cents`` off the card ``code`` in the caller's transaction; the card's row stays locked until
    it commits (a second desk spending it waits, then sees what is left).

    :raises ValidationError: no such card at the location, or less on it than the amount (``field``)
    """
    wanted = normalised(code)
    card = session.exec(select(GiftCard).where(GiftCard.code == wanted).with_for_update()).first() if wanted else None
    if card is None or card.location_id != location_id:
        raise ValidationError(_('No gift card with that code here.'), field=field)
    if card.balance_cents < amount_cents:
        raise ValidationError(_('The gift card holds only {amount}.').format(
            amount=plain(card.balance_cents, _currency(session, location_id))), field=field)
    card.balance_cents -= amount_cents
    session.add(card)
    session.add(GiftCardMovement(gift_card_id=card.id, kind='redeemed', amount_cents=-amount_cents,
                                 receipt_id=receipt_id, at=now, user_id=user_id))
    return card


def credit(session, location_id: int, code: str, amount_cents: int, *, receipt_id: int, user_id: int | None,
           now: datetime) -> GiftCard:
    """Put ``amount_cents`` back onto the card ``code`` (a refund), in the caller's transaction, its row locked.

    :raises ValidationError: no such card at the location, or a balance it would take over
        :func:`~app.services.amounts.max_minor` of the location's currency (``field='method'``)
    """
    wanted = normalised(code)
    card = session.exec(select(GiftCard).where(GiftCard.code == wanted).with_for_update()).first() if wanted else None
    if card is None or card.location_id != location_id:
        raise ValidationError(_('No gift card with that code here.'), field='method')
    check_amount(card.balance_cents + amount_cents, 'method', _currency(session, location_id))
    card.balance_cents += amount_cents
    session.add(card)
    session.add(GiftCardMovement(gift_card_id=card.id, kind='refunded', amount_cents=amount_cents,
                                 receipt_id=receipt_id, at=now, user_id=user_id))
    return card


def _currency(session, location_id: int) -> str:
    """The location's currency (ISO 4217): every amount of its cards is in its minor units."""
    location = session.get(Location, location_id)
    return location.currency if location is not None else 'USD'


def balance(location_id: int, code: str, *, actor: UserRead) -> GiftCardRead:
    """What a card holds. :raises NotFoundError: no such card at the location; :raises PermissionDeniedError:"""
    ensure_reader(actor, location_id, FRONT_DESK_ROLES)
    wanted = normalised(code)
    with session_scope() as session:
        card = session.exec(select(GiftCard).where(GiftCard.code == wanted)).first() if wanted else None
        if card is None or card.location_id != location_id:
            raise NotFoundError(_('No gift card with that code here.'), field='code')
        return GiftCardRead.model_validate(card, from_attributes=True)


def ledger(card_id: int, *, actor: UserRead) -> list[GiftCardMovement]:
    """A card's movements, oldest first (their amounts sum to its balance).

    :raises NotFoundError, PermissionDeniedError:
    """
    with session_scope() as session:
        card = session.get(GiftCard, card_id)
        if card is None:
            raise NotFoundError(_('No such gift card.'))
        ensure_reader(actor, card.location_id, FRONT_DESK_ROLES)
        return list(session.exec(select(GiftCardMovement).where(GiftCardMovement.gift_card_id == card_id)
                                 .order_by(GiftCardMovement.id)))
