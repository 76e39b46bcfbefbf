"""Signing the owner into the desktop window without a password, safely.

When the app opens its own native window it draws a random one-time token (``secrets``) and points
the window at ``/native-login?token=…``. The token is accepted once, only from this machine's
loopback address, and only while the process that drew it runs: a browser on the LAN, a second
visit, or a guessed token gets the login page instead.
"""

from __future__ import annotations

import hmac
import secrets
import threading

LOOPBACK = frozenset({'127.0.0.1', '::1'})
_pending: set[str] = set()
_lock = threading.Lock()


def issue_token() -> str:
    """A new one-time token (256 random bits, URL-safe) for the window this process opens."""
    token = secrets.token_urlsafe(32)
    with _lock:
        _pending.add(token)
    return token


def redeem(token: str, client_host: str | None) -> bool:
    """Whether ``token`` is an unused token of this process presented from this machine; it is
    used up either way once it matched (a second use fails)."""
    if not token or client_host not in LOOPBACK:
        return False
    with _lock:
        match = next((t for t in _pending if hmac.compare_digest(t.encode(), token.encode())), None)
        if match is None:
            return False
        _pending.discard(match)
    return True
