"""Mobile money at checkout: a prompt on the customer's phone (M-Pesa Express, "STK push") and what became of it,
as Daraja's status query tells (the provider and its API: :mod:`app.services.money.daraja`).

**The rule: only Daraja's answer to the status query moves money.** A callback is anyone's POST, and one may lack
``PhoneNumber`` or carry a failure for a prompt the customer then pays, so a callback is only a hint to ask Daraja
(:func:`handle_callback`): each prompt's CallBackURL ends in a random token of its own (``secrets.token_urlsafe``,
stored as its SHA-256, compared with ``hmac.compare_digest``); a callback without the right token, for an unknown
prompt, or not of the documented shape is refused and logged and asks nothing. A prompt's states: ``pending`` →
``paid`` (final) or ``failed``; a failed prompt still becomes ``paid`` when a later query confirms the payment (a
failure never overrides a confirmed success). Matching a callback's amount, phone and receipt number instead was
not chosen: the receipt number cannot be checked against anything the app knows, and a query answers from Daraja's
own record. The query's answer carries no receipt number: M-Pesa's (``MpesaReceiptNumber``) is kept from the
prompt's own callback when its amount and phone are the prompt's.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import select

from app.models import Location, MobilePayment, Payment, PaymentMethod, Receipt, UserRead
from app.services import clock, events, notifications
from app.services.accounts import activity
from app.services.accounts.access import FRONT_DESK_ROLES, ensure_location, ensure_role
from app.services.amounts import check_amount, digits, plain
from app.services.customers import phones
from app.services.database import session_scope
from app.services.errors import NotFoundError, ValidationError
from app.services.i18n import N_, _, deferred
from app.services.money import checkout, day_close
from app.services.money.common import receipt_of, waiting_on_phones
from app.services.money.daraja import DarajaProvider, Outcome, PaymentProvider, ProviderError

__all__ = ['Outcome', 'PaymentProvider', 'PhoneCheckout', 'PromptState', 'ProviderError', 'answer_other_prompts',
           'ask_now',
           'check_out_by_phone', 'check_pending', 'configured', 'handle_callback', 'prompt_state', 'prompts_of',
           'provider', 'provider_phone', 'request', 'set_provider', 'settle']

logger = logging.getLogger(__name__)

RESULTS = {'0': N_('paid'), '1': N_('the customer has too little money on M-Pesa'),
           '1032': N_('the customer cancelled it'), '1037': N_("the customer's phone could not be reached in time"),
           '2001': N_('the PIN was wrong')}
"""Daraja's result codes → what they mean for the desk (English; :func:`result_words` translates)."""
FAILED = {'1': N_('M-Pesa payment failed: receipt {number}, {amount} — the customer has too little money on M-Pesa'),
          '1032': N_('M-Pesa payment failed: receipt {number}, {amount} — the customer cancelled it'),
          '1037': N_("M-Pesa payment failed: receipt {number}, {amount} — the customer's phone could not be reached "
                     'in time'),
          '2001': N_('M-Pesa payment failed: receipt {number}, {amount} — the PIN was wrong')}
"""A failed prompt's announcement by result code (stored deferred: each reader's language); others: Daraja's
own description (:data:`FAILED_OTHERWISE`)."""
FAILED_OTHERWISE = N_('M-Pesa payment failed: receipt {number}, {amount} — {why}')


def result_words(code: str | None, description: str | None) -> str:
    """What a prompt's result ``code`` means, in the current language; else Daraja's own ``description``."""
    return _(RESULTS[code]) if code in RESULTS else (description or '')


def token_digest(token: str) -> str:
    """SHA-256 (hex) of a prompt's callback token, as stored (the token itself is never stored)."""
    return hashlib.sha256(token.encode('utf-8', 'replace')).hexdigest()


_chosen: dict[str, PaymentProvider] = {}
_others: list[Callable[[str, Outcome, str], str | None]] = []


