"""Card payments on a page the provider hosts, behind :class:`CardCheckoutProvider` (open a checkout, ask about it,
close it), its one implementation :class:`StripeCheckout`, which follows Stripe's documented REST API for Checkout
Sessions, and Stripe's signed webhook (:func:`handle_webhook`):

- ``POST {base}/v1/checkout/sessions``, form-encoded, ``Authorization: Bearer <secret key>``, ``Idempotency-Key`` the
  caller's reference: ``mode=payment``, ``line_items[0][price_data][currency]`` (ISO 4217, lower case),
  ``line_items[0][price_data][unit_amount]`` (the currency's smallest unit as Stripe counts it),
  ``line_items[0][price_data][product_data][name]``, ``line_items[0][quantity]=1``, ``success_url`` (may hold
  ``{CHECKOUT_SESSION_ID}``, which Stripe fills in), ``cancel_url``, ``client_reference_id`` (≤ 200 characters),
  ``metadata[key]`` (≤ 50 keys of ≤ 40 characters, values ≤ 500), ``expires_at`` (unix seconds, 30 minutes to 24
  hours after creation) and ``customer_email`` → the Checkout Session ``{"id": "cs_…", "url", "status",
  "payment_status", "amount_total", "currency", "client_reference_id", "metadata", "payment_intent", …}``;
- ``GET {base}/v1/checkout/sessions/{id}`` → the session; ``POST {base}/v1/checkout/sessions/{id}/expire`` → the
  session, expired (only an open one may be: else 400);
- errors: HTTP 4xx/5xx with ``{"error": {"message", "type", "code", "param"}}``;
- the webhook: a POST of the event JSON (``{"id": "evt_…", "type", "data": {"object": <the session>}}``) with
  ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…][,v0=…]``, each ``v1`` the HMAC-SHA256 of ``f'{t}.'`` + the raw body
  keyed with the endpoint's signing secret (``whsec_…``, used as it is).

**Amounts.** The app counts money in each currency's ISO 4217 minor units (``*_cents``: KES hundredths, RWF whole
francs, BHD thousandths; :mod:`app.services.amounts`). :meth:`StripeCheckout.create_session` takes that amount and
sends Stripe its own smallest unit (:func:`provider_amount`): zero-decimal currencies (RWF, JPY …
:data:`ZERO_DECIMAL`) in whole units and three-decimal ones (BHD, JOD, KWD, OMR, TND) in thousandths — the same as
the app's, a three-decimal amount refused unless it ends in 0 as Stripe requires; ISK and UGX, which ISO counts in
whole units but Stripe as two decimals that must be ``00`` (Stripe's "special cases"), times 100; every other
currency in hundredths (HUF and TWD, two-decimal for ISO too, as they are: a whole amount is the caller's to ask).
``CheckoutSession.amount_total`` is converted back (:func:`app_cents`), so it compares with the amount asked.
Stripe's own minimum and maximum charge per currency are left to Stripe (its refusal comes
back as a :class:`ProviderError` with its message).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlencode

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.config import get_settings
from app.models import StripeEvent
from app.services import lazy
from app.services.amounts import digits, max_minor
from app.services.database import session_scope
from app.services.errors import ValidationError
from app.services.i18n import _
from app.services.money.daraja import ProviderError

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import httpx
else:  # at first use, not at start (app.services.lazy)
    httpx = lazy.module('httpx', globals())

__all__ = ['PAID_EVENTS', 'CardCheckoutProvider', 'CheckoutSession', 'ProviderError', 'StripeCheckout',
           'WebhookRefused', 'amount_step', 'app_cents', 'configured', 'handle_webhook', 'on_session_completed',
           'provider', 'provider_amount', 'set_provider', 'verify_webhook']

API_BASE = 'https://api.stripe.com'
SHORTEST, LONGEST = timedelta(minutes=30), timedelta(hours=24)
"""Stripe's bounds on ``expires_at`` after the session is created."""
MARGIN = timedelta(minutes=2)
"""Kept inside those bounds, for the request's own time and a clock a little off Stripe's."""
ZERO_DECIMAL = frozenset('BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF'.split())
"""Stripe's zero-decimal currencies. Not UGX or ISK: Stripe takes those as two decimals that must end in ``00``
(its "special cases"), while ISO 4217 (and so the app) counts them in whole units."""
THREE_DECIMAL = frozenset('BHD JOD KWD OMR TND'.split())
STALE_CLAIM = timedelta(minutes=5)
"""A claimed event with no outcome after this long is taken again by the next delivery (its handling died)."""
PAID_EVENTS = frozenset({'checkout.session.completed', 'checkout.session.async_payment_succeeded'})
_SESSION_ID = re.compile(r'cs_[A-Za-z0-9_]{1,250}')
_CURRENCY = re.compile(r'[A-Za-z]{3}')
_SIGNATURE = re.compile(r'[0-9a-f]{64}')
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckoutSession:
    """A Checkout Session as the provider describes it. ``amount_total`` is in the app's minor units (hundredths of
    the major unit, as ``*_cents``; :func:`app_cents`), ``currency`` upper case; ``payment_intent`` (``pi_…``) is
    the provider's reference of the payment once there is one."""

    id: str
    url: str
    status: str  # 'open' | 'complete' | 'expired'
    payment_status: str  # 'paid' | 'unpaid' | 'no_payment_required'
    amount_total: int
    currency: str
    client_reference_id: str
    metadata: dict[str, str] = field(default_factory=dict)
    payment_intent: str = ''

    @property
    def paid(self) -> bool:
        """Whether the provider says the money is taken."""
        return self.status == 'complete' and self.payment_status == 'paid'


