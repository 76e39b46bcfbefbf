"""The first run: an install with no account is claimed through a one-time setup link, never by whoever asks first.

``clientpulse run`` on a database without accounts prints a link holding a random token (256 bits) drawn by the
serving process and kept only in its memory, as the desktop window's sign-in is. Only that link opens the setup;
the first owner account is made with it, in a transaction that checks again that there is no account yet, and the
token is then spent. Anyone on the shop's network who finds the app before the owner does meets a page that says
to use the link printed where the app was started.
"""

from __future__ import annotations

import hmac
import secrets
import threading

from sqlalchemy import func, text
from sqlmodel import select

from app.models import Role, User, UserRead
from app.services.accounts import activity, users
from app.services.database import session_scope
from app.services.errors import PermissionDeniedError
from app.services.i18n import _, deferred

_token: str | None = None
_lock = threading.Lock()


def needs_setup() -> bool:
    """Whether the database has no account at all (a fresh install)."""
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(User)).one() == 0


def issue_token() -> str | None:
    """The setup token of this process, drawn on first call, if the install still needs setting up (else None)."""
    global _token  # noqa: PLW0603  (one token per serving process, by design)
    if not needs_setup():
        return None
    with _lock:
        if _token is None:
            _token = secrets.token_urlsafe(32)
        return _token


def setup_path() -> str | None:
    """``/setup?token=…`` for this process, or None when there is nothing to set up."""
    token = issue_token()
    return f'/setup?token={token}' if token else None


def token_valid(token: str) -> bool:
    """Whether ``token`` is this process's setup token and the install still has no account."""
    with _lock:
        current = _token
    return bool(token and current and hmac.compare_digest(current.encode(), token.encode())) and needs_setup()


def create_first_owner(token: str, email: str, password: str) -> UserRead:
    """The install's first account, an owner, made with the setup link's ``token``; the token is spent.

    :raises PermissionDeniedError: a wrong or spent token, or an install that already has an account
    :raises ValidationError: a malformed address or a short password
    """
    global _token  # noqa: PLW0603
    email = users.check_new_password(email, password)
    if not token_valid(token):
        raise PermissionDeniedError(_('This setup link is not valid (any more). Sign in, or use the link printed '
                                      'where ClientPulse was started.'))
    with session_scope(write=True) as session:
        if session.get_bind().dialect.name == 'postgresql':  # two setups at once: the second waits, then sees one
            session.execute(text('LOCK TABLE app_user IN SHARE ROW EXCLUSIVE MODE'))
        if session.exec(select(func.count()).select_from(User)).one():
            raise PermissionDeniedError(_('This ClientPulse already has an owner. Sign in.'))
        owner = users.create_in(session, email, password, role=Role.OWNER, location_id=None, staff_member_id=None)
        activity.add(session, owner, 'setup', deferred('First owner account created through the setup link'))
    with _lock:
        _token = None
    return owner


def forget() -> None:
    """Drop this process's token (tests start every app afresh)."""
    global _token  # noqa: PLW0603
    with _lock:
        _token = None
