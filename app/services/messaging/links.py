"""Links a customer or a phone calendar opens without a password: signed tokens (itsdangerous, HMAC-SHA1 keyed with
the install's secret) and the address they are reached at.

A manage link's token never expires by itself (links already sent keep working while their booking does): its
lifetime is the booking's, computed when it is opened (:func:`manage_link_ends_at`): until
:data:`MANAGE_DAYS_AFTER_VISIT` days after the visit, or :data:`MANAGE_DAYS_AFTER_CANCELLATION` days after a
cancellation if that is sooner. After that the link says the booking is over and shows nothing else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from app.config import get_settings
from app.services.accounts import network
from app.services.errors import NotFoundError
from app.services.i18n import N_, _

_MANAGE = 'manage-booking'
_OFFER = 'waitlist-offer'


def base_url() -> str:
    """Where customers reach this app: ``CLIENTPULSE_PUBLIC_URL``, else the first address on the shop's network."""
    settings = get_settings()
    if settings.public_url:
        return settings.public_url.rstrip('/')
    return network.lan_urls(network.served_port() or settings.port)[0]


def manage_token(booking_id: int, code: str) -> str:
    """The token of a booking's manage link: signs its id and its random code (so a token names one booking and
    cannot be made for another without the secret)."""
    return _serializer(_MANAGE).dumps([booking_id, code])


def manage_link(booking_id: int, code: str) -> str:
    """The absolute manage link of a booking (``/my/<token>``)."""
    return f'{base_url()}/my/{manage_token(booking_id, code)}'


MANAGE_DAYS_AFTER_VISIT = 30
"""A manage link opens its booking until this many days after the visit's end: time to find the address, add it to a
calendar again or chat about the visit (a receipt, a follow-up), not long enough to be an old key to the customer's
chat and details."""
MANAGE_DAYS_AFTER_CANCELLATION = 7
"""…and a cancelled booking's link until this many days after the cancellation (if sooner): long enough to see that it
was cancelled, and to ask about a fee."""
OVER = N_('This booking is over. To book again, contact the shop.')
"""(English source: translate it with ``_()`` where it is raised)"""


def manage_link_ends_at(ends_at: datetime, cancelled_at: datetime | None) -> datetime:
    """When a manage link stops opening its booking (aware UTC): from the booking as it is now (its end, and when it
    was cancelled if it was), so a cancellation shortens it."""
    over = ends_at + timedelta(days=MANAGE_DAYS_AFTER_VISIT)
    if cancelled_at is not None:
        over = min(over, cancelled_at + timedelta(days=MANAGE_DAYS_AFTER_CANCELLATION))
    return over


def read_manage_token(token: str) -> tuple[int, str]:
    """(booking id, booking code) a manage token was made for.

    :raises NotFoundError: the token was not made here, or was altered
    """
    return _read(_MANAGE, token, N_('That link is not valid. Use the link from your latest message.'))


def offer_token(entry_id: int, held_until_iso: str) -> str:
    """The token of a waitlist offer's accept link: the waitlist entry and the offer it was made with."""
    return _serializer(_OFFER).dumps([entry_id, held_until_iso])


def read_offer_token(token: str) -> tuple[int, str]:
    """(waitlist entry id, the offer's held-until time in ISO 8601).

    :raises NotFoundError: the token was not made here, or was altered
    """
    return _read(_OFFER, token, N_('That offer link is not valid.'))


def _read(salt: str, token: str, message: str) -> tuple[int, str]:
    """``message``: the English source of the refusal (translated here, only when refused)."""
    try:
        value = _serializer(salt).loads(token[:300])
    except BadSignature:
        raise NotFoundError(_(message)) from None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or not isinstance(value[1], str)):
        raise NotFoundError(_(message))
    return value[0], value[1]


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().storage_secret_value(), salt=salt)
