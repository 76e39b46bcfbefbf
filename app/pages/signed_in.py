"""Who is signed in (``app.storage.user``) and which location they are looking at."""

from __future__ import annotations

import time
from urllib.parse import quote

from nicegui import Client, app, ui

from app import live
from app.config import get_settings
from app.models import LocationRead, Role, UserRead
from app.services import events
from app.services.accounts import activity, users
from app.services.catalogue import locations
from app.services.errors import NotFoundError
from app.services.i18n import _


def current_user(*, now: float | None = None) -> UserRead | None:
    """The signed-in user of this browser, or None (also when the sign-in has expired: idle for
    ``sign_in_idle_minutes``, kiosks excepted, or older than ``sign_in_max_days``; or the account
    was switched off, or its sign-ins were ended since this one began: a revoke or a password set by link).
    Each call counts as activity."""
    stored = app.storage.user
    user_id = stored.get('user_id')
    if user_id is None:
        return None
    now = time.time() if now is None else now
    settings = get_settings()
    signed_in, seen = stored.get('signed_in_at', 0.0), stored.get('seen_at', 0.0)
    idle_limit = None if stored.get('role') == Role.KIOSK.value else settings.sign_in_idle_minutes * 60
    if now - signed_in > settings.sign_in_max_days * 86400 or (idle_limit is not None and now - seen > idle_limit):
        stored.clear()
        stored['expired'] = True  # the login page says why
        return None
    try:
        user = users.get_user(user_id)
    except NotFoundError:
        stored.clear()
        return None
    if not user.active or stored.get('session_version', 0) != user.session_version:
        stored.clear()
        return None
    stored['seen_at'] = now
    return user.model_copy(update=request_info())


def request_info() -> dict[str, str]:
    """This browser's address and user agent (from the request that opened the page), for the log."""
    try:
        request = ui.context.client.request
    except (RuntimeError, AttributeError):
        return {}
    if request is None:
        return {}
    return {'ip': request.client.host if request.client else '', 'user_agent': request.headers.get('user-agent', '')}


FRONT_DESK = frozenset({Role.OWNER, Role.MANAGER, Role.STAFF})
"""Who may open the front-desk pages (bookings, customers); kiosk devices may not."""
MANAGING = frozenset({Role.OWNER, Role.MANAGER})
"""Who may open the business pages (dashboard, analytics, staff, services, reports, import)."""
OWNERS = frozenset({Role.OWNER})
"""Who may open the owner's pages (users, settings)."""
KIOSK = frozenset({Role.KIOSK})
"""Who may open the kiosk."""
HOME = {Role.OWNER: '/', Role.MANAGER: '/', Role.STAFF: '/bookings', Role.KIOSK: '/kiosk'}
"""Where each role lands after signing in (staff: their own day's schedule)."""


def require_user(path: str, roles: frozenset[Role] = FRONT_DESK) -> UserRead | None:
    """The signed-in user, or None after sending the browser to the login page (or refusing)."""
    user = current_user()
    if user is None:
        ui.navigate.to(f'/login?next={quote(path)}')
        return None
    if user.role not in roles:
        with ui.column().classes('m-8 gap-2'):
            ui.label(_('This page is not available for your role.')).classes('text-negative text-lg').mark('refused')
            ui.link(_('Go to your start page'), HOME[user.role])
        return None
    return user


def sign_in(user: UserRead) -> None:
    """Remember ``user`` for this browser (the sign-in's age and last activity are kept for expiry)."""
    now = time.time()
    app.storage.user.clear()
    app.storage.user.update({'user_id': user.id, 'email': user.email, 'role': user.role.value,
                             'signed_in_at': now, 'seen_at': now, 'session_version': user.session_version})


_open_pages: dict[int, dict[str, Client]] = {}
"""The open pages of each signed-in account in this process (account id → client id → client)."""


def install() -> None:
    """Start with no open pages and end them when their account's sign-ins are ended in any process (called at
    start-up: NiceGUI's test harness starts the app again for every test)."""
    _open_pages.clear()
    events.subscribe(_heard)


def watch(user: UserRead) -> None:
    """Count this page as ``user``'s until it closes: should their sign-ins be ended (revoked, password set anew), it
    goes to the login page at once."""
    client = ui.context.client
    _open_pages.setdefault(user.id, {})[client.id] = client
    client.on_delete(lambda: _open_pages.get(user.id, {}).pop(client.id, None))


def _heard(event: events.Event) -> None:
    """(any thread) An account's sign-ins ended: its open pages, on the event loop."""
    if isinstance(event, events.SignInEnded):
        live.call_soon(lambda: _end_pages(event.user_id))


def _end_pages(user_id: int) -> None:
    for client in list(_open_pages.pop(user_id, {}).values()):
        if client.id not in Client.instances:
            continue
        with client:  # the login page signs the browser out (its stored ``session_version`` is older)
            ui.navigate.to('/login')


def sign_out(user: UserRead | None = None) -> None:
    """Forget the signed-in user (and log it)."""
    if user is not None:
        activity.record(user, 'sign_out', location_id=user.location_id)
    app.storage.user.clear()


def current_location(user: UserRead) -> LocationRead | None:
    """The location shown: the user's own, or for an owner the one last chosen (default: the first)."""
    if user.location_id is not None:
        return locations.get_location(user.location_id, actor=user)
    chosen = app.storage.user.get('location_id')
    every = locations.list_locations(actor=user)
    return next((x for x in every if x.id == chosen), every[0] if every else None)


def choose_location(location_id: int) -> None:
    """Owner picks the location to look at."""
    app.storage.user['location_id'] = location_id