class CardCheckoutProvider(Protocol):
    """A card provider's hosted checkout: open one for an amount, ask about it, close it."""

    def create_session(self, *, amount: int, currency: str, reference: str, description: str,
                       success_url: str, cancel_url: str, expires_at: datetime,
                       customer_email: str = '', metadata: dict[str, str] | None = None) -> CheckoutSession:
        """A checkout for ``amount`` (the app's minor units) in ``currency`` (ISO 4217); the customer is sent to its
        ``url``. :raises ValidationError: an argument the provider would refuse (its ``field``)
        :raises ProviderError:"""

    def retrieve(self, session_id: str) -> CheckoutSession:
        """The session as the provider sees it now. :raises ValidationError: not a session id
        :raises ProviderError:"""

    def expire(self, session_id: str) -> CheckoutSession:
        """Close an open session (its page stops taking payment); one already complete or expired is returned as
        it is. :raises ValidationError: not a session id :raises ProviderError:"""


class WebhookRefused(ValidationError):
    """A webhook request that is not a genuine, fresh, well-formed event of the provider; ``str()`` is a short
    reason for the log (the sender is a machine)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, field='signature')


class StripeCheckout:
    """Stripe Checkout Sessions, configured from ``CLIENTPULSE_STRIPE_SECRET_KEY`` (and ``_BASE_URL``)."""

    def __init__(self, *, secret_key: str, base_url: str = API_BASE, timeout: float = 20) -> None:
        self.base_url, self.timeout = base_url.rstrip('/'), timeout
        self._headers = {'Authorization': f'Bearer {secret_key}'}

    @classmethod
    def from_settings(cls) -> StripeCheckout:
        """:raises ValidationError: card payments are not set up (``CLIENTPULSE_STRIPE_*``; ``field='method'``)"""
        s = get_settings()
        if not (s.stripe_secret_key and s.stripe_secret_key.get_secret_value()
                and s.stripe_webhook_secret and s.stripe_webhook_secret.get_secret_value()):
            raise ValidationError(_('Card payments are not set up: ask the owner to fill in the CLIENTPULSE_STRIPE_ '
                                    'settings.'), field='method')
        return cls(secret_key=s.stripe_secret_key.get_secret_value(), base_url=s.stripe_base_url or API_BASE)

    def create_session(self, *, amount: int, currency: str, reference: str, description: str,
                       success_url: str, cancel_url: str, expires_at: datetime,
                       customer_email: str = '', metadata: dict[str, str] | None = None) -> CheckoutSession:
        """A Checkout Session in payment mode for one line, ``description`` at ``amount`` (the app's minor units,
        converted by :func:`provider_amount`). ``reference`` (≤ 200 characters, unique per attempt) is the
        session's ``client_reference_id`` and the request's ``Idempotency-Key``: a retry of the same request gets
        the same session. ``expires_at`` is clamped into Stripe's 30 minutes to 24 hours from now (a hold shorter
        than 30 minutes must :meth:`expire` the session itself when it ends).

        :raises ValidationError: a bad ``amount``, ``currency``, ``reference``, ``metadata`` or URL (its field)
        :raises ProviderError: Stripe refused it or could not be reached
        """
        code = _currency(currency)
        unit_amount = provider_amount(amount, code)
        if not reference or len(reference) > 200:
            raise ValidationError(_('A payment reference is 1 to 200 characters.'), field='reference')
        for name, url in (('success_url', success_url), ('cancel_url', cancel_url)):
            if not re.fullmatch(r'https?://[^\s/]+(/\S*)?', url or '') or len(url) > 5000:
                raise ValidationError(_('Not a web address: {url}').format(url=str(url)[:80]), field=name)
        form = [('mode', 'payment'), ('line_items[0][price_data][currency]', code.lower()),
                ('line_items[0][price_data][unit_amount]', str(unit_amount)),
                ('line_items[0][price_data][product_data][name]', (description.strip() or reference)[:250]),
                ('line_items[0][quantity]', '1'), ('success_url', success_url), ('cancel_url', cancel_url),
                ('client_reference_id', reference),
                ('expires_at', str(int(clamp_expiry(expires_at, datetime.now(UTC)).timestamp())))]
        if customer_email:
            form.append(('customer_email', customer_email.strip()[:512]))
        form += [(f'metadata[{key}]', value) for key, value in _metadata(metadata).items()]
        return _session(self._call('POST', '/v1/checkout/sessions', data=form, idempotency_key=reference))

    def retrieve(self, session_id: str) -> CheckoutSession:
        return _session(self._call('GET', f'/v1/checkout/sessions/{_session_id(session_id)}'))

    def expire(self, session_id: str) -> CheckoutSession:
        try:
            return _session(self._call('POST', f'/v1/checkout/sessions/{_session_id(session_id)}/expire'))
        except ProviderError:
            current = self.retrieve(session_id)  # paid (or expired) meanwhile: Stripe refuses to expire it
            if current.status == 'open':
                raise
            return current

    def _call(self, method: str, path: str, *, data: list[tuple[str, str]] | None = None,
              idempotency_key: str = '') -> dict:
        headers, body = dict(self._headers), None
        if data is not None:  # in order, repeated keys kept (httpx's data= takes a dict)
            headers['Content-Type'], body = 'application/x-www-form-urlencoded', urlencode(data).encode()
        if idempotency_key:
            headers['Idempotency-Key'] = idempotency_key
        try:
            response = httpx.request(method, self.base_url + path, headers=headers, content=body,
                                     timeout=self.timeout)
        except httpx.HTTPError:
            raise ProviderError(
                _('Stripe could not be reached: check the internet connection and try again.')) from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code >= 400 or not isinstance(answer, dict):
            error = answer.get('error') if isinstance(answer, dict) else None
            why = error.get('message') if isinstance(error, dict) else None
            logger.warning('Stripe answered %s to %s %s: %s', response.status_code, method, path,
                           error if isinstance(error, dict) else response.text[:200])
            raise ProviderError(_('Stripe refused it: {why}').format(
                why=str(why or f'HTTP {response.status_code}')[:200]))
        return answer


# --- the configured provider -------------------------------------------------------------------------------------

_chosen: dict[str, CardCheckoutProvider] = {}
_handlers: dict[str, Callable[[CheckoutSession, str], str]] = {}


def provider() -> CardCheckoutProvider:
    """The configured provider (built once; tests may :func:`set_provider`).

    :raises ValidationError: card payments are not set up (``field='method'``)
    """
    if 'provider' not in _chosen:
        _chosen['provider'] = StripeCheckout.from_settings()
    return _chosen['provider']


def configured() -> bool:
    """Whether card payments online are set up here (both ``CLIENTPULSE_STRIPE_SECRET_KEY`` and
    ``_WEBHOOK_SECRET``, or a provider a test chose)."""
    try:
        provider()
    except ValidationError:
        return False
    return True


def set_provider(chosen: CardCheckoutProvider | None) -> None:
    """Use ``chosen`` (None: the configured one, built on next use)."""
    _chosen.pop('provider', None)
    if chosen is not None:
        _chosen['provider'] = chosen


def on_session_completed(handler: Callable[[CheckoutSession, str], str]) -> None:
    """Register the one handler of paid sessions (the deposits module): called with the session as the provider
    confirms it (paid) and the event id, at most once per event id; returns a short status word for the log. It
    must check the session against what it was opened for (``client_reference_id``, ``amount_total``,
    ``currency``) and be idempotent by session id (Stripe sends both events for a payment that settles late, and
    two deliveries of different events may race). Registering again replaces it."""
    _handlers['completed'] = handler


# --- the webhook ---------------------------------------------------------------------------------------------------

def handle_webhook(payload: bytes, signature_header: str) -> str:
    """Take in one webhook delivery: ``payload`` the raw body, ``signature_header`` its ``Stripe-Signature``.

    Only ``checkout.session.completed`` / ``checkout.session.async_payment_succeeded`` whose session says
    ``payment_status`` ``paid`` go further (anything else: ``'ignored'``). The event's id is claimed in the
    ``stripe_event`` table (a claimed one: ``'duplicate'``, the handler is not called again — unless the claim has
    had no outcome for :data:`STALE_CLAIM`: its handling died, so it is taken again); the session is then
    retrieved from the provider, and only if the provider says it is complete and paid is the registered handler
    called with it (else ``'unconfirmed'``). Returns the handler's word.

    :raises WebhookRefused: not a genuine, fresh, well-formed event (answer 400)
    :raises ProviderError: the provider could not be asked (the claim is released: answer non-2xx so Stripe retries)
    :raises LookupError: no handler is registered (claim released; likewise)
    """
    event = verify_webhook(payload, signature_header)
    session_object = event['data']['object']
    session_id = session_object.get('id')
    if (event['type'] not in PAID_EVENTS or session_object.get('object') != 'checkout.session'
            or not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id)
            or session_object.get('payment_status') != 'paid'):
        return 'ignored'
    if not _claim(event['id'], session_id):
        return 'duplicate'
    try:
        handler = _handlers.get('completed')
        if handler is None:
            raise LookupError('no handler of paid Checkout Sessions is registered')
        confirmed = provider().retrieve(session_id)
        outcome = str(handler(confirmed, event['id'])) if confirmed.paid else 'unconfirmed'
    except BaseException:
        _release(event['id'])
        raise
    _record(event['id'], outcome)
    return outcome


def verify_webhook(payload: bytes, signature_header: str, *, secret: str | None = None,
                   tolerance: int = 300, now: float | None = None) -> dict:
    """The event in ``payload`` if ``signature_header`` signs it: one of its ``v1`` values (several may be given,
    e.g. while a secret is rolled) is HMAC-SHA256 of ``f'{t}.'`` + ``payload`` keyed with ``secret`` (default the
    configured ``CLIENTPULSE_STRIPE_WEBHOOK_SECRET``), compared in constant time, and ``t`` is within ``tolerance``
    seconds of ``now`` (unix; default the clock). Stripe's libraries refuse only stamps older than that; one as far
    in the future is refused too (it would stay replayable for longer). ``tolerance=0`` skips the time check.

    :returns: the event, a dict with ``id`` (str), ``type`` (str) and ``data.object`` (dict)
    :raises WebhookRefused: no secret set up, no or a malformed header, no matching signature, a stale stamp, or a
        body that is not such an event
    """
    if secret is None:
        configured_secret = get_settings().stripe_webhook_secret
        secret = configured_secret.get_secret_value() if configured_secret else ''
    if not secret:
        raise WebhookRefused('webhook secret not set up')
    if not signature_header:
        raise WebhookRefused('no Stripe-Signature header')
    stamp, signatures = _signature_parts(signature_header)
    expected = hmac.new(secret.encode(), stamp.encode() + b'.' + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise WebhookRefused('no signature matches')
    if tolerance and abs((time.time() if now is None else now) - int(stamp)) > tolerance:
        raise WebhookRefused('timestamp outside the tolerance')
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError):
        raise WebhookRefused('not JSON') from None
    data = event.get('data') if isinstance(event, dict) else None
    if not (isinstance(data, dict) and isinstance(data.get('object'), dict) and isinstance(event.get('id'), str)
            and 0 < len(event['id']) <= 255 and isinstance(event.get('type'), str)):
        raise WebhookRefused('not an event')
    return event


# --- amounts --------------------------------------------------------------------------------------------------------

def provider_amount(cents: int, currency: str) -> int:
    """``cents`` (the app's minor units of ``currency``, ISO 4217) in Stripe's smallest unit of it (see the module's
    notes): ``provider_amount(150000, 'KES') == 150000``, ``provider_amount(5000, 'RWF') == 5000``,
    ``provider_amount(12500, 'BHD') == 12500``, ``provider_amount(12, 'ISK') == 1200``,
    ``provider_amount(200000, 'UGX') == 20000000``.

    :raises ValidationError: not a whole positive amount within the app's maximum, or an amount Stripe cannot take in
        that currency (a three-decimal one not ending in 0; ``field='amount'``)
    """
    code = _currency(currency)
    if not isinstance(cents, int) or isinstance(cents, bool) or not 0 < cents <= max_minor(code):
        raise ValidationError(_('A card payment is a whole positive amount.'), field='amount')
    shift = _stripe_digits(code) - digits(code)
    if shift < 0 and cents % 10 ** -shift:
        raise ValidationError(_('{currency} is paid by card in whole units only.').format(currency=code),
                              field='amount')
    if code in THREE_DECIMAL and cents % 10:
        raise ValidationError(_('{currency} is paid by card to two decimals only.').format(currency=code),
                              field='amount')
    return cents * 10 ** shift if shift >= 0 else cents // 10 ** -shift


def amount_step(currency: str) -> int:
    """The smallest step (the app's minor units of ``currency``) a card payment can be asked in: 10 for the
    three-decimal currencies (Stripe takes thousandths ending in 0), 10 ** n where Stripe counts n fewer decimals than
    ISO 4217, else 1. Round a deposit up to it before asking (:func:`provider_amount` refuses anything else)."""
    code = _currency(currency)
    return max(10 ** (digits(code) - _stripe_digits(code)), 10 if code in THREE_DECIMAL else 1)


def app_cents(amount: int, currency: str) -> int:
    """Stripe's ``amount`` of ``currency`` in the app's minor units (the inverse of :func:`provider_amount`)."""
    code = currency.upper()
    shift = _stripe_digits(code) - digits(code)
    return amount // 10 ** shift if shift >= 0 else amount * 10 ** -shift


def _stripe_digits(code: str) -> int:
    """How many decimals Stripe counts ``code`` in (its zero-decimal and three-decimal lists; ISK and UGX as two)."""
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def clamp_expiry(expires_at: datetime, now: datetime) -> datetime:
    """``expires_at`` (timezone-aware) moved into Stripe's window, 30 minutes to 24 hours after ``now``, with
    :data:`MARGIN` inside each end."""
    if expires_at.tzinfo is None:
        raise ValidationError(_('An expiry time must carry its time zone.'), field='expires_at')
    return min(max(expires_at, now + SHORTEST + MARGIN), now + LONGEST - MARGIN)


# --- helpers -------------------------------------------------------------------------------------------------------

def _currency(currency: str) -> str:
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise ValidationError(_('Not a currency code: {code}').format(code=str(currency)[:10]), field='currency')
    return currency.upper()


def _session_id(session_id: str) -> str:
    if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
        raise ValidationError(_('Not a card checkout reference.'), field='session')
    return session_id


def _metadata(metadata: dict[str, str] | None) -> dict[str, str]:
    """``metadata`` within Stripe's limits (≤ 50 keys of ≤ 40 characters without brackets, values ≤ 500)."""
    metadata = metadata or {}
    if len(metadata) > 50 or any(not isinstance(k, str) or not 0 < len(k) <= 40 or '[' in k or ']' in k
                                 or not isinstance(v, str) or len(v) > 500 for k, v in metadata.items()):
        raise ValidationError(_('Payment details are limited to 50 short names and values.'), field='metadata')
    return metadata


def _signature_parts(header: str) -> tuple[str, list[str]]:
    """(``t``, the ``v1`` values) of a ``Stripe-Signature`` header. :raises WebhookRefused: malformed"""
    if len(header) > 4096:
        raise WebhookRefused('malformed Stripe-Signature header')
    stamps, signatures = [], []
    for item in header.split(','):
        key, _sep, value = item.strip().partition('=')
        if key == 't':
            stamps.append(value)
        elif key == 'v1':
            signatures.append(value)
    if len(stamps) != 1 or not re.fullmatch(r'\d{1,12}', stamps[0]) or not signatures:
        raise WebhookRefused('malformed Stripe-Signature header')
    signatures = [given for given in signatures if _SIGNATURE.fullmatch(given)]  # compare_digest takes ASCII only
    if not signatures:
        raise WebhookRefused('no signature matches')
    return stamps[0], signatures


def _session(answer: dict) -> CheckoutSession:
    """A Checkout Session from Stripe's JSON. :raises ProviderError: not one"""
    session_id, amount, currency = answer.get('id'), answer.get('amount_total'), answer.get('currency')
    if not (isinstance(session_id, str) and _SESSION_ID.fullmatch(session_id) and isinstance(amount, int)
            and isinstance(currency, str) and _CURRENCY.fullmatch(currency)):
        raise ProviderError(_('Stripe refused it: {why}').format(why='not a Checkout Session'))
    intent = answer.get('payment_intent')
    if isinstance(intent, dict):  # expanded
        intent = intent.get('id')
    metadata = answer.get('metadata')
    return CheckoutSession(
        id=session_id, url=str(answer.get('url') or ''), status=str(answer.get('status') or ''),
        payment_status=str(answer.get('payment_status') or ''), amount_total=app_cents(amount, currency),
        currency=currency.upper(), client_reference_id=str(answer.get('client_reference_id') or ''),
        metadata={str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {},
        payment_intent=intent if isinstance(intent, str) else '')


def _claim(event_id: str, session_id: str, *, now: datetime | None = None) -> bool:
    """Whether ``event_id`` was claimed now (False: it was already). A claim without an outcome older than
    :data:`STALE_CLAIM` (its handling died between the claim and the outcome: a crash, a lost connection) is taken
    again, so Stripe's retries are still handled; the handler is idempotent by session id."""
    now = now or datetime.now(UTC)
    try:
        with session_scope(write=True) as session:
            if session.get(StripeEvent, event_id) is not None:
                taken = session.execute(update(StripeEvent).where(
                    StripeEvent.event_id == event_id, StripeEvent.outcome == '',
                    StripeEvent.received_at < now - STALE_CLAIM).values(received_at=now)).rowcount
                if taken:
                    logger.warning('Stripe event %s: an unfinished claim is taken again', event_id[:60])
                return bool(taken)
            session.add(StripeEvent(event_id=event_id, session_id=session_id, received_at=now))
    except IntegrityError:  # a delivery of the same event at the same moment claimed it first
        return False
    return True


def _release(event_id: str) -> None:
    with session_scope(write=True) as session:
        claimed = session.get(StripeEvent, event_id)
        if claimed is not None:
            session.delete(claimed)


def _record(event_id: str, outcome: str) -> None:
    with session_scope(write=True) as session:
        claimed = session.get(StripeEvent, event_id)
        if claimed is not None:
            claimed.outcome = outcome[:20]
