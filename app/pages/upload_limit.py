"""A cap on what one upload may send, checked before a byte of it is read.

NiceGUI hands an upload to Starlette, which spools any size to disk before the page's handler can look
at it; a chat link's holder or a signed-in tab could fill the disk that way. This ASGI middleware answers
413 to an upload that declares more than :func:`limit_bytes`, and 411 to one that declares no length
(browsers always declare it for a form upload; the server's HTTP layer holds a body to what it declared).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import get_settings

OVERHEAD = 1024 * 1024
"""Room for the multipart framing around the file."""


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
