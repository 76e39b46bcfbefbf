"""What every way of taking money shares: a payment as the desk enters it, the check that payments add up, and the
location's receipt numbers."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import Field as PydanticField
from sqlalchemy import update as sa_update
from sqlmodel import SQLModel, select

from app.models import MobilePayment, PaymentMethod, Receipt, ReceiptCounter
from app.services.accounts.access import ensure_location
from app.services.amounts import check_amount, plain
from app.services.database import connection_of, insert_or_skip
from app.services.errors import NotFoundError, ValidationError
from app.services.i18n import _


class PaymentIn(SQLModel):
    """Money taken: ``amount_cents`` (> 0) by ``method``; for cash, ``tendered_cents`` handed over (≥ the amount; the
    change is the difference); for a gift card, its code."""

    method: PaymentMethod
    amount_cents: int = PydanticField(gt=0)
    tendered_cents: int | None = PydanticField(default=None, ge=0)
    gift_card_code: str = PydanticField(default='', max_length=40)


def check_payments(payments: list[PaymentIn], due: int, *, currency: str) -> tuple[int, int]:
    """``(paid, change)``: the payments' sum (never more than ``due``) and the cash to hand back (minor units of the
    location's ``currency``).

    :raises ValidationError: a gift card without its code, change on anything but cash, cash under the amount, an
        amount over :func:`~app.services.amounts.max_minor` of ``currency`` (``field`` ``payments.N``); more than is due
        (``payments``)
    """
    paid = change = 0
    for number, payment in enumerate(payments):
        check_amount(payment.amount_cents, f'payments.{number}', currency)
        check_amount(payment.tendered_cents, f'payments.{number}', currency)
        if payment.method == PaymentMethod.GIFT_CARD and not payment.gift_card_code.strip():
            raise ValidationError(_("Type the gift card's code."), field=f'payments.{number}')
        if payment.tendered_cents is not None:
            if payment.method != PaymentMethod.CASH:
                raise ValidationError(_('Only cash is handed over and given change.'), field=f'payments.{number}')
            if payment.tendered_cents < payment.amount_cents:
                raise ValidationError(_('Less cash was handed over than the amount.'), field=f'payments.{number}')
            change += payment.tendered_cents - payment.amount_cents
        paid += payment.amount_cents
    if paid > due:
        raise ValidationError(_('The payments ({paid}) are more than what is due ({due}).').format(
            paid=plain(paid, currency), due=plain(due, currency)), field='payments')
    return paid, change


PROMPT_WAIT = timedelta(minutes=3)
"""How long a mobile-money prompt keeps its part of a receipt's balance for the customer's phone. Safaricom's STK
prompt stays on the phone for about a minute before Daraja answers 1037 (not reached in time), and the status query
follows within a minute or two more; past that, the desk may take the money another way (a prompt confirmed later
is still recorded, and its announcement says it was more than was owed)."""


def waiting_on_phones(session, receipt_id: int, now: datetime) -> int:
    """Minor units of ``receipt_id``'s mobile-money prompts still pending and sent less than :data:`PROMPT_WAIT`
    before ``now`` (timezone-aware): the part of its balance the customer may be paying on their phone right now,
    which neither the desk nor another prompt may take as well."""
    pending = session.exec(select(MobilePayment.amount_cents).where(
        MobilePayment.receipt_id == receipt_id, MobilePayment.status == 'pending',
        MobilePayment.requested_at > now - PROMPT_WAIT)).all()
    return sum(pending)


def ensure_not_waiting(session, receipt_id: int, amount_cents: int, balance_cents: int, now: datetime, *,
                       field: str, currency: str) -> None:
    """Refuse taking ``amount_cents`` of a receipt's ``balance_cents`` (minor units of ``currency``, the location's)
    when part of it is waiting on the customer's phone (:func:`waiting_on_phones`): the customer would pay twice.

    :raises ValidationError: ``amount_cents`` is more than the balance less what is waiting (``field``)
    """
    waiting = waiting_on_phones(session, receipt_id, now)
    if waiting and amount_cents > balance_cents - waiting:
        free = max(balance_cents - waiting, 0)
        raise ValidationError(_('{waiting} is waiting for the customer to pay on their phone (M-Pesa): take at most '
                                '{free} another way now, or wait for the phone.').format(
            waiting=plain(waiting, currency), free=plain(free, currency)), field=field)


def next_number(session, location_id: int) -> str:
    """The location's next receipt number, taken from its counter (:class:`~app.models.ReceiptCounter`) inside the
    caller's write transaction: the counter's row stays locked until that commits, so numbers are gapless and never
    repeat, whatever runs at once (SQLite has one writer at a time anyway). A location without a counter yet starts
    after its highest numeric receipt number (imported history)."""
    connection = connection_of(session)
    table = ReceiptCounter.__table__
    if connection.execute(select(table.c.location_id).where(table.c.location_id == location_id)).first() is None:
        numbers = session.exec(select(Receipt.number).where(Receipt.location_id == location_id)).all()
        start = max((int(n) for n in numbers if n.isdigit()), default=0)
        connection.execute(insert_or_skip(connection, table, ['location_id'], location_id=location_id,
                                          last_number=start))
    bumped = connection.execute(sa_update(table).where(table.c.location_id == location_id)
                                .values(last_number=table.c.last_number + 1).returning(table.c.last_number)).one()
    return str(bumped.last_number)


def receipt_of(session, receipt_id: int, actor, *, sales_only: bool = False, lock: bool = False) -> Receipt:
    """The receipt ``receipt_id`` if it is at ``actor``'s location (with ``sales_only``: a sale, not a refund or
    deposit; ``lock``: its row locked until the transaction ends).

    :raises NotFoundError: no such receipt (or sale)
    :raises PermissionDeniedError: another location's
    """
    query = select(Receipt).where(Receipt.id == receipt_id)
    receipt = session.exec(query.with_for_update() if lock else query).first()
    if receipt is None or (sales_only and receipt.kind != 'sale'):
        raise NotFoundError(_('No such sale.') if sales_only else 'No such receipt.')
    ensure_location(actor, receipt.location_id)
    return receipt