def answer_other_prompts(handler: Callable[[str, Outcome, str], str | None]) -> None:
    """Let ``handler(token, hint, sender)`` answer the callbacks of prompts sent for something other than a receipt
    (an online booking's deposit: :mod:`app.services.frontdesk.online_deposits`), which are not kept here: it returns
    what :func:`handle_callback` returns, or None when the prompt is not its either. Registering twice is once."""
    if handler not in _others:
        _others.append(handler)


def provider() -> PaymentProvider:
    """The configured provider (built once; tests may :func:`set_provider`)."""
    if 'provider' not in _chosen:
        _chosen['provider'] = DarajaProvider.from_settings()
    return _chosen['provider']


def configured() -> bool:
    """Whether M-Pesa is set up here (the ``CLIENTPULSE_MPESA_*`` settings, or a provider a test chose): the
    checkout then sends its mobile-money payments as prompts; else it only notes them."""
    try:
        provider()
    except ValidationError:
        return False
    return True


def set_provider(chosen: PaymentProvider | None) -> None:
    """Use ``chosen`` (None: the configured one, built on next use)."""
    _chosen.pop('provider', None)
    if chosen is not None:
        _chosen['provider'] = chosen


def provider_phone(phone: str, country: str = 'KE') -> str:
    """A phone as M-Pesa wants it (``2547XXXXXXXX``), from any common spelling (``0712 345 678``, ``+254 712…``).

    :raises ValidationError: not a phone number (``field='phone'``)
    """
    e164 = phones.e164(phone, country or 'KE')
    if not e164:
        raise ValidationError(_('"{phone}" is not a phone number.').format(phone=phone[:30]), field='phone')
    return e164.lstrip('+')


def whole_units(amount_cents: int, currency: str) -> int | None:
    """``amount_cents`` (minor units of ``currency``) as the whole units Daraja's ``Amount`` takes (whole shillings:
    ``150000`` KES → ``1500``; RWF's minor unit is already whole: ``1500`` → ``1500``), or None when it has a
    fraction of a unit (``150050`` KES): never rounded — the desk asks for a whole amount and takes the cents another
    way."""
    unit = 10 ** digits(currency)
    return None if amount_cents % unit else amount_cents // unit


