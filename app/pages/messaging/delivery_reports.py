"""The Africa's Talking delivery-report endpoint: ``POST /messages/sms/africastalking/<token>`` (the URL the owner
registers in Africa's Talking's dashboard, shown on Settings). It needs no sign-in (Africa's Talking calls it); what
a report may change, and why it is believed, is :func:`delivery_reports.handle_report`'s.

Every body is hostile: read up to 8 KiB (more, declared or sent: 413, unread beyond the cap), parsed as a form of at
most 20 fields, each once (a repeated field, bytes that are not UTF-8: refused), in a worker thread. The answer is
plain text: 200 for a report taken (or already known), 400 not a report, 403 a wrong token, 404 no such message,
413 too large, 503 when it could not be recorded now (Africa's Talking tries again); never a 500.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import PlainTextResponse

from app.pages import language, upload_limit
from app.pages.guard import route
from app.services.messaging import delivery_reports, sms

MAX_BYTES = 8 * 1024
MAX_FIELDS = 20
ANSWERS = {'delivered': (200, 'OK'), 'failed': (200, 'OK'), 'pending': (200, 'OK'), 'already': (200, 'OK'),
           'malformed': (400, 'Not a delivery report'), 'forbidden': (403, 'Forbidden'),
           'unknown': (404, 'No such message')}
logger = logging.getLogger(__name__)


@route('POST', sms.DELIVERY_REPORT_PATH, proof='none: refused and logged (the registered URL carries its token)',
       include_in_schema=False)
async def africastalking_report_without_token(request: Request) -> PlainTextResponse:
    """Refused and logged: the URL registered with Africa's Talking carries a token."""
    return await _answer(request, '')  # refused and logged: the registered URL carries the token


@route('POST', sms.DELIVERY_REPORT_PATH + '/{token}', proof="the delivery reports' token", include_in_schema=False)
async def africastalking_report(request: Request, token: str) -> PlainTextResponse:
    """A delivery report from Africa's Talking, for the URL's ``token``."""
    return await _answer(request, token)


async def _answer(request: Request, token: str) -> PlainTextResponse:
    raw = await upload_limit.read_capped(request, MAX_BYTES)
    if raw is None:
        return PlainTextResponse('Too large', status_code=413)
    sender = request.client.host if request.client else ''
    try:
        done = await language.io_bound(_handle, token[:200], raw, sender)
    except Exception:  # a database that cannot be reached, say: the report is sent again later
        logger.exception("Africa's Talking delivery report not handled")
        return PlainTextResponse('Try again later', status_code=503)
    status, text = ANSWERS.get(done, (400, 'Not a delivery report'))
    return PlainTextResponse(text, status_code=status)


def _handle(token: str, raw: bytes, sender: str) -> str:
    return delivery_reports.handle_report(token, parse_form(raw), sender=sender)


def parse_form(raw: bytes) -> dict[str, str]:
    """``raw`` as a form (``application/x-www-form-urlencoded``), one value per field; ``{}`` when it is not one
    (not UTF-8, more than :data:`MAX_FIELDS` fields, a field given twice), which the service refuses as malformed."""
    try:
        fields = parse_qs(raw.decode('utf-8'), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:  # UnicodeDecodeError is one; so is "too many fields"
        return {}
    if any(len(values) != 1 for values in fields.values()):
        return {}
    return {key: values[0] for key, values in fields.items()}
