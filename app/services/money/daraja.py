"""The mobile-money provider behind :class:`PaymentProvider` (send a prompt, ask about it, read its callbacks) and
its one implementation, :class:`DarajaProvider`, which follows Safaricom's Daraja API (M-Pesa Express, "STK push"):

- ``GET /oauth/v1/generate?grant_type=client_credentials`` with HTTP Basic (consumer key and secret) →
  ``{"access_token", "expires_in"}`` (seconds; the token is kept until shortly before it expires);
- ``POST /mpesa/stkpush/v1/processrequest`` (Bearer token) with ``BusinessShortCode``, ``Password`` =
  base64(shortcode + passkey + timestamp), ``Timestamp`` (``YYYYMMDDHHMMSS``, Nairobi time),
  ``TransactionType`` ``CustomerPayBillOnline``, ``Amount`` (whole shillings), ``PartyA`` and ``PhoneNumber``
  (``2547XXXXXXXX``), ``PartyB`` (the shortcode), ``CallBackURL`` (the configured one, ``/`` and the prompt's own
  token: :func:`callback_url`), ``AccountReference`` (≤ 12 characters) and
  ``TransactionDesc`` (≤ 13) → ``{"MerchantRequestID", "CheckoutRequestID", "ResponseCode": "0", …}``;
- the callback ``{"Body": {"stkCallback": {"MerchantRequestID", "CheckoutRequestID", "ResultCode", "ResultDesc",
  "CallbackMetadata": {"Item": [{"Name": "Amount", "Value"}, {"Name": "MpesaReceiptNumber", "Value"},
  {"Name": "TransactionDate", "Value"}, {"Name": "PhoneNumber", "Value"}]}}}}`` (metadata only on success);
- ``POST /mpesa/stkpushquery/v1/query`` with ``BusinessShortCode``, ``Password``, ``Timestamp`` and
  ``CheckoutRequestID`` → ``{"ResponseCode", "ResponseDescription", "MerchantRequestID", "CheckoutRequestID",
  "ResultCode", "ResultDesc"}`` (no amount, phone nor receipt number); while the customer has not answered, an error
  ``{"errorCode": "500.001.1001"}``, or a ``ResultCode`` of ``4999`` ("still under processing"): both no answer yet.

Result codes: ``0`` paid; ``1`` insufficient funds; ``1032`` cancelled by the user; ``1037`` the phone could not be
reached in time; ``2001`` wrong PIN; anything else failed.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from app.config import get_settings
from app.services import lazy
from app.services.errors import ClientPulseError, ValidationError
from app.services.i18n import _

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import httpx
else:  # at first use, not at start (app.services.lazy)
    httpx = lazy.module('httpx', globals())

NAIROBI = ZoneInfo('Africa/Nairobi')
STILL_PROCESSING = frozenset({'4999'})
"""Status-query result codes that are no answer yet ("The transaction is still under processing"): the prompt is
asked about again, never failed on them (the desk's prompts and online deposits alike)."""
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

    def request_payment(self, phone: str, amount: int, reference: str, description: str, *,
                        callback_token: str) -> Prompt:
        """Prompt ``phone`` (``2547…``) to pay ``amount`` (whole units); its result is posted to the callback URL
        ending in ``callback_token``. :raises ProviderError:"""

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
            raise ValidationError(_('M-Pesa is not set up: ask the owner to fill in the CLIENTPULSE_MPESA_ settings.'),
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
                raise ProviderError(_('M-Pesa did not let ClientPulse in: check the consumer key and secret.'))
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
            raise ProviderError(
                _('M-Pesa could not be reached: check the internet connection and try again.')) from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 400:
            if pending_ok and str(answer.get('errorCode', '')).startswith('500.001.1001'):
                return {'pending': True}
            raise ProviderError(_('M-Pesa refused it: {why}').format(
                why=str(answer.get('errorMessage') or response.status_code)[:120]))
        return answer if isinstance(answer, dict) else {}

    def request_payment(self, phone: str, amount: int, reference: str, description: str, *,
                        callback_token: str) -> Prompt:
        password, stamp = self._password()
        answer = self._call('POST', '/mpesa/stkpush/v1/processrequest',
                            headers={'Authorization': f'Bearer {self._access_token()}'}, json={
                                'BusinessShortCode': self.shortcode, 'Password': password, 'Timestamp': stamp,
                                'TransactionType': 'CustomerPayBillOnline', 'Amount': amount, 'PartyA': phone,
                                'PartyB': self.shortcode, 'PhoneNumber': phone, 'CallBackURL': callback_url(
                                    self.callback_url, callback_token),
                                'AccountReference': reference[:12], 'TransactionDesc': description[:13]})
        if str(answer.get('ResponseCode')) != '0' or not answer.get('CheckoutRequestID'):
            raise ProviderError(_('M-Pesa did not send the prompt: {why}').format(
                why=str(answer.get('ResponseDescription'))[:120]))
        return Prompt(str(answer['CheckoutRequestID']), str(answer.get('MerchantRequestID', '')))

    def query(self, checkout_request_id: str) -> Outcome | None:
        password, stamp = self._password()
        answer = self._call('POST', '/mpesa/stkpushquery/v1/query', pending_ok=True,
                            headers={'Authorization': f'Bearer {self._access_token()}'}, json={
                                'BusinessShortCode': self.shortcode, 'Password': password, 'Timestamp': stamp,
                                'CheckoutRequestID': checkout_request_id})
        if answer.get('pending') or answer.get('ResultCode') is None or str(answer['ResultCode']) in STILL_PROCESSING:
            return None
        return Outcome(checkout_request_id, str(answer['ResultCode']), str(answer.get('ResultDesc', ''))[:200])

    def parse_callback(self, body: dict) -> Outcome:
        """Only the documented fields, each of its documented type (text or a number; nothing else is read, so a
        nested or huge value goes no further)."""
        result = _stk_callback(body)
        items = _metadata(result)
        described = result.get('ResultDesc')
        return Outcome(result['CheckoutRequestID'], str(result['ResultCode']),
                       described[:200] if isinstance(described, str) else '', amount=_whole_amount(items.get('Amount')),
                       provider_receipt=str(items.get('MpesaReceiptNumber') or '')[:40],
                       phone=str(items.get('PhoneNumber') or '')[:20])


def _stk_callback(body: dict) -> dict:
    """The ``Body.stkCallback`` of a callback, with a ``ResultCode`` of at most 10 digits (a number or digits) and a
    ``CheckoutRequestID`` of 1–64 characters.

    :raises ValidationError: not of that shape (``field='body'``)
    """
    result = body.get('Body', {}).get('stkCallback') if isinstance(body.get('Body'), dict) else None
    if not isinstance(result, dict):
        raise ValidationError(_('Not an M-Pesa callback.'), field='body')
    code, checkout_id = result.get('ResultCode'), result.get('CheckoutRequestID')
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    if not (isinstance(code, str) and code.isdigit() and len(code) <= 10 and isinstance(checkout_id, str)
            and 0 < len(checkout_id) <= 64):
        raise ValidationError(_('Not an M-Pesa callback.'), field='body')
    return result


def _metadata(result: dict) -> dict:
    """The ``CallbackMetadata.Item`` list of a callback as name → value, keeping only named items whose value is text,
    a number or null."""
    metadata = result.get('CallbackMetadata')
    listed = metadata.get('Item') if isinstance(metadata, dict) else None
    return {item['Name']: item.get('Value') for item in (listed if isinstance(listed, list) else [])
            if isinstance(item, dict) and isinstance(item.get('Name'), str)
            and isinstance(item.get('Value'), str | int | float | None)}


def _whole_amount(amount: object) -> int | None:
    """A callback's ``Amount`` (whole units of the currency) if it is a whole number from 1 to under 10¹²; else None
    (NaN, infinities and 1e400 are not amounts: ``int()`` of them raises)."""
    if isinstance(amount, int | float) and not isinstance(amount, bool) and 0 < amount < 10**12 and (
            amount == int(amount)):
        return int(amount)
    return None


def callback_url(base: str, token: str) -> str:
    """The CallBackURL of one prompt: ``base`` (``CLIENTPULSE_MPESA_CALLBACK_URL``, this app's
    ``/payments/mpesa/callback`` as the internet reaches it) followed by ``/`` and the prompt's token."""
    return f'{base.rstrip("/")}/{token}'