def request(receipt_id: int, phone: str, amount_cents: int, *, actor: UserRead) -> MobilePayment:
    """Send a prompt to ``phone`` to pay ``amount_cents`` (whole units only: M-Pesa takes whole shillings) of a
    receipt's balance; the prompt is kept as pending. Nothing is paid until the provider says so.

    :raises ValidationError: more than the balance, not whole units, a bad phone, M-Pesa not set up
    :raises ProviderError: M-Pesa refused or could not be reached
    :raises NotFoundError, PermissionDeniedError: no such sale, or another location's
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('take payments'))
    with session_scope() as session:
        receipt = receipt_of(session, receipt_id, actor, sales_only=True)
        location = session.get(Location, receipt.location_id)
        currency = location.currency
        check_amount(amount_cents, 'amount', currency)
        whole = whole_units(amount_cents, currency)
        if amount_cents <= 0 or whole is None:
            raise ValidationError(_('M-Pesa takes whole amounts (no cents).'), field='amount')
        balance = (receipt.total_cents or 0) - receipt.paid_cents - waiting_on_phones(session, receipt_id, clock.now())
        number = receipt.number
    if amount_cents > balance:
        raise ValidationError(_('That is more than the {amount} still to pay.').format(amount=plain(balance, currency)),
                              field='amount')
    msisdn = provider_phone(phone, location.country or 'KE')
    token = secrets.token_urlsafe(32)  # 256 random bits: the callback's proof that it came from whom we told
    prompt = provider().request_payment(msisdn, whole, f'R{number}', 'ClientPulse',
                                        callback_token=token)
    with session_scope(write=True) as session:
        pending = MobilePayment(receipt_id=receipt_id, location_id=location.id,
                                checkout_request_id=prompt.checkout_request_id,
                                merchant_request_id=prompt.merchant_request_id, phone=msisdn,
                                amount_cents=amount_cents, requested_at=clock.now(), user_id=actor.id or None,
                                callback_token_hash=token_digest(token))
        session.add(pending)
        activity.add(session, actor, 'mpesa_prompt', deferred(
            N_('Receipt {number}: M-Pesa prompt for {amount} sent to {phone}'), number=number,
            amount=plain(amount_cents, currency), phone=f'{msisdn[:6]}…{msisdn[-2:]}'), location_id=location.id)
        session.flush()
        changed = events.ReceiptCreated(receipt_id=receipt_id, location_id=location.id, day=clock.local_day(
            clock.now(), location.time_zone), amount_cents=0,
            summary=deferred(N_('Receipt {number}: waiting for the phone'), number=number))
    events.publish(changed)
    return pending


def settle(outcome: Outcome, *, source: str = 'status query', provider_receipt: str = '') -> str:
    """Apply Daraja's answer to a status query about a prompt (the only word that moves money; never a callback's
    own): on success a mobile-money payment on its receipt, counted now or, when today is closed at the till, on
    the next open day (:func:`day_close.counted_at`); on failure the prompt marked failed and owners and managers
    told (``PaymentFailed``). ``provider_receipt``: M-Pesa's receipt number if known (from the prompt's callback).
    Returns what was done: ``'paid'``, ``'failed'``, ``'already'`` (paid before, or failed again: nothing
    changes), ``'refused'`` (no such prompt: logged, nothing changes). A failed prompt whose payment is confirmed
    later becomes paid; a paid one never changes.
    """
    with session_scope(write=True) as session:
        prompt = session.exec(select(MobilePayment).where(
            MobilePayment.checkout_request_id == outcome.checkout_request_id).with_for_update()).first()
        if prompt is None:
            activity.add(session, None, 'mpesa_refused', deferred(
                N_('M-Pesa {source} refused: no prompt {prompt}'), source=source,
                prompt=outcome.checkout_request_id[:40]))
            return 'refused'
        paid = outcome.result_code == '0'
        if prompt.status == 'paid' or (prompt.status == 'failed' and not paid):
            return 'already'
        receipt = session.exec(select(Receipt).where(Receipt.id == prompt.receipt_id).with_for_update()).one()
        location = session.get(Location, receipt.location_id)
        now = clock.now()
        prompt.result_code, prompt.result_desc, prompt.settled_at = outcome.result_code, outcome.description, now
        if paid:
            words = _pay(session, prompt, receipt, location, now, provider_receipt[:40])
            announced = notifications.prepare(session, events.ReceiptCreated(
                receipt_id=receipt.id, location_id=receipt.location_id, day=clock.local_day(now, location.time_zone),
                amount_cents=0, summary=words))
        else:
            prompt.status = 'failed'
            values = {'number': receipt.number, 'amount': plain(prompt.amount_cents, location.currency)}
            words = (deferred(FAILED[outcome.result_code], **values) if outcome.result_code in FAILED else
                     deferred(FAILED_OTHERWISE, why=outcome.description or 'it failed', **values))
            announced = notifications.prepare(session, events.PaymentFailed(
                location_id=receipt.location_id, booking_id=receipt.booking_id, summary=words))
        session.add_all([prompt, receipt])
        activity.add(session, None, 'mpesa_' + prompt.status, words, location_id=receipt.location_id,
                     booking_id=receipt.booking_id)
        result = prompt.status
    events.publish(announced)
    return result


def _pay(session, prompt: MobilePayment, receipt: Receipt, location: Location, now, provider_receipt: str) -> str:
    """Record a confirmed prompt's payment in the caller's unit of work; the words that announce it."""
    owed = (receipt.total_cents or 0) - receipt.paid_cents
    counted = day_close.counted_at(session, location.id, now, location.time_zone)
    payment = Payment(receipt_id=receipt.id, method=PaymentMethod.MOBILE_MONEY.value, amount_cents=prompt.amount_cents,
                      at=counted)
    session.add(payment)
    session.flush()
    prompt.status, prompt.provider_receipt, prompt.payment_id = 'paid', provider_receipt, payment.id
    receipt.paid_cents += prompt.amount_cents
    currency = location.currency
    values = {'number': receipt.number, 'amount': plain(prompt.amount_cents, currency)
              + (f' ({provider_receipt})' if provider_receipt else ''),
              'today': f'{clock.local_day(now, location.time_zone):%Y-%m-%d}',
              'counted': f'{clock.local_day(counted, location.time_zone):%Y-%m-%d}',
              'extra': plain(prompt.amount_cents - owed, currency)}
    late, over = counted != now, prompt.amount_cents > owed  # over: the desk took it another way meanwhile
    if late and over:
        return deferred(N_('M-Pesa payment received: receipt {number}, {amount}; {today} is closed at the till, so '
                           'it is counted on {counted}; that is {extra} more than was owed: give it back'), **values)
    if late:
        return deferred(N_('M-Pesa payment received: receipt {number}, {amount}; {today} is closed at the till, so '
                           'it is counted on {counted}'), **values)
    if over:
        return deferred(N_('M-Pesa payment received: receipt {number}, {amount}; that is {extra} more than was '
                           'owed: give it back'), **values)
    return deferred(N_('M-Pesa payment received: receipt {number}, {amount}'), **values)


def handle_callback(token: str, body: object, *, sender: str = '') -> str:
    """A callback Daraja posted to a prompt's CallBackURL (``token``: the URL's last part; ``body``: the parsed
    JSON; ``sender``: the network address it came from, for the log). It is only a hint: if it names a prompt whose
    token it carries, Daraja is asked about that prompt (:meth:`PaymentProvider.query`) and its answer settled
    (:func:`settle`); M-Pesa's receipt number is taken from a success callback whose amount and phone are the
    prompt's. Returns ``'paid'``, ``'failed'``, ``'already'``, ``'pending'`` (Daraja has no answer yet or could not be
    reached: the periodic :func:`check_pending` asks again) or ``'refused'`` (not of the documented shape, no such
    prompt, a missing or wrong token, M-Pesa not set up: logged with the sender, nothing asked, nothing changes).
    Never raises for what it is sent.
    """
    try:
        chosen = provider()
        hint = chosen.parse_callback(body if isinstance(body, dict) else {})
    except ValidationError as error:
        why = 'not of the documented shape' if error.field == 'body' else 'M-Pesa is not set up'
        return _refuse(why, sender=sender)
    with session_scope() as session:
        prompt = session.exec(select(MobilePayment).where(
            MobilePayment.checkout_request_id == hint.checkout_request_id)).first()
        place = session.get(Location, prompt.location_id) if prompt is not None else None
    if prompt is None:
        return _to_other_prompts(token, hint, sender)
    if not (prompt.callback_token_hash and hmac.compare_digest(prompt.callback_token_hash, token_digest(token))):
        return _refuse(f'{"a wrong" if token else "no"} token for {hint.checkout_request_id[:40]}', sender=sender,
                       location_id=prompt.location_id)
    same = _confirms(hint, prompt, place)
    if prompt.status == 'paid' and same and hint.provider_receipt and not prompt.provider_receipt:
        _note_receipt(prompt.id, hint.provider_receipt)  # paid on a status query before its callback came
    if prompt.status == 'paid' or (prompt.status == 'failed' and hint.result_code != '0'):
        return 'already'
    try:
        answer = chosen.query(prompt.checkout_request_id)
    except ProviderError as error:
        logger.warning('M-Pesa callback for %s: Daraja could not be asked (%s); asking again later',
                       prompt.checkout_request_id, error)
        return 'pending'
    if answer is None:
        return 'pending'
    return settle(answer, source='status query after a callback',
                  provider_receipt=hint.provider_receipt if same else '')


def _to_other_prompts(token: str, hint: Outcome, sender: str) -> str:
    """A callback for no sale's prompt, handed to the other kinds of prompt (:func:`answer_other_prompts`: online
    deposits); what the one that knows it answers, else refused."""
    for other in _others:
        answered = other(token, hint, sender)
        if answered == 'refused':
            return _refuse(f'a wrong token for deposit prompt {hint.checkout_request_id[:40]}', sender=sender)
        if answered is not None:
            return answered
    return _refuse(f'no prompt {hint.checkout_request_id[:40]}', sender=sender)


def _confirms(hint: Outcome, prompt: MobilePayment, place: Location | None) -> bool:
    """Whether a callback is a success for exactly the prompt's amount (whole units of the location's currency) and
    phone: only then is M-Pesa's receipt number it carries taken."""
    return hint.result_code == '0' and hint.amount is not None and place is not None and (
        whole_units(prompt.amount_cents, place.currency) == hint.amount) and hint.phone == prompt.phone


