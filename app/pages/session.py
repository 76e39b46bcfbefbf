"""Who is signed in (``app.storage.user``) and which location they are looking at."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import app, ui

from app.models import LocationRead, Role, UserRead
from app.services import locations, users
from app.services.errors import NotFoundError


def current_user() -> UserRead | None:
    """The signed-in user of this browser, or None."""
    user_id = app.storage.user.get('user_id')
    if user_id is None:
        return None
    try:
        user = users.get_user(user_id)
    except NotFoundError:
        app.storage.user.clear()
        return None
    return user if user.active else None


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
            ui.label('This page is not available for your role.').classes('text-negative text-lg').mark('refused')
            ui.link('Go to your start page', HOME[user.role])
        return None
    return user


def sign_in(user: UserRead) -> None:
    """Remember ``user`` for this browser."""
    app.storage.user.update({'user_id': user.id, 'email': user.email, 'role': user.role.value})


def sign_out() -> None:
    """Forget the signed-in user."""
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
