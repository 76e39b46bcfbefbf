"""A cap on what one upload may send, checked before a byte of it is read; and :func:`read_capped`, the same cap on
a callback's body (M-Pesa's results, Africa's Talking's delivery reports).

NiceGUI hands an upload to Starlette, which spools any size to disk before the page's handler can look
at it; a chat link's holder or a signed-in tab could fill the disk that way. This ASGI middleware answers
413 to an upload that declares more than :func:`limit_bytes`, and 411 to one that declares no length
(browsers always declare it for a form upload; the server's HTTP layer holds a body to what it declared).
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import get_settings

OVERHEAD = 1024 * 1024
"""Room for the multipart framing around the file."""


async def read_capped(request: Request, most: int) -> bytes | None:
    """``request``'s body (bytes; ``b''`` when the sender went away), or None when it is, or says it is, over
    ``most`` bytes: a declared length over the cap or not a number is refused before a byte is read, and nothing
    beyond the cap is read of a body that does not declare one."""
    declared = request.headers.get('content-length')
    if declared is not None and (not declared.isdigit() or int(declared) > most):
        return None
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > most:
                return None
            chunks.append(chunk)
    except ClientDisconnect:
        return b''
    return b''.join(chunks)


def limit_bytes() -> int:
    """The most one upload request may carry: the larger of the import and chat attachment limits, plus framing."""
    settings = get_settings()
    return int(max(settings.import_max_mb, settings.chat_attachment_max_mb) * 1024 * 1024) + OVERHEAD


class UploadLimit:
    """Refuses an oversized or unsized upload (``POST …/upload/…``) before it is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] == 'http' and scope['method'] == 'POST' and '/upload/' in scope['path']:
            declared = dict(scope['headers']).get(b'content-length')
            if declared is None or not declared.isdigit():
                return await _answer(send, 411, b'An upload must declare its length.')
            if int(declared) > limit_bytes():
                return await _answer(send, 413, b'This file is larger than the app accepts.')
        return await self.app(scope, receive, send)


async def _answer(send: Send, status: int, text: bytes) -> None:
    headers = [(b'content-type', b'text/plain; charset=utf-8'), (b'content-length', str(len(text)).encode())]
    await send({'type': 'http.response.start', 'status': status, 'headers': headers})
    await send({'type': 'http.response.body', 'body': text})


def install(app) -> None:
    """Add the middleware to NiceGUI's app once (before it starts; the test harness starts each test afresh)."""
    if not any(getattr(m.cls, '__name__', '') == UploadLimit.__name__ for m in app.user_middleware):
        app.add_middleware(UploadLimit)
