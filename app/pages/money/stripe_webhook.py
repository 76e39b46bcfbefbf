"""Stripe's webhook endpoint: ``POST /payments/stripe/webhook``, where Stripe posts ``checkout.session.completed``
and ``checkout.session.async_payment_succeeded`` for card deposits. It needs no sign-in (Stripe calls it); what it
may change is decided by :func:`card_checkout.handle_webhook`: only a correctly signed, fresh event counts, and even
then the session is asked of Stripe before anyone believes it is paid.

The body is read up to 64 KiB (more, declared or sent: 413, unread beyond the cap) and handled in a worker thread.
Answers: 200 ``{"received": true}`` for an event taken in, a duplicate or one ignored; 400 ``{"received": false,
"error": <reason>}`` for a bad signature or body; 503 when Stripe could not be asked or the database failed (Stripe
retries, the event's claim was released). Never a traceback.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import JSONResponse

from app.pages import language, upload_limit
from app.pages.guard import route
from app.services.money import card_checkout

PATH = '/payments/stripe/webhook'
MAX_BYTES = 64 * 1024
logger = logging.getLogger(__name__)


@route('POST', PATH, proof="Stripe's signature of the body", include_in_schema=False)
async def stripe_webhook(request: Request) -> JSONResponse:
    """Stripe's events about card checkouts (signed by Stripe)."""
    return await _answer(request)


async def _answer(request: Request) -> JSONResponse:
    raw = await upload_limit.read_capped(request, MAX_BYTES)
    if raw is None:
        return JSONResponse({'received': False, 'error': 'too large'}, status_code=413)
    signature = request.headers.get('stripe-signature', '')
    try:
        outcome = await language.io_bound(card_checkout.handle_webhook, raw, signature)
    except card_checkout.WebhookRefused as refused:
        logger.warning('Stripe webhook refused from %s: %s', request.client.host if request.client else '?', refused)
        return JSONResponse({'received': False, 'error': str(refused)}, status_code=400)
    except card_checkout.ProviderError as error:
        logger.warning('Stripe webhook not handled, Stripe will retry: %s', error)
        return JSONResponse({'received': False, 'error': 'try again'}, status_code=503)
    except Exception:  # the database, or no handler registered: Stripe retries later
        logger.exception('Stripe webhook not handled')
        return JSONResponse({'received': False, 'error': 'try again'}, status_code=503)
    logger.info('Stripe webhook: %s', outcome)
    return JSONResponse({'received': True})
