"""A deposit paid on the online booking page before the booking is made: by M-Pesa (a prompt on the customer's phone,
:mod:`app.services.money.mobile_money`) or a hosted card checkout (``app.services.money.card_checkout``).

The customer proves their phone or e-mail with the one-time code first (:func:`online.prove`: a phone number is not
identity); then an :class:`~app.models.OnlineDeposit` keeps what they chose and who they are, and each prompt or
card session is a row of its own (``ready`` → ``asking`` (claimed: one ask at a time per page) → ``pending`` →
``paid`` | ``failed``). No booking exists until the
provider confirms the money, so the desk's day, the reminders and the analytics never see an unpaid one; the time is
kept meanwhile by the page's online hold, lengthened to :data:`PROMPT_MINUTES` while a prompt runs (a card session:
:data:`CARD_MINUTES`, the shortest Stripe allows; the session is expired at the provider when it runs out). A failed
or timed-out prompt lets the time go at once; the customer may try again, which holds it anew if it is still free.
:func:`check_pending` (every minute) asks M-Pesa about prompts no callback answered and marks those past their time
failed (``timeout``), still asking about those for :data:`LATE_ANSWERS` until M-Pesa's final word.

**Only the provider's confirmation books**: M-Pesa's status query (a callback is a hint that makes the app ask, as
for the desk's prompts: :func:`mobile_money.handle_callback` hands the callbacks of prompts it does not know to
:func:`_callback`), or the card provider's signed ``checkout.session.completed`` (:func:`_card_completed`). Then,
in one transaction (:func:`_book_paid`): the booking (channel ``online``), its deposit receipt (kind ``deposit``,
counted on the next open day when today is closed at the till, :func:`day_close.counted_at` — money that came is
never refused) and, for M-Pesa, the paid :class:`~app.models.MobilePayment` with M-Pesa's receipt number as the
desk's prompts keep it. A row is locked while it is settled and ``paid`` is final, so a repeated callback, or a
callback racing the status query, books once. Money confirmed when the time can no longer be booked (taken, past,
outside the hours) is still recorded — a deposit receipt without a booking — and the desk is told
(``PaymentFailed``, in the bell) to refund it or book the customer.
"""

from __future__ import annotations

import hmac
import importlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal, get_currency_precision
from sqlalchemy import func, update
from sqlmodel import select

from app.models import (
    Booking,
    BookingCreate,
    BookingRead,
    Channel,
    CustomerCreate,
    HoldKind,
    Location,
    MobilePayment,
    OnlineDeposit,
    Payment,
    PaymentMethod,
    Receipt,
    Service,
    SlotHold,
    StaffMember,
)
from app.services import clock, events, notifications
from app.services.accounts import activity
from app.services.database import session_scope
from app.services.errors import ClientPulseError, NotFoundError, ValidationError
from app.services.frontdesk import availability, bookings, online, slot_rules
from app.services.i18n import N_, _, deferred
from app.services.messaging import links
from app.services.money import day_close, mobile_money
from app.services.money.common import next_number

logger = logging.getLogger(__name__)

PROMPT_MINUTES = 3
"""How long the time stays held while an M-Pesa prompt runs (Daraja gives up on an unanswered prompt in about a
minute; the rest is for its answer to arrive)."""
CARD_MINUTES = 30
"""How long the time stays held while a card checkout runs: the shortest expiry Stripe accepts for a session."""
MPESA, CARD = 'mpesa', 'card'
PROMPTS_PER_DEPOSIT = 3
"""How many M-Pesa prompts one page's deposit may send (each try of a booking page)."""
PROMPTS_PER_NUMBER = 3
"""How many M-Pesa prompts one phone number may get from online deposits in an hour (any page, any shop)."""
LATE_ANSWERS = timedelta(hours=24)
"""How long a prompt that timed out is still asked about (its hold let go): Daraja may settle it late."""


@dataclass(frozen=True)
class DepositState:
    """What the booking page shows of a deposit: ``status`` (``ready``, ``pending``, ``paid``, ``failed``),
    ``amount_cents`` in minor units of ``currency``, ``reason`` (a failure's, in the current language; or, once paid,
    why no booking could be made), ``booking`` and ``manage`` (its manage token) once booked, ``url`` (a card
    checkout's page to send the customer to)."""

    token: str
    status: str
    method: str
    amount_cents: int
    currency: str
    phone: str
    reason: str = ''
    booking: BookingRead | None = None
    manage: str = ''
    url: str = ''


