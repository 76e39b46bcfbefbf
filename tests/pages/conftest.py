"""Page tests: a fresh SQLite database with a small shop, prepared before NiceGUI runs main.py."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pytest
from nicegui.testing import User

from app.models import Role
from app.services.accounts import users
from tests.factories import OWNER, make_customer, make_location, make_service, make_staff_member

PASSWORD = 'correct horse'
DAY = date(2030, 3, 4)  # a Monday; pages are opened with ?day= so "today" does not matter


@pytest.fixture(autouse=True)
def shop(sqlite_db):
    location = make_location()
    shop = {
        'location': location,
        'jj': make_staff_member(location, 'JJ'),
        'becky': make_staff_member(location, 'BECKY'),
        'cut': make_service(location),
        'mens': make_service(location, 'SHCM', "Men's cut", minutes=30, price_cents=4500),
        'alex': make_customer(location),
        'sam': make_customer(location, 'Sam Lee', '416-555-0102'),
    }
    for role in Role:
        users.create_user(f'{role.value}@shop.test', PASSWORD, role=role, actor=OWNER,
                          location_id=None if role == Role.OWNER else location.id)
    return shop


async def sign_in(user: User, role: Role = Role.OWNER, then: str = '/') -> None:
    """Sign ``user`` in through the login page and open ``then``."""
    await user.open(f'/login?next={quote(then)}')
    user.find(marker='email').type(f'{role.value}@shop.test')
    user.find(marker='password').type(PASSWORD)
    user.find(marker='sign-in').click()
    # signing in checks an argon2 hash in a worker thread: allow a loaded machine up to 10 s (200 × 0.05 s;
    # the 'ClientPulse' label is on the login page too, so only leaving the login page counts)
    await _left_login(user, then)


async def _left_login(user: User, then: str) -> None:
    """Wait until ``user`` has left the login page. NiceGUI's harness sends ``ui.navigate`` to whichever
    simulated user was touched last, and another user's page that receives a live update in the
    meantime counts as touched: the login page's navigation then goes to that user. The sign-in itself
    is stored in this user's session either way, so after 5 s this opens ``then`` itself; a sign-in that
    really failed is still caught (the page sends the user back to the login page)."""
    try:  # the sign-in button's marker, not its words: the login page speaks the shop's language
        await user.should_not_see(marker='sign-in', retries=100)
    except AssertionError:
        await user.open(then)
        await user.should_not_see(marker='sign-in', retries=100)


async def log_in(user: User, role: Role) -> None:
    """Sign ``user`` in as ``role`` and wait until the login page has sent them on to their start page."""
    from app.pages.signed_in import HOME
    await user.open('/login')
    user.find(marker='email').type(f'{role.value}@shop.test')
    user.find(marker='password').type(PASSWORD)
    user.find(marker='sign-in').click()
    await _left_login(user, HOME[role])


def drawn(user: User) -> set[int]:
    """The ids of the bookings the day view of ``user``'s page draws (as its server side holds them)."""
    return next(iter(user.find(marker='day-grid').elements)).booking_ids()


def click_block(user: User, booking_id: int) -> None:
    """Click a booking's block in the day view (``day_grid.js`` emits ``open`` with the booking's id)."""
    assert booking_id in drawn(user), f'booking {booking_id} is not drawn'
    user.find(marker='day-grid').trigger('open', booking_id)


@pytest.fixture
def room_messages(user: User, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict, str | None]]:
    """Every live-room message sent from now on: (room, message, socket id or None for the whole room)."""
    import sys
    rooms = sys.modules['app.live.rooms']
    sent: list[tuple[str, dict, str | None]] = []
    original = rooms._send

    async def record(room: str, message: dict, to: str | None = None) -> None:
        sent.append((room, message, to))
        await original(room, message, to)

    monkeypatch.setattr(rooms, '_send', record)
    return sent


def toasts(user: User, sent: list[tuple[str, dict, str | None]]) -> list[str]:
    """The toasts the room of ``user``'s page was sent (the frame's and the bell's)."""
    import sys
    room = sys.modules['app.live.rooms'].subscription_of(user.client).room.name
    return [toast['message'] for name, message, _ in sent if name == room
            for toast in (message.get('toast'), (message.get('notice') or {}).get('toast')) if toast]
