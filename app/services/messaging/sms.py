"""SMS behind one small interface (:class:`SmsProvider`), with two implementations; each location chooses one
(``Location.sms_provider``, :func:`provider_for`), the credentials are the install's (``app/config.py``):

- Twilio's Programmable Messaging REST API (``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, form fields
  ``To``, ``From``, ``Body``, HTTP Basic auth with the account SID and auth token; a created message answers 201 with
  its ``sid``, an error answers JSON ``{"code", "message", "more_info", "status"}``;
  https://www.twilio.com/docs/messaging/api/message-resource).
- Africa's Talking's bulk SMS API (``POST {base}/version1/messaging``, form fields ``username``, ``to``, ``message``
  and the optional sender ID ``from``; headers ``apiKey`` and ``Accept: application/json``; the answer
  ``{"SMSMessageData": {"Message", "Recipients": [{"statusCode", "number", "status", "cost", "messageId"}]}}`` with a
  status per recipient: 100 Processed, 101 Success, 102 Queued are taken; 401 RiskHold, 402 InvalidSenderId,
  403 InvalidPhoneNumber, 404 UnsupportedNumberType, 406 UserInBlacklist, 407 CouldNotRoute and
  409 DoNotDisturbRejection will not change by trying again; 405 InsufficientBalance (a top-up), 500
  InternalServerError, 501 GatewayError and 502 RejectedByGateway may; https://developers.africastalking.com/docs/sms).
  Their delivery reports come back to a URL the owner registers (:func:`delivery_report_url`), read by
  :mod:`app.services.messaging.delivery_reports`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING, Protocol

from app.config import get_settings
from app.services import i18n, lazy
from app.services.messaging import links

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle (PyInstaller follows these)
    import httpx
else:  # at first use, not at start (app.services.lazy)
    httpx = lazy.module('httpx', globals())

TWILIO, AFRICASTALKING = 'twilio', 'africastalking'
PROVIDERS = (TWILIO, AFRICASTALKING)
"""The providers a location may choose (``Location.sms_provider``)."""
TAKEN_CODES = frozenset({100, 101, 102})
"""Africa's Talking's per-recipient statusCode of a message it took (Processed, Success, Queued)."""
RETRYABLE_CODES = frozenset({405, 500, 501, 502})
"""… of a refusal that may pass later (InsufficientBalance, InternalServerError, GatewayError, RejectedByGateway);
every other code is permanent."""


class SendError(Exception):
    """A message could not be sent. ``permanent``: trying again will not help (a bad number, a refused account).
    Its text is kept with the message for any reader (:func:`app.services.i18n.deferred`)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmsProvider(Protocol):
    """What the outbox needs of an SMS provider. ``name``: one of :data:`PROVIDERS` (stored with each message)."""

    name: str

    def send(self, to: str, body: str) -> str:
        """Send ``body`` to ``to`` (E.164); returns the provider's id of the message.

        :raises SendError: refused (``permanent``) or not reached / busy (not ``permanent``)
        """
        ...


class TwilioProvider:
    """Twilio's Messages resource. ``base_url``: ``https://api.twilio.com``, or a local fake in tests."""

    name = TWILIO

    def __init__(self, account_sid: str, auth_token: str, sender: str, *, base_url: str = 'https://api.twilio.com',
                 timeout: float = 15) -> None:
        self._url = f'{base_url.rstrip("/")}/2010-04-01/Accounts/{account_sid}/Messages.json'
        self._auth = (account_sid, auth_token)
        self._sender = sender
        self._timeout = timeout

    def send(self, to: str, body: str) -> str:
        """See :meth:`SmsProvider.send`. 4xx answers other than 429 (too many requests) are permanent; 429, 5xx and
        network errors are not."""
        form = {'To': to, 'Body': body}
        form['MessagingServiceSid' if self._sender.startswith('MG') else 'From'] = self._sender
        try:
            response = httpx.post(self._url, data=form, auth=self._auth, timeout=self._timeout)
        except httpx.HTTPError as error:
            raise SendError(i18n.deferred('The SMS provider could not be reached: {error}', error=str(error)[:200]),
                            permanent=False) from None
        if response.status_code in (200, 201):
            try:
                return str(response.json()['sid'])
            except (ValueError, KeyError, TypeError):
                raise SendError(i18n.deferred('The SMS provider answered without a message id.'),
                                permanent=False) from None
        try:
            detail = response.json()
            reason = f'{detail.get("message", "")} (error {detail.get("code", response.status_code)})'
        except ValueError:
            reason = f'HTTP {response.status_code}'
        permanent = 400 <= response.status_code < 500 and response.status_code != 429
        raise SendError(i18n.deferred('The SMS provider refused the message: {reason}', reason=reason[:300]),
                        permanent=permanent)


