"""Mobile money at checkout: a prompt on the customer's phone (M-Pesa Express, "STK push"), and its outcome from
the provider's callback or, when none comes, a status query.

The provider sits behind :class:`PaymentProvider`; :class:`DarajaProvider` follows Safaricom's Daraja API:

- ``GET /oauth/v1/generate?grant_type=client_credentials`` with HTTP Basic (consumer key and secret) →
  ``{"access_token", "expires_in"}`` (seconds; the token is kept until shortly before it expires);
- ``POST /mpesa/stkpush/v1/processrequest`` (Bearer token) with ``BusinessShortCode``, ``Password`` =
  base64(shortcode + passkey + timestamp), ``Timestamp`` (``YYYYMMDDHHMMSS``, Nairobi time),
  ``TransactionType`` ``CustomerPayBillOnline``, ``Amount`` (whole shillings), ``PartyA`` and ``PhoneNumber``
  (``2547XXXXXXXX``), ``PartyB`` (the shortcode), ``CallBackURL``, ``AccountReference`` (≤ 12 characters) and
  ``TransactionDesc`` (≤ 13) → ``{"MerchantRequestID", "CheckoutRequestID", "ResponseCode": "0", …}``;
- the callback ``{"Body": {"stkCallback": {"MerchantRequestID", "CheckoutRequestID", "ResultCode", "ResultDesc",
  "CallbackMetadata": {"Item": [{"Name": "Amount", "Value"}, {"Name": "MpesaReceiptNumber", "Value"},
  {"Name": "TransactionDate", "Value"}, {"Name": "PhoneNumber", "Value"}]}}}}`` (metadata only on success);
- ``POST /mpesa/stkpushquery/v1/query`` with ``BusinessShortCode``, ``Password``, ``Timestamp`` and
  ``CheckoutRequestID`` → ``{"ResultCode", "ResultDesc", …}``; while the customer has not answered, an error
  ``{"errorCode": "500.001.1001"}``.

Result codes: ``0`` paid; ``1`` insufficient funds; ``1032`` cancelled by the user; ``1037`` the phone could not be
reached in time; ``2001`` wrong PIN; anything else failed. A callback counts only if it matches a pending prompt
(its CheckoutRequestID, and on success the amount and the phone), and only once; anything else is refused and logged.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import select

from app.config import get_settings
from app.models import Location, MobilePayment, Payment, PaymentMethod, Receipt, UserRead
from app.services import clock, events, notifications
from app.services.accounts import activity
from app.services.accounts.access import FRONT_DESK_ROLES, ensure_role
from app.services.customers import phones
from app.services.database import session_scope
from app.services.errors import ClientPulseError, ValidationError
from app.services.money.common import receipt_of

NAIROBI = ZoneInfo('Africa/Nairobi')
RESULTS = {'0': 'paid', '1': 'the customer has too little money on M-Pesa', '1032': 'the customer cancelled it',
           '1037': "the customer's phone could not be reached in time", '2001': 'the PIN was wrong'}
BASE_URLS = {'sandbox': 'https://sandbox.safaricom.co.ke', 'production': 'https://api.safaricom.co.ke'}


class ProviderError(ClientPulseError):
    """The provider refused the request or could not be reached (the message says which, in the desk's words)."""


@dataclass(frozen=True)
class Prompt:
    """A prompt the provider accepted: its ids."""

    checkout_request_id: str
    merchant_request_id: str


@dataclass(frozen=True)
class Outcome:
    """What became of a prompt: ``result_code`` ('0' paid), ``description``, and on success the ``amount`` (whole
    units), the provider's receipt number and the paying ``phone`` (``2547…``)."""

    checkout_request_id: str
    result_code: str
    description: str
    amount: int | None = None
    provider_receipt: str = ''
    phone: str = ''


class PaymentProvider(Protocol):
    """A mobile-money provider: send a prompt, ask what became of it, read its callbacks."""

    def request_payment(self, phone: str, amount: int, reference: str, description: str) -> Prompt:
        """Prompt ``phone`` (``2547…``) to pay ``amount`` (whole units). :raises ProviderError:"""

    def query(self, checkout_request_id: str) -> Outcome | None:
        """The prompt's outcome, or None while the customer has not answered. :raises ProviderError:"""

    def parse_callback(self, body: dict) -> Outcome:
        """A callback's outcome. :raises ValidationError: not a callback of this provider's shape"""


class DarajaProvider:
    """Safaricom's Daraja API (M-Pesa Express), configured from the ``CLIENTPULSE_MPESA_*`` settings."""

    def __init__(self, *, base_url: str, consumer_key: str, consumer_secret: str, shortcode: str, passkey: str,
                 callback_url: str, timeout: float = 15) -> None:
        self.base_url, self.shortcode, self.passkey = base_url.rstrip('/'), shortcode, passkey
        self.callback_url, self.timeout = callback_url, timeout
        self._basic = base64.b64encode(f'{consumer_key}:{consumer_secret}'.encode()).decode()
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> DarajaProvider:
        """:raises ValidationError: M-Pesa is not set up (``CLIENTPULSE_MPESA_*``)"""
        s = get_settings()
        if not (s.mpesa_consumer_key and s.mpesa_consumer_secret and s.mpesa_passkey and s.mpesa_shortcode
                and s.mpesa_callback_url):
            raise ValidationError('M-Pesa is not set up: ask the owner to fill in the CLIENTPULSE_MPESA_ settings.',
                                  field='method')
        return cls(base_url=s.mpesa_base_url or BASE_URLS.get(s.mpesa_environment, BASE_URLS['sandbox']),
                   consumer_key=s.mpesa_consumer_key.get_secret_value(),
                   consumer_secret=s.mpesa_consumer_secret.get_secret_value(), shortcode=s.mpesa_shortcode,
                   passkey=s.mpesa_passkey.get_secret_value(), callback_url=s.mpesa_callback_url)

    def _access_token(self) -> str:
        with self._lock:
            if self._token and self._token[1] > time.monotonic():
                return self._token[0]
            answer = self._call('GET', '/oauth/v1/generate?grant_type=client_credentials',
                                headers={'Authorization': f'Basic {self._basic}'})
            token = str(answer.get('access_token') or '')
            if not token:
                raise ProviderError('M-Pesa did not let ClientPulse in: check the consumer key and secret.')
            lifetime = float(answer.get('expires_in') or 3599)
            self._token = (token, time.monotonic() + max(lifetime - 60, 0))
            return token

    def _password(self) -> tuple[str, str]:
        stamp = datetime.now(NAIROBI).strftime('%Y%m%d%H%M%S')
        return base64.b64encode(f'{self.shortcode}{self.passkey}{stamp}'.encode()).decode(), stamp

    def _call(self, method: str, path: str, *, headers: dict | None = None, json: dict | None = None,
              pending_ok: bool = False) -> dict:
        try:
            response = httpx.request(method, self.base_url + path, headers=headers, json=json, timeout=self.timeout)
        except httpx.HTTPError:
            raise ProviderError('M-Pesa could not be reached: check the internet connection and try again.') from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 400:
            if pending_ok and str(answer.get('errorCode', '')).startswith('500.001.1001'):
                return {'pending': True}
            raise ProviderError(f'M-Pesa refused it: {str(answer.get("errorMessage") or response.status_code)[:120]}')
        return answer if isinstance(answer, dict) else {}

    def request_payment(self, phone: str, amount: int, reference: str, description: str) -> Prompt:
        password, stamp = self._password()
        answer = self._call('POST', '/mpesa/stkpush/v1/processrequest',
                            headers={'Authorization': f'Bearer {self._access_token()}'}, json={
                                'BusinessShortCode': self.shortcode, 'Password': password, 'Timestamp': stamp,
                                'TransactionType': 'CustomerPayBillOnline', 'Amount': amount, 'PartyA': phone,
                                'PartyB': self.shortcode, 'PhoneNumber': phone, 'CallBackURL': self.callback_url,
                                'AccountReference': reference[:12], 'TransactionDesc': description[:13]})
        if str(answer.get('ResponseCode')) != '0' or not answer.get('CheckoutRequestID'):
            raise ProviderError(f'M-Pesa did not send the prompt: {str(answer.get("ResponseDescription"))[:120]}')
        return Prompt(str(answer['CheckoutRequestID']), str(answer.get('MerchantRequestID', '')))

    def query(self, checkout_request_id: str) -> Outcome | None:
        password, stamp = self._password()
        answer = self._call('POST', '/mpesa/stkpushquery/v1/query', pending_ok=True,
                            headers={'Authorization': f'Bearer {self._access_token()}'}, json={
                                'BusinessShortCode': self.shortcode, 'Password': password, 'Timestamp': stamp,
                                'CheckoutRequestID': checkout_request_id})
        if answer.get('pending') or answer.get('ResultCode') is None:
            return None
        return Outcome(checkout_request_id, str(answer['ResultCode']), str(answer.get('ResultDesc', ''))[:200])

    def parse_callback(self, body: dict) -> Outcome:
        try:
            result = body['Body']['stkCallback']
            code, checkout_id = str(result['ResultCode']), str(result['CheckoutRequestID'])
            items = {item['Name']: item.get('Value') for item in
                     (result.get('CallbackMetadata') or {}).get('Item', [])}
        except (KeyError, TypeError, AttributeError):
            raise ValidationError('Not an M-Pesa callback.', field='body') from None
        amount = items.get('Amount')
        return Outcome(checkout_id[:64], code[:10], str(result.get('ResultDesc', ''))[:200],
                       amount=int(amount) if isinstance(amount, int | float) and amount == int(amount) else None,
                       provider_receipt=str(items.get('MpesaReceiptNumber') or '')[:40],
                       phone=str(items.get('PhoneNumber') or '')[:20])


_chosen: dict[str, PaymentProvider] = {}


def provider() -> PaymentProvider:
    """The configured provider (built once; tests may :func:`set_provider`)."""
    if 'provider' not in _chosen:
        _chosen['provider'] = DarajaProvider.from_settings()
    return _chosen['provider']


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
        raise ValidationError(f'"{phone[:30]}" is not a phone number.', field='phone')
    return e164.lstrip('+')


def request(receipt_id: int, phone: str, amount_cents: int, *, actor: UserRead) -> MobilePayment:
    """Send a prompt to ``phone`` to pay ``amount_cents`` (whole units only: M-Pesa takes whole shillings) of a
    receipt's balance; the prompt is kept as pending. Nothing is paid until the provider says so.

    :raises ValidationError: more than the balance, not whole units, a bad phone, M-Pesa not set up
    :raises ProviderError: M-Pesa refused or could not be reached
    :raises NotFoundError, PermissionDeniedError: no such sale, or another location's
    """
    ensure_role(actor, FRONT_DESK_ROLES, 'take payments')
    if amount_cents <= 0 or amount_cents % 100:
        raise ValidationError('M-Pesa takes whole amounts (no cents).', field='amount')
    with session_scope() as session:
        receipt = receipt_of(session, receipt_id, actor, sales_only=True)
        location = session.get(Location, receipt.location_id)
        waiting = sum(p.amount_cents for p in session.exec(select(MobilePayment).where(
            MobilePayment.receipt_id == receipt_id, MobilePayment.status == 'pending')))
        balance = (receipt.total_cents or 0) - receipt.paid_cents - waiting
        number = receipt.number
    if amount_cents > balance:
        raise ValidationError(f'That is more than the {balance / 100:.2f} still to pay.', field='amount')
    msisdn = provider_phone(phone, location.country or 'KE')
    prompt = provider().request_payment(msisdn, amount_cents // 100, f'R{number}', 'ClientPulse')
    with session_scope(write=True) as session:
        pending = MobilePayment(receipt_id=receipt_id, location_id=location.id,
                                checkout_request_id=prompt.checkout_request_id,
                                merchant_request_id=prompt.merchant_request_id, phone=msisdn,
                                amount_cents=amount_cents, requested_at=clock.now(), user_id=actor.id or None)
        session.add(pending)
        activity.add(session, actor, 'mpesa_prompt', f'Receipt {number}: M-Pesa prompt for {amount_cents / 100:.2f} '
                     f'sent to {msisdn[:6]}…{msisdn[-2:]}', location_id=location.id)
        session.flush()
        changed = events.ReceiptCreated(receipt_id=receipt_id, location_id=location.id, day=clock.local_day(
            clock.now(), location.time_zone), amount_cents=0, summary=f'Receipt {number}: waiting for the phone')
    events.publish(changed)
    return pending


def settle(outcome: Outcome, *, source: str) -> str:
    """Apply a prompt's outcome (from a callback or a status query), once: on success a mobile-money payment on its
    receipt; on failure the prompt marked failed and owners and managers told (``PaymentFailed``). Returns what was
    done: ``'paid'``, ``'failed'``, ``'already'`` (settled before: nothing changes), or ``'refused'`` (no such
    pending prompt, or a callback's amount or phone differ: logged as a forged or broken callback, nothing changes).
    ``source``: 'callback' or 'status query'.
    """
    with session_scope(write=True) as session:
        pending = session.exec(select(MobilePayment).where(
            MobilePayment.checkout_request_id == outcome.checkout_request_id).with_for_update()).first()
        # a callback is anyone's POST: on success its amount and phone must be the prompt's; a status query is
        # this app asking the provider itself, and its answer carries no amount
        if pending is None or (outcome.result_code == '0' and source == 'callback' and (
                outcome.amount is None or outcome.amount * 100 != pending.amount_cents
                or (outcome.phone and outcome.phone != pending.phone))):
            activity.add(session, None, 'mpesa_refused', f'M-Pesa {source} refused: {outcome.checkout_request_id[:40]} '
                         f'code {outcome.result_code}, amount {outcome.amount}',
                         location_id=pending.location_id if pending else None)
            return 'refused'
        if pending.status != 'pending':
            return 'already'
        receipt = session.exec(select(Receipt).where(Receipt.id == pending.receipt_id).with_for_update()).one()
        location = session.get(Location, receipt.location_id)
        now = clock.now()
        pending.result_code, pending.result_desc, pending.settled_at = outcome.result_code, outcome.description, now
        day = clock.local_day(now, location.time_zone)
        if outcome.result_code == '0':
            pending.status, pending.provider_receipt = 'paid', outcome.provider_receipt
            receipt.paid_cents += pending.amount_cents
            session.add(Payment(receipt_id=receipt.id, method=PaymentMethod.MOBILE_MONEY.value,
                                amount_cents=pending.amount_cents, at=now))
            words = (f'M-Pesa payment received: receipt {receipt.number}, {pending.amount_cents / 100:.2f} '
                     f'({outcome.provider_receipt})')
            announced = notifications.prepare(session, events.ReceiptCreated(
                receipt_id=receipt.id, location_id=receipt.location_id, day=day, amount_cents=0, summary=words))
        else:
            pending.status = 'failed'
            why = RESULTS.get(outcome.result_code, outcome.description or 'it failed')
            words = f'M-Pesa payment failed: receipt {receipt.number}, {pending.amount_cents / 100:.2f} — {why}'
            announced = notifications.prepare(session, events.PaymentFailed(
                location_id=receipt.location_id, booking_id=receipt.booking_id, summary=words))
        session.add_all([pending, receipt])
        activity.add(session, None, 'mpesa_' + pending.status, words, location_id=receipt.location_id,
                     booking_id=receipt.booking_id)
        result = pending.status
    events.publish(announced)
    return result


def handle_callback(body: dict) -> str:
    """A callback the provider posted (parsed JSON): see :func:`settle`; a body of the wrong shape is refused and
    logged."""
    try:
        outcome = provider().parse_callback(body)
    except ValidationError:
        with session_scope(write=True) as session:
            activity.add(session, None, 'mpesa_refused', 'M-Pesa callback refused: not of the documented shape')
        return 'refused'
    return settle(outcome, source='callback')


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
    ensure_role(actor, FRONT_DESK_ROLES, 'take payments')
    with session_scope() as session:
        receipt_of(session, receipt_id, actor)
        return list(session.exec(select(MobilePayment).where(MobilePayment.receipt_id == receipt_id)
                                 .order_by(MobilePayment.id.desc())))

