"""SMS behind one small interface (:class:`SmsProvider`) with one real implementation: Twilio's Programmable
Messaging REST API (``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, form fields ``To``, ``From``, ``Body``,
HTTP Basic auth with the account SID and auth token; a created message answers 201 with its ``sid``, an error answers
JSON ``{"code", "message", "more_info", "status"}``; https://www.twilio.com/docs/messaging/api/message-resource)."""

from __future__ import annotations

from typing import Protocol

import httpx

from app.config import get_settings
from app.services import i18n


class SendError(Exception):
    """A message could not be sent. ``permanent``: trying again will not help (a bad number, a refused account).
    Its text is kept with the message for any reader (:func:`app.services.i18n.deferred`)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmsProvider(Protocol):
    """What the outbox needs of an SMS provider."""

    def send(self, to: str, body: str) -> str:
        """Send ``body`` to ``to`` (E.164); returns the provider's id of the message.

        :raises SendError: refused (``permanent``) or not reached / busy (not ``permanent``)
        """
        ...


class TwilioProvider:
    """Twilio's Messages resource. ``base_url``: ``https://api.twilio.com``, or a local fake in tests."""

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


def provider() -> SmsProvider | None:
    """The configured provider (``CLIENTPULSE_TWILIO_*``), or None when SMS is not set up."""
    settings = get_settings()
    if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from):
        return None
    return TwilioProvider(settings.twilio_account_sid, settings.twilio_auth_token.get_secret_value(),
                          settings.twilio_from, base_url=settings.twilio_base_url)