def _note_receipt(prompt_id: int, provider_receipt: str) -> None:
    """Keep M-Pesa's receipt number of a prompt already paid (confirmed by a status query before its callback came):
    only words on the receipt; the money moved on Daraja's answer, not on this."""
    changed = None
    with session_scope(write=True) as session:
        prompt = session.exec(select(MobilePayment).where(MobilePayment.id == prompt_id).with_for_update()).one()
        if prompt.status == 'paid' and not prompt.provider_receipt:
            prompt.provider_receipt = provider_receipt[:40]
            session.add(prompt)
            receipt = session.get(Receipt, prompt.receipt_id)
            location = session.get(Location, receipt.location_id)
            changed = events.ReceiptCreated(  # what shows the receipt redraws with the number
                receipt_id=receipt.id, location_id=receipt.location_id, amount_cents=0,
                day=clock.local_day(clock.now(), location.time_zone),
                summary=deferred(N_('Receipt {number}: M-Pesa receipt {reference}'), number=receipt.number,
                                 reference=provider_receipt[:40]))
    if changed is not None:
        events.publish(changed)


def _refuse(why: str, *, sender: str, location_id: int | None = None) -> str:
    with session_scope(write=True) as session:
        activity.add(session, None, 'mpesa_refused', deferred(N_('M-Pesa callback refused: {why}'), why=why),
                     location_id=location_id,
                     ip=sender)
    return 'refused'