def methods(location_id: int) -> tuple[str, ...]:
    """How the location's customers can pay a deposit online: ``'mpesa'`` where M-Pesa is set up and the location
    counts in shillings (KES), ``'card'`` where a card checkout is set up; empty: the page only says a deposit is
    asked. Both may be offered.

    :raises NotFoundError: no such location
    """
    with session_scope() as session:
        location = session.get(Location, location_id)
        if location is None:
            raise NotFoundError(_(online.CLOSED))
        currency = location.currency
    found = []
    if currency == 'KES' and mobile_money.configured():
        found.append(MPESA)
    cards = _card_checkout()
    if cards is not None and cards.configured():
        found.append(CARD)
    return tuple(found)


def asked(location_id: int, service_id: int) -> int:
    """The deposit asked online for a booking of ``service_id`` (minor units): :func:`online.deposit_cents`, rounded
    up to whole units where M-Pesa is offered (it takes no cents) and to the card provider's step where cards are
    (BHD/KWD/…: thousandths ending in 0), whichever way it is then paid."""
    amount = online.deposit_cents(location_id, service_id)
    offered = methods(location_id) if amount else ()
    if offered:
        with session_scope() as session:
            currency = session.get(Location, location_id).currency
        step = 10 ** get_currency_precision(currency) if MPESA in offered else 1
        cards = _card_checkout()
        if CARD in offered and hasattr(cards, 'amount_step'):
            step = max(step, cards.amount_step(currency))  # both powers of ten: the larger is a multiple of the other
        amount = -(-amount // step) * step
    return amount


def start(location_id: int, token: str, code: str, details: online.Details, *, service_id: int,
          slot: availability.Slot, holder: str, as_of: datetime | None = None) -> DepositState:
    """Check the one-time code (:func:`online.prove`) and keep what will be booked once the deposit is paid; nothing
    is asked of anyone yet (the amount: :func:`asked`). An earlier unpaid deposit of this page (``holder``) that
    nothing was asked for is dropped: one at a time per page.

    :raises ValidationError: as :func:`online.confirm`, or no deposit is asked or none can be paid online here
    """
    now = as_of or clock.now()
    amount = asked(location_id, service_id)
    if not amount or not methods(location_id):
        raise ValidationError(_('No deposit can be paid online here.'), field='method')
    check_id, known = online.prove(location_id, token, code, details, service_id=service_id, slot=slot,
                                   holder=holder, as_of=now)
    with session_scope(write=True) as session:
        currency = session.get(Location, location_id).currency
        for old in session.exec(select(OnlineDeposit).where(OnlineDeposit.holder == holder,
                                                            OnlineDeposit.status == 'ready')):
            session.delete(old)
        row = OnlineDeposit(token=secrets.token_urlsafe(24), location_id=location_id, service_id=service_id,
                            staff_member_id=slot.staff_member_id, starts_at=slot.starts_at, holder=holder,
                            verification_id=check_id, customer_id=known, name=details.name, phone=details.phone,
                            email=details.email, notes=details.notes, amount_cents=amount, currency=currency,
                            created_at=now, expires_at=now)
        session.add(row)
        session.flush()
        return _state(session, row)


def pay_by_mpesa(location_id: int, token: str, phone: str, *, ip: str = '', visitor: str = '',
                 as_of: datetime | None = None) -> DepositState:
    """Send the deposit's prompt to ``phone`` (any common spelling; read with the location's country) and keep the
    time :data:`PROMPT_MINUTES` longer (held anew for ``ip``/``visitor``, the page's visitor, if it had lapsed). The
    amount is the deposit in whole shillings (rounded up: M-Pesa takes no cents). After a failed prompt, a new one is
    a row of its own (the old one's late payment still counts). The try is claimed before M-Pesa is asked, so two
    clicks at once send one prompt; a prompt M-Pesa refused is not counted as sent.

    :raises ValidationError: a bad phone (``field='phone'``), M-Pesa not offered here (``'method'``), a prompt
        already waiting on the phone, or the deposit already paid (``'code'``), :data:`PROMPTS_PER_DEPOSIT` prompts
        sent for it already (``'method'``) or :data:`PROMPTS_PER_NUMBER` to that number in the last hour
        (``'phone'``)
    :raises SlotUnavailableError: the time was taken since (the hold had lapsed)
    :raises mobile_money.ProviderError: M-Pesa refused or could not be reached (nothing is held longer)
    :raises NotFoundError: no such deposit at the location
    """
    now = as_of or clock.now()
    if MPESA not in methods(location_id):
        raise ValidationError(_('M-Pesa is not taken here.'), field='method')
    with session_scope() as session:
        row = _row(session, location_id, token)
        location = session.get(Location, location_id)
        country = location.country or 'KE'
    msisdn = mobile_money.provider_phone((phone or '')[:40], country)
    unit = 10 ** get_currency_precision(row.currency)
    amount = -(-row.amount_cents // unit) * unit
    until = now + timedelta(minutes=PROMPT_MINUTES)
    row, _tries = _next_try(row, MPESA, amount, now, until, payer=msisdn)
    callback = secrets.token_urlsafe(32)
    try:
        _keep_time(row, until, now, ip=ip, visitor=visitor)
        prompt = mobile_money.provider().request_payment(msisdn, amount // unit, f'D{row.id}', 'Deposit',
                                                         callback_token=callback)
    except BaseException:
        _give_back(row.id)
        raise
    with session_scope(write=True) as session:
        row = session.get(OnlineDeposit, row.id)
        row.reference, row.payer, row.callback_token_hash = prompt.checkout_request_id, msisdn, \
            mobile_money.token_digest(callback)
        row.status, row.asked_at, row.expires_at, row.reason = 'pending', now, until, ''
        session.add(row)
        return _state(session, row)


def pay_by_card(location_id: int, token: str, *, return_url: str, ip: str = '', visitor: str = '',
                as_of: datetime | None = None) -> DepositState:
    """Open a hosted card checkout for the deposit (the card provider's session, its ``url`` in the state: send the
    customer there) and keep the time :data:`CARD_MINUTES` longer, as long as the session lives. ``return_url``:
    where the provider sends the customer back (``{token}`` in it becomes the deposit's handle; ``?paid=1`` or
    ``?cancelled=1`` appended). ``ip``/``visitor``: as :func:`pay_by_mpesa`. The amount is checked against what the
    provider takes before anything is held; the session's idempotency key is the try's own random token.

    :raises ValidationError, SlotUnavailableError, NotFoundError: as :func:`pay_by_mpesa`; an amount the card
        provider cannot take (``field='amount'``)
    """
    now = as_of or clock.now()
    cards = _card_checkout()
    if cards is None or not cards.configured():
        raise ValidationError(_('Cards are not taken online here.'), field='method')
    with session_scope() as session:
        row = _row(session, location_id, token)
        service = session.get(Service, row.service_id)
        location = session.get(Location, location_id)
        description = f'{location.name}: {service.name}'[:200]
    if hasattr(cards, 'provider_amount'):
        cards.provider_amount(row.amount_cents, row.currency)  # refused before the time is held any longer
    until = now + timedelta(minutes=CARD_MINUTES)
    row, tries = _next_try(row, CARD, row.amount_cents, now, until)
    try:
        _keep_time(row, until, now, ip=ip, visitor=visitor)
        return_url = return_url.replace('{token}', row.token)
        joiner = '&' if '?' in return_url else '?'
        made = cards.provider().create_session(
            amount=row.amount_cents, currency=row.currency.lower(), reference=f'online-deposit-{row.token}-{tries}',
            description=description, success_url=f'{return_url}{joiner}paid=1',
            cancel_url=f'{return_url}{joiner}cancelled=1', expires_at=until, customer_email=row.email,
            metadata={'online_deposit': str(row.id)})
    except BaseException:
        _give_back(row.id)
        raise
    with session_scope(write=True) as session:
        row = session.get(OnlineDeposit, row.id)
        row.reference, row.status, row.asked_at, row.expires_at, row.reason = made.id, 'pending', now, until, ''
        session.add(row)
        return _state(session, row, url=made.url)


def state(location_id: int, token: str) -> DepositState:
    """What became of the page's deposit (as recorded; the provider's answer arrives by callback or
    :func:`check_pending`). :raises NotFoundError: no such deposit at the location"""
    with session_scope() as session:
        return _state(session, _row(session, location_id, token))


def check_pending(*, as_of: datetime | None = None, older_than: timedelta = timedelta(seconds=60)) -> dict[str, str]:
    """Ask M-Pesa about prompts pending longer than ``older_than`` with no callback, settle those it answers, and
    mark failed (``timeout``, the time let go) those past their time it still has no answer for; those are still
    asked about for :data:`LATE_ANSWERS` until M-Pesa gives its final word (a late payment is recorded, and booked
    if the time can still be). Card sessions past their time are expired at the provider and marked failed — or,
    paid meanwhile, settled as paid. Returns reference → what was done."""
    now = as_of or clock.now()
    with session_scope() as session:
        waiting = session.exec(select(OnlineDeposit).where(
            (OnlineDeposit.status == 'pending')
            | ((OnlineDeposit.status == 'failed') & (OnlineDeposit.reason == 'timeout')
               & (OnlineDeposit.method == MPESA) & (OnlineDeposit.asked_at >= now - LATE_ANSWERS)))).all()
    done = {}
    for row in waiting:
        if row.method == MPESA and row.asked_at is not None and row.asked_at <= now - older_than:
            try:
                outcome = mobile_money.provider().query(row.reference)
            except (mobile_money.ProviderError, ValidationError):
                outcome = None
            if outcome is not None:
                done[row.reference] = settle_mpesa(outcome, source='status query')
                continue
        if row.status == 'pending' and row.expires_at <= now:
            if row.method == CARD:
                cards = _card_checkout()
                try:
                    closed = cards.provider().expire(row.reference)
                except Exception:  # gone meanwhile, or the provider unreachable: its webhook still settles it
                    logger.info('card session %s could not be expired', row.reference)
                    closed = None
                if closed is not None and closed.status == 'complete' and closed.payment_status == 'paid':
                    done[row.reference] = _card_completed(closed, 'expire')  # paid just as its time ran out
                    continue
            done[row.reference] = _fail(row.id, 'timeout', None)
    return done


def settle_mpesa(outcome: mobile_money.Outcome, *, source: str, provider_receipt: str = '') -> str:
    """Apply M-Pesa's answer to a status query about a deposit's prompt: paid → booked (:func:`_book_paid`); else
    failed with its reason. Returns ``'paid'``, ``'failed'``, ``'already'`` or ``'refused'`` (no such prompt)."""
    with session_scope() as session:
        row_id = session.exec(select(OnlineDeposit.id).where(
            OnlineDeposit.reference == outcome.checkout_request_id, OnlineDeposit.method == MPESA)).first()
    if row_id is None:
        logger.warning('M-Pesa %s refused: no deposit prompt %s', source, outcome.checkout_request_id[:40])
        return 'refused'
    if outcome.result_code != '0':
        return _fail(row_id, outcome.result_code, outcome.description)
    return _book_paid(row_id, provider_receipt)


def connect() -> None:
    """Take the callbacks of deposit prompts (handed on by :func:`mobile_money.handle_callback`) and the card
    provider's confirmed sessions (when a card checkout is installed). Called when the front desk loads; twice is
    once."""
    mobile_money.answer_other_prompts(_callback)
    cards = _card_checkout()
    if cards is not None and hasattr(cards, 'on_session_completed'):
        cards.on_session_completed(_card_completed)


# --- the provider's word -------------------------------------------------------------------------------------------

def _callback(token: str, hint: mobile_money.Outcome, sender: str) -> str | None:
    """A callback for a prompt :mod:`mobile_money` does not know: None when it is not a deposit's either; refused
    without the prompt's own token; else only a hint: M-Pesa's status query decides."""
    with session_scope() as session:
        row = session.exec(select(OnlineDeposit).where(OnlineDeposit.reference == hint.checkout_request_id,
                                                       OnlineDeposit.method == MPESA)).first()
    if row is None:
        return None
    if not (row.callback_token_hash and hmac.compare_digest(row.callback_token_hash,
                                                            mobile_money.token_digest(token))):
        logger.warning('M-Pesa callback from %s refused: a wrong token for deposit prompt %s', sender,
                       hint.checkout_request_id[:40])
        return 'refused'
    if row.status == 'paid':
        return 'already'
    try:
        answer = mobile_money.provider().query(row.reference)
    except mobile_money.ProviderError:
        return 'pending'
    if answer is None:
        return 'pending'
    same = hint.result_code == '0' and hint.amount is not None and hint.phone == row.payer and (
        hint.amount * 10 ** get_currency_precision(row.currency) == row.amount_cents)
    return settle_mpesa(answer, source='status query after a callback',
                        provider_receipt=hint.provider_receipt if same else '')


def _card_completed(session_info: Any, event_id: str) -> str:
    """The card provider's confirmed ``checkout.session.completed`` (signature checked by ``card_checkout``): books
    when the session is paid in full in the deposit's currency; anything else is logged and changes nothing."""
    with session_scope() as session:
        row = session.exec(select(OnlineDeposit).where(OnlineDeposit.reference == session_info.id,
                                                       OnlineDeposit.method == CARD)).first()
    if row is None:
        return 'ignored'
    if (session_info.payment_status != 'paid' or session_info.amount_total != row.amount_cents
            or (session_info.currency or '').upper() != row.currency):
        logger.warning('card session %s (event %s) refused: not paid in full', session_info.id, event_id)
        if session_info.payment_status == 'paid':  # money taken, but not what was asked: the desk refunds it
            _flag_mismatch(row.id, session_info)
        return 'refused'
    return _book_paid(row.id, getattr(session_info, 'payment_intent', '') or '')


def _flag_mismatch(row_id: int, session_info: Any) -> None:
    """A card session paid with another amount or currency than its deposit asked: the try is failed (``mismatch``,
    no booking) and the desk told to refund it, once."""
    with session_scope(write=True) as session:
        row = session.exec(select(OnlineDeposit).where(OnlineDeposit.id == row_id).with_for_update()).one()
        if row.status == 'paid' or row.reason == 'mismatch':
            return
        row.status, row.reason, row.settled_at = 'failed', 'mismatch', clock.now()
        session.add(row)
        currency = (session_info.currency or '').upper()[:3]
        paid = _units(session_info.amount_total, currency or row.currency)
        words = deferred(N_('A card payment of {paid} {currency} ({reference}) for the online deposit of {amount} by '
                            '{name} does not match it: nothing was booked; refund it'),
                         paid=paid, currency=currency, reference=getattr(session_info, 'payment_intent', '') or
                         session_info.id, amount=_units(row.amount_cents, row.currency),
                         name=row.name or row.phone or row.email)
        activity.add(session, None, 'deposit_online_refused', words, location_id=row.location_id)
        event = notifications.prepare(session, events.PaymentFailed(location_id=row.location_id, booking_id=None,
                                                                    summary=words))
    events.publish(event)


def _book_paid(row_id: int, provider_receipt: str) -> str:
    """In one transaction: the booking (if the time can still be booked), its deposit receipt and payment, and
    for M-Pesa the paid prompt. Returns ``'paid'``, or ``'already'`` if it was."""
    published: list[events.Event] = []
    with session_scope(write=True) as session:
        row = session.exec(select(OnlineDeposit).where(OnlineDeposit.id == row_id).with_for_update()).one()
        if row.status == 'paid':
            return 'already'
        now = clock.now()
        location = session.get(Location, row.location_id)
        actor = online.customer_at(row.location_id, row.customer_id)  # whom the code proved, or the visitor
        booking, why = None, ''
        data = BookingCreate(location_id=row.location_id, customer_id=row.customer_id, service_id=row.service_id,
                             staff_member_id=row.staff_member_id, starts_at=row.starts_at, channel=Channel.ONLINE,
                             notes=row.notes)
        new = None if row.customer_id is not None else CustomerCreate(
            location_id=row.location_id, name=row.name, phone=row.phone, email=row.email,
            notes='Added by online booking')
        # paid after the hold went: the notice applies again (:func:`slot_rules.notice_window`); else only "not begun"
        earliest = slot_rules.notice_window(now, slot_rules.Place.of(location), customer=row.status != 'pending')[0]
        if slot_rules.too_soon(row.starts_at, earliest):
            why = _('the time has passed or is too soon to book')
        else:
            try:
                with session.begin_nested():  # a refusal rolls back the booking's part only: the money is recorded
                    booking, event, added = bookings.insert_booking(session, data, actor=actor, holder=row.holder,
                                                                    new_customer=new)
                published.append(event)
                if added is not None:
                    published.append(events.CustomerChanged(location_id=added.location_id, customer_id=added.id,
                                                            created=True))
            except ClientPulseError as error:
                why = str(error)
        counted = day_close.counted_at(session, row.location_id, now, location.time_zone)
        method = PaymentMethod.MOBILE_MONEY.value if row.method == MPESA else PaymentMethod.CARD.value
        receipt = Receipt(location_id=row.location_id, number=next_number(session, row.location_id), issued_at=counted,
                          customer_id=booking.customer_id if booking else row.customer_id,
                          staff_member_id=row.staff_member_id, booking_id=booking.id if booking else None,
                          payment_method=method, kind='deposit', total_cents=row.amount_cents,
                          paid_cents=row.amount_cents, reason='' if booking else 'online deposit: not booked')
        session.add(receipt)
        session.flush()
        payment = Payment(receipt_id=receipt.id, method=method, amount_cents=row.amount_cents, at=counted)
        session.add(payment)
        session.flush()
        if row.method == MPESA:
            session.add(MobilePayment(receipt_id=receipt.id, location_id=row.location_id,
                                      checkout_request_id=row.reference, phone=row.payer,
                                      amount_cents=row.amount_cents, status='paid', result_code='0',
                                      result_desc='paid', provider_receipt=provider_receipt[:40],
                                      requested_at=row.asked_at or now, settled_at=now,
                                      callback_token_hash=row.callback_token_hash, payment_id=payment.id))
        row.status, row.settled_at, row.receipt_id = 'paid', now, receipt.id
        row.booking_id, row.provider_receipt, row.reason = booking.id if booking else None, provider_receipt, why[:200]
        session.add(row)
        if booking is not None:
            session.execute(update(SlotHold).where(SlotHold.holder == row.holder,
                                                   SlotHold.location_id == row.location_id).values(held_until=now))
        published.append(_announce(session, row, receipt, location, booking, why, counted != now))
    for event in published:
        events.publish(event)
    events.publish(events.AvailabilityChanged(location_id=row.location_id))
    return 'paid'


def _announce(session, row: OnlineDeposit, receipt: Receipt, location: Location, booking: BookingRead | None,
              why: str, late: bool) -> events.Event:
    """Log the deposit and prepare what the desk hears: a receipt, or (not booked) a payment to refund or rebook."""
    member = session.get(StaffMember, row.staff_member_id)
    local = clock.to_local(row.starts_at, location.time_zone)
    values = {'number': receipt.number, 'amount': _units(row.amount_cents, row.currency),
              'reference': row.provider_receipt or row.reference or '', 'name': row.name or row.phone or row.email,
              'when': f'{local:%Y-%m-%d %H:%M}', 'staff': member.name if member else '', 'why': why,
              'counted': f'{clock.local_day(receipt.issued_at, location.time_zone):%Y-%m-%d}'}
    if booking is not None:
        words = deferred(N_('Deposit {number}: {amount} paid online ({reference}) for {name}, {when} with {staff}')
                         if not late else
                         N_('Deposit {number}: {amount} paid online ({reference}) for {name}, {when} with {staff}; '
                            'the day is closed at the till, so it is counted on {counted}'), **values)
        activity.add(session, None, 'deposit_online', words, location_id=row.location_id, booking_id=booking.id)
        return notifications.prepare(session, events.ReceiptCreated(
            receipt_id=receipt.id, location_id=row.location_id, day=clock.local_day(receipt.issued_at,
                                                                                     location.time_zone),
            amount_cents=0, summary=words))
    words = deferred(N_('Deposit {number}: {amount} paid online ({reference}) by {name} for {when} with {staff}, '
                        'but it could not be booked ({why}): refund it or book them'), **values)
    activity.add(session, None, 'deposit_online_unbooked', words, location_id=row.location_id)
    return notifications.prepare(session, events.PaymentFailed(location_id=row.location_id, booking_id=None,
                                                                summary=words))


def _fail(row_id: int, code: str, description: str | None) -> str:
    """Mark a pending deposit failed (``code``: M-Pesa's result code, or ``'timeout'``); a timed-out one gets M-Pesa's
    final word (no longer asked about); ``'already'`` if it was settled."""
    with session_scope(write=True) as session:
        row = session.exec(select(OnlineDeposit).where(OnlineDeposit.id == row_id).with_for_update()).one()
        if row.status == 'failed' and row.reason == 'timeout' and code != 'timeout':
            row.reason = (code if code in mobile_money.RESULTS else description or code)[:200]
            session.add(row)
            return 'failed'  # its time was let go when it timed out
        if row.status != 'pending':
            return 'already'
        row.status, row.settled_at = 'failed', clock.now()
        row.reason = (code if code in mobile_money.RESULTS or code == 'timeout' else description or code)[:200]
        session.add(row)
        location_id, holder = row.location_id, row.holder
    online.release(location_id, holder)  # the time is let go; trying again holds it anew if it is still free
    return 'failed'


# --- helpers --------------------------------------------------------------------------------------------------------

def _row(session, location_id: int, token: str) -> OnlineDeposit:
    row = session.exec(select(OnlineDeposit).where(OnlineDeposit.token == (token or '')[:64],
                                                   OnlineDeposit.location_id == location_id)).first()
    if row is None:
        raise NotFoundError(_('That deposit is not known here.'), field='code')
    return row


def _next_try(row: OnlineDeposit, method: str, amount: int, now: datetime, until: datetime, *,
              payer: str = '') -> tuple[OnlineDeposit, int]:
    """Claim the row the next ask goes on (status ``asking`` until :data:`until`, so a second click, or another
    method at the same time, is refused rather than asking twice): this one if nothing was asked on it yet, else a
    copy (each prompt or session its own row, so a late answer to an earlier one still finds it). The page's rows
    are locked while it is decided. Returns the claimed row and the how-many-th try of the page it is.

    :raises ValidationError: one is waiting for its answer (or being asked), or it is paid (``field='code'``); an
        M-Pesa prompt past :data:`PROMPTS_PER_DEPOSIT` (``'method'``) or :data:`PROMPTS_PER_NUMBER` (``'phone'``)
    """
    with session_scope(write=True) as session:
        mine = OnlineDeposit.holder == row.holder, OnlineDeposit.location_id == row.location_id
        session.exec(select(OnlineDeposit.id).where(*mine).with_for_update()).all()  # one try at a time per page
        rows = session.exec(select(OnlineDeposit).where(*mine).execution_options(populate_existing=True)).all()
        if any(r.status == 'paid' for r in rows):
            raise ValidationError(_('This deposit is paid already.'), field='code')
        if any(r.status in ('asking', 'pending') and r.expires_at > now for r in rows):
            raise ValidationError(_('A payment is still waiting for your answer.'), field='code')
        if method == MPESA:
            _check_prompts(session, rows, payer, now)
        tries = sum(r.status != 'ready' for r in rows) + 1
        current = next((r for r in rows if r.id == row.id), None)
        if current is None or current.status != 'ready':
            current = OnlineDeposit(**row.model_dump(include={
                'location_id', 'service_id', 'staff_member_id', 'starts_at', 'holder', 'verification_id',
                'customer_id', 'name', 'phone', 'email', 'notes', 'amount_cents', 'currency'}),
                token=secrets.token_urlsafe(24), created_at=now, expires_at=now)
        current.method, current.amount_cents, current.payer = method, amount, payer
        current.status, current.asked_at, current.expires_at, current.reason = 'asking', now, until, ''
        session.add(current)
        session.flush()
        session.refresh(current)
        session.expunge(current)
        return current, tries


def _check_prompts(session, rows: list[OnlineDeposit], payer: str, now: datetime) -> None:
    """Refuse an M-Pesa prompt past the page's :data:`PROMPTS_PER_DEPOSIT` or the number's :data:`PROMPTS_PER_NUMBER`
    in the last hour (a prompt M-Pesa refused is not counted)."""
    sent = sum(r.method == MPESA and r.reason != 'unsent' and r.status != 'ready' for r in rows)
    if sent >= PROMPTS_PER_DEPOSIT:
        raise ValidationError(_('{n} M-Pesa prompts were sent for this deposit already: pay by card if you can, or '
                                'call the shop to book.').format(n=sent), field='method')
    recent = session.exec(select(func.count()).select_from(OnlineDeposit).where(
        OnlineDeposit.payer == payer, OnlineDeposit.method == MPESA, OnlineDeposit.asked_at > now - timedelta(hours=1),
        OnlineDeposit.status != 'ready', OnlineDeposit.reason != 'unsent')).one()
    if recent >= PROMPTS_PER_NUMBER:
        raise ValidationError(_('Too many M-Pesa prompts went to this number in the last hour: try again later, or '
                                'pay another way.'), field='phone')


def _give_back(row_id: int) -> None:
    """A claimed try that was never asked (the provider refused it or could not be reached, or the time was taken):
    failed as ``unsent``, so the page may try again at once (its next try is a row of its own)."""
    with session_scope(write=True) as session:
        session.execute(update(OnlineDeposit).where(OnlineDeposit.id == row_id, OnlineDeposit.status == 'asking')
                        .values(status='failed', reason='unsent', expires_at=clock.now(), settled_at=clock.now()))


def _keep_time(row: OnlineDeposit, until: datetime, now: datetime, *, ip: str = '', visitor: str = '') -> None:
    """Hold the deposit's time for its page until ``until``: the page's hold lengthened, or taken again if it had
    lapsed (for ``ip``/``visitor``, the page's visitor, as its first hold: the per-address limits count them).
    :raises SlotUnavailableError: the time was taken meanwhile :raises HoldLimitError: past a limit on online holds"""
    with session_scope(write=True) as session:
        kept = session.execute(update(SlotHold).where(
            SlotHold.holder == row.holder, SlotHold.location_id == row.location_id,
            SlotHold.staff_member_id == row.staff_member_id, SlotHold.starts_at == row.starts_at,
            SlotHold.held_until > now).values(held_until=until)).rowcount
        member = session.get(StaffMember, row.staff_member_id)
    if not kept:
        slot = availability.Slot(row.starts_at, row.staff_member_id, member.name if member else '')
        availability.hold(row.location_id, row.service_id, slot, holder=row.holder, kind=HoldKind.ONLINE,
                          actor=online.visitor_at(row.location_id, ip=ip), now=now,
                          minutes=max(1, int((until - now).total_seconds() // 60)), ip=ip, visitor=visitor)


def _state(session, row: OnlineDeposit, url: str = '') -> DepositState:
    booking = manage = None
    if row.booking_id is not None:
        booking = bookings.to_read(session, session.get(Booking, row.booking_id))
        manage = links.manage_token(booking.id, booking.code)
    reason = row.reason
    if row.status == 'failed':
        reason = {'timeout': _('the time to answer ran out'), 'unsent': _('the payment could not be asked for'),
                  'mismatch': _('the amount paid did not match: the shop will pay it back')}.get(
            row.reason) or mobile_money.result_words(row.reason, row.reason)
    status = 'pending' if row.status == 'asking' else row.status  # being asked: shown as waiting
    return DepositState(token=row.token, status=status, method=row.method, amount_cents=row.amount_cents,
                        currency=row.currency, phone=row.payer, reason=reason, booking=booking, manage=manage or '',
                        url=url)


def _units(cents: int, currency: str) -> str:
    """An amount in minor units as plain figures for the log (the currency's own number of decimals)."""
    digits = get_currency_precision(currency)
    return format_decimal(Decimal(cents).scaleb(-digits), format=f'#,##0.{"0" * digits}' if digits else '#,##0',
                          locale='en')


def _card_checkout():
    """The card checkout module, when it is installed (``app.services.money.card_checkout``); else None."""
    try:
        return importlib.import_module('app.services.money.card_checkout')
    except ModuleNotFoundError:
        return None
