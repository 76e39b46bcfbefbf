"""The M-Pesa callback endpoint: Daraja posts each prompt's result to ``POST /payments/mpesa/callback/<token>`` (the
CallBackURL the prompt was sent with; the token is the prompt's own). It needs no sign-in (Safaricom calls it), and
what it may change is decided by :func:`mobile_money.handle_callback`: a callback only makes the app ask Daraja.

Every body is hostile: it is read up to 64 KiB (more, declared or sent: 413, unread beyond the cap), parsed only if
its brackets nest at most 16 deep (Daraja's own body nests 6; Python's parser recurses per level), in a worker
thread. Whatever arrives, the answer is Daraja's acknowledgement ``{"ResultCode": 0, "ResultDesc": "Accepted"}`` or
``{"ResultCode": 1, "ResultDesc": "Rejected"}``, never a 500.
"""

from __future__ import annotations

import json
import logging
import re

from fastapi import Request
from fastapi.responses import JSONResponse

from app.pages import language, upload_limit
from app.pages.guard import route
from app.services.money import mobile_money

MAX_BYTES = 64 * 1024
MAX_DEPTH = 16
ACCEPTED = {'ResultCode': 0, 'ResultDesc': 'Accepted'}
REJECTED = {'ResultCode': 1, 'ResultDesc': 'Rejected'}
# a JSON string (skipped whole: brackets in it do not nest), a bracket, or a quote that opens a string never closed
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]|"', re.DOTALL)
logger = logging.getLogger(__name__)


@route('POST', '/payments/mpesa/callback', proof='none: refused and logged (every prompt carries its token)',
       include_in_schema=False)
async def mpesa_callback_without_token(request: Request) -> JSONResponse:
    """Refused and logged: every prompt's callback URL carries its token."""
    return await _answer(request, '')  # refused and logged: every prompt's URL carries its token


@route('POST', '/payments/mpesa/callback/{token}', proof="the prompt's callback token", include_in_schema=False)
async def mpesa_callback(request: Request, token: str) -> JSONResponse:
    """Daraja's answer to an M-Pesa prompt, for the prompt's ``token``."""
    return await _answer(request, token)


async def _answer(request: Request, token: str) -> JSONResponse:
    raw = await upload_limit.read_capped(request, MAX_BYTES)
    if raw is None:
        return JSONResponse({**REJECTED, 'ResultDesc': 'Rejected: too large'}, status_code=413)
    sender = request.client.host if request.client else ''
    try:
        done = await language.io_bound(_handle, token[:200], raw, sender)
    except Exception:  # a database that cannot be reached, say: Daraja still gets its answer; the query settles later
        logger.exception('M-Pesa callback not handled')
        done = 'refused'
    return JSONResponse(REJECTED if done == 'refused' else ACCEPTED)


def _handle(token: str, raw: bytes, sender: str) -> str:
    return mobile_money.handle_callback(token, parse_body(raw), sender=sender)


def parse_body(raw: bytes) -> object:
    """``raw`` as JSON, or None: not UTF-8 JSON, nested deeper than :data:`MAX_DEPTH` (counted before the parser
    sees it), or numbers it cannot hold (NaN, Infinity: not JSON)."""
    if _nesting_over_limit(raw):
        return None
    try:
        return json.loads(raw, parse_constant=_not_json)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def _not_json(name: str) -> None:
    raise ValueError(f'{name} is not JSON')


def _nesting_over_limit(raw: bytes) -> bool:
    """Whether ``raw``'s brackets nest deeper than :data:`MAX_DEPTH` (or a string is never closed: not JSON). One
    pass: a string is matched once, from its opening quote (an unclosed one ends the scan)."""
    if raw.count(b'[') + raw.count(b'{') <= MAX_DEPTH:
        return False
    depth = 0
    for match in _TOKENS.finditer(raw):
        token = match.group()
        if token == b'"':
            return True
        if token in (b'[', b'{'):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif token in (b']', b'}'):
            depth -= 1
    return False