def check_pending(*, older_than: timedelta = timedelta(seconds=60)) -> dict[str, str]:
    """Ask the provider about prompts pending for longer than ``older_than`` (no callback came) and settle those it
    has an answer for; prompts it cannot answer stay pending. Returns CheckoutRequestID → what was done."""
    cutoff = clock.now() - older_than
    with session_scope() as session:
        waiting = session.exec(select(MobilePayment.checkout_request_id).where(
            MobilePayment.status == 'pending', MobilePayment.requested_at <= cutoff)).all()
    done = {}
    for checkout_id in waiting:
        try:
            outcome = provider().query(checkout_id)
        except ProviderError:
            continue
        if outcome is not None:
            done[checkout_id] = settle(outcome, source='status query')
    return done


def prompts_of(receipt_id: int, *, actor: UserRead) -> list[MobilePayment]:
    """A receipt's prompts, newest first. :raises NotFoundError, PermissionDeniedError:"""
    ensure_role(actor, FRONT_DESK_ROLES, N_('take payments'))
    with session_scope() as session:
        receipt_of(session, receipt_id, actor)
        return list(session.exec(select(MobilePayment).where(MobilePayment.receipt_id == receipt_id)
                                 .order_by(MobilePayment.id.desc())))



@dataclass(frozen=True)
class PhoneCheckout:
    """A sale recorded at the checkout with part of it asked of the customer's phone: ``sale`` (the recorded
    :class:`~app.services.money.checkout.Checkout`, the asked part still a balance), ``prompt`` (the prompt sent, or
    None) and ``failure`` (why none was sent, in the desk's words: the balance stays on the receipt)."""

    sale: checkout.Checkout
    prompt: MobilePayment | None
    failure: str = ''


@dataclass(frozen=True)
class PromptState:
    """What became of a prompt, for the desk: ``status`` ``'pending'``, ``'paid'`` or ``'failed'``; ``amount_cents``;
    ``provider_receipt`` (M-Pesa's receipt number once paid, if its callback gave it); ``reason`` (a failure's, in
    the current language); ``balance_cents`` (what the receipt still owes)."""

    checkout_request_id: str
    status: str
    amount_cents: int
    provider_receipt: str
    reason: str
    balance_cents: int


