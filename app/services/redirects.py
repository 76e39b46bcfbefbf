"""Where the app may send a browser after signing in: only to a path of this app.

A ``next`` parameter comes from the address bar, so anyone can write it: ``//evil.example``,
``/\\evil.example`` (browsers read a backslash as a slash), ``/%09/evil.example`` once decoded, or
``https://evil.example`` would take a person who just signed in to another site (an open redirect,
OWASP's "Unvalidated Redirects and Forwards" cheat sheet). :func:`local_path` lets through only an
absolute path on this host, with no scheme, no host, no backslash and no control character.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000


def local_path(target: object) -> str | None:
    """``target`` if it is a path of this app (``/bookings?day=2030-03-04``), else None.

    Refused: not text, empty, longer than 2000 characters, not starting with a single ``/``, a scheme
    or host (also after percent-decoding), a backslash, or a control character (browsers drop tabs and
    newlines, so ``/\\t/evil.example`` would become ``//evil.example``).
    """
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return None
    for text in (target, unquote(target)):
        if '\\' in text or any(ord(c) < 32 or ord(c) == 127 for c in text):
            return None
        if not text.startswith('/') or text.startswith('//'):
            return None
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return None
    return target
