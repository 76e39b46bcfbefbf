"""Africa's Talking's delivery reports: what became of an SMS after it was taken (``POST`` form fields ``id``,
``status``, ``phoneNumber``, ``networkCode``, ``failureReason``, ``retryCount``; the statuses ``Sent``, ``Submitted``,
``Buffered`` on the way, ``Success`` delivered, ``Rejected``, ``Failed`` and the like final failures;
https://developers.africastalking.com/docs/sms/notifications).

**Who may say so.** Africa's Talking does not sign its reports, and there is no per-message status query to check
one against (as the M-Pesa callbacks are, :mod:`app.services.money.mobile_money`). A report is believed only when
all of these hold, else it is refused and nothing changes:

1. it came to the secret URL (:func:`sms.delivery_report_url`): its last part is a 192-bit token derived from the
   install's secret, compared in constant time (``hmac.compare_digest``). Only the owner (Settings) and Africa's
   Talking (its dashboard) know it; it goes over HTTPS;
2. its ``id`` is the ``messageId`` Africa's Talking gave one message this app sent through it (random, stored with
   the message, never shown to anyone);
3. its ``phoneNumber`` is that message's number.

A forger needs the URL *and* a message id that only Africa's Talking's answer carried. What a believed report may
do is small too: it touches the one message it names (whatever location it belongs to, never another row), only
forward (nothing yet → on its way → delivered or failed; both final: a late "Buffered" after "Success" changes
nothing, nor does a report for a message not ``sent``), and a failure marks it failed with the reason, as a failed
send would (the desk's list, the bell, "Try again").
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select, update

from app.models import Delivery, Message, MessageChannel, MessageStatus
from app.services import clock, events, i18n
from app.services.database import session_scope
from app.services.i18n import N_
from app.services.messaging import outbox, sms

log = logging.getLogger(__name__)

ON_THE_WAY = frozenset({'Sent', 'Submitted', 'Buffered'})
DELIVERED = frozenset({'Success'})
FAILED = frozenset({'Rejected', 'Failed', 'AbsentSubscriber', 'Expired'})
"""The statuses Africa's Talking reports, by what they mean here (any other is refused)."""
_ID = re.compile(r'[A-Za-z0-9_.:-]{1,80}')
_PHONE = re.compile(r'\+?[1-9]\d{6,14}')


def handle_report(token: str, form: Mapping[str, str], *, sender: str = '', as_of: datetime | None = None) -> str:
    """Apply one delivery report (``token``: the URL's last part; ``form``: its fields, one value each; ``sender``:
    the network address, for the log). Never raises for what it is sent.

    :returns: ``'delivered'``, ``'failed'``, ``'pending'`` (recorded), ``'already'`` (believed, but the message is
        past that point: nothing changes), ``'forbidden'`` (no or a wrong token, or Africa's Talking not set up),
        ``'malformed'`` (not a report's shape) or ``'unknown'`` (no message of Africa's Talking with that id and
        number); the last three are logged with ``sender`` and change nothing
    """
    if not sms.configured(sms.AFRICASTALKING) or not hmac.compare_digest(
            token.encode()[:200], sms.delivery_report_token().encode()):
        return _refuse('forbidden', 'no or a wrong token', sender)
    report = _parsed(form)
    if report is None:
        return _refuse('malformed', 'not of the documented shape', sender)
    message_id, status, phone, reason = report
    with session_scope(write=True) as session:
        found = session.execute(select(Message.id, Message.location_id, Message.to_address, Message.status,
                                       Message.delivery).where(
            Message.provider == sms.AFRICASTALKING, Message.provider_id == message_id,
            Message.channel == MessageChannel.SMS.value).limit(2)).all()
        if len(found) != 1 or found[0].to_address.lstrip('+') != phone.lstrip('+'):
            return _refuse('unknown', f'no message {message_id[:40]} to that number', sender)
        row = found[0]
        final = (Delivery.DELIVERED.value, Delivery.FAILED.value)
        if row.status != MessageStatus.SENT.value or row.delivery in final or (
                status in ON_THE_WAY and row.delivery == Delivery.PENDING.value):
            return 'already'
        now = as_of or clock.now()
        # the same conditions again in the statement: two reports at once cannot both move it
        guard = (Message.id == row.id, Message.status == MessageStatus.SENT.value, Message.delivery.not_in(final))
        if status in FAILED:
            why = f'{status}: {reason}' if reason else status
            if not session.execute(update(Message).where(*guard).values(
                    delivery=Delivery.FAILED.value, delivered_at=now, status=MessageStatus.FAILED.value,
                    last_error=i18n.deferred(N_('not delivered: {reason}'), reason=why))).rowcount:
                return 'already'
            event = outbox.failure_event(session, session.get(Message, row.id))
        else:
            delivery = Delivery.PENDING if status in ON_THE_WAY else Delivery.DELIVERED
            values = {'delivery': delivery.value, **({'delivered_at': now} if delivery == Delivery.DELIVERED else {})}
            if not session.execute(update(Message).where(*guard).values(**values)).rowcount:
                return 'already'
            # open Messages pages show the new state (a failure is announced as a MessageFailed)
            event = events.DeliveryReported(location_id=row.location_id, message_id=row.id, delivery=delivery.value)
    events.publish(event)
    return 'failed' if status in FAILED else delivery.value


def _parsed(form: Mapping[str, str]) -> tuple[str, str, str, str] | None:
    """(id, status, phone number, failure reason) of a report, or None when it is not one: a missing or unknown
    field, an id or number of the wrong form, a status Africa's Talking does not send (fields it may add later are
    not read)."""
    if not isinstance(form, Mapping) or not all(isinstance(v, str) for v in form.values()):
        return None
    message_id, status, phone = form.get('id', ''), form.get('status', ''), form.get('phoneNumber', '')
    reason = form.get('failureReason', '')
    if not (_ID.fullmatch(message_id) and _PHONE.fullmatch(phone) and status in ON_THE_WAY | DELIVERED | FAILED
            and len(reason) <= 100 and reason.isprintable()):
        return None
    return message_id, status, phone, reason


def _refuse(outcome: str, why: str, sender: str) -> str:
    log.warning("Africa's Talking delivery report refused (%s) from %s", why, sender[:64] or 'an unknown address')
    return outcome