def check_out_by_phone(sale: checkout.Sale, phone: str, amount_cents: int, *, actor: UserRead,
                       field: str = 'payments.0') -> PhoneCheckout:
    """The checkout's "M-Pesa" payment: the sale is recorded (:func:`checkout.check_out`, with ``sale.payments``
    the other methods; ``amount_cents`` left as a balance), then a prompt for ``amount_cents`` is sent to ``phone``
    (:func:`request`; a phone typed the local way is read with the location's country). Nothing is paid until
    Daraja's status query says so (:func:`settle`): the receipt's balance falls, and the sale is paid in full, when
    it does. Two steps: the sale is kept even if the prompt cannot be sent (then ``failure`` says why and the
    balance stays, to take from the Sales page).

    Checked before anything is recorded: the amount (whole units, more than nothing; ``field``), the phone (``'phone'``)
    and that M-Pesa is set up (``'method'``).

    :raises ValidationError, NotFoundError, PermissionDeniedError, InvalidTransitionError: as
        :func:`checkout.check_out`, or the checks above
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('take payments'))
    ensure_location(actor, sale.location_id)
    with session_scope() as session:
        location = session.get(Location, sale.location_id)
        country = (location.country if location else '') or 'KE'
        currency = location.currency if location else 'KES'
    check_amount(amount_cents, field, currency)
    if amount_cents <= 0 or whole_units(amount_cents, currency) is None:
        raise ValidationError(_('M-Pesa takes whole amounts (no cents).'), field=field)
    if not (phone or '').strip():
        raise ValidationError(_("Type the customer's phone for M-Pesa."), field='phone')
    provider_phone(phone[:40], country)  # a bad number is refused before the sale is recorded
    provider()  # M-Pesa not set up: refused before too
    done = checkout.check_out(sale, actor=actor)
    asked = min(amount_cents, done.balance_cents)
    if asked <= 0 or whole_units(asked, currency) is None:
        return PhoneCheckout(done, None, _('Nothing is left to ask by M-Pesa.') if asked <= 0 else
                             _('M-Pesa takes whole amounts (no cents).'))
    try:
        return PhoneCheckout(done, request(done.receipt_id, phone[:40], asked, actor=actor))
    except (ProviderError, ValidationError) as error:
        return PhoneCheckout(done, None, str(error))


def prompt_state(receipt_id: int, checkout_request_id: str, *, actor: UserRead) -> PromptState:
    """What became of one prompt of a receipt (as recorded: see :func:`ask_now` to ask Daraja).

    :raises NotFoundError: no such receipt, or no such prompt on it
    :raises PermissionDeniedError: not a front-desk role, or another location's
    """
    ensure_role(actor, FRONT_DESK_ROLES, N_('take payments'))
    with session_scope() as session:
        receipt = receipt_of(session, receipt_id, actor)
        prompt = session.exec(select(MobilePayment).where(
            MobilePayment.receipt_id == receipt.id,
            MobilePayment.checkout_request_id == checkout_request_id[:64])).first()
        if prompt is None:
            raise NotFoundError(_('No such M-Pesa prompt.'), field='prompt')
        return PromptState(prompt.checkout_request_id, prompt.status, prompt.amount_cents, prompt.provider_receipt,
                           result_words(prompt.result_code, prompt.result_desc) if prompt.status == 'failed' else '',
                           (receipt.total_cents or 0) - receipt.paid_cents)


def ask_now(receipt_id: int, checkout_request_id: str, *, actor: UserRead) -> PromptState:
    """Ask Daraja now what became of a pending prompt of a receipt (the status query: the only word that moves
    money, :func:`settle`), for the desk's "Check now"; a prompt no longer pending is only read.

    :raises NotFoundError, PermissionDeniedError: as :func:`prompt_state`
    :raises ProviderError: Daraja could not be asked
    """
    state = prompt_state(receipt_id, checkout_request_id, actor=actor)
    if state.status == 'pending':
        answer = provider().query(state.checkout_request_id)
        if answer is not None:
            settle(answer, source='status query from the desk')
            state = prompt_state(receipt_id, checkout_request_id, actor=actor)
    return state
