"""The M-Pesa callback endpoint (``POST /payments/mpesa/callback``): Daraja posts each prompt's result here. It needs
no sign-in (Safaricom calls it); what it may change is decided by :func:`mobile_money.settle` (only a pending prompt
that matches, only once). Bodies over 64 KB or not JSON are refused unread."""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import JSONResponse
from nicegui import app, run

from app.services.money import mobile_money

MAX_BYTES = 64 * 1024


def register() -> None:
    @app.post('/payments/mpesa/callback')
    async def mpesa_callback(request: Request) -> JSONResponse:
        declared = request.headers.get('content-length', '')
        if not declared.isdigit() or int(declared) > MAX_BYTES:
            return JSONResponse({'ResultCode': 1, 'ResultDesc': 'Rejected: size'}, status_code=413)
        body = await request.body()
        try:
            parsed = json.loads(body[:MAX_BYTES])
        except ValueError:
            parsed = None
        done = await run.io_bound(mobile_money.handle_callback, parsed if isinstance(parsed, dict) else {})
        accepted = done in ('paid', 'failed', 'already')
        return JSONResponse({'ResultCode': 0 if accepted else 1, 'ResultDesc': 'Accepted' if accepted else 'Rejected'})