class AfricasTalkingProvider:
    """Africa's Talking's bulk SMS (see the module's notes). ``base_url``: ``https://api.africastalking.com``,
    ``https://api.sandbox.africastalking.com`` or a local fake in tests; ``sender_id``: the ``from`` field (''
    leaves it out: the account's default sender)."""

    name = AFRICASTALKING

    def __init__(self, username: str, api_key: str, *, sender_id: str = '',
                 base_url: str = 'https://api.africastalking.com', timeout: float = 15) -> None:
        self._url = f'{base_url.rstrip("/")}/version1/messaging'
        self._username, self._api_key, self._sender_id = username, api_key, sender_id
        self._timeout = timeout

    def send(self, to: str, body: str) -> str:
        """See :meth:`SmsProvider.send`; returns Africa's Talking's ``messageId``. An HTTP refusal (4xx but 429) is
        permanent, 429, 5xx and network errors are not; a recipient's statusCode decides as in the module's notes;
        an answer without recipients (a refused sender ID, say) is permanent."""
        form = {'username': self._username, 'to': to, 'message': body}
        if self._sender_id:
            form['from'] = self._sender_id
        try:
            response = httpx.post(self._url, data=form, timeout=self._timeout,
                                  headers={'apiKey': self._api_key, 'Accept': 'application/json'})
        except httpx.HTTPError as error:
            raise SendError(i18n.deferred('The SMS provider could not be reached: {error}', error=str(error)[:200]),
                            permanent=False) from None
        if response.status_code not in (200, 201):
            permanent = 400 <= response.status_code < 500 and response.status_code != 429
            raise SendError(i18n.deferred('The SMS provider refused the message: {reason}', reason=(
                f'HTTP {response.status_code} {response.text[:200]}'.strip())), permanent=permanent)
        try:
            data = response.json()['SMSMessageData']
            recipients, summary = data.get('Recipients') or [], str(data.get('Message', ''))[:200]
            recipient = recipients[0] if recipients else None
            code = int(recipient['statusCode']) if recipient is not None else None
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            raise SendError(i18n.deferred('The SMS provider answered without a message id.'),
                            permanent=False) from None
        if recipient is None:
            raise SendError(i18n.deferred('The SMS provider refused the message: {reason}',
                                          reason=summary or 'no recipients'), permanent=True)
        message_id = str(recipient.get('messageId') or '')
        if code in TAKEN_CODES:
            if not message_id or message_id == 'None':
                raise SendError(i18n.deferred('The SMS provider answered without a message id.'), permanent=False)
            return message_id
        reason = f'{str(recipient.get("status", ""))[:100]} (status {code})'
        raise SendError(i18n.deferred('The SMS provider refused the message: {reason}', reason=reason),
                        permanent=code not in RETRYABLE_CODES)


def configured(name: str) -> bool:
    """Whether the install has credentials for provider ``name`` (one of :data:`PROVIDERS`)."""
    settings = get_settings()
    if name == AFRICASTALKING:
        return bool(settings.africastalking_username and settings.africastalking_api_key is not None
                    and settings.africastalking_api_key.get_secret_value())
    if name == TWILIO:
        return bool(settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from)
    return False


def provider_for(name: str, *, sender_id: str = '') -> SmsProvider | None:
    """The provider a location chose (``Location.sms_provider``, with its ``sms_sender_id`` for Africa's Talking),
    or None when the install has no credentials for it (:func:`configured`)."""
    if not configured(name):
        return None
    settings = get_settings()
    if name == AFRICASTALKING:
        return AfricasTalkingProvider(settings.africastalking_username,
                                      settings.africastalking_api_key.get_secret_value(), sender_id=sender_id,
                                      base_url=settings.africastalking_base_url)
    return TwilioProvider(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
                          settings.twilio_from, base_url=settings.twilio_base_url)


def delivery_report_token() -> str:
    """The secret last part of the delivery-report URL (:func:`delivery_report_url`): 32 URL-safe characters (192
    bits) derived from the install's secret with HMAC-SHA256, so it stays the same across restarts and processes
    and changes with that secret. Africa's Talking does not sign its reports: knowing this URL is the proof."""
    digest = hmac.new(get_settings().storage_secret_value().encode(), b'africastalking-delivery-reports',
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


DELIVERY_REPORT_PATH = '/messages/sms/africastalking'
"""Where Africa's Talking posts delivery reports, followed by ``/`` and :func:`delivery_report_token`."""


def delivery_report_url() -> str:
    """The absolute URL to register in Africa's Talking's dashboard (SMS → SMS Callback URLs → Delivery Reports)."""
    return f'{links.base_url()}{DELIVERY_REPORT_PATH}/{delivery_report_token()}'


def provider() -> SmsProvider | None:
    """Twilio as configured (``CLIENTPULSE_TWILIO_*``), or None when it is not set up (:func:`provider_for` picks a
    location's)."""
    return provider_for(TWILIO)
